#!/bin/sh
# make bench's guest payload (bench/bench.sh installs it as
# /selftests/xp_zbench: the normal /init runs it as a selftest).
echo "TAP version 13"
echo "1..1"
# One address-space layout for every kernel and boot: with ASLR the
# number of pud and pmd tables of a small process (its stack, mmap area
# and text in one 512 GiB or 1 GiB range or not) changes from boot to
# boot, and with it what a fork + exit asks of Xen.
echo 0 > /proc/sys/kernel/randomize_va_space || { echo "not ok 1 ASLR stays on"; exit 1; }
for mib in 1 16 256 1024; do
	n=$([ $mib -ge 256 ] && echo 5 || echo 15)
	[ $mib -ge 1024 ] && n=3
	xp_bench fork $mib anon $n || exit 1
	[ $mib -le 256 ] && { xp_bench fork $mib file $n || exit 1; }
	if [ "$XP_RUN" = xen-pv ] && [ $mib -le 256 ]; then
		xp_bench hcalls $mib anon 3 || exit 1
	fi
done
xp_bench young 4096 5 || exit 1
echo "ok 1 bench"
