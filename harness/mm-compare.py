#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compare the kernel's mm selftests case by case between two boots.

  mm-compare.py BASE.json SERIES.json [--out RESULTS.json]

BASE and SERIES are results files of judge.py (harness/results.py) of the
same XP_MM set, on unpatched 7.3 and on the series, same kind of guest.
Every mm selftest case (selftests.<test>.<case>, from
harness/mm-selftests.list) that passes on BASE must pass on SERIES, and
neither boot may show a splat (oops, BUG, WARNING, lockdep, panic, stall,
Xen crash: judge.py's CRASH_LABELS).  Prints the cases that regress, the
ones that fail on both (each needs its reason in Documentation/testing.md)
and the ones only BASE fails; with --out, writes the verdict as a checks
result for summary.py.  Exits 1 if the series regresses or a boot splats,
2 on bad input.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import results  # noqa: E402

SPLATS = {'oops', 'BUG', 'WARNING', 'lockdep', 'panic', 'hung task / stall',
          'Xen multicall failure', 'Xen crash'}


def mm_tests():
    """The names of the mm selftests runs (second column of the list)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'mm-selftests.list')
    names = set()
    with open(path) as f:
        for line in f:
            fields = line.split()
            if fields and not fields[0].startswith('#'):
                names.add(fields[1])
    return names


def mm_cases(boot, names):
    """{case: status} of the mm selftests in one boot."""
    out = {}
    for name, status in boot.cases:
        parts = name.split('.')
        if len(parts) >= 2 and parts[0] == 'selftests' and parts[1] in names:
            out[name] = status
    return out


def load_boot(path):
    try:
        r = results.load(path)
    except (OSError, ValueError, TypeError) as e:
        sys.exit(f'mm-compare: cannot read {path}: {e}')
    if not isinstance(r, results.BootResult):
        sys.exit(f'mm-compare: {path} is not the result of a boot')
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('base')
    ap.add_argument('series')
    ap.add_argument('--out', help='write the verdict as a checks result here')
    a = ap.parse_args()
    names = mm_tests()
    base, series = load_boot(a.base), load_boot(a.series)
    bc, sc = mm_cases(base, names), mm_cases(series, names)
    if not bc or not sc:
        print(f'mm-compare: no mm selftest case in {a.base if not bc else a.series} '
              '(was it booted with XP_MM?)', file=sys.stderr)
        sys.exit(2)
    regress = sorted(c for c, s in bc.items() if s == 'PASS' and sc.get(c) != 'PASS')
    both = sorted(c for c, s in bc.items() if s not in ('PASS', 'SKIP') and sc.get(c) not in ('PASS', 'SKIP', None))
    base_only = sorted(c for c, s in bc.items() if s not in ('PASS', 'SKIP') and sc.get(c) == 'PASS')
    new = sorted(c for c in sc if c not in bc)
    splats = [(r.run, p['label'], p['message']) for r in (base, series)
              for p in r.problems if p['label'] in SPLATS]
    count = lambda d, s: sum(1 for v in d.values() if v == s)  # noqa: E731
    for tag, d in (('base', bc), ('series', sc)):
        print(f'    {tag:6} {len(d):4} cases: {count(d, "PASS")} passed, '
              f'{len(d) - count(d, "PASS") - count(d, "SKIP")} failed, {count(d, "SKIP")} skipped')
    for title, cases in (('REGRESSION (passes on unpatched 7.3, not with the series)', regress),
                         ('fails on both (needs its reason in Documentation/testing.md)', both),
                         ('fails only on unpatched 7.3', base_only),
                         ('only in the series boot', new)):
        if cases:
            print(f'    {title}:')
            for c in cases:
                print(f'      {c}: base {bc.get(c, "-")}, series {sc.get(c, "-")}')
    for run, label, msg in splats:
        print(f'    SPLAT in {run}: {label}: {msg}')
    ok = not regress and not splats
    print(f'    mm-compare: {"PASS" if ok else "FAIL"}: {len(regress)} regressions, '
          f'{len(splats)} splats, {len(both)} cases failing on both')
    if a.out:
        cases = [[f'mm-compare.{c}', 'FAIL'] for c in regress]
        cases += [[f'mm-compare.splat.{run}', 'FAIL'] for run, _, _ in splats]
        cases.append(['mm-compare.no_regression', 'PASS' if ok else 'FAIL'])
        results.write(a.out, results.CheckResult(name='mm-compare', cases=cases))
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
