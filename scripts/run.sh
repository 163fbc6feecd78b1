#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build, boot and judge.  Each argument is a run:
#   name:kind:cpus[:mode[:expect-crash-regex[:kernel+args]]]
# kind is xen-pv or native; mode is tests (default) or crash.  A run with an
# expect-crash regex passes only if the judge saw that crash.
# Prints the per-run verdicts and, last, "N passed, N failed, N skipped"
# over every KUnit case, selftest and run verdict (plus the harness's own
# tests when HARNESS_TESTS=1).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
T0=$(date +%s)

[ $# -gt 0 ] || die "usage: scripts/run.sh name:kind:cpus[:mode[:expect-crash]]..."
results=$OUT/results
rm -rf "$results"
mkdir -p "$results" "$OUT/logs"

# Every proper prefix of the series first (in out/bisect-build, with a small
# configuration), then the whole series with the tests' configuration.
if [ "${BISECT_BUILD:-0}" = 1 ]; then
	"$TOP/scripts/check-series.sh" --results "$results" --bisect || true
fi
"$TOP/scripts/build.sh" all
SRC=$OUT/src
BUILD=$OUT/build
kernel=$BUILD/arch/x86/boot/bzImage

if [ "${HARNESS_TESTS:-0}" = 1 ]; then
	stage_start "harness: judge tests on recorded console logs (no boot)"
	python3 "$TOP/tests/test_judge.py" --ksrc "$SRC" --results "$results" || true
	stage_end
fi
if [ "${BISECT_BUILD:-0}" = 1 ]; then
	"$TOP/scripts/check-series.sh" --results "$results" --checks || true
fi

stage_start "initramfs: busybox + selftests"
"$TOP/scripts/initramfs.sh" "$SRC" "$OUT/initramfs.cpio.gz"
stage_end

rc=0
for spec in "$@"; do
	IFS=: read -r name kind cpus mode crash extra <<< "$spec"
	mode=${mode:-tests}
	# stock-<kind>: Debian's own 7.3.4 kernel (scripts/deps.sh fetches
	# it) with our initramfs: the unpatched reference, built by others.
	img=$kernel vmlinux=$BUILD/vmlinux kunit=(--expect-kunit)
	if [[ $kind == stock-* ]]; then
		kind=${kind#stock-} img=$CACHE/stock/vmlinuz vmlinux= kunit=()
		if [ ! -f "$img" ]; then
			echo "    $name: SKIP: Debian's stock kernel is not in $img ('make deps' could not download it)"
			printf '{"name": "%s", "cases": [["%s: Debian stock kernel unavailable", "SKIP"]]}\n' \
				"$name" "$name" > "$results/$name.json"
			continue
		fi
	fi
	stage_start "boot $name"
	# A negative control (a run that must crash) gets up to
	# CRASH_ATTEMPTS boots: the fork window's storm misses the race in
	# about one boot in four (2 of 8 today with the series, 1 of 5
	# without its last two patches), each miss a whole 8 s storm that
	# never hits it; a boot that crashes passes at once.  A run that must
	# not crash gets one boot.
	attempts=1
	[ -z "$crash" ] || attempts=${CRASH_ATTEMPTS:-3}
	for attempt in $(seq 1 "$attempts"); do
		# shellcheck disable=SC2086 # extra kernel arguments, '+'-separated in the spec
		XP_MODE=$mode "$TOP/scripts/boot.sh" "$name" "$kind" "$cpus" "$img" "$OUT/initramfs.cpio.gz" \
			${extra//+/ } ${XP_ARGS:-}
		status=$(cat "$OUT/logs/$name.qemu-status")
		jargs=(--log "$OUT/logs/$name.console.log" --run "$name" --expect "$kind" --cpus "$cpus"
		       --qemu-status "$status" --timeout "${TIMEOUT:-300}" --ksrc "$SRC"
		       --vmlinux "$vmlinux" --results "$results" "${kunit[@]}")
		[ -z "$crash" ] || jargs+=(--expect-crash "$crash")
		if python3 "$TOP/scripts/judge.py" "${jargs[@]}"; then
			ok=1
			break
		fi
		ok=0
		if [ "$attempt" -lt "$attempts" ]; then
			cp "$OUT/logs/$name.console.log" "$OUT/logs/$name.attempt-$attempt.console.log"
			echo "    $name: attempt $attempt of $attempts did not pass (console kept as $OUT/logs/$name.attempt-$attempt.console.log); booting again"
		fi
	done
	if [ "$ok" = 1 ]; then
		stage_end "pass$([ "$attempt" = 1 ] || echo " (attempt $attempt of $attempts)")"
	else
		stage_end "FAIL"
		rc=1
	fi
done

python3 "$TOP/scripts/summary.py" "$results" --elapsed $(( $(date +%s) - T0 ))
