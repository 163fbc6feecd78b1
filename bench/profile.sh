#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make profile: where the instructions of a fork + exit go, function by
# function, Linux 7.3 against the series (the kernels of `make bench`).
# Boots each kernel under QEMU -icount shift=0 with the TCG plugin
# bench/tbprof.c, which counts the instructions executed per translation
# block from the moment xp_bench starts, twice: with N1 and with N2
# iterations of `xp_bench <PROFILE> N`.  The difference of the two
# profiles divided by N2 - N1 is the profile of one fork + exit, what the
# rest of the boot does cancelling out (the RTC runs on the virtual clock,
# so Xen's timekeeping does not depend on the host's time).  Linux symbols come from each
# build's vmlinux, Xen's from /boot/xen-4.17-amd64.efi (checked to hold
# the same code as the xen.gz that is booted).  On Xen PV it also records
# what led to each call of the Xen functions in PROFILE_WATCH (default: the
# TLB flushes of all vCPUs and the hypercall continuations; empty: none):
# the Linux functions that ran last before it.  Not part of CI.
#   [PROFILE="fork 1 file"] [PROFILE_RUNS="15 215"] [KIND=xen-pv|native]
#   [PROFILE_WATCH="flush_area_mask hypercall_create_continuation"] bench/profile.sh
set -euo pipefail
. "$(dirname "$0")/../harness/lib.sh"

what=${PROFILE:-fork 1 file}
runs=${PROFILE_RUNS:-15 215}
kind=${KIND:-xen-pv}
[[ $what =~ ^fork\ [1-9][0-9]*\ (anon|file)$ ]] ||
	die "PROFILE must be 'fork <MiB> anon|file' (xp_bench's arguments without the count), not '$what'"
read -r n1 n2 extra <<< "$runs"
[[ ${n1:-} =~ ^[1-9][0-9]*$ && ${n2:-} =~ ^[1-9][0-9]*$ && -z ${extra:-} ]] && [ "$n2" -gt "$n1" ] ||
	die "PROFILE_RUNS must be two iteration counts, the second larger (e.g. '15 215'), not '$runs'"
case $kind in xen-pv|native) ;; *) die "KIND must be xen-pv or native, not '$kind'" ;; esac
watch=${PROFILE_WATCH-flush_area_mask hypercall_create_continuation}
[ "$kind" = xen-pv ] || watch=

B=$OUT/bench
P=$OUT/bench/profile
for k in unpatched patched; do
	[ -f "$B/$k/bzImage" ] && [ -f "$B/build-$k/vmlinux" ] ||
		die "no $k kernel of make bench in $B; run 'make bench' first."
	cmp -s "$B/$k/bzImage" "$B/build-$k/arch/x86/boot/bzImage" ||
		die "$B/build-$k holds another kernel than make bench's $k one (make mc-cost rebuilds it); run 'make bench' first."
done
[ -x "$B/root/bin/xp_bench" ] || die "no $B/root (make bench builds it)."
xen_syms=/boot/xen-4.17-amd64.efi
[ "$kind" = native ] || [ -f "$xen_syms" ] || die "no $xen_syms for Xen's symbols; run 'make deps'."
mkdir -p "$P"

stage_start "profile: build the TCG plugin"
clang-19 -O2 -Wall -Wextra -Wno-unused-parameter -shared -fPIC \
	-o "$P/tbprof.so" "$TOP/bench/tbprof.c" || die "building bench/tbprof.c failed"
start=$(llvm-nm "$B/root/bin/xp_bench" | sed -n 's/^\([0-9a-f]*\) T main$/0x\1/p')
[ -n "$start" ] || die "no main in $B/root/bin/xp_bench"
chain_args=()
if [ -n "$watch" ]; then
	args=
	for f in $watch; do
		a=$(llvm-nm "$xen_syms" | sed -n "s/^\([0-9a-f]*\) [tT] $f\$/0x\1/p" | head -n1)
		[ -n "$a" ] || die "PROFILE_WATCH: no function '$f' in $xen_syms"
		args+=",watch=$a"
	done
	for k in unpatched patched; do
		# The plugin's function table: Linux's and Xen's function starts.
		{ llvm-nm -n --defined-only "$B/build-$k/vmlinux"; llvm-nm -n --defined-only "$xen_syms"; } |
			awk '$2 ~ /^[tTwW]$/ { print $1 }' | sort -u > "$P/funcs-$k.txt"
		chain_args+=("$args,funcs=$P/funcs-$k.txt,chain_from=0xffffffff80000000")
	done
fi
stage_end "counting from xp_bench's main() at $start${watch:+, watching $watch}"

# The initramfs of make bench with the profile's payload; the iteration
# count goes on the kernel command line (XP_BENCH).
rm -rf "$P/root" && cp -a "$B/root" "$P/root"
install -m 0755 "$TOP/bench/guest/profile.sh" "$P/root/selftests/xp_zbench"
pack_initramfs "$P/root" "$P/initramfs.cpio.gz"
rm -rf "$P/root"

ki=0
for k in unpatched patched; do
	for n in $n1 $n2; do
		run=profile-$k-$kind-$n
		chain=
		[ -z "$watch" ] || chain="${chain_args[$ki]},chains=$P/$run.chains"
		stage_start "profile: $k, $kind, xp_bench $what $n (-icount shift=0)"
		rm -f "$P/$run.txt" "$P/$run.chains"
		# The RTC on QEMU's virtual clock: on the host's, how long Xen's
		# get_cmos_time() spins depends on the host's time.
		XP_QEMU_ARGS="-plugin $P/tbprof.so,out=$P/$run.txt,start=$start$chain -rtc clock=vm" \
			MEM=2048 TIMEOUT=1800 ICOUNT=0 \
			"$TOP/harness/boot.sh" "$run" "$kind" 2 "$B/$k/bzImage" "$P/initramfs.cpio.gz" \
			"XP_BENCH=${what// /,},$n" >/dev/null || true
		log=$OUT/logs/$run.console.log
		grep -aq "ok 1 bench" "$log" || die "the run did not complete; see $log"
		[ -s "$P/$run.txt" ] || die "the plugin wrote no profile ($P/$run.txt); see $log"
		grep -a "RESULT " "$log" | sed 's/^.*RESULT //' > "$P/$run.results"
		[ -z "$watch" ] || [ -f "$P/$run.chains" ] || die "the plugin wrote no chains ($P/$run.chains); see $log"
		stage_end "$(wc -l < "$P/$run.txt") blocks${watch:+, $(wc -l < "$P/$run.chains") watched calls}"
	done
	ki=$((ki + 1))
done
chains=()
[ -z "$watch" ] || for k in unpatched patched; do
	chains+=(--chains "$k" "$P/profile-$k-$kind-$n1.chains" "$P/profile-$k-$kind-$n2.chains")
done
python3 "$TOP/bench/profile-report.py" --kind "$kind" --what "$what" --runs "$n1" "$n2" \
	--xen-syms "$xen_syms" --xen-image "$OUT/xen-4.17.elf" --out "$P/report-$kind.md" \
	--kernel unpatched "$B/build-unpatched/vmlinux" "$P/profile-unpatched-$kind-$n1.txt" "$P/profile-unpatched-$kind-$n2.txt" \
	--kernel patched "$B/build-patched/vmlinux" "$P/profile-patched-$kind-$n1.txt" "$P/profile-patched-$kind-$n2.txt" \
	"${chains[@]}"
