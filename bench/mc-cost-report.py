#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Summarise the records of bench/mc-cost.sh.

Each input file holds, in trace order, "XPM <exit|live> n N cost C caller
F+off/len ops ..." lines (one per multicall of an xp_bench task) and an
"XPX arch A unmap U lock L freepgt P finish F" line at the end of each
exit_mmap().  An iteration is what lies between two XPX lines (the
parent's fork, then the child's exit); the first is left out.  Prints the
medians per iteration of exit_mmap()'s phases and of the multicalls,
summed by (task state, caller, number of entries).
"""
import re
import statistics
import sys
from collections import defaultdict

OPS = {"1": "mmu_update", "14": "update_va_mapping", "26": "mmuext_op", "3": "stack_switch"}


def iterations(path):
    its, cur = [], defaultdict(lambda: [0, 0])
    for line in open(path, errors="replace"):
        f = line.split()
        if not f:
            continue
        if f[0] == "XPX":
            phases = dict(zip(f[1::2], map(int, f[2::2])))
            its.append((phases, cur))
            cur = defaultdict(lambda: [0, 0])
        elif f[0] == "XPM" and len(f) >= 8:
            caller = re.sub(r"\+0x.*", "", f[7])
            ops = " ".join(OPS.get(o.split("/")[0], o.split("/")[0]) for o in f[9:] if not o.startswith("0/"))
            key = (f[1], caller, int(f[3]), ops)
            cur[key][0] += 1
            cur[key][1] += int(f[5])
    return its[1:]


def report(name, its):
    print(f"== {name}: {len(its)} fork + exit iterations, medians per iteration (instructions)")
    if not its:
        return
    for ph in ("arch", "unmap", "freepgt", "finish"):
        print(f"   exit_mmap {ph:8} {statistics.median(i[0][ph] for i in its):>9.0f}")
    tot = statistics.median(sum(v for k, v in i[0].items()) for i in its)
    print(f"   exit_mmap total    {tot:>9.0f}")
    keys = set(k for i in its for k in i[1])
    rows = []
    for k in keys:
        cnt = statistics.median(i[1][k][0] if k in i[1] else 0 for i in its)
        cost = statistics.median(i[1][k][1] if k in i[1] else 0 for i in its)
        rows.append((k, cnt, cost))
    rows.sort(key=lambda r: -r[2])
    print(f"   {'task':4} {'multicalls':>10} {'entries':>7} {'cost':>9}  caller: ops")
    sums = defaultdict(float)
    for (state, caller, n, ops), cnt, cost in rows:
        if cost == 0:
            continue
        sums[state] += cost
        print(f"   {state:4} {cnt:>10.0f} {n:>7} {cost:>9.0f}  {caller}: {ops}")
    for state, s in sorted(sums.items()):
        print(f"   sum of the medians, {state}: {s:.0f}")


if __name__ == "__main__":
    for p in sys.argv[1:]:
        report(p.rsplit("/", 1)[-1].replace(".txt", ""), iterations(p))
