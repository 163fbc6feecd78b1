// SPDX-License-Identifier: GPL-2.0
/*
 * xp_bench - the micro-benchmarks of `make bench`.
 *
 *   xp_bench fork <MiB> <anon|file> <iterations>
 *	fork + child _exit + waitpid latency, and fork alone / exit alone,
 *	with <MiB> of resident memory in the parent.
 *   xp_bench young <pages> <iterations>
 *	ns per pte to clear Accessed over <pages> resident pages, through
 *	page_idle bitmap writes and through /proc/self/clear_refs.
 *   xp_bench hcalls <MiB> <anon|file> <iterations>
 *	Xen PV only: what one fork + exit asks of Xen, counted with the
 *	kernel's own xen tracepoints (same in both kernels): multicall
 *	flushes (each one entry into Xen), the hypercalls they carry, the
 *	mmu_update/mmuext ops folded into them, and page-table pages
 *	allocated into / released from a pinned mm.  Writes to a pinned
 *	table that Xen traps and emulates make no hypercall and are not
 *	counted here.
 *
 * Prints one line per measurement: "RESULT <name> <median ns> <min ns> <max ns>".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096UL

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *name, uint64_t *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	printf("RESULT %s %llu %llu %llu\n", name, (unsigned long long)v[n / 2],
	       (unsigned long long)v[0], (unsigned long long)v[n - 1]);
	fflush(stdout);
}

static char *resident(unsigned long mib, int file)
{
	unsigned long len = mib << 20;
	char *p;

	if (file) {
		char path[] = "/tmp/xp_bench.XXXXXX";
		int fd = mkstemp(path);

		if (fd < 0 || ftruncate(fd, len))
			return NULL;
		unlink(path);
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		close(fd);
	} else {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	}
	if (p == MAP_FAILED)
		return NULL;
	for (unsigned long i = 0; i < len; i += PAGE)
		p[i] = 1;
	return p;
}

static int bench_fork(unsigned long mib, int file, int iters)
{
	uint64_t *both = calloc(iters, 8), *fork_only = calloc(iters, 8), *exit_only = calloc(iters, 8);
	char name[64];
	int pfd[2];

	if (!resident(mib, file) || !both || !fork_only || !exit_only || pipe(pfd))
		return 1;
	for (int i = 0; i < iters; i++) {
		uint64_t t0 = now_ns(), t1, t2;
		pid_t c = fork();

		if (c == 0) {
			/* Tell the parent when the child runs, then exit at once. */
			t1 = now_ns();
			if (write(pfd[1], &t1, sizeof(t1)) != sizeof(t1))
				_exit(1);
			_exit(0);
		}
		if (c < 0 || read(pfd[0], &t1, sizeof(t1)) != sizeof(t1))
			return 1;
		waitpid(c, NULL, 0);
		t2 = now_ns();
		both[i] = t2 - t0;
		fork_only[i] = t1 - t0;
		exit_only[i] = t2 - t1;
	}
	snprintf(name, sizeof(name), "fork+exit/%s/%luMiB", file ? "file" : "anon", mib);
	report(name, both, iters);
	snprintf(name, sizeof(name), "fork/%s/%luMiB", file ? "file" : "anon", mib);
	report(name, fork_only, iters);
	snprintf(name, sizeof(name), "exit/%s/%luMiB", file ? "file" : "anon", mib);
	report(name, exit_only, iters);
	return 0;
}

static int bench_young(unsigned long pages, int iters)
{
	char *p = resident(pages * PAGE >> 20 ? pages * PAGE >> 20 : 1, 0);
	uint64_t *pfn = calloc(pages, 8), *v = calloc(iters, 8);
	int pm = open("/proc/self/pagemap", O_RDONLY);
	int idle = open("/sys/kernel/mm/page_idle/bitmap", O_WRONLY);
	char name[64];

	if (!p || !pfn || !v || pm < 0) {
		perror("xp_bench: young: resident memory, pagemap or allocation");
		return 1;
	}
	for (unsigned long i = 0; i < pages; i++) {
		uint64_t e;

		if (pread(pm, &e, 8, ((uintptr_t)p / PAGE + i) * 8) != 8)
			return 1;
		pfn[i] = e & ((1ULL << 55) - 1);
	}
	if (idle >= 0) {
		for (int it = 0; it < iters; it++) {
			uint64_t t0;

			for (unsigned long i = 0; i < pages; i++)
				p[i * PAGE] = 1;	/* young again */
			t0 = now_ns();
			for (unsigned long i = 0; i < pages; i++) {
				uint64_t bit = 1ULL << (pfn[i] % 64);

				if (pwrite(idle, &bit, 8, pfn[i] / 64 * 8) != 8)
					return 1;
			}
			v[it] = (now_ns() - t0) / pages;
		}
		snprintf(name, sizeof(name), "young/page_idle/%lupages", pages);
		report(name, v, iters);
	}
	for (int it = 0; it < iters; it++) {
		int fd = open("/proc/self/clear_refs", O_WRONLY);
		uint64_t t0;

		for (unsigned long i = 0; i < pages; i++)
			p[i * PAGE] = 1;
		t0 = now_ns();
		if (fd < 0 || write(fd, "1", 1) != 1)
			return 1;
		v[it] = (now_ns() - t0) / pages;
		close(fd);
	}
	snprintf(name, sizeof(name), "young/clear_refs/%lupages", pages);
	report(name, v, iters);
	return 0;
}

#define TRACING "/sys/kernel/tracing"

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	int ok = fd >= 0 && write(fd, val, strlen(val)) == (ssize_t)strlen(val);

	if (fd >= 0)
		close(fd);
	if (!ok)
		fprintf(stderr, "xp_bench: cannot write '%s' to %s\n", val, path);
	return ok ? 0 : -1;
}

static const char *const xen_events[] = {
	"xen_mc_flush", "xen_mc_extend_args", "xen_mmu_alloc_ptpage",
	"xen_mmu_release_ptpage", "xen_mmu_pgd_pin", "xen_mmu_pgd_unpin",
};

static int tracing(int on)
{
	char path[128];

	for (unsigned int i = 0; i < sizeof(xen_events) / sizeof(xen_events[0]); i++) {
		snprintf(path, sizeof(path), TRACING "/events/xen/%s/enable", xen_events[i]);
		if (write_file(path, on ? "1" : "0"))
			return -1;
	}
	return write_file(TRACING "/tracing_on", on ? "1" : "0");
}

/* Entries the ring buffer dropped: the counts are only valid if none. */
static long trace_overruns(void)
{
	long total = 0, v;
	char path[128], line[128];

	for (int cpu = 0; cpu < 64; cpu++) {
		FILE *f;

		snprintf(path, sizeof(path), TRACING "/per_cpu/cpu%d/stats", cpu);
		f = fopen(path, "r");
		if (!f)
			break;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "overrun: %ld", &v) == 1 ||
			    sscanf(line, "dropped events: %ld", &v) == 1)
				total += v;
		fclose(f);
	}
	return total;
}

static int bench_hcalls(unsigned long mib, int file, int iters)
{
	unsigned long flushes = 0, carried = 0, folded = 0, alloc_pinned = 0,
		      release_pinned = 0, pins = 0, unpins = 0, n;
	const char *kind = file ? "file" : "anon";
	char line[512], name[64];
	FILE *f;

	if (mount("tracefs", TRACING, "tracefs", 0, NULL) && errno != EBUSY) {
		perror("xp_bench: mount tracefs");
		return 1;
	}
	if (!resident(mib, file) || write_file(TRACING "/buffer_size_kb", "16384") ||
	    write_file(TRACING "/trace", "") || tracing(1))
		return 1;
	for (int i = 0; i < iters; i++) {
		pid_t c = fork();

		if (c == 0)
			_exit(0);
		if (c < 0 || waitpid(c, NULL, 0) != c)
			return 1;
	}
	if (tracing(0))
		return 1;
	if (trace_overruns()) {
		fprintf(stderr, "xp_bench: the trace buffer overflowed; counts invalid\n");
		return 1;
	}
	f = fopen(TRACING "/trace", "r");
	if (!f)
		return 1;
	while (fgets(line, sizeof(line), f)) {
		char *e;

		if ((e = strstr(line, "xen_mc_flush: flushing ")) &&
		    sscanf(e, "xen_mc_flush: flushing %lu", &n) == 1 && n) {
			flushes++;
			carried += n;
		} else if (strstr(line, "xen_mc_extend_args: ") && strstr(line, "res OK")) {
			folded++;
		} else if (strstr(line, "xen_mmu_alloc_ptpage: ")) {
			alloc_pinned += !strstr(line, "unpinned");
		} else if (strstr(line, "xen_mmu_release_ptpage: ")) {
			release_pinned += !strstr(line, "unpinned");
		} else if (strstr(line, "xen_mmu_pgd_pin: ")) {
			pins++;
		} else if (strstr(line, "xen_mmu_pgd_unpin: ")) {
			unpins++;
		}
	}
	fclose(f);
	if (!pins) {
		fprintf(stderr, "xp_bench: no xen_mmu_pgd_pin event: not Xen PV, or tracing broken\n");
		return 1;
	}
#define HC(what, v) do {							\
		snprintf(name, sizeof(name), "hcalls/%s/%s/%luMiB", what, kind, mib);	\
		printf("RESULT %s %lu %lu %lu\n", name, (v) / iters, (v) / iters, (v) / iters);	\
	} while (0)
	HC("multicall-flushes", flushes);
	HC("hypercalls-in-flushes", carried);
	HC("ops-folded", folded);
	HC("ptpage-alloc-pinned", alloc_pinned);
	HC("ptpage-release-pinned", release_pinned);
	HC("pgd-pins", pins);
	HC("pgd-unpins", unpins);
#undef HC
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "hcalls"))
		return bench_hcalls(strtoul(argv[2], NULL, 0), !strcmp(argv[3], "file"),
				    atoi(argv[4]));
	if (argc == 5 && !strcmp(argv[1], "fork"))
		return bench_fork(strtoul(argv[2], NULL, 0), !strcmp(argv[3], "file"),
				  atoi(argv[4]));
	if (argc == 4 && !strcmp(argv[1], "young"))
		return bench_young(strtoul(argv[2], NULL, 0), atoi(argv[3]));
	fprintf(stderr, "usage: xp_bench fork <MiB> <anon|file> <iters> | young <pages> <iters> |\n"
		"       hcalls <MiB> <anon|file> <iters>\n");
	return 2;
}
