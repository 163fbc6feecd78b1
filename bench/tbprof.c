// SPDX-License-Identifier: GPL-2.0
/*
 * tbprof: a QEMU TCG plugin that counts the guest instructions executed per
 * translation block, for make profile (scripts/profile.sh).
 *
 *   qemu-system-x86_64 -icount shift=0 ... \
 *     -plugin tbprof.so,out=<file>[,start=<guest vaddr>]
 *
 * At exit it writes one line per translation block that ran:
 * "<start vaddr, hex> <instructions in the block> <times executed>".  With
 * start=, counting begins when a block starting at that address runs for the
 * first time (on any vCPU): the boot before it is left out.
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
	struct block *next;
};

static struct block *blocks;
static const char *out_path;
static uint64_t start;
static bool counting = true;

static void block_exec(unsigned int vcpu, void *udata)
{
	struct block *b = udata;

	if (!counting) {
		if (b->vaddr != start)
			return;
		counting = true;
	}
	b->runs++;
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
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const void *info, int argc,
			char **argv)
{
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
		} else {
			fprintf(stderr, "tbprof: unknown argument '%s' (out=<file>, start=<vaddr>)\n",
				argv[i]);
			return -1;
		}
	}
	if (!out_path || !*out_path) {
		fprintf(stderr, "tbprof: out=<file> is required\n");
		return -1;
	}
	out_path = strdup(out_path);
	qemu_plugin_register_vcpu_tb_trans_cb(id, block_trans);
	qemu_plugin_register_atexit_cb(id, write_counts, NULL);
	return 0;
}
