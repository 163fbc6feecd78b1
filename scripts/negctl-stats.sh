#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the negative control (fix off, windows widened) N times and record
# how long the stress took to crash the kernel, as printed by the judge.
#   scripts/negctl-stats.sh [N [0|fork|exec|exit]]
# The mode is the value of xen_pin_race_fix: 0 switches the ordering off
# everywhere, fork only at fork and exec, exec only at exec, exit only at
# exit.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
n=${1:-5}
mode=${2:-0}
[[ $n =~ ^[1-9][0-9]*$ ]] && [[ $mode =~ ^(0|fork|exec|exit)$ ]] ||
	die "usage: scripts/negctl-stats.sh [number of boots [0|fork|exec|exit]]"
# The boot arguments and crash regexes are make check's (Makefile: WIDEN,
# WIDEN_EXEC, CRASH_PATH, CRASH_YOUNG), passed in by make
# negative-control-stats.
for v in WIDEN WIDEN_EXEC CRASH_PATH CRASH_YOUNG; do
	[ -n "${!v:-}" ] || die "$v is not set: run this through 'make negative-control-stats'."
done
crash=$CRASH_PATH
args=xen_pin_race_fix=$mode+kunit.enable=0+$WIDEN
# Exec alone is make check's xen-pv-exec-fix-off: its window is widened more.
[ "$mode" != exec ] || args=xen_pin_race_fix=$mode+kunit.enable=0+$WIDEN_EXEC
# Modes 0 and exit are the 2007 oops, as make check's xen-pv-fix-off and
# xen-pv-exit-fix-off boot it: page_idle alone, and the fault must be in
# the young-clearing op.
if [ "$mode" = 0 ] || [ "$mode" = exit ]; then
	args=$args+XP_LEVERS=idle
	crash=$CRASH_YOUNG
fi
specs=()
for i in $(seq 1 "$n"); do specs+=("negctl-$mode-$i:xen-pv:2:tests:$crash:$args"); done
scripts_out=$OUT/results
"$TOP/scripts/run.sh" "${specs[@]}" || true
python3 - "$scripts_out" "$n" "$mode" > "$OUT/negctl-stats-$mode.md" <<'PY'
import json, statistics, sys
res, n, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
times, rows = [], []
for i in range(1, n + 1):
    with open(f'{res}/negctl-{mode}-{i}.json') as f:
        r = json.load(f)
    t = r.get('time_to_detect')
    rows.append((i, r['verdict'], t, r['summary']))
    if r['verdict'] == 'pass' and t is not None:
        times.append(t)
print('| boot | caught | time to detect (s) | judge |')
print('|---|---|---|---|')
for i, v, t, s in rows:
    print(f'| {i} | {"yes" if v == "pass" else "NO"} | {t if t is None else f"{t:.2f}"} | {s} |')
if times:
    print(f'\nCaught in {len(times)} of {n} boots; time to detect: median {statistics.median(times):.2f} s, '
          f'max {max(times):.2f} s.')
else:
    print(f'\nCaught in 0 of {n} boots.')
PY
cat "$OUT/negctl-stats-$mode.md"
