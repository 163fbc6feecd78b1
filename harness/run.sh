#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build, boot and judge.  Each argument is a scenario: the name of a file
# scenarios/<name>.scenario (see harness/scenario.py for its keys), or an
# ad-hoc run written name:kind:cpus[:mode[:expect-crash[:kernel+args]]]
# (make soak); scenario@N boots a scenario under the name scenario-N.  A run with an expected crash passes only if
# the judge saw that crash.
# Prints the per-run verdicts and, last, "N passed, N failed, N skipped"
# over every KUnit case, selftest and run verdict (plus the harness's own
# tests when HARNESS_TESTS=1).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
T0=$(date +%s)

[ $# -gt 0 ] || die "usage: harness/run.sh scenario... (scenarios/*.scenario) or name:kind:cpus[:mode[:expect-crash[:args]]]..."
# A check script that stopped before writing its results file is a failed
# check, not a missing one.
checks_aborted() {
	[ -f "$results/$1.json" ] ||
		printf '{"name": "%s", "cases": [["%s", "FAIL"]]}\n' "$1" "$2" > "$results/$1.json"
}
# Every scenario is read before anything is built: a bad one stops here.
for spec in "$@"; do
	[[ $spec == *:* ]] || python3 "$TOP/harness/scenario.py" --shell "${spec%@*}" > /dev/null ||
		die "bad scenario '$spec' (see the message above); nothing was built or booted."
done
echo "    scenarios: $*"
TIMEOUT_ALL=${TIMEOUT:-}
results=$OUT/results
# KEEP_RESULTS=1: add to the results of an earlier run (make mm-selftests).
[ "${KEEP_RESULTS:-0}" = 1 ] || rm -rf "$results"
mkdir -p "$results" "$OUT/logs"

# Every proper prefix of the series first (in out/bisect-build, with a small
# configuration), then the whole series with the tests' configuration.
if [ "${BISECT_BUILD:-0}" = 1 ]; then
	"$TOP/series/check-series.sh" --results "$results" --bisect ||
		checks_aborted series-bisect "the prefix builds stopped before their results"
fi
"$TOP/harness/build.sh" all
SRC=$OUT/src
BUILD=$OUT/build
kernel=$BUILD/arch/x86/boot/bzImage

if [ "${HARNESS_TESTS:-0}" = 1 ]; then
	stage_start "harness: judge tests on recorded console logs (no boot)"
	python3 "$TOP/tests/test_judge.py" --ksrc "$SRC" --results "$results" || true
	stage_end
fi
if [ "${BISECT_BUILD:-0}" = 1 ]; then
	"$TOP/series/check-series.sh" --results "$results" --checks ||
		checks_aborted series "the series checks stopped before their results"
fi

stage_start "initramfs: busybox + selftests"
"$TOP/harness/initramfs.sh" "$SRC" "$OUT/initramfs.cpio.gz"
stage_end

rc=0
for spec in "$@"; do
	if [[ $spec == *:* ]]; then
		IFS=: read -r name kind cpus mode crash extra <<< "$spec"
		mode=${mode:-tests} timeout=300 attempts=3
		# shellcheck disable=SC2206 # kernel arguments, '+'-separated
		args=(${extra//+/ })
	else
		eval "$(python3 "$TOP/harness/scenario.py" --shell "${spec%@*}")"
		# scenario@N: the N-th boot of a scenario booted several times
		# (bench/negctl-stats.sh), under the name scenario-N.
		[[ $spec != *@* ]] || name=$name-${spec##*@}
	fi
	# TIMEOUT in the environment (make debug) overrides the scenario's.
	export TIMEOUT=${TIMEOUT_ALL:-$timeout}
	# stock-<kind>: Debian's own 7.3.4 kernel (harness/deps.sh fetches
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
	if [ -z "$crash" ]; then attempts=1; else attempts=${CRASH_ATTEMPTS:-$attempts}; fi
	for attempt in $(seq 1 "$attempts"); do
		# shellcheck disable=SC2086 # XP_ARGS: more kernel arguments, space-separated
		XP_MODE=$mode "$TOP/harness/boot.sh" "$name" "$kind" "$cpus" "$img" "$OUT/initramfs.cpio.gz" \
			"${args[@]}" ${XP_ARGS:-}
		status=$(cat "$OUT/logs/$name.qemu-status")
		jargs=(--log "$OUT/logs/$name.console.log" --run "$name" --expect "$kind" --cpus "$cpus"
		       --qemu-status "$status" --timeout "$TIMEOUT" --ksrc "$SRC"
		       --vmlinux "$vmlinux" --results "$results" "${kunit[@]}")
		[ -z "$crash" ] || jargs+=(--expect-crash "$crash")
		if python3 "$TOP/harness/judge.py" "${jargs[@]}"; then
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

# A boot that did not pass fails the run even if its judge left no
# results file for the summary to count.
python3 "$TOP/harness/summary.py" "$results" --elapsed $(( $(date +%s) - T0 )) || rc=1
exit $rc
