// SPDX-License-Identifier: GPL-2.0
/*
 * xp_forkstress - fork/exec/exit storms under every user-space lever that
 * makes rmap walkers write ptes, with a check that no data is lost.
 *
 * The windows (see Documentation/design.md): a child's page tables at fork
 * and a new mm's stack at exec, before they are pinned, and a dying mm's
 * page tables at exit, after they are unpinned.  The levers that reach them:
 * page_idle bitmap writes (rmap walk clearing Accessed: exit, exec),
 * process_madvise(MADV_PAGEOUT) and cgroup memory.reclaim (reclaim:
 * try_to_unmap_one), compact_memory (migration: try_to_migrate_one and
 * remove_migration_ptes), msync of a shared file on a block filesystem
 * (page_mkclean_one), multi-gen LRU aging of our memcg (mm walks and rmap
 * look-around), DAMON with physical-address operations (rmap walks that
 * clear Accessed, and a pageout scheme), clear_refs / MADV_COLD (own mm
 * only), and plain memory pressure: our memcg's memory.high is set below
 * what the storm uses, so that its own page faults and forks keep entering
 * direct reclaim (reclaim_high: folio_referenced_one, try_to_unmap_one),
 * swapping to zram.  And truncation (unmap_mapping_range() through the
 * file's i_mmap tree, then the folios removed from the page cache): hole
 * punching, shrinking and regrowing of a memfd and of a file on the block
 * filesystem that every child maps shared and private, each mapping alone
 * in its pte table, so that the child's exit zaps whole tables of dirty
 * shared ptes (delayed rmaps) and fork copies the private ones.
 *
 * Environment:
 *   XP_STRESS_SECONDS  duration of the storm (default 8; soak: longer)
 *   XP_STRESS_DIR      directory on a block-backed filesystem for the
 *                      shared file (default /mnt/xp, else /tmp)
 *   XP_LEVERS          comma-separated levers to run (default: all):
 *                      idle, pageout, reclaim, compact, msync, clear_refs,
 *                      cold, mglru, damon, pressure, truncate.  The negative control
 *                      that reproduces the 2007 oops runs "idle" alone, so
 *                      that the young-clearing path is the one that meets
 *                      the window.
 *   XP_FAILINJECT      <page %>[/<slab %>]: fault injection
 *                      (fail_page_alloc, failslab) in the forking workers
 *                      and every child they fork or vfork, see fi_setup()
 *   XP_FI_CONTROL      keep: the negative control of the page-table leak
 *                      check (a child keeps page tables past the storm)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"

#define PAGE 4096UL
#define ANON_PAGES 512
#define FILE_PAGES 256
#define SHM_PAGES 256

static volatile int stop;
static atomic_long n_idle, n_idle_passes, n_punch, n_shrink;
static atomic_int mglru_err;
static pid_t last_child;

enum {
	L_PAGEOUT, L_RECLAIM, L_COMPACT, L_MSYNC, L_CLEAR_REFS, L_COLD, L_MGLRU, L_MRELEASE,
	L_REMOTE, L_THREADS,	/* the levers with a thread of their own in lever_loop() */
	L_IDLE = L_THREADS, L_DAMON, L_PRESSURE, L_TRUNCATE, L_COUNT
};

static const char *const lever_names[L_COUNT] = {
	[L_PAGEOUT] = "pageout", [L_RECLAIM] = "reclaim", [L_COMPACT] = "compact",
	[L_MSYNC] = "msync", [L_CLEAR_REFS] = "clear_refs", [L_COLD] = "cold",
	[L_MGLRU] = "mglru", [L_MRELEASE] = "mrelease", [L_REMOTE] = "remote",
	[L_IDLE] = "idle", [L_DAMON] = "damon", [L_PRESSURE] = "pressure",
	[L_TRUNCATE] = "truncate",
};

static atomic_long n_lever[L_THREADS];

/* Is lever @name selected by XP_LEVERS (all of them when it is unset)? */
static bool lever_on(const char *name)
{
	const char *list = getenv("XP_LEVERS");
	size_t n = strlen(name);

	if (!list || !*list)
		return true;
	for (const char *p = list; *p; p += strcspn(p, ","), p += !!*p)
		if (strcspn(p, ",") == n && !strncmp(p, name, n))
			return true;
	return false;
}

/* Every name in XP_LEVERS must be a lever: a typo must not pass silently. */
static bool levers_valid(void)
{
	const char *list = getenv("XP_LEVERS");

	if (!list)
		return true;
	for (const char *p = list; *p; p += strcspn(p, ","), p += !!*p) {
		size_t len = strcspn(p, ",");
		bool known = false;

		for (unsigned int i = 0; i < sizeof(lever_names) / sizeof(lever_names[0]); i++)
			known |= strlen(lever_names[i]) == len && !strncmp(p, lever_names[i], len);
		if (!known)
			return false;
	}
	return true;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	int ret;

	if (fd < 0)
		return -errno;
	ret = write(fd, s, strlen(s)) < 0 ? -errno : 0;
	close(fd);
	return ret;
}

/*
 * Fault injection (Documentation/fault-injection/fault-injection.rst).
 * With XP_FAILINJECT=<page %>[/<slab %>], the allocations of the tasks
 * whose /proc/<pid>/make-it-fail is 1 (task-filter) fail: page allocations
 * (fail_page_alloc) with a probability of <page %>, of every order and
 * whether they may sleep or not, and slab allocations (failslab) with
 * <slab %> (default: the same).  A fork makes about ten times as many slab
 * allocations as page allocations, and every one must succeed.  The
 * storm's forking workers set make-it-fail and their children inherit it:
 * the fork in the parent (dup_mmap(), the
 * child's page tables), the child's faults and exit, the vfork child's
 * exec.  The levers, the parent and the checks run without it.  Each
 * attribute's "times" starts at FI_TIMES and counts down with each failure
 * injected: what it lost is the number injected.
 */
#define FI_TIMES 1000000000L
#define FI_DEBUGFS "/sys/kernel/debug/"
#define FI_SITES "/sys/kernel/debug/ptep_test/fail_sites"

static int fi_percent = -1, fi_slab_percent = -1;

/* Parses XP_FAILINJECT: false if it is set but malformed. */
static bool fi_parse(void)
{
	const char *s = getenv("XP_FAILINJECT");
	char *end;

	if (!s || !*s)
		return true;
	fi_percent = strtol(s, &end, 10);
	fi_slab_percent = fi_percent;
	if (*end == '/' && end[1])
		fi_slab_percent = strtol(end + 1, &end, 10);
	return !*end && fi_percent >= 0 && fi_percent <= 100 &&
	       fi_slab_percent >= 0 && fi_slab_percent <= 100;
}

/*
 * The value of the "@key value" line of @path (memory.stat, or
 * /proc/meminfo with a key that ends in ':'), or its first number when
 * @key is NULL (memory.current, a debugfs attribute); -1 if unavailable.
 */
static long long file_value(const char *path, const char *key)
{
	char line[256], k[64];
	long long v, ret = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!key && sscanf(line, "%lld", &v) == 1) {
			ret = v;
			break;
		}
		if (key && sscanf(line, "%63s %lld", k, &v) == 2 && !strcmp(k, key)) {
			ret = v;
			break;
		}
	}
	fclose(f);
	return ret;
}

static int fi_write(const char *attr, const char *file, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), FI_DEBUGFS "%s/%s", attr, file);
	return write_str(path, val);
}

/* Arms both attributes; 0 or the first error. */
static int fi_setup(void)
{
	static const char *const attrs[] = { "failslab", "fail_page_alloc" };
	char v[32];
	int ret = 0;

	for (int i = 0; i < 2; i++) {
		const char *a = attrs[i];

		ret = ret ?: fi_write(a, "probability", "0");
		ret = ret ?: fi_write(a, "task-filter", "Y");
		ret = ret ?: fi_write(a, "verbose", "0");
		ret = ret ?: fi_write(a, "space", "0");
		ret = ret ?: fi_write(a, "ignore-gfp-wait", "N");
		snprintf(v, sizeof(v), "%ld", FI_TIMES);
		ret = ret ?: fi_write(a, "times", v);
		ret = ret ?: fi_write(a, "interval", "1");
	}
	ret = ret ?: fi_write("failslab", "cache-filter", "N");
	ret = ret ?: fi_write("fail_page_alloc", "min-order", "0");
	ret = ret ?: fi_write("fail_page_alloc", "ignore-gfp-highmem", "N");
	snprintf(v, sizeof(v), "%d", fi_slab_percent);
	ret = ret ?: fi_write("failslab", "probability", v);
	snprintf(v, sizeof(v), "%d", fi_percent);
	ret = ret ?: fi_write("fail_page_alloc", "probability", v);
	return ret;
}

/* Disarms both; returns how many failures each injected (-1: unknown). */
static void fi_stop(long *slab, long *page)
{
	long t;

	fi_write("failslab", "probability", "0");
	fi_write("fail_page_alloc", "probability", "0");
	t = file_value(FI_DEBUGFS "failslab/times", NULL);
	*slab = t < 0 ? -1 : FI_TIMES - t;
	t = file_value(FI_DEBUGFS "fail_page_alloc/times", NULL);
	*page = t < 0 ? -1 : FI_TIMES - t;
}

/*
 * The fallbacks for a failed allocation on the paths the series changes
 * (its own, and the mmu_gather's at exit), as the kernel counts them
 * (CONFIG_PTEP_TEST_HOOKS): "<site> <count>" lines, only the sites that
 * exist on this kernel and platform.  Returns the number of sites.
 */
#define FI_MAX_SITES 16
struct fi_sites {
	int n;
	char name[FI_MAX_SITES][48];
	long count[FI_MAX_SITES];
};

static int fi_sites_read(struct fi_sites *s)
{
	FILE *f = fopen(FI_SITES, "r");

	s->n = 0;
	if (!f)
		return -1;
	while (s->n < FI_MAX_SITES &&
	       fscanf(f, "%47s %ld", s->name[s->n], &s->count[s->n]) == 2)
		s->n++;
	fclose(f);
	return s->n;
}

/*
 * True while fault injection is on and some fail site has not been taken
 * since @s0: the storm goes on, a second at a time, up to three times its
 * length, so that a rare site (one the storm reaches a few times a run)
 * is counted before the check below says it was never reached.
 */
static bool fi_sites_short(const struct fi_sites *s0)
{
	const char *ctl = getenv("XP_FI_CONTROL");
	struct fi_sites s;

	/* XP_FI_CONTROL=keep checks the page tables only. */
	if (fi_percent < 0 || (ctl && !strcmp(ctl, "keep")) || fi_sites_read(&s) != s0->n)
		return false;
	for (int i = 0; i < s.n; i++)
		if (s.count[i] == s0->count[i])
			return true;
	return false;
}

/*
 * A /proc/meminfo line in kB.  PageTables counts the page tables in use
 * (from their constructor to their destructor), not the pages the series'
 * Xen PV pools hold, which are constructed when handed out.
 */
static long meminfo_kb(const char *key)
{
	char k[64];

	/* Fold the CPUs' pending vmstat deltas in first. */
	write_str("/proc/sys/vm/stat_refresh", "1");
	snprintf(k, sizeof(k), "%s:", key);
	return file_value("/proc/meminfo", k);
}

static uint64_t pattern(unsigned long gen, unsigned long page, unsigned long word)
{
	return (gen << 40) ^ (page << 16) ^ word ^ 0x5a5a5a5a5aULL;
}

/* Pages of [addr, addr + npages pages) that are not in memory (swapped out). */
static unsigned long not_resident(void *addr, unsigned long npages)
{
	unsigned char vec[ANON_PAGES > SHM_PAGES ? ANON_PAGES : SHM_PAGES];
	unsigned long n = 0;

	if (npages > sizeof(vec) || mincore(addr, npages * PAGE, vec))
		return 0;
	for (unsigned long i = 0; i < npages; i++)
		n += !(vec[i] & 1);
	return n;
}

/* Is a swap device active (a line after the header of /proc/swaps)? */
static bool swap_active(void)
{
	FILE *f = fopen("/proc/swaps", "r");
	char line[256];
	int lines = 0;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		lines++;
	fclose(f);
	return lines > 1;
}

/* A cgroup file's value: see file_value(). */
static long long cg_read(const char *file, const char *key)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/fs/cgroup/xp/%s", file);
	return file_value(path, key);
}

/* Compare @npages at @base with pattern(gen); log the first mismatches. */
static unsigned long verify_pattern(struct __test_metadata *_metadata, const char *what,
				    const char *base, unsigned long npages, unsigned long gen,
				    unsigned long *bad)
{
	for (unsigned long p = 0; p < npages; p++)
		for (unsigned long w = 0; w < PAGE / 8; w++) {
			uint64_t want = pattern(gen, p, w), got = ((const uint64_t *)(base + p * PAGE))[w];

			if (got != want && (*bad)++ < 5)
				TH_LOG("%s page %lu word %lu: expected %#llx, got %#llx", what, p, w,
				       (unsigned long long)want, (unsigned long long)got);
		}
	return npages * PAGE;
}

/* PFNs of a range of our own pages, from /proc/self/pagemap. */
static int pfns_of(void *addr, unsigned long npages, uint64_t *pfns)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	unsigned long i, known = 0;

	if (fd < 0)
		return -1;
	for (i = 0; i < npages; i++) {
		uint64_t e = 0;
		off_t off = ((uintptr_t)addr / PAGE + i) * 8;

		if (pread(fd, &e, 8, off) == 8 && (e >> 63) & 1 && (e & ((1ULL << 55) - 1))) {
			pfns[i] = e & ((1ULL << 55) - 1);
			known++;
		} else {
			pfns[i] = 0;
		}
	}
	close(fd);
	return known;
}

/*
 * Multi-gen LRU aging of the memcg at @cgpath (as listed by debugfs, e.g.
 * "/xp") on node 0: find its id and max generation in
 * /sys/kernel/debug/lru_gen, then ask for a new generation with a forced
 * page-table scan ("+ memcg node max_gen can_swap force_scan").
 */
static int mglru_age(const char *cgpath)
{
	FILE *f = fopen("/sys/kernel/debug/lru_gen", "r");
	char line[256], path[128], cmd[96];
	long id = -1, node = -1, gen, max_gen = -1, cur = -1;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " memcg %ld %127s", &cur, path) == 2) {
			if (id >= 0)
				break;
			if (!strcmp(path, cgpath))
				id = cur;
			continue;
		}
		if (id < 0)
			continue;
		if (sscanf(line, " node %ld", &node) == 1)
			continue;
		if (node == 0 && sscanf(line, " %ld", &gen) == 1 && gen > max_gen)
			max_gen = gen;
	}
	fclose(f);
	if (id < 0 || max_gen < 0)
		return -ENOENT;
	snprintf(cmd, sizeof(cmd), "+ %ld 0 %ld 1 1", id, max_gen);
	return write_str("/sys/kernel/debug/lru_gen", cmd);
}

#define DAMON_ADMIN "/sys/kernel/mm/damon/admin/kdamonds"
#define DAMON_CTX DAMON_ADMIN "/0/contexts/0"
#define DAMON_SCHEME DAMON_CTX "/schemes/0"

/* The largest "System RAM" range of /proc/iomem: DAMON's paddr target. */
static int system_ram(unsigned long *start, unsigned long *end)
{
	FILE *f = fopen("/proc/iomem", "r");
	char line[256];
	unsigned long s, e;

	*start = *end = 0;
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (line[0] != ' ' && strstr(line, ": System RAM") &&
		    sscanf(line, "%lx-%lx", &s, &e) == 2 && e - s > *end - *start) {
			*start = s;
			*end = e + 1;
		}
	fclose(f);
	return *end ? 0 : -ENOENT;
}

/*
 * One kdamond with physical-address operations over all of System RAM:
 * its sampling clears Accessed through rmap walks, and a pageout scheme
 * (cold regions, 4 MiB per 100 ms) reclaims through try_to_unmap_one().
 * Returns 0, or the first failing step's -errno.
 */
static int damon_paddr_start(void)
{
	static const char *const steps[][2] = {
		{ DAMON_ADMIN "/nr_kdamonds", "1" },
		{ DAMON_ADMIN "/0/contexts/nr_contexts", "1" },
		{ DAMON_CTX "/operations", "paddr" },
		{ DAMON_CTX "/monitoring_attrs/intervals/sample_us", "1000" },
		{ DAMON_CTX "/monitoring_attrs/intervals/aggr_us", "20000" },
		{ DAMON_CTX "/targets/nr_targets", "1" },
		{ DAMON_CTX "/targets/0/regions/nr_regions", "1" },
		{ DAMON_CTX "/schemes/nr_schemes", "1" },
		{ DAMON_SCHEME "/action", "pageout" },
		{ DAMON_SCHEME "/access_pattern/nr_accesses/min", "0" },
		{ DAMON_SCHEME "/access_pattern/nr_accesses/max", "0" },
		/* The size and age ranges default to [0, 0]: match any. */
		{ DAMON_SCHEME "/access_pattern/sz/max", "1099511627776" },
		{ DAMON_SCHEME "/access_pattern/age/max", "4294967295" },
		{ DAMON_SCHEME "/quotas/bytes", "4194304" },
		{ DAMON_SCHEME "/quotas/reset_interval_ms", "100" },
	};
	unsigned long start, end;
	char num[32];
	int ret;

	for (unsigned int i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		ret = write_str(steps[i][0], steps[i][1]);
		if (ret)
			return ret;
		/* The region files exist once nr_regions is written. */
		if (!strcmp(steps[i][0], DAMON_CTX "/targets/0/regions/nr_regions")) {
			ret = system_ram(&start, &end);
			if (ret)
				return ret;
			snprintf(num, sizeof(num), "%lu", start);
			ret = write_str(DAMON_CTX "/targets/0/regions/0/start", num);
			snprintf(num, sizeof(num), "%lu", end);
			if (!ret)
				ret = write_str(DAMON_CTX "/targets/0/regions/0/end", num);
			if (ret)
				return ret;
		}
	}
	return write_str(DAMON_ADMIN "/0/state", "on");
}

/* Stop the kdamond; return how many regions its scheme tried, or -errno. */
static long damon_paddr_stop(void)
{
	char buf[32] = "";
	int fd, ret = write_str(DAMON_ADMIN "/0/state", "update_schemes_stats");

	if (!ret)
		ret = write_str(DAMON_ADMIN "/0/state", "off");
	if (ret)
		return ret;
	fd = open(DAMON_SCHEME "/stats/nr_tried", O_RDONLY);
	if (fd < 0)
		return -errno;
	ret = read(fd, buf, sizeof(buf) - 1) > 0 ? 0 : -EIO;
	close(fd);
	return ret ? ret : atol(buf);
}

struct lever_ctx {
	uint64_t *pfns;
	unsigned long npfns;
	char *file_map;
	char *anon;
	bool mglru;
};

/*
 * The pause of a lever thread between two runs: XP_LEVER_PAUSE_MS (default
 * 50; process_mrelease pauses 2/5 of it).  A soak raises it to give the
 * forks and exits more of the CPUs; every lever still runs thousands of
 * times in its hour.
 */
static useconds_t lever_pause_us(unsigned int which)
{
	const char *s = getenv("XP_LEVER_PAUSE_MS");
	long ms = s && atol(s) > 0 && atol(s) <= 10000 ? atol(s) : 50;

	return which == L_MRELEASE ? ms * 400 : ms * 1000;
}

/* Mark the storm's pages idle over and over: an rmap walk per page. */
static void *lever_page_idle(void *arg)
{
	struct lever_ctx *c = arg;
	int fd = open("/sys/kernel/mm/page_idle/bitmap", O_RDWR);

	if (fd < 0 || !lever_on("idle")) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	/*
	 * Alone (XP_LEVERS=idle, the 2007 reproducer) it runs flat out: a
	 * write per page, each an rmap walk of the 64 pages of its bitmap
	 * word.  Beside the other levers, a write per word and a pause after
	 * each pass, so that the forks and exits keep their share of the
	 * CPUs.
	 */
	bool alone = !lever_on("pageout") && !lever_on("truncate");

	while (!stop) {
		uint64_t last = ~0ULL;

		for (unsigned long i = 0; i < c->npfns && !stop; i++) {
			uint64_t bits = ~0ULL, word = c->pfns[i] / 64;

			if (!c->pfns[i] || (!alone && word == last))
				continue;
			last = word;
			if (pwrite(fd, &bits, 8, word * 8) == 8)
				atomic_fetch_add(&n_idle, 1);
		}
		atomic_fetch_add(&n_idle_passes, 1);
		if (!alone)
			usleep(lever_pause_us(L_IDLE));
	}
	close(fd);
	return NULL;
}

static void trunc_touch(unsigned long step);
static void catch_sigbus(void);

/* A victim for the mrelease lever: a child with a populated mm. */
static pid_t victim(struct lever_ctx *c)
{
	pid_t pid = fork();

	if (pid == 0) {
		volatile uint64_t sum = 0;

		for (unsigned long p = 0; p < ANON_PAGES; p += 16)
			sum += ((uint64_t *)(c->anon + p * PAGE))[0];
		for (unsigned long p = 0; p < FILE_PAGES; p += 16)
			sum += c->file_map[p * PAGE];
		catch_sigbus();
		trunc_touch(64);
		c->anon[0] ^= 1;
		pause();
		_exit(0);
	}
	return pid;
}

/*
 * One step of lever @which (an index into lever_names[]); returns true
 * if the step was done.
 */
static bool lever_step(struct lever_ctx *c, unsigned int which)
{
	static const int have_cg_unknown = -1;
	static int have_cg = have_cg_unknown;
	pid_t child = last_child;

	if (have_cg == have_cg_unknown)
		have_cg = access("/sys/fs/cgroup/xp/memory.reclaim", W_OK) == 0;
	switch (which) {
	case L_PAGEOUT:
		if (child > 0) {
			int pidfd = syscall(SYS_pidfd_open, child, 0);
			struct iovec iov = { c->anon, ANON_PAGES * PAGE };
			bool ok = false;

			if (pidfd >= 0) {
				ok = syscall(SYS_process_madvise, pidfd, &iov, 1, MADV_PAGEOUT, 0) >= 0;
				close(pidfd);
			}
			return ok;
		}
		return false;
	case L_RECLAIM:
		return have_cg && write_str("/sys/fs/cgroup/xp/memory.reclaim", "256K") == 0;
	case L_COMPACT:
		return write_str("/proc/sys/vm/compact_memory", "1") == 0;
	case L_MSYNC:
		return msync(c->file_map, FILE_PAGES * PAGE, MS_SYNC) == 0;
	case L_CLEAR_REFS:
		return write_str("/proc/self/clear_refs", "1") == 0;
	case L_COLD:
		return madvise(c->anon, ANON_PAGES * PAGE, MADV_COLD) == 0;
	case L_MGLRU:
		/*
		 * The max generation can move between the read of lru_gen
		 * and the write: try again with a new one.
		 */
		for (int i = 0; c->mglru && i < 3; i++) {
			int err = mglru_age("/xp");

			if (!err)
				return true;
			atomic_store(&mglru_err, err);
		}
		return false;
	case L_MRELEASE: {
		/*
		 * Kill a child and reap its mm from here while it exits: the
		 * OOM reaper's zap (process_mrelease()) beside exit_mmap().
		 */
		pid_t pid = victim(c);
		int pidfd, st;
		bool ok;

		if (pid < 0)
			return false;
		pidfd = syscall(SYS_pidfd_open, pid, 0);
		usleep(500);
		kill(pid, SIGKILL);
		ok = pidfd >= 0 && syscall(SYS_process_mrelease, pidfd, 0) == 0;
		if (pidfd >= 0)
			close(pidfd);
		waitpid(pid, &st, 0);
		return ok;
	}
	case L_REMOTE:
		/*
		 * Walk a storm child's page tables from outside while it
		 * forks and exits: pagemap, smaps_rollup and
		 * process_vm_readv() (GUP of another mm).  They hold the mm
		 * with mmget_not_zero(): a dying or newborn mm is out of
		 * their reach, and they must fail cleanly then.
		 */
		if (child > 0) {
			char path[64], buf[4096];
			uint64_t ent[64];
			struct iovec local = { buf, sizeof(buf) };
			struct iovec remote = { c->anon, sizeof(buf) };
			bool ok = false;
			int fd;

			snprintf(path, sizeof(path), "/proc/%d/pagemap", child);
			fd = open(path, O_RDONLY);
			if (fd >= 0) {
				ok |= pread(fd, ent, sizeof(ent),
					    (uintptr_t)c->anon / PAGE * 8) == sizeof(ent);
				close(fd);
			}
			snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", child);
			fd = open(path, O_RDONLY);
			if (fd >= 0) {
				ok |= read(fd, buf, sizeof(buf)) > 0;
				close(fd);
			}
			ok |= process_vm_readv(child, &local, 1, &remote, 1, 0) > 0;
			return ok;
		}
		return false;
	}
	return false;
}

/* One thread per lever: reclaim, migration, writeback, own mm, reaper, remote. */
struct lever_thread {
	struct lever_ctx *c;
	unsigned int which;
	pthread_t thread;
};

static void *lever_loop(void *arg)
{
	struct lever_thread *t = arg;

	if (!lever_on(lever_names[t->which]))
		return NULL;
	while (!stop) {
		if (lever_step(t->c, t->which))
			atomic_fetch_add(&n_lever[t->which], 1);
		/*
		 * About 20 steps a second at most (by default): enough for
		 * each lever to run over 100 times in a storm of 12 s, without
		 * starving the forks and exits it is there to meet (2 vCPUs
		 * under TCG).
		 */
		usleep(lever_pause_us(t->which));
	}
	return NULL;
}

/*
 * The truncation lever's files: a memfd (shmem) and a file on the block
 * filesystem (ext2 through the ext4 driver), each mapped shared and
 * private by the parent, and so by every child, in a pte table of its own.
 * Holes are punched into both, and they shrink by up to 64 pages and
 * regrow: a child that touches a page beyond the end in between gets
 * SIGBUS, and exits (sigbus_exit()).
 */
#define TRUNC_PAGES 256
#define TRUNC_SLOT (2UL << 20)

struct trunc_file {
	int fd;
	bool punch;		/* FALLOC_FL_PUNCH_HOLE works */
	char *shared, *private;
};

static struct trunc_file trunc_files[2];

/*
 * A mapping of @fd alone in its pte table, up to the table's end: a vma
 * after it in the same table would keep an exit zap that delayed rmaps
 * from dropping the table (zap_pte_table_rest() stops at a pending flush),
 * and the window this lever is for would never open.
 */
static char *map_alone(int fd, int flags)
{
	char *area = mmap(NULL, 2 * TRUNC_SLOT, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *at;

	if (area == MAP_FAILED)
		return MAP_FAILED;
	at = (char *)(((uintptr_t)area + TRUNC_SLOT - 1) & ~(TRUNC_SLOT - 1));
	at += TRUNC_SLOT - TRUNC_PAGES * PAGE;
	return mmap(at, TRUNC_PAGES * PAGE, PROT_READ | PROT_WRITE, flags | MAP_FIXED, fd, 0);
}

/*
 * The file's folios must not all be dirty: a pte table full of dirty shared
 * ptes fills the exit's gather with delayed rmaps, and the zap stops and
 * starts again instead of dropping the table.  So the memfd gets its folios
 * from read faults (clean) and the file on the block filesystem is written
 * back; the lever's writes make some of them dirty at a time.
 */
static int trunc_file_setup(struct trunc_file *t, int fd, bool shmem)
{
	char page[PAGE];

	memset(page, 0x6b, sizeof(page));
	t->fd = fd;
	if (shmem) {
		if (ftruncate(fd, TRUNC_PAGES * PAGE))
			return -errno;
	} else {
		for (unsigned long p = 0; p < TRUNC_PAGES; p++)
			if (pwrite(fd, page, PAGE, p * PAGE) != (ssize_t)PAGE)
				return -errno;
		if (fsync(fd))
			return -errno;
	}
	t->punch = !fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, PAGE) &&
		   pwrite(fd, page, PAGE, 0) == (ssize_t)PAGE;
	t->shared = map_alone(fd, MAP_SHARED);
	t->private = map_alone(fd, MAP_PRIVATE);
	if (t->shared == MAP_FAILED || t->private == MAP_FAILED)
		return -errno;
	/* COWed private pages: an anon_vma, so fork copies the private ptes. */
	for (unsigned long p = 0; p < TRUNC_PAGES; p += 16) {
		*(volatile char *)&t->shared[p * PAGE];
		t->private[p * PAGE] = 1;
	}
	return 0;
}

/*
 * A child's share of the truncation lever: read every @step-th page of
 * both mappings of each file (fault-around maps 16 at a time; the folios
 * the lever wrote back give dirty shared ptes, whose rmaps the exit zap
 * removes only after the TLB flush), and COW a few private pages.
 */
static void trunc_touch(unsigned long step)
{
	volatile char sum = 0;

	for (int f = 0; f < 2; f++) {
		struct trunc_file *t = &trunc_files[f];

		if (!t->shared)
			continue;
		for (unsigned long p = 0; p < TRUNC_PAGES; p += step) {
			sum += t->shared[p * PAGE];
			sum += t->private[p * PAGE];
		}
		for (unsigned long p = 0; p < TRUNC_PAGES; p += 4 * step)
			t->private[p * PAGE + 2] = 3;
	}
	(void)sum;
}

/*
 * A child that reads the tail the lever cut off gets SIGBUS: it exits as
 * if done, and is counted.  A SIGBUS anywhere else fails the child.
 */
static atomic_long *n_tail_sigbus;

static bool in_cut_tail(const char *addr)
{
	for (int f = 0; f < 2; f++) {
		const char *maps[2] = { trunc_files[f].shared, trunc_files[f].private };

		for (int m = 0; m < 2; m++)
			if (maps[m] && addr >= maps[m] + (TRUNC_PAGES - 64) * PAGE &&
			    addr < maps[m] + TRUNC_PAGES * PAGE)
				return true;
	}
	return false;
}

static void sigbus_exit(int sig, siginfo_t *si, void *uc)
{
	if (!in_cut_tail(si->si_addr))
		_exit(3);
	if (n_tail_sigbus)
		atomic_fetch_add(n_tail_sigbus, 1);
	_exit(0);
}

static void catch_sigbus(void)
{
	struct sigaction sa = { .sa_sigaction = sigbus_exit, .sa_flags = SA_SIGINFO };

	sigaction(SIGBUS, &sa, NULL);
}

/*
 * One thread per file: punch holes of 1 to 64 pages and write them back,
 * and every fourth round shrink the file by 1 to 64 pages and regrow it
 * (the file on the RAM disk is ext2, served by the ext4 driver, which
 * punches holes too; a file system that cannot is shrunk every round),
 * with a pause of a millisecond between rounds.
 */
static void *lever_truncate(void *arg)
{
	struct trunc_file *t = arg;
	unsigned int seed = 0x7a7a + (unsigned int)(t - trunc_files);
	char page[PAGE];
	unsigned long round = 0;

	memset(page, 0x6b, sizeof(page));
	if (!lever_on("truncate") || !t->shared)
		return NULL;
	while (!stop) {
		unsigned long n = 1 + rand_r(&seed) % 64;
		unsigned long first = rand_r(&seed) % (TRUNC_PAGES - n);

		round++;
		if (t->punch && !fallocate(t->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					    first * PAGE, n * PAGE)) {
			for (unsigned long p = first; p < first + n; p++)
				if (pwrite(t->fd, page, PAGE, p * PAGE) != (ssize_t)PAGE)
					break;
			atomic_fetch_add(&n_punch, 1);
		}
		if ((!t->punch || round % 4 == 0) &&
		    !ftruncate(t->fd, (TRUNC_PAGES - n) * PAGE) &&
		    !ftruncate(t->fd, TRUNC_PAGES * PAGE))
			atomic_fetch_add(&n_shrink, 1);
		usleep(1000);
	}
	return NULL;
}

/* Kernel log lines that fail the test, read from /dev/kmsg. */
static int kmsg_open_at_end(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

static int kmsg_bad_lines(int fd, struct __test_metadata *_metadata)
{
	static const char *const bad[] = {
		"BUG:", "Oops", "WARNING:", "general protection", "Kernel panic",
		"possible circular locking", "inconsistent lock state",
		"multicall(s) failed", "segfault at", NULL,
	};
	char buf[2048];
	int found = 0;
	ssize_t n;

	if (fd < 0)
		return 0;
	while ((n = read(fd, buf, sizeof(buf) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		if (n <= 0)
			continue;
		buf[n] = '\0';
		for (int i = 0; bad[i]; i++)
			if (strstr(buf, bad[i])) {
				TH_LOG("kernel log: %s", buf);
				found++;
				break;
			}
	}
	return found;
}

static unsigned long stress_seconds(void)
{
	const char *s = getenv("XP_STRESS_SECONDS");

	return s && atol(s) > 0 ? atol(s) : 8;
}

static long min_lever_runs(void)
{
	const char *s = getenv("XP_MIN_LEVER_RUNS");

	return s ? atol(s) : 0;
}

/*
 * Run the KUnit suite ptep_flags_ordering again (through debugfs): it
 * asserts that no rmap walk met a pte page that was not pinned.  Returns
 * 1 if it passed, 0 if it skipped (native, or no walk), -1 if it is not
 * built, -2 if it failed.
 */
static int ordering_suite(struct __test_metadata *_metadata)
{
	const char *dir = "/sys/kernel/debug/kunit/ptep_flags_ordering";
	char path[128], buf[4096];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/run", dir);
	if (access(path, W_OK))
		return -1;
	if (write_str(path, "1"))
		return -2;
	snprintf(path, sizeof(path), "%s/results", dir);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -2;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -2;
	buf[n] = '\0';
	/* The counters the case printed (pr_info) when it ran: the last line. */
	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (fd >= 0) {
		char line[512], last[512] = "";
		ssize_t m;

		while ((m = read(fd, line, sizeof(line) - 1)) > 0 || (m < 0 && errno == EPIPE)) {
			if (m <= 0)
				continue;
			line[m] = '\0';
			if (strstr(line, "ptep_flags_kunit: ordering:"))
				strcpy(last, strchr(line, ';') ? strchr(line, ';') + 1 : line);
		}
		close(fd);
		if (last[0])
			ksft_print_msg("%s", last);
	}
	if (strstr(buf, "not ok"))
		return -2;
	if (strstr(buf, "# SKIP"))
		return 0;
	return strstr(buf, "ok 1 rmap_walks_never_meet_unpinned_pte_pages") ? 1 : -2;
}

/*
 * After the storm with fault injection, its workers dead and its levers
 * stopped: it was injected, every fallback that the kernel lists was
 * taken, and the page tables came back to where they were before the
 * workers started (those of every dead child freed, RCU-delayed ones
 * included: up to 10 s; 256 kB for the test process's own, whose lever
 * threads may have mapped more since, and the kernel's vmalloc tables).
 * XP_FI_CONTROL=keep, the negative control of that last check: a child
 * that keeps 512 pte tables (2 MiB) past the storm must fail it; the
 * other checks are skipped then.
 */
#define FI_PT_SLACK_KB 256
#define FI_KEEP_TABLES 512
static void fault_injection_checks(struct __test_metadata *_metadata,
				   struct fi_sites *sites0, struct fi_sites *sites1, long pt0)
{
	const char *ctl = getenv("XP_FI_CONTROL");
	long slab, page, pt = -1;
	pid_t keeper = -1;
	int pipefd[2];
	char c;

	fi_stop(&slab, &page);
	ksft_print_msg("fault injection: %ld slab and %ld page allocations failed\n", slab, page);
	ASSERT_EQ(sites0->n, fi_sites_read(sites1));
	for (int i = 0; i < sites1->n; i++)
		ksft_print_msg("fault injection: fallback %s taken %ld times\n", sites1->name[i],
			       sites1->count[i] - sites0->count[i]);
	if (!ctl || strcmp(ctl, "keep")) {
		EXPECT_LT(0, slab) TH_LOG("failslab injected nothing");
		EXPECT_LT(0, page) TH_LOG("fail_page_alloc injected nothing");
		for (int i = 0; i < sites1->n; i++) {
			EXPECT_LT(0, sites1->count[i] - sites0->count[i])
				TH_LOG("the fallback %s was never taken: injection did not reach it",
				       sites1->name[i]);
		}
	} else {
		ASSERT_EQ(0, pipe(pipefd));
		keeper = fork();
		ASSERT_LE(0, keeper);
		if (!keeper) {
			/* Regions of 2 MiB, one page touched in each. */
			char *m = mmap(NULL, (unsigned long)FI_KEEP_TABLES << 21,
				       PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (m == MAP_FAILED)
				_exit(1);
			for (int r = 0; r < FI_KEEP_TABLES; r++)
				m[(unsigned long)r << 21] = 1;
			if (write(pipefd[1], "k", 1) != 1)
				_exit(1);
			pause();
			_exit(0);
		}
		ASSERT_EQ(1, read(pipefd[0], &c, 1));
		ksft_print_msg("fault injection: negative control: a child keeps %d pte tables\n",
			       FI_KEEP_TABLES);
	}
	for (int t = 0; t < 100; t++) {
		pt = meminfo_kb("PageTables");
		if (pt >= 0 && pt <= pt0 + FI_PT_SLACK_KB)
			break;
		usleep(100000);
	}
	ksft_print_msg("fault injection: page tables %ld kB after the storm, %ld kB before\n",
		       pt, pt0);
	EXPECT_GE(pt0 + FI_PT_SLACK_KB, pt)
		TH_LOG("page tables not freed: %ld kB after the storm, %ld kB before (%ld kB allowed)",
		       pt, pt0, (long)FI_PT_SLACK_KB);
	if (keeper > 0) {
		kill(keeper, SIGKILL);
		waitpid(keeper, NULL, 0);
	}
}

FIXTURE(storm) {
};

FIXTURE_SETUP(storm)
{
}

FIXTURE_TEARDOWN(storm)
{
}

/* Whether lever i is selected and available here, so that its count matters. */
static bool lever_counts(const struct lever_ctx *c, unsigned int i)
{
	return lever_on(lever_names[i]) && (i != L_MGLRU || c->mglru) &&
	       (i != L_RECLAIM || !access("/sys/fs/cgroup/xp/memory.reclaim", W_OK));
}

/* Whether a lever that counts has run fewer than min times so far. */
static bool levers_short(const struct lever_ctx *c, long min)
{
	if (min <= 0)
		return false;
	for (unsigned int i = 0; i < L_THREADS; i++)
		if (lever_counts(c, i) && atomic_load(&n_lever[i]) < min)
			return true;
	if (lever_on("idle") && atomic_load(&n_idle) < min)
		return true;
	return lever_on("truncate") && atomic_load(&n_punch) + atomic_load(&n_shrink) < min;
}

/*
 * Bounded by XP_STRESS_SECONDS (at most 3 times that with
 * XP_MIN_LEVER_RUNS or fault injection); the harness timeout only catches
 * hangs, and must leave room for a soak (make soak): 3 x 10,000 s and the
 * checks.
 */
#define STORM_MAX_SECONDS 10000
TEST_F_TIMEOUT(storm, fork_exec_exit_under_reclaim, 3 * STORM_MAX_SECONDS + 1800)
{
	const char *dir = getenv("XP_STRESS_DIR");
	char path[256];
	char *anon, *file_map, *shm;
	int fd, shmfd, kfd, ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	uint64_t *pfns;
	unsigned long npfns, gen = 0, bad = 0, verified = 0;
	struct lever_ctx ctx;
	pthread_t t_idle, t_trunc[2];
	struct lever_thread levers[L_THREADS];
	int tfd;
	const char *run = getenv("XP_RUN");
	bool xen_pv_run = run && !strcmp(run, "xen-pv");
	bool damon, pressure = false;
	long n_damon = -1;
	long long cur, pgscan0, pgscan = -1, high0, highs = -1;
	unsigned long anon_out, shm_out;
	int ord;
	time_t start, elapsed, extended = 0;
	pid_t *workers;
	atomic_long *cycles;
	struct fi_sites sites0, sites1;
	long pt0 = -1;

	ASSERT_TRUE(levers_valid()) TH_LOG("XP_LEVERS=%s: unknown lever", getenv("XP_LEVERS"));
	ASSERT_TRUE(fi_parse())
		TH_LOG("XP_FAILINJECT=%s: expected <page %%>[/<slab %%>], 0 to 100",
		       getenv("XP_FAILINJECT"));
	ASSERT_GE(STORM_MAX_SECONDS, stress_seconds())
		TH_LOG("XP_STRESS_SECONDS=%lu: more than %d, the test's own timeout would stop it",
		       stress_seconds(), STORM_MAX_SECONDS);
	if (getenv("XP_LEVERS"))
		ksft_print_msg("levers selected: %s\n", getenv("XP_LEVERS"));
	if (!dir || access(dir, W_OK))
		dir = access("/mnt/xp", W_OK) ? "/tmp" : "/mnt/xp";
	snprintf(path, sizeof(path), "%s/xp_forkstress.dat", dir);
	kfd = kmsg_open_at_end();

	/* Our own memory cgroup, so that memory.reclaim targets us. */
	if (!access("/sys/fs/cgroup/cgroup.procs", W_OK)) {
		mkdir("/sys/fs/cgroup/xp", 0755);
		write_str("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
		char pid[24];

		snprintf(pid, sizeof(pid), "%d", getpid());
		write_str("/sys/fs/cgroup/xp/cgroup.procs", pid);
	}

	anon = mmap(NULL, ANON_PAGES * PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, anon);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ftruncate(fd, FILE_PAGES * PAGE));
	file_map = mmap(NULL, FILE_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, file_map);
	shmfd = memfd_create("xp_shm", 0);
	ASSERT_LE(0, shmfd);
	ASSERT_EQ(0, ftruncate(shmfd, SHM_PAGES * PAGE));
	shm = mmap(NULL, SHM_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, shmfd, 0);
	ASSERT_NE(MAP_FAILED, shm);

	for (unsigned long p = 0; p < ANON_PAGES; p++)
		for (unsigned long w = 0; w < PAGE / 8; w++)
			((uint64_t *)(anon + p * PAGE))[w] = pattern(0, p, w);
	for (unsigned long p = 0; p < SHM_PAGES; p++)
		for (unsigned long w = 0; w < PAGE / 8; w++)
			((uint64_t *)(shm + p * PAGE))[w] = pattern(1, p, w);

	pfns = calloc(ANON_PAGES + FILE_PAGES, sizeof(*pfns));
	ASSERT_NE(NULL, pfns);
	memset(file_map, 1, FILE_PAGES * PAGE);
	npfns = ANON_PAGES + FILE_PAGES;
	ASSERT_LT(0, pfns_of(anon, ANON_PAGES, pfns) +
		  pfns_of(file_map, FILE_PAGES, pfns + ANON_PAGES))
		TH_LOG("no PFN in /proc/self/pagemap (needs root)");

	if (lever_on("truncate")) {
		snprintf(path, sizeof(path), "%s/xp_forkstress.trunc", dir);
		tfd = memfd_create("xp_trunc", 0);
		ASSERT_LE(0, tfd);
		ASSERT_EQ(0, trunc_file_setup(&trunc_files[0], tfd, true));
		tfd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		ASSERT_LE(0, tfd);
		unlink(path);
		ASSERT_EQ(0, trunc_file_setup(&trunc_files[1], tfd, false));
		snprintf(path, sizeof(path), "%s/xp_forkstress.dat", dir);
	}

	ctx = (struct lever_ctx){ pfns, npfns, file_map, anon,
				  !access("/sys/kernel/debug/lru_gen", W_OK) };
	/* DAMON (paddr) runs for the whole storm, in its own kthread. */
	damon = lever_on("damon") && !access(DAMON_ADMIN "/nr_kdamonds", W_OK);
	if (damon) {
		int ret = damon_paddr_start();

		EXPECT_EQ(0, ret) TH_LOG("starting DAMON (paddr): %s", strerror(-ret));
		damon = !ret;
	}
	/*
	 * Memory pressure: a memory.high of 3/4 of what we use now.  Every
	 * charge above it (swap-ins, COW copies, the children's page tables
	 * and stacks) reclaims from our LRUs on the way back to user space;
	 * unlike memory.max it throttles instead of OOM-killing.
	 */
	cur = cg_read("memory.current", NULL);
	pgscan0 = cg_read("memory.stat", "pgscan");
	high0 = cg_read("memory.events", "high");
	if (lever_on("pressure") && cur > 0 && pgscan0 >= 0 && high0 >= 0) {
		char high[32];

		snprintf(high, sizeof(high), "%lld", cur / 4 * 3);
		pressure = !write_str("/sys/fs/cgroup/xp/memory.high", high);
		ksft_print_msg("memory pressure: memory.current %lld, memory.high %s: %s\n",
			       cur, high, pressure ? "set" : "not writable");
	}
	ASSERT_EQ(0, pthread_create(&t_idle, NULL, lever_page_idle, &ctx));
	for (unsigned int i = 0; i < L_THREADS; i++) {
		levers[i] = (struct lever_thread){ .c = &ctx, .which = i };
		ASSERT_EQ(0, pthread_create(&levers[i].thread, NULL, lever_loop, &levers[i]));
	}
	for (int f = 0; f < 2; f++)
		ASSERT_EQ(0, pthread_create(&t_trunc[f], NULL, lever_truncate, &trunc_files[f]));

	/* One storm process per CPU: fork + touch + exit, and vfork + exec. */
	workers = calloc(ncpu, sizeof(*workers));
	cycles = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, cycles);
	/*
	 * cycles[2] is the end of the storm, which the parent may push back
	 * (see below); cycles[4] is set when the parent ends it.  The workers
	 * stop on that, not on cycles[2]: one that read the end before the
	 * parent pushed it back would leave a storm that goes on without it.
	 * They stop at three times the storm's length at the latest.
	 * cycles[0] and [1] count the fork + exit and vfork + exec cycles as
	 * they happen (the progress line of a long storm, the totals).
	 */
	if (fi_percent >= 0) {
		ASSERT_LT(0, fi_sites_read(&sites0))
			TH_LOG("no site in %s: the kernel needs CONFIG_PTEP_TEST_HOOKS", FI_SITES);
		pt0 = meminfo_kb("PageTables");
		ASSERT_LE(0, pt0) TH_LOG("no PageTables line in /proc/meminfo");
		ASSERT_EQ(0, fi_setup())
			TH_LOG("cannot arm %sfailslab and fail_page_alloc: the kernel needs CONFIG_FAULT_INJECTION_DEBUG_FS, CONFIG_FAILSLAB and CONFIG_FAIL_PAGE_ALLOC",
			       FI_DEBUGFS);
		ksft_print_msg("fault injection: %d %% of the page and %d %% of the slab allocations of the workers and their children fail; page tables %ld kB\n",
			       fi_percent, fi_slab_percent, pt0);
	}
	start = time(NULL);
	atomic_store(&cycles[2], start + stress_seconds());
	n_tail_sigbus = &cycles[3];
	for (int i = 0; i < ncpu; i++) {
		workers[i] = fork();
		ASSERT_LE(0, workers[i]);
		if (!workers[i]) {
			unsigned long forks = 0, execs = 0, failed = 0, signaled = 0;

			if (fi_percent >= 0 && write_str("/proc/self/make-it-fail", "1"))
				_exit(2);

			while (!atomic_load(&cycles[4]) &&
			       time(NULL) <= start + 3 * (time_t)stress_seconds()) {
				pid_t c = fork();
				int st;

				if (c == 0) {
					/*
					 * Young ptes in the child: its exit
					 * window.  One child in four touches
					 * every page; the others, one per
					 * region: each fork and exit opens a
					 * window per page table, not per page,
					 * and a light child cycles faster.
					 */
					unsigned long step = forks % 4 ? 64 : 1;
					volatile uint64_t sum = 0;

					for (unsigned long p = 0; p < ANON_PAGES; p += 2 * step)
						sum += ((uint64_t *)(anon + p * PAGE))[0];
					for (unsigned long p = 0; p < FILE_PAGES; p += step)
						sum += file_map[p * PAGE];
					for (unsigned long p = 0; p < SHM_PAGES; p += 4 * step)
						sum += shm[p * PAGE];
					catch_sigbus();
					trunc_touch(16);
					/* A private copy that must not leak back. */
					anon[PAGE * (ANON_PAGES - 1)] ^= 0xff;
					_exit(0);
				}
				if (c < 0 || waitpid(c, &st, 0) != c || !WIFEXITED(st) ||
				    WEXITSTATUS(st))
					failed++;
				if (c > 0 && WIFSIGNALED(st))
					signaled++;
				forks++;
				atomic_fetch_add(&cycles[0], 1);
				if (forks % 4 == 0) {
					c = vfork();
					if (c == 0) {
						execl("/bin/true", "true", (char *)NULL);
						_exit(127);
					}
					if (c < 0 || waitpid(c, &st, 0) != c || !WIFEXITED(st) ||
					    WEXITSTATUS(st))
						failed++;
					execs++;
					atomic_fetch_add(&cycles[1], 1);
				}
			}
			/* (Under injection, until it succeeds.) */
			while (fi_percent >= 0 && write_str("/proc/self/make-it-fail", "0"))
				;
			printf("# worker %d: %lu forks, %lu execs, %lu failed children%s, %lu killed by a signal\n",
			       i, forks, execs, failed,
			       fi_percent >= 0 ? " (fault injection: failures expected)" : "",
			       signaled);
			fflush(stdout);
			_exit(failed && fi_percent < 0 ? 1 : 0);
		}
	}

	/*
	 * Meanwhile the parent keeps dirtying the shared file.  With
	 * XP_MIN_LEVER_RUNS, a storm whose levers have not all run that often
	 * by its end (a loaded host) goes on, a second at a time, up to three
	 * times its length; the counts are checked below.  So does a storm
	 * with fault injection whose fail sites have not all been taken.
	 */
	for (time_t progress = start + 60;;) {
		time_t now = time(NULL);

		if (stress_seconds() >= 120 && now >= progress) {
			ksft_print_msg("storm progress: %ld s of %lu, %ld fork + exit, %ld vfork + exec\n",
				       (long)(now - start), stress_seconds(),
				       atomic_load(&cycles[0]), atomic_load(&cycles[1]));
			fflush(stdout);
			progress += 60;
		}
		if (now >= atomic_load(&cycles[2])) {
			if (now >= start + 3 * (time_t)stress_seconds() ||
			    (!levers_short(&ctx, min_lever_runs()) && !fi_sites_short(&sites0)))
				break;
			atomic_store(&cycles[2], now + 1);
			extended = now + 1 - start - stress_seconds();
		}
		gen++;
		for (unsigned long p = 0; p < FILE_PAGES; p++)
			for (unsigned long w = 0; w < PAGE / 8; w += 64)
				((uint64_t *)(file_map + p * PAGE))[w] = pattern(gen, p, w);
		last_child = workers[gen % ncpu];
		usleep(20000);
	}
	atomic_store(&cycles[4], 1);
	elapsed = time(NULL) - start;

	for (int i = 0; i < ncpu; i++) {
		int st;

		ASSERT_EQ(workers[i], waitpid(workers[i], &st, 0));
		EXPECT_TRUE(WIFEXITED(st)) TH_LOG("worker %d killed by signal %d", i, WTERMSIG(st));
		EXPECT_EQ(0, WEXITSTATUS(st));
	}
	if (pressure) {
		pgscan = cg_read("memory.stat", "pgscan") - pgscan0;
		highs = cg_read("memory.events", "high") - high0;
		write_str("/sys/fs/cgroup/xp/memory.high", "max");
	}
	stop = 1;
	pthread_join(t_idle, NULL);
	for (unsigned int i = 0; i < L_THREADS; i++)
		pthread_join(levers[i].thread, NULL);
	for (int f = 0; f < 2; f++)
		pthread_join(t_trunc[f], NULL);
	if (damon) {
		n_damon = damon_paddr_stop();
		EXPECT_LT(0, n_damon) TH_LOG("DAMON (paddr) never tried its scheme (%ld)", n_damon);
	}
	if (fi_percent >= 0)
		fault_injection_checks(_metadata, &sites0, &sites1, pt0);

	/*
	 * Nothing lost: the anon pattern, shmem, and the file after a re-read.
	 * Page anon and shmem out first, so that the check reads them back
	 * from swap, and count how many really were out.
	 */
	madvise(anon, ANON_PAGES * PAGE, MADV_PAGEOUT);
	madvise(shm, SHM_PAGES * PAGE, MADV_PAGEOUT);
	anon_out = not_resident(anon, ANON_PAGES);
	shm_out = not_resident(shm, SHM_PAGES);
	ksft_print_msg("swapped out before the check: anon %lu/%d pages, shmem %lu/%d pages\n",
		       anon_out, ANON_PAGES, shm_out, SHM_PAGES);
	if (swap_active()) {
		EXPECT_LT(0, anon_out) TH_LOG("no anonymous page was swapped out");
		EXPECT_LT(0, shm_out) TH_LOG("no shmem page was swapped out");
	}
	verified += verify_pattern(_metadata, "anon", anon, ANON_PAGES, 0, &bad);
	verified += verify_pattern(_metadata, "shmem", shm, SHM_PAGES, 1, &bad);
	ASSERT_EQ(0, msync(file_map, FILE_PAGES * PAGE, MS_SYNC));
	ASSERT_EQ(0, munmap(file_map, FILE_PAGES * PAGE));
	ASSERT_EQ(0, fsync(fd));
	sync();
	write_str("/proc/sys/vm/drop_caches", "3");
	for (unsigned long p = 0; p < FILE_PAGES; p++) {
		uint64_t buf[PAGE / 8];

		ASSERT_EQ((ssize_t)PAGE, pread(fd, buf, PAGE, p * PAGE));
		for (unsigned long w = 0; w < PAGE / 8; w += 64) {
			uint64_t want = pattern(gen, p, w);

			if (buf[w] != want && bad++ < 5)
				TH_LOG("file offset %lu: expected %#llx, got %#llx",
				       p * PAGE + w * 8, (unsigned long long)want,
				       (unsigned long long)buf[w]);
			verified += 8;
		}
	}
	close(fd);
	unlink(path);

	ksft_print_msg("storm: %lds on %d CPUs (%lus asked, %lds added for the levers' counts or the fail sites), file on %s, %lu file generations, levers pause %u ms\n",
		       (long)elapsed, ncpu, stress_seconds(), (long)extended, dir, gen,
		       (unsigned int)(lever_pause_us(L_IDLE) / 1000));
	ksft_print_msg("cycles: %ld fork + exit, %ld vfork + exec (%.1f fork + exit per second)\n",
		       atomic_load(&cycles[0]), atomic_load(&cycles[1]),
		       (double)atomic_load(&cycles[0]) / (elapsed ? elapsed : 1));
	ksft_print_msg("levers: page_idle %ld (%ld passes), process_madvise(PAGEOUT) %ld, memory.reclaim %ld, compact %ld, msync %ld, clear_refs %ld, MADV_COLD %ld, MGLRU aging %ld, process_mrelease %ld, remote readers %ld, DAMON paddr regions tried %ld\n",
		       atomic_load(&n_idle), atomic_load(&n_idle_passes),
		       atomic_load(&n_lever[L_PAGEOUT]),
		       atomic_load(&n_lever[L_RECLAIM]), atomic_load(&n_lever[L_COMPACT]),
		       atomic_load(&n_lever[L_MSYNC]), atomic_load(&n_lever[L_CLEAR_REFS]),
		       atomic_load(&n_lever[L_COLD]), atomic_load(&n_lever[L_MGLRU]),
		       atomic_load(&n_lever[L_MRELEASE]), atomic_load(&n_lever[L_REMOTE]), n_damon);
	ksft_print_msg("truncation: %ld hole punches, %ld shrinks and regrowths (memfd and %s), %ld children ended by SIGBUS in a cut-off tail\n",
		       atomic_load(&n_punch), atomic_load(&n_shrink), dir, atomic_load(&cycles[3]));
	ksft_print_msg("memory pressure: memory.high exceeded and reclaimed %lld times; %lld pages scanned by all reclaim in our memcg\n",
		       highs, pgscan);
	ksft_print_msg("verified %lu bytes, %lu lost or corrupted\n", verified, bad);
	EXPECT_EQ(0, bad);
	if (lever_on("idle")) {
		EXPECT_LT(0, atomic_load(&n_idle)) TH_LOG("the page_idle lever never ran");
	}
	if (ctx.mglru && lever_on("mglru")) {
		EXPECT_LT(0, atomic_load(&n_lever[L_MGLRU]))
			TH_LOG("MGLRU aging never succeeded (last error %d)", atomic_load(&mglru_err));
	} else if (lever_on("mglru")) {
		ksft_print_msg("MGLRU aging lever unavailable (no /sys/kernel/debug/lru_gen)\n");
	}
	/*
	 * XP_MIN_LEVER_RUNS=N: every lever that is selected and available
	 * must have run at least N times (a storm that counts), in at most
	 * three times the storm's length.
	 */
	if (min_lever_runs() > 0) {
		long min = min_lever_runs();

		for (unsigned int i = 0; i < L_THREADS; i++) {
			if (!lever_counts(&ctx, i))
				continue;
			EXPECT_LE(min, atomic_load(&n_lever[i]))
				TH_LOG("lever %s ran %ld times, fewer than XP_MIN_LEVER_RUNS=%ld",
				       lever_names[i], atomic_load(&n_lever[i]), min);
		}
		if (lever_on("idle"))
			EXPECT_LE(min, atomic_load(&n_idle))
				TH_LOG("page_idle wrote the bitmap %ld times, fewer than %ld",
				       atomic_load(&n_idle), min);
		if (lever_on("truncate"))
			EXPECT_LE(min, atomic_load(&n_punch) + atomic_load(&n_shrink))
				TH_LOG("the truncation lever ran %ld times, fewer than %ld",
				       atomic_load(&n_punch) + atomic_load(&n_shrink), min);
	}
	if (lever_on("truncate")) {
		EXPECT_LT(0, atomic_load(&n_punch)) TH_LOG("the truncation lever never punched a hole");
		EXPECT_LT(0, atomic_load(&n_shrink)) TH_LOG("the truncation lever never shrank a file");
	}
	if (!damon && lever_on("damon"))
		ksft_print_msg("DAMON paddr lever unavailable or failed to start\n");
	if (pressure && swap_active()) {
		EXPECT_LT(0, highs) TH_LOG("memory.high never made the storm reclaim");
	} else if (lever_on("pressure")) {
		ksft_print_msg("memory pressure lever unavailable (no memcg memory.high, or no swap)\n");
	}
	EXPECT_EQ(0, kmsg_bad_lines(kfd, _metadata));

	/* The ordering invariant, over everything the storm did. */
	ord = ordering_suite(_metadata);
	ksft_print_msg("KUnit ptep_flags_ordering after the storm: %s\n",
		       ord == 1 ? "passed" : ord == 0 ? "skipped" :
		       ord == -1 ? "not built" : "FAILED");
	if (xen_pv_run) {
		EXPECT_EQ(1, ord) TH_LOG("on Xen PV the storm's rmap walks must be checked");
	} else {
		EXPECT_LE(-1, ord);
	}
}

TEST_HARNESS_MAIN
