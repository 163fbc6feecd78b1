// SPDX-License-Identifier: GPL-2.0
/*
 * tbprof: a QEMU TCG plugin that counts the guest instructions executed per
 * translation block, for make profile (bench/profile.sh).
 *
 *   qemu-system-x86_64 -icount shift=0 ... \
 *     -plugin tbprof.so,out=<file>[,start=<guest vaddr>]
 *
 * At exit it writes one line per translation block that ran:
 * "<start vaddr, hex> <instructions in the block> <times executed>".  With
 * start=, counting begins when a block starting at that address runs for the
 * first time (on any vCPU): the boot before it is left out.
 *
 * What leads to a function: with funcs=<file> (the start addresses of the
 * guest's functions, Linux's and Xen's, one hex number per line, sorted),
 * chains=<file> and up to 8 watch=<vaddr>, each vCPU keeps the last CHAIN
 * functions it ran at or above chain_from=<vaddr> (default 0: all; Linux's
 * kernel text to see which path of the guest a hypercall came from), and
 * each run (after start=) of a block starting at a watched address writes
 * "<watched> <f1> <f2> ...", those functions most recent first, to
 * chains=: the calls and returns that led there, not a stack.
 *
 * Debian's QEMU ships no qemu-plugin.h, so the five functions used are
 * declared here, as version 2 of QEMU's plugin API has them (QEMU 10 still
 * loads version 2 plugins; it refuses a plugin whose version it does not
 * support).  The counters are not atomic: profile.sh runs QEMU with -icount,
 * which runs every vCPU on one thread.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
		void (*cb)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb));
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb,
		void (*cb)(unsigned int vcpu, void *udata), int flags,
		void *udata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
		void (*cb)(qemu_plugin_id_t id, void *udata), void *udata);

__attribute__((visibility("default"))) int qemu_plugin_version = 2;

struct block {
	uint64_t vaddr;
	uint64_t insns;
	uint64_t runs;
	uint64_t func;		/* start of its function, with funcs= */
	bool watched;
	struct block *next;
};

#define CHAIN	256
#define MAX_VCPUS	64
#define MAX_WATCH	8

static struct block *blocks;
static const char *out_path;
static uint64_t start;
static bool counting = true;

static uint64_t *funcs;
static size_t nfuncs;
static uint64_t watch[MAX_WATCH], chain_from;
static unsigned int nwatch;
static FILE *chains;
static struct {
	uint64_t last[CHAIN];	/* ring, last[pos] the most recent */
	unsigned int pos;
} ring[MAX_VCPUS];

static void block_exec(unsigned int vcpu, void *udata)
{
	struct block *b = udata;

	if (chains && vcpu < MAX_VCPUS && b->vaddr >= chain_from &&
	    b->func != ring[vcpu].last[ring[vcpu].pos]) {
		ring[vcpu].pos = (ring[vcpu].pos + 1) % CHAIN;
		ring[vcpu].last[ring[vcpu].pos] = b->func;
	}
	if (!counting) {
		if (b->vaddr != start)
			return;
		counting = true;
	}
	b->runs++;
	if (b->watched && vcpu < MAX_VCPUS) {
		fprintf(chains, "%llx", (unsigned long long)b->vaddr);
		for (unsigned int i = 0; i < CHAIN; i++)
			fprintf(chains, " %llx", (unsigned long long)
				ring[vcpu].last[(ring[vcpu].pos + CHAIN - i) % CHAIN]);
		fputc('\n', chains);
	}
}

/* The start of the function @vaddr is in, or 0. */
static uint64_t func_of(uint64_t vaddr)
{
	size_t lo = 0, hi = nfuncs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (funcs[mid] <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? funcs[lo - 1] : 0;
}

static int load_funcs(const char *path)
{
	FILE *f = fopen(path, "r");
	unsigned long long a;
	size_t cap = 0;

	if (!f) {
		perror(path);
		return -1;
	}
	while (fscanf(f, "%llx", &a) == 1) {
		if (nfuncs == cap) {
			cap = cap ? 2 * cap : 65536;
			funcs = realloc(funcs, cap * sizeof(*funcs));
			if (!funcs) {
				fprintf(stderr, "tbprof: out of memory\n");
				fclose(f);
				return -1;
			}
		}
		if (nfuncs && a < funcs[nfuncs - 1]) {
			fprintf(stderr, "tbprof: %s is not sorted\n", path);
			fclose(f);
			return -1;
		}
		funcs[nfuncs++] = a;
	}
	if (!feof(f) || !nfuncs) {
		fprintf(stderr, "tbprof: %s: expected hex addresses, one per line\n", path);
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

static void block_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	struct block *b = calloc(1, sizeof(*b));

	if (!b) {
		fprintf(stderr, "tbprof: out of memory\n");
		exit(1);
	}
	b->vaddr = qemu_plugin_tb_vaddr(tb);
	b->insns = qemu_plugin_tb_n_insns(tb);
	if (chains) {
		b->func = func_of(b->vaddr);
		for (unsigned int i = 0; i < nwatch; i++)
			b->watched |= b->vaddr == watch[i];
	}
	b->next = blocks;
	blocks = b;
	qemu_plugin_register_vcpu_tb_exec_cb(tb, block_exec, 0, b);
}

static void write_counts(qemu_plugin_id_t id, void *udata)
{
	FILE *f = fopen(out_path, "w");
	struct block *b;

	if (!f) {
		perror(out_path);
		return;
	}
	for (b = blocks; b; b = b->next)
		if (b->runs)
			fprintf(f, "%llx %llu %llu\n",
				(unsigned long long)b->vaddr,
				(unsigned long long)b->insns,
				(unsigned long long)b->runs);
	if (fclose(f))
		perror(out_path);
	if (chains && fclose(chains))
		perror("chains");
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const void *info, int argc,
			char **argv)
{
	const char *funcs_path = NULL, *chains_path = NULL;

	for (int i = 0; i < argc; i++) {
		char *end;

		if (!strncmp(argv[i], "out=", 4)) {
			out_path = argv[i] + 4;
		} else if (!strncmp(argv[i], "start=", 6)) {
			start = strtoull(argv[i] + 6, &end, 0);
			if (*end || !start) {
				fprintf(stderr, "tbprof: bad start address '%s'\n",
					argv[i] + 6);
				return -1;
			}
			counting = false;
		} else if (!strncmp(argv[i], "funcs=", 6)) {
			funcs_path = argv[i] + 6;
		} else if (!strncmp(argv[i], "chains=", 7)) {
			chains_path = argv[i] + 7;
		} else if (!strncmp(argv[i], "chain_from=", 11)) {
			chain_from = strtoull(argv[i] + 11, &end, 0);
			if (*end) {
				fprintf(stderr, "tbprof: bad chain_from address '%s'\n",
					argv[i] + 11);
				return -1;
			}
		} else if (!strncmp(argv[i], "watch=", 6)) {
			if (nwatch == MAX_WATCH) {
				fprintf(stderr, "tbprof: at most %d watch=\n", MAX_WATCH);
				return -1;
			}
			watch[nwatch] = strtoull(argv[i] + 6, &end, 0);
			if (*end || !watch[nwatch]) {
				fprintf(stderr, "tbprof: bad watch address '%s'\n",
					argv[i] + 6);
				return -1;
			}
			nwatch++;
		} else {
			fprintf(stderr, "tbprof: unknown argument '%s' (out=<file>, start=<vaddr>, funcs=<file>, chains=<file>, watch=<vaddr>, chain_from=<vaddr>)\n",
				argv[i]);
			return -1;
		}
	}
	if (!out_path || !*out_path) {
		fprintf(stderr, "tbprof: out=<file> is required\n");
		return -1;
	}
	if (!funcs_path != !chains_path || !chains_path != !nwatch) {
		fprintf(stderr, "tbprof: funcs=, chains= and watch= go together\n");
		return -1;
	}
	if (funcs_path) {
		if (load_funcs(funcs_path))
			return -1;
		chains = fopen(chains_path, "w");
		if (!chains) {
			perror(chains_path);
			return -1;
		}
	}
	out_path = strdup(out_path);
	qemu_plugin_register_vcpu_tb_trans_cb(id, block_trans);
	qemu_plugin_register_atexit_cb(id, write_counts, NULL);
	return 0;
}
