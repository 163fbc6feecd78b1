#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: unpatched and patched Linux 7.3, same config (no test
# options), each booted as a Xen PV dom0 and natively, ROUNDS times
# interleaved, running bench/xp_bench; medians and patched/unpatched ratios
# go to Documentation/benchmarks.md with an SVG plot.
#   ROUNDS=3 scripts/bench.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"
rounds=${ROUNDS:-3}
[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive number"
frag="$TOP/configs/base.config $TOP/configs/mm.config $TOP/configs/kunit.config"
B=$OUT/bench
mkdir -p "$B"

for k in unpatched patched; do
	# Patched: the series up to (not including) its first test-only patch.
	series=0
	if [ $k = patched ]; then
		series=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$TOP/patches/series" |
			 grep -n 'test-only' | head -n1 | cut -d: -f1)
		series=$((series - 1))
	fi
	stage_start "bench: build $k kernel"
	SERIES=$series SRC=$B/$k/src BUILD=$B/$k/build FRAGMENTS="$frag" \
		"$TOP/scripts/build.sh" kernel > "$B/$k.build.log" 2>&1 ||
		die "building the $k kernel failed; see $B/$k.build.log"
	stage_end
done

stage_start "bench: initramfs"
cc=clang-19
$cc -O2 -static -o "$B/xp_bench" "$TOP/bench/xp_bench.c"
rm -rf "$B/root" && cp -a "$OUT/initramfs" "$B/root" 2>/dev/null || {
	"$TOP/scripts/initramfs.sh" "$B/unpatched/src" "$B/tmp.cpio.gz" && cp -a "$OUT/initramfs" "$B/root"; }
install -m 0755 "$B/xp_bench" "$B/root/bin/xp_bench"
rm -f "$B/root/selftests/"*
cat > "$B/root/selftests/xp_zbench" <<'SH'
#!/bin/sh
# Runs as a "selftest" so the normal /init protocol applies.
echo "TAP version 13"
echo "1..1"
for mib in 1 16 256 1024; do
	n=$([ $mib -ge 256 ] && echo 5 || echo 15)
	[ $mib -ge 1024 ] && n=3
	xp_bench fork $mib anon $n || exit 1
	[ $mib -le 256 ] && { xp_bench fork $mib file $n || exit 1; }
done
xp_bench young 4096 5 || exit 1
echo "ok 1 bench"
SH
chmod +x "$B/root/selftests/xp_zbench"
(cd "$B/root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet -R 0:0) | gzip -9n > "$B/initramfs.cpio.gz"
stage_end

for r in $(seq 1 "$rounds"); do
	for k in unpatched patched; do
		for kind in xen-pv native; do
			stage_start "bench: round $r, $k, $kind"
			MEM=2048 TIMEOUT=1200 "$TOP/scripts/boot.sh" "bench-$r-$k-$kind" "$kind" 2 \
				"$B/$k/build/arch/x86/boot/bzImage" "$B/initramfs.cpio.gz" >/dev/null
			grep -a "RESULT " "$OUT/logs/bench-$r-$k-$kind.console.log" |
				sed "s/^.*RESULT /$r $k $kind /" > "$B/results-$r-$k-$kind.txt" || true
			n=$(wc -l < "$B/results-$r-$k-$kind.txt")
			[ "$n" -gt 0 ] || die "no benchmark result in $OUT/logs/bench-$r-$k-$kind.console.log"
			stage_end "$n results"
		done
	done
done
cat "$B"/results-*.txt > "$B/results.txt"
python3 "$TOP/scripts/bench-report.py" "$B/results.txt" "$TOP/Documentation"
