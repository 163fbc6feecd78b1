#!/bin/sh
# make profile's guest payload (bench/profile.sh installs it as
# /selftests/xp_zbench): xp_bench with the arguments of XP_BENCH, a
# kernel argument whose commas stand for spaces ("fork,1,file,15").
echo "TAP version 13"
echo "1..1"
case ${XP_BENCH:-} in
fork,[1-9]*) ;;
*) echo "not ok 1 bench # XP_BENCH='${XP_BENCH:-}' is not xp_bench's arguments"; exit 1 ;;
esac
# One address-space layout for every kernel and boot (see make bench).
echo 0 > /proc/sys/kernel/randomize_va_space || { echo "not ok 1 ASLR stays on"; exit 1; }
# shellcheck disable=SC2046 # the arguments, split on the commas
xp_bench $(echo "$XP_BENCH" | tr , ' ') || exit 1
echo "ok 1 bench"
