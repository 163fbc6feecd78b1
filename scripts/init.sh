#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the test guest.  The harness passes, on the kernel command line,
#   XP_RUN=<run kind>  XP_CPUS=<n>  XP_MODE=tests|crash  [XP_*=...]
# which the kernel hands to us as environment variables.  We print markers
# the judge (scripts/judge.py) relies on, run every selftest as a KTAP
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

tests=""
for t in /selftests/xp_*; do
	[ -x "$t" ] && tests="$tests ${t##*/}"
done
n=$(echo $tests | wc -w)
echo "XP-INIT: selftests begin"
echo "KTAP version 1"
echo "1..$n"
i=0
for t in $tests; do
	i=$((i + 1))
	echo "XP-INIT: start $t $(cat /proc/uptime)" > /dev/kmsg
	{ /selftests/$t 2>&1; echo $? > /tmp/$t.rc; } |
		while IFS= read -r line; do echo "    $line"; done
	rc=$(cat /tmp/$t.rc)
	case $rc in
	0) echo "ok $i $t" ;;
	4) echo "ok $i $t # SKIP" ;;
	*) echo "not ok $i $t # exit status $rc" ;;
	esac
done
echo "XP-INIT: selftests end"
finish
