// SPDX-License-Identifier: GPL-2.0
/*
 * xp_env - check that the guest is what the run claims to be.
 *
 * The harness passes XP_RUN (xen-pv or native) and XP_CPUS on the kernel
 * command line; the kernel hands unknown "name=value" parameters to /init as
 * environment variables, and /init passes them on to us.  A "xen-pv" run must
 * really be a Xen PV guest and a "native" run must not be one, or every
 * result of the run would be meaningless.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"

static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (!fgets(buf, len, f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static const char *expected_run(struct __test_metadata *_metadata)
{
	const char *run = getenv("XP_RUN");

	if (!run)
		SKIP(return NULL, "XP_RUN is not set: not started by the xenpv-ptep /init");
	return run;
}

TEST(hypervisor_matches_run)
{
	const char *run = expected_run(_metadata);
	char type[64] = "", gtype[64] = "";
	int have_type;

	if (!run)
		return;
	have_type = !read_line("/sys/hypervisor/type", type, sizeof(type));
	read_line("/sys/hypervisor/guest_type", gtype, sizeof(gtype));
	ksft_print_msg("run=%s /sys/hypervisor/type=%s guest_type=%s\n", run,
		       have_type ? type : "(none)", gtype[0] ? gtype : "(none)");

	if (!strcmp(run, "xen-pv")) {
		ASSERT_TRUE(have_type);
		ASSERT_STREQ("xen", type);
		ASSERT_STREQ("PV", gtype);
	} else if (!strcmp(run, "native")) {
		/* No hypervisor layer at all, or at least not Xen PV. */
		if (have_type)
			ASSERT_STRNE("xen", type);
		ASSERT_STRNE("PV", gtype);
	} else {
		TH_LOG("unknown XP_RUN=%s", run);
		ASSERT_TRUE(false);
	}
}

TEST(cpu_count_matches_run)
{
	const char *want = getenv("XP_CPUS");
	long online = sysconf(_SC_NPROCESSORS_ONLN);

	if (!want)
		SKIP(return, "XP_CPUS is not set: not started by the xenpv-ptep /init");
	ksft_print_msg("online CPUs: %ld, expected %s\n", online, want);
	ASSERT_EQ(atol(want), online);
}

TEST_HARNESS_MAIN
