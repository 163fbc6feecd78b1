#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the test guest.  The harness passes, on the kernel command line,
#   XP_RUN=<run kind>  XP_CPUS=<n>  XP_MODE=tests|crash  [XP_*=...]
# which the kernel hands to us as environment variables.  We print markers
# the judge (harness/judge.py) relies on, run every selftest as a KTAP
# subtest, and power off.
/bin/busybox mkdir -p /proc /sys /dev /tmp /run /sbin /usr/bin /usr/sbin /mnt
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
echo "XP-INIT: up $(cat /proc/uptime) run=${XP_RUN:-unknown} mode=${XP_MODE:-tests}"
echo "XP-INIT: hypervisor=$(cat /sys/hypervisor/type 2>/dev/null || echo none) guest_type=$(cat /sys/hypervisor/guest_type 2>/dev/null || echo none) cpus=$(grep -c ^processor /proc/cpuinfo)"
echo "XP-INIT: cmdline: $(cat /proc/cmdline)"

finish() {
	echo "XP-INIT: done"
	sync
	poweroff -f
	sleep 10
	echo "XP-INIT: poweroff failed"
}

if [ "${XP_MODE:-tests}" = crash ]; then
	# Harness self-test: the judge must report this run as crashed.
	echo "XP-INIT: deliberately crashing the kernel with sysrq c"
	echo 1 > /proc/sys/kernel/sysrq
	echo c > /proc/sysrq-trigger
	echo "XP-INIT: still alive after sysrq c"
	finish
fi

# What the stress selftests need: cgroup v2 (memory.reclaim), a block-backed
# filesystem (ext2 on a RAM disk) for the shared file, swap on zram, MGLRU.
mkdir -p /sys/fs/cgroup && mount -t cgroup2 none /sys/fs/cgroup
if [ -b /dev/ram0 ] && mke2fs -q /dev/ram0 >/dev/null 2>&1; then
	mkdir -p /mnt/xp && mount -t ext2 /dev/ram0 /mnt/xp
fi
if [ -w /sys/block/zram0/disksize ]; then
	echo 128M > /sys/block/zram0/disksize && mkswap /dev/zram0 >/dev/null && swapon /dev/zram0
fi
[ -w /sys/kernel/mm/lru_gen/enabled ] && echo y > /sys/kernel/mm/lru_gen/enabled
echo "XP-INIT: env: $(grep -c . /proc/swaps) swap line(s), $(grep -c ' /mnt/xp ' /proc/mounts) block fs, lru_gen=$(cat /sys/kernel/mm/lru_gen/enabled 2>/dev/null || echo none)"

# Our selftests, then the kernel's own mm selftests from the tree
# (/kselftests).  XP_TESTS=a,b runs only those (by name).
tests=""
for t in /selftests/xp_* /kselftests/*; do
	[ -f "$t" ] && [ -x "$t" ] || continue
	case ",${XP_TESTS:-${t##*/}}," in
	*",${t##*/},"*) tests="$tests $t" ;;
	esac
done
# XP_MM=ci or XP_MM=full: the kernel's own mm selftests of that set
# (/kselftests/mm/list, from harness/mm-selftests.list; full includes ci).
mm_lines=""
case ${XP_MM:-} in
ci) mm_lines=$(awk '$1 == "ci"' /kselftests/mm/list 2>/dev/null) ;;
full) mm_lines=$(cat /kselftests/mm/list 2>/dev/null) ;;
*) ;;
esac
n_mm=0
[ -n "$mm_lines" ] && n_mm=$(echo "$mm_lines" | grep -c .)
# Asked for but nothing to run (an unknown set, no list): one failed item.
mm_missing=
if [ -n "${XP_MM:-}" ] && [ "$n_mm" = 0 ]; then
	mm_missing="XP_MM=$XP_MM: not ci or full, or no /kselftests/mm/list in the initramfs"
	n_mm=1
fi
n=$(( $(echo $tests | wc -w) + n_mm ))
# Keep KERN_INFO chatter (such as the KTAP of KUnit suites run again through
# debugfs) off the console while the selftests print their KTAP; warnings
# and worse (level 4 and below) still reach it.
echo 5 > /proc/sys/kernel/printk
echo "XP-INIT: selftests begin"
echo "KTAP version 1"
echo "1..$n"
i=0
for path in $tests; do
	i=$((i + 1))
	t=${path##*/}
	# XP_ARGS_<test>=a,b: arguments for that test (a kselftest harness
	# filter such as -t,madv_dontneed).
	eval "args=\${XP_ARGS_$t:-}"
	echo "XP-INIT: start $t $(cat /proc/uptime)" > /dev/kmsg
	# shellcheck disable=SC2086 # comma-separated arguments
	{ "$path" ${args//,/ } 2>&1; echo $? > /tmp/$t.rc; } |
		while IFS= read -r line; do echo "    $line"; done
	rc=$(cat /tmp/$t.rc)
	case $rc in
	0) echo "ok $i $t" ;;
	4) echo "ok $i $t # SKIP" ;;
	*) echo "not ok $i $t # exit status $rc" ;;
	esac
done
# The mm selftests: each one a KTAP subtest whose cases kunit.py parses
# (its own "TAP version" line replaced by a KTAP header, as some of them
# print none), run from /kselftests/mm with /dev/shm mounted, as root or as the user
# the list names (su:<user>:), with address space randomisation off where
# it says norand:, killed after XP_MM_TIMEOUT seconds (default 900).
if [ -n "$mm_missing" ]; then
	i=$((i + 1))
	echo "not ok $i mm_selftests # $mm_missing"
fi
if [ -n "$mm_lines" ]; then
	mkdir -p /dev/shm && mount -t tmpfs tmpfs /dev/shm
	# mremap_test maps 2 GiB (and touches 4 MiB of it): more than the
	# heuristic overcommit allows a guest of 1 GiB.
	echo 1 > /proc/sys/vm/overcommit_memory
	# Their own directory: ksm_functional_tests execs ./ksm_functional_tests,
	# gup_longterm creates its file there (the initramfs is writable).
	cd /kselftests/mm || exit 1
	echo "$mm_lines" > /tmp/mm.list
	while read -r _set name bin args; do
		i=$((i + 1))
		# KERN_INFO: in the kernel log, not on the console, where it
		# would land in the middle of the KTAP lines below.
		t0=$(cut -d' ' -f1 /proc/uptime)
		echo "<6>XP-INIT: start mm/$name $t0" > /dev/kmsg
		echo "    KTAP version 1"
		echo "    # Subtest: $name"
		case $bin in
		norand:*)
			# Address space randomisation off for this one process
			# (personality ADDR_NO_RANDOMIZE, as setarch -R;
			# harness/mm-selftests.list says why).
			bin=${bin#norand:}
			echo "    # norand: run with linux64 -R (no address space randomisation)"
			# shellcheck disable=SC2086 # arguments split on spaces
			set -- linux64 -R "/kselftests/mm/$bin" $args ;;
		su:*)
			user=${bin#su:} user=${user%%:*} bin=${bin##*:}
			set -- su -s /bin/sh "$user" -c "/kselftests/mm/$bin $args" ;;
		*)
			# shellcheck disable=SC2086 # arguments split on spaces
			set -- "/kselftests/mm/$bin" $args ;;
		esac
		# Into a file, not a pipe: a child the test leaves behind must
		# not keep /init waiting; it is killed afterwards.
		timeout -s KILL "${XP_MM_TIMEOUT:-900}" "$@" > /tmp/mm.out 2>&1 </dev/null
		rc=$?
		# (Read by the shell itself: a command per process costs
		# a second or two per test on Xen PV under TCG.  The shell
		# drops the NULs between the arguments.)
		for d in /proc/[0-9]*; do
			c=
			{ read -r c < "$d/cmdline"; } 2>/dev/null || true
			case $c in
			/kselftests/mm/*) kill -KILL "${d#/proc/}" 2>/dev/null ;;
			esac
		done
		while IFS= read -r line; do
			case $line in
			"TAP version"*) ;;
			*) echo "    $line" ;;
			esac
		done < /tmp/mm.out
		# How long it took (the guest's clock): what the set costs a boot.
		echo "    # $name: $(awk -v t0="$t0" '{ printf "%.1f", $1 - t0 }' /proc/uptime) s"
		case $rc in
		0) echo "ok $i $name" ;;
		4) echo "ok $i $name # SKIP" ;;
		137) echo "not ok $i $name # killed (SIGKILL: the ${XP_MM_TIMEOUT:-900} s timeout or the OOM killer)" ;;
		*) echo "not ok $i $name # exit status $rc" ;;
		esac
	done < /tmp/mm.list
	cd /
fi
echo "XP-INIT: selftests end"
finish
