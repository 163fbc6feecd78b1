#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot one of make check's negative-control scenarios N times and record
# how long the stress took to crash the kernel, as printed by the judge.
#   bench/negctl-stats.sh N scenario
# The scenario (scenarios/<name>.scenario) must expect a crash; make
# negative-control-stats passes make check's four.  Writes
# out/negctl-stats-<name>.md.
set -euo pipefail
. "$(dirname "$0")/../harness/lib.sh"
n=${1:-}
name=${2:-}
[[ $n =~ ^[1-9][0-9]*$ ]] && [ -n "$name" ] ||
	die "usage: bench/negctl-stats.sh <number of boots> <scenario that expects a crash>; run it through 'make negative-control-stats'."
sc=$(python3 "$TOP/harness/scenario.py" --shell "$name") || die "no scenario '$name'."
eval "$sc"
[ -n "$crash" ] || die "scenario '$name' expects no crash: it is not a negative control."
specs=()
for i in $(seq 1 "$n"); do specs+=("$name@$i"); done
# One boot each: the statistics count the boots that miss, which make
# check's retries (CRASH_ATTEMPTS) would hide.
CRASH_ATTEMPTS=1 "$TOP/harness/run.sh" "${specs[@]}" || true
python3 - "$OUT/results" "$n" "$name" > "$OUT/negctl-stats-$name.md" <<'PY'
import json, statistics, sys
res, n, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
times, rows = [], []
for i in range(1, n + 1):
    with open(f'{res}/{name}-{i}.json') as f:
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
cat "$OUT/negctl-stats-$name.md"
