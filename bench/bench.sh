#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: unpatched, lazy-MMU-fixed and patched Linux 7.3, same config
# (no test options), each booted as a Xen PV dom0 and natively, ROUNDS times
# interleaved, running bench/xp_bench; medians and patched/unpatched ratios
# go to Documentation/benchmarks.md with an SVG plot.
#   ROUNDS=3 [ICOUNT=N] [ABLATION=1] bench/bench.sh
# ABLATION=1 (make ablation) benchmarks the ladder of issue 24 on Xen PV
# instead (see below), and writes Documentation/ablation[-icount].*.
# ICOUNT=N boots QEMU with -icount shift=N (see harness/boot.sh): the times
# measured in the guest are then counts of instructions executed (2^N ns
# each), the same whatever else the host runs.
set -euo pipefail
. "$(dirname "$0")/../harness/lib.sh"
rounds=${ROUNDS:-3}
[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive number"
[ -z "${ICOUNT:-}" ] || [[ $ICOUNT =~ ^[0-9]$ ]] ||
	die "ICOUNT must be a shift from 0 to 9 (2^ICOUNT ns per instruction), not '$ICOUNT'"
if [ -n "${ICOUNT:-}" ]; then
	clock="TCG with -icount shift=$ICOUNT: guest time = instructions executed x $((1 << ICOUNT)) ns"
else
	clock="TCG, multi-threaded: guest time follows the host's"
fi
frag="$TOP/configs/base.config $TOP/configs/mm.config $TOP/configs/kunit.config $TOP/configs/bench.config"
B=$OUT/bench
mkdir -p "$B"

# Three kernels, each in a scratch tree and build directory of its own, so
# that a kernel whose base, patches and fragments did not change since the
# last run is not rebuilt (build.sh stamps its tree and configuration):
#  - unpatched: Linux 7.3 as released;
#  - lazyfix: 7.3 with only the series' first patches, up to the fix that
#    makes lazy MMU mode work again on Xen PV (independent of the rest;
#    the one before it moves a pte check that the fix would break): the
#    fair baseline for what the ordering and the pinning changes cost;
#  - patched: the series up to (not including) its first test-only patch.
mapfile -t plist < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$TOP/patches/series")
pseries=$(printf '%s\n' "${plist[@]}" | grep -n 'test-only' | head -n1 | cut -d: -f1)
pseries=$((pseries - 1))
# The subject of patch $1 of the series, unfolded, without its [PATCH n/m].
subject() {
	awk '/^Subject: / { s = $0
		while ((getline l) > 0 && l ~ /^[ \t]/) s = s l
		sub(/^Subject: (\[[^]]*\] )?/, "", s); print s; exit }' "$TOP/patches/${plist[$(($1 - 1))]}"
}
# lazyfix: the series up to the lazy MMU mode fix, which must be patch 2,
# after the uffd-wp check it needs moved (patch 1).
lazyfix=2
grep -q '^Subject: .*check a zapped pte only where a uffd-wp marker' "$TOP/patches/${plist[0]}" &&
	grep -q '^Subject: .*do not resume the lazy MMU mode' "$TOP/patches/${plist[1]}" ||
	die "patches/series no longer starts with the uffd-wp check and the lazy MMU mode fix; update bench/bench.sh"
kernels=(unpatched lazyfix patched)
report=benchmarks
# The ablation's ladder (ABLATION=1), each kernel one step above the one
# before it, on Xen PV (natively only unpatched and patched run):
#  - unpatched, lazyfix: as above;
#  - plainstore: lazyfix + bench/plain-store.diff, the series' plain store
#    into pte pages that are not pinned, alone on 7.3's fork order (the
#    lock dance kept): what that hunk buys without the ordering;
#  - core: the series through the removal of the lock dance (the ordering
#    and the pv op, no performance patch);
#  - p<N>: each performance patch after it added in turn, up to the last
#    patch before the Rust ones, which change no benchmarked path;
#  - patched: as above.
if [ "${ABLATION:-0}" = 1 ]; then
	core=
	for i in $(seq 1 "$pseries"); do
		if subject "$i" | grep -q 'pin and unpin page tables without taking the'; then
			core=$i
			break
		fi
	done
	[ -n "$core" ] || die "no patch of patches/series up to $pseries pins and unpins page tables without taking the pte locks; update bench/bench.sh's ablation"
	# Eleven scratch trees and build directories of about 4 GB each.
	avail=$(df -Pk "$B" | awk 'NR == 2 { print int($4 / 1048576) }')
	[ "$avail" -ge 45 ] || die "the ablation needs about 45 GB free under $B; $avail GB are"
	last=$pseries
	while [ "$last" -gt "$core" ] && subject "$last" | grep -q '^rust:'; do last=$((last - 1)); done
	kernels=(unpatched lazyfix plainstore core)
	for i in $(seq $((core + 1)) $((last - 1))); do kernels+=("p$i"); done
	kernels+=(patched)
	report=ablation
	echo "    ablation: ${kernels[*]} (core = patches 1..$core, patched = 1..$pseries)"
fi
for k in "${kernels[@]}"; do
	extra=
	case $k in
	unpatched) series=0 ;;
	lazyfix) series=$lazyfix ;;
	plainstore) series=$lazyfix extra=$TOP/bench/plain-store.diff ;;
	core) series=$core ;;
	patched) series=$pseries ;;
	p[0-9]*) series=${k#p} ;;
	*) die "bench.sh: unknown kernel $k" ;;
	esac
	stage_start "bench: build $k kernel"
	SERIES=$series EXTRA_DIFF=$extra SRC=$B/src-$k BUILD=$B/build-$k FRAGMENTS="$frag" \
		"$TOP/harness/build.sh" kernel > "$B/$k.build.log" 2>&1 ||
		die "building the $k kernel failed; see $B/$k.build.log"
	mkdir -p "$B/$k"
	cp "$B/build-$k/arch/x86/boot/bzImage" "$B/$k/bzImage"
	{ echo "base: $(cat "$B/src-$k/.xp-base-id")"; echo "series:"
	  git -C "$B/src-$k" log --oneline pristine..HEAD; } > "$B/$k.base"
	stage_end
done

stage_start "bench: initramfs"
cc=clang-19
$cc -O2 -static -o "$B/xp_bench" "$TOP/bench/xp_bench.c"
# The project's initramfs (busybox, /init), without its selftests.
# Built under out/bench (OUT=$B), so that make check's out/initramfs and
# out/selftests are never touched by the lab.
# (No kernel selftest: 7.3's tree has no zap_truncate.)
OUT=$B KSELFTESTS=" " MM_SELFTESTS=0 "$TOP/harness/initramfs.sh" "$B/src-unpatched" "$B/tmp.cpio.gz"
rm -rf "$B/root" && cp -a "$B/initramfs" "$B/root"
install -m 0755 "$B/xp_bench" "$B/root/bin/xp_bench"
rm -f "$B/root/selftests/"*
install -m 0755 "$TOP/bench/guest/bench.sh" "$B/root/selftests/xp_zbench"
pack_initramfs "$B/root" "$B/initramfs.cpio.gz"
stage_end

# Results of an earlier run (more rounds, another clock) must not mix in.
rm -f "$B"/results-*.txt
for r in $(seq 1 "$rounds"); do
	for k in "${kernels[@]}"; do
		for kind in xen-pv native; do
			# Natively lazy MMU mode batches nothing: the lazy MMU
			# fix and the check it moves change no native path the
			# benchmark takes (no uffd-wp); the ladder's steps are
			# measured natively only as a whole (patched).
			[ $kind = native ] && [ $k != unpatched ] && [ $k != patched ] && continue
			stage_start "bench: round $r, $k, $kind"
			# A boot whose benchmark did not complete is retried once
			# (said so in the log): one failed without a message on
			# 2026-12-02, after it had passed three rounds.
			for try in 1 2; do
				MEM=2048 TIMEOUT=1200 "$TOP/harness/boot.sh" "bench-$r-$k-$kind" "$kind" 2 \
					"$B/$k/bzImage" "$B/initramfs.cpio.gz" >/dev/null
				grep -aq "ok 1 bench" "$OUT/logs/bench-$r-$k-$kind.console.log" && break
				[ $try = 2 ] || { cp "$OUT/logs/bench-$r-$k-$kind.console.log" "$OUT/logs/bench-$r-$k-$kind.failed.console.log"
					echo "    the benchmark did not complete; its console is $OUT/logs/bench-$r-$k-$kind.failed.console.log; retrying once"; }
			done
			grep -a "RESULT " "$OUT/logs/bench-$r-$k-$kind.console.log" |
				sed "s/^.*RESULT /$r $k $kind /" > "$B/results-$r-$k-$kind.txt" || true
			grep -aq "ok 1 bench" "$OUT/logs/bench-$r-$k-$kind.console.log" ||
				die "the benchmark did not complete in round $r ($k, $kind); see $OUT/logs/bench-$r-$k-$kind.console.log"
			n=$(wc -l < "$B/results-$r-$k-$kind.txt")
			[ "$n" -gt 0 ] || die "no benchmark result in $OUT/logs/bench-$r-$k-$kind.console.log"
			stage_end "$n results"
		done
	done
done
cat "$B"/results-*.txt > "$B/results.txt"
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
if [ "$report" = ablation ]; then
	python3 "$TOP/bench/ablation-report.py" "$B/results.txt" "$TOP/Documentation" \
		"ablation${ICOUNT:+-icount}" "${kernels[@]}" -- \
		"Generated by \`make ablation ROUNDS=$rounds${ICOUNT:+ ICOUNT=$ICOUNT}\` on $(date -u +%Y-%m-%d), $(nproc) host cores ($cpu)," \
		"$(qemu-system-x86_64 --version | head -n1) ($clock; 2 vCPUs, 2 GiB), Xen 4.17 dom0 / native," \
		"$(head -n1 "$B/unpatched.base"); lazyfix = patches 1..$lazyfix; plainstore = lazyfix + bench/plain-store.diff; core = patches 1..$core; p<N> = patches 1..N; patched = patches 1..$pseries." \
		"Medians over $rounds interleaved rounds of per-boot medians."
	exit 0
fi
BENCH_REPORT_NAME=benchmarks${ICOUNT:+-icount} \
python3 "$TOP/bench/bench-report.py" "$B/results.txt" "$TOP/Documentation" \
	"Generated by \`make bench ROUNDS=$rounds${ICOUNT:+ ICOUNT=$ICOUNT}\` on $(date -u +%Y-%m-%d), $(nproc) host cores ($cpu)," \
	"$(qemu-system-x86_64 --version | head -n1) ($clock; 2 vCPUs, 2 GiB), Xen 4.17 dom0 / native," \
	"$(head -n1 "$B/unpatched.base"); lazyfix = patches 1..$lazyfix (the lazy MMU mode fix); patched = patches 1..$pseries." \
	"Medians over $rounds interleaved rounds of per-boot medians; spread = range of the per-round ratios." ""
