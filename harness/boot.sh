#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the built kernel once and capture its console.
#   harness/boot.sh <run> <xen-pv|native> <cpus> <bzImage> <initrd> [extra kernel args]
# Environment: XP_MODE=tests|crash, TIMEOUT=seconds (default 300),
# MEM=dom0/guest memory in MiB (default 1024), ICOUNT=N to run QEMU with
# -icount shift=N (the guest's clocks then advance 2^N ns per instruction
# executed, whatever the host's load; single-threaded TCG),
# XP_QEMU_ARGS="<more QEMU arguments>", split at spaces (make profile: a
# TCG plugin, and the RTC on the virtual clock).
# Writes out/logs/<run>.console.log and out/logs/<run>.qemu-status.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ $# -ge 5 ] || die "usage: harness/boot.sh <run> <xen-pv|native> <cpus> <bzImage> <initrd> [kernel args]"
run=$1 kind=$2 cpus=$3 kernel=$4 initrd=$5
shift 5
extra="$*"
timeout=${TIMEOUT:-300}
mem=${MEM:-1024}
mode=${XP_MODE:-tests}
stress=${XP_STRESS_SECONDS:-8}
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 is missing; run 'make deps'."
[ -f "$kernel" ] || die "no kernel image at $kernel; build first."
[ -f "$initrd" ] || die "no initramfs at $initrd."
mkdir -p "$OUT/logs"
log=$OUT/logs/$run.console.log
# Unknown name=value parameters reach /init as environment variables.
args="oops=panic panic=1 brd.rd_nr=1 brd.rd_size=65536 XP_RUN=$kind XP_CPUS=$cpus XP_MODE=$mode XP_STRESS_SECONDS=$stress $extra"
# More busy vCPU threads than host cores make multi-threaded TCG collapse.
if [ "$cpus" -gt "$(nproc)" ]; then accel=tcg,thread=single; else accel=tcg,thread=multi; fi
icount=() cpu=max
if [ -n "${ICOUNT:-}" ]; then
	[[ $ICOUNT =~ ^[0-9]$ ]] || die "ICOUNT must be a shift from 0 to 9 (2^ICOUNT ns per instruction), not '$ICOUNT'"
	accel=tcg,thread=single
	icount=(-icount "shift=$ICOUNT,align=off,sleep=off")
	# With x2APIC, QEMU 10 stops Xen 4.17 at its IO-APIC timer check
	# ("Bad icount read"); without it both kernels boot.
	cpu=max,-x2apic
fi
qemu=(qemu-system-x86_64 -accel "$accel" "${icount[@]}" -cpu "$cpu" -smp "$cpus" -nographic -nodefaults
      -serial stdio -no-reboot -monitor none)
# shellcheck disable=SC2206
[ -z "${XP_QEMU_ARGS:-}" ] || qemu+=($XP_QEMU_ARGS)
case $kind in
xen-pv)
	xen=$OUT/xen-4.17.elf
	[ -f /boot/xen-4.17-amd64.gz ] || die "Xen 4.17 is missing (/boot/xen-4.17-amd64.gz); run 'make deps'."
	[ "$xen" -nt /boot/xen-4.17-amd64.gz ] || zcat /boot/xen-4.17-amd64.gz > "$xen"
	# -initrd carries the multiboot modules; a comma inside a module's
	# command line must be doubled.
	qemu+=(-m $((mem + 512)) -kernel "$xen"
	       -append "console=com1 com1=115200,8n1 dom0_mem=${mem}M dom0_max_vcpus=$cpus loglvl=all guest_loglvl=all"
	       -initrd "$kernel console=hvc0 ${args//,/,,},$initrd")
	;;
native)
	qemu+=(-m "$mem" -kernel "$kernel" -initrd "$initrd" -append "console=ttyS0 $args")
	;;
*) die "unknown run kind $kind (xen-pv or native)" ;;
esac
echo "    boot $run: $kind, $cpus vCPUs, mode=$mode, timeout ${timeout}s, console $log"
# A long boot says where it is every 60 s: the time, the program /init
# runs and a storm's own progress line (make soak, make mm-selftests).
start=$SECONDS
(
	while sleep 60 < /dev/null > /dev/null 2>&1; do
		# (grep finds nothing: not an error here, under pipefail.)
		at=$(grep -a '^XP-INIT: start ' "$log" 2>/dev/null | tail -n 1 | cut -d' ' -f3) || at=
		pr=$(grep -a '# storm progress:' "$log" 2>/dev/null | tail -n 1 | tr -d '\r' | sed 's/^.*# //') || pr=
		echo "    ... $run: $((SECONDS - start)) s${at:+, running $at}${pr:+; $pr}"
	done
) &
heartbeat=$!
set +e
timeout --foreground -k 10 "$timeout" "${qemu[@]}" < /dev/null > "$log" 2>&1
status=$?
kill "$heartbeat" 2>/dev/null
wait "$heartbeat" 2>/dev/null
set -e
echo "$status" > "$OUT/logs/$run.qemu-status"
