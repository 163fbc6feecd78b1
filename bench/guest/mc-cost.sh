#!/bin/sh
# make mc-cost's guest payload (bench/mc-cost.sh installs it as
# /selftests/xp_zbench).
echo "TAP version 13"
echo "1..1"
# One address-space layout for every kernel and boot: with ASLR the
# number of pud and pmd tables of a small process (its stack, mmap area
# and text in one 512 GiB or 1 GiB range or not) changes from boot to
# boot, and with it what a fork + exit asks of Xen.
echo 0 > /proc/sys/kernel/randomize_va_space || { echo "not ok 1 ASLR stays on"; exit 1; }
T=/sys/kernel/tracing
mount -t tracefs tracefs $T || { echo "not ok 1 no tracefs"; exit 1; }
echo 8192 > $T/buffer_size_kb
echo > $T/trace
xp_bench fork 1 file 15 || exit 1
echo 0 > $T/tracing_on
grep -E "XP[MX] " $T/trace | sed "s/^.*\(XP[MX] \)/MCCOST \1/"
echo "ok 1 bench"
