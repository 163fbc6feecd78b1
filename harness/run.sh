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

# The prefix builds of the series (series/check-series.sh --bisect: every
# prefix compiled in a tree and build directories of its own, out/bisect)
# run beside everything else, as SCHED_IDLE: they get a CPU only when the
# main build and the boots leave one idle (the links, the Rust crates,
# the single-threaded mm selftests, Xen's boot), so they cost the run
# little time and the boots the CPU they had.  Their output goes to
# out/logs/series-bisect.log and is printed when they are waited for,
# after the boots.  The mm selftest boots come first (the scenarios'
# order key): beside the prefix builds they only take longer, while the
# race controls would miss their race more often.  In a session of their
# own, stopped with the run.
bisect_pid=
stop_bisect() {
	[ -z "$bisect_pid" ] || kill -TERM -- "-$bisect_pid" 2>/dev/null || true
}
if [ "${BISECT_BUILD:-0}" = 1 ]; then
	command -v chrt >/dev/null && command -v setsid >/dev/null ||
		die "chrt and setsid (util-linux) are needed for the prefix builds."
	# A run killed outright (SIGKILL) leaves them running: stop those of
	# an earlier run of this out/ first.
	if [ -f "$OUT/bisect.pid" ]; then
		old=$(cat "$OUT/bisect.pid")
		# (Only if that session is still theirs: a pid can be reused.)
		if ps -o args= -s "$old" 2>/dev/null | grep -q 'series/check-series.sh'; then
			echo "    series: stopping the prefix builds a killed run left (session $old)"
			kill -TERM -- "-$old" 2>/dev/null || true
		fi
		rm -f "$OUT/bisect.pid"
	fi
	# Without job control (as make and CI run us) a background child is
	# not a process group leader, so setsid makes it the leader of a new
	# session without forking: $! is the session.
	set +m
	ionice=()
	! command -v ionice >/dev/null || ionice=(ionice -c 3)
	setsid "${ionice[@]}" chrt --idle 0 "$TOP/series/check-series.sh" --results "$results" --bisect \
		> "$OUT/logs/series-bisect.log" 2>&1 < /dev/null &
	bisect_pid=$!
	for _ in $(seq 50); do
		sid=$(ps -o sid= -p "$bisect_pid" | tr -d ' ')
		[ -n "$sid" ] && [ "$sid" != "$bisect_pid" ] || break
		sleep 0.1
	done
	[ -z "$sid" ] || [ "$sid" = "$bisect_pid" ] ||
		{ kill "$bisect_pid" 2>/dev/null; die "the prefix builds did not get a session of their own (setsid)."; }
	echo "$bisect_pid" > "$OUT/bisect.pid"
	trap stop_bisect EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	echo "    series: the prefix builds run beside the rest as SCHED_IDLE (log: $OUT/logs/series-bisect.log)"
fi
# The whole series with the tests' configuration.
"$TOP/harness/build.sh" all
SRC=$OUT/src
BUILD=$OUT/build
kernel=$BUILD/arch/x86/boot/bzImage

if [ "${HARNESS_TESTS:-0}" = 1 ]; then
	stage_start "harness: judge tests on recorded console logs (no boot)"
	python3 "$TOP/tests/test_judge.py" --ksrc "$SRC" --results "$results" || true
	stage_end
fi
stage_start "initramfs: busybox + selftests"
"$TOP/harness/initramfs.sh" "$SRC" "$OUT/initramfs.cpio.gz"
stage_end

# The base tree without the series (unpatched-<kind> scenarios), once a run.
unpatched_built=
unpatched_kernel() {
	[ -z "$unpatched_built" ] || return 0
	local f frag=
	for f in ${FRAGMENTS:-$TEST_FRAGMENTS}; do
		[ "$(basename "$f")" = xenpv-ptep.config ] || frag+="$f "
	done
	echo "    unpatched: the base tree without the series, $(for f in $frag; do basename "$f"; done | tr '\n' ' ')(log: $OUT/logs/unpatched-build.log)"
	SERIES=0 SRC=$OUT/unpatched/src BUILD=$OUT/unpatched/build FRAGMENTS="$frag" \
		CONFIG_LOG=$OUT/logs/unpatched-config.log BUILD_LOG=$OUT/logs/unpatched-build.log \
		"$TOP/harness/build.sh" kernel ||
		die "building the unpatched kernel failed; see $OUT/logs/unpatched-build.log"
	unpatched_built=1
}

rc=0
for spec in "$@"; do
	if [[ $spec == *:* ]]; then
		IFS=: read -r name kind cpus mode crash extra <<< "$spec"
		mode=${mode:-tests} timeout=300 attempts=3 fail=
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
	# unpatched-<kind>: the base tree without the series, built here with
	# the tests' configuration less the series' own options
	# (configs/xenpv-ptep.config), in out/unpatched: the reference with
	# the same configuration (make mm-selftests).
	img=$kernel vmlinux=$BUILD/vmlinux kunit=(--expect-kunit) ksrc=$SRC
	if [[ $kind == unpatched-* ]]; then
		kind=${kind#unpatched-}
		unpatched_kernel
		img=$OUT/unpatched/build/arch/x86/boot/bzImage vmlinux=$OUT/unpatched/build/vmlinux kunit=()
		ksrc=$OUT/unpatched/src
	elif [[ $kind == stock-* ]]; then
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
		       --qemu-status "$status" --timeout "$TIMEOUT" --ksrc "$ksrc"
		       --vmlinux "$vmlinux" --results "$results" "${kunit[@]}")
		[ -z "$crash" ] || jargs+=(--expect-crash "$crash")
		[ -z "${fail:-}" ] || jargs+=(--expect-fail "$fail")
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

# The prefix builds (their output as it comes, then their end), then the
# checks of the series, which read their make output.
if [ -n "$bisect_pid" ]; then
	stage_start "series: the prefix builds (out/logs/series-bisect.log)"
	tail -n +1 --pid="$bisect_pid" -f "$OUT/logs/series-bisect.log" | sed 's/^/  /'
	brc=0
	wait "$bisect_pid" || brc=$?
	bisect_pid=
	rm -f "$OUT/bisect.pid"
	[ "$brc" = 0 ] || checks_aborted series-bisect "the prefix builds stopped before their results (exit status $brc)"
	stage_end "$([ "$brc" = 0 ] && echo done || echo "FAIL (exit status $brc)")"
	"$TOP/series/check-series.sh" --results "$results" --checks ||
		checks_aborted series "the series checks stopped before their results"
fi

# A boot that did not pass fails the run even if its judge left no
# results file for the summary to count.
python3 "$TOP/harness/summary.py" "$results" --elapsed $(( $(date +%s) - T0 )) || rc=1
exit $rc
