#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make mc-cost: where the instructions of the fork + exit of a small
# process go on Xen PV, Linux 7.3 against the series.  Needs the scratch
# trees of `make bench` (out/bench/src-{unpatched,patched}).  Applies
# bench/mc-cost.diff (trace_printk of each multicall's cost and of
# exit_mmap()'s phases) to both, builds them in their bench build
# directories, takes the diff out again (the next `make bench` rebuilds the
# two files), boots each kernel once as a Xen PV dom0 under QEMU -icount
# shift=0 (time = instructions executed, by both vCPUs: the single-threaded
# TCG clock is shared), runs `xp_bench fork 1 file 15` and prints, per
# kernel, the medians over the fork + exit iterations (the first left
# out): exit_mmap()'s phases and the multicalls by caller.  Not part of CI.
set -euo pipefail
. "$(dirname "$0")/../harness/lib.sh"

B=$OUT/bench
D=$TOP/bench/mc-cost.diff
P=$OUT/bench/mc-cost
for k in unpatched patched; do
	[ -d "$B/src-$k/.git" ] && [ -f "$B/build-$k/.config" ] ||
		die "no bench tree $B/src-$k with its build directory; run 'make bench' first."
	git -C "$B/src-$k" diff --quiet ||
		die "$B/src-$k has local changes; 'git -C $B/src-$k checkout -- .' undoes them."
	git -C "$B/src-$k" apply --check "$D" ||
		die "bench/mc-cost.diff does not apply to $B/src-$k."
done
[ -x "$B/root/bin/xp_bench" ] || die "no $B/root (make bench builds it)."
mkdir -p "$P"

# The initramfs of make bench, with another benchmark script.
rm -rf "$P/root" && cp -a "$B/root" "$P/root"
install -m 0755 "$TOP/bench/guest/mc-cost.sh" "$P/root/selftests/xp_zbench"
pack_initramfs "$P/root" "$P/initramfs.cpio.gz"

undo() {
	for k in unpatched patched; do
		git -C "$B/src-$k" checkout -- arch/x86/xen/multicalls.c mm/mmap.c 2>/dev/null || true
	done
}
trap undo EXIT
for k in unpatched patched; do
	stage_start "mc-cost: build $k with bench/mc-cost.diff"
	git -C "$B/src-$k" apply "$D"
	make -C "$B/src-$k" O="$B/build-$k" LLVM=1 RUSTC="$RUSTC" RUSTDOC="$RUSTDOC" BINDGEN="$BINDGEN" \
		${CCACHE_DIR:+CC="ccache clang"} -j"$(nproc)" bzImage > "$P/$k.build.log" 2>&1 ||
		die "building $k failed; see $P/$k.build.log"
	cp "$B/build-$k/arch/x86/boot/bzImage" "$P/$k.bzImage"
	git -C "$B/src-$k" checkout -- arch/x86/xen/multicalls.c mm/mmap.c
	stage_end
done
trap - EXIT

for k in unpatched patched; do
	stage_start "mc-cost: boot $k (Xen PV, -icount shift=0)"
	MEM=2048 TIMEOUT=900 ICOUNT=0 "$TOP/harness/boot.sh" "mc-cost-$k" xen-pv 2 \
		"$P/$k.bzImage" "$P/initramfs.cpio.gz" >/dev/null
	log=$OUT/logs/mc-cost-$k.console.log
	grep -aq "ok 1 bench" "$log" || die "the run did not complete; see $log"
	grep -a "MCCOST " "$log" | sed 's/^.*MCCOST //' > "$P/$k.txt"
	stage_end "$(grep -c . "$P/$k.txt") records"
done
python3 "$TOP/bench/mc-cost-report.py" "$P/unpatched.txt" "$P/patched.txt"
