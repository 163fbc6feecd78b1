#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot one of make check's negative-control runs N times and record how
# long the stress took to crash the kernel, as printed by the judge.
#   scripts/negctl-stats.sh N 'name:xen-pv:cpus:tests:crash-regex:args'
# The run spec is make check's own (Makefile: NEG_FIX0, NEG_EXIT, NEG_FORK,
# NEG_EXEC), passed in by make negative-control-stats; it must expect a
# crash.  Writes out/negctl-stats-<name>.md.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
n=${1:-}
spec=${2:-}
IFS=: read -r name kind cpus mode crash args <<< "$spec"
[[ $n =~ ^[1-9][0-9]*$ ]] && [ -n "$name" ] && [ -n "$crash" ] ||
	die "usage: scripts/negctl-stats.sh <number of boots> <run spec of make check that expects a crash>; run it through 'make negative-control-stats'."
specs=()
for i in $(seq 1 "$n"); do specs+=("negctl-$name-$i:$kind:$cpus:$mode:$crash:$args"); done
# One boot each: the statistics count the boots that miss, which make
# check's retries (CRASH_ATTEMPTS) would hide.
CRASH_ATTEMPTS=1 "$TOP/scripts/run.sh" "${specs[@]}" || true
python3 - "$OUT/results" "$n" "$name" > "$OUT/negctl-stats-$name.md" <<'PY'
import json, statistics, sys
res, n, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
times, rows = [], []
for i in range(1, n + 1):
    with open(f'{res}/negctl-{name}-{i}.json') as f:
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
