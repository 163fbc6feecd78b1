#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compare the kernel's mm selftests case by case between two boots.

  mm-compare.py BASE.json SERIES.json [--out RESULTS.json]
  mm-compare.py --alone SERIES.json

BASE and SERIES are results files of judge.py (harness/results.py) of the
same XP_MM set, on unpatched 7.3 and on the series, same kind of guest.
The series fails the comparison if
  - a case (selftests.<test>.<case> of a test of harness/mm-selftests.list;
    the n-th case of a name compared with the n-th) passes on BASE and does
    not on SERIES, or fails on SERIES and not on BASE;
  - a case fails on both and harness/mm-known-failures.list gives no
    reason for it;
  - a boot shows a splat (judge.py's CRASH_LABELS) or did not complete
    (timeout, no power-off, selftests cut short, ...), or a test of the
    list has no case in one of the boots;
  - SERIES's verdict is not "pass" (any problem judge.py found), or a
    KUnit case of SERIES fails (the series' kernel runs its suites at
    boot whatever the selftests).
With --alone, a boot of the series without a reference (natively, where
no unpatched boot is made) fails on the checks of SERIES above (splat,
incomplete boot, verdict, KUnit, a test of the list with no case) and on
a failed mm case that harness/mm-known-failures.list gives no "both"
reason for.
Prints the cases of each kind; with --out, writes the verdict as a checks
result for summary.py.  Exits 1 if the series fails the comparison, 2 on
bad input.
"""

import argparse
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import results  # noqa: E402

SPLATS = {'oops', 'BUG', 'WARNING', 'lockdep', 'panic', 'hung task / stall',
          'Xen multicall failure', 'Xen crash'}
INCOMPLETE = {'timeout', 'qemu', 'no /init', 'incomplete', 'no power-off', 'selftests',
              'selftests incomplete', 'environment'}
HERE = os.path.dirname(os.path.abspath(__file__))


def mm_tests(which):
    """The names of the mm selftests runs of set @which (ci or full; full
    includes ci), the second column of the list."""
    names = set()
    with open(os.path.join(HERE, 'mm-selftests.list')) as f:
        for line in f:
            fields = line.split()
            if fields and not fields[0].startswith('#') and (which == 'full' or fields[0] == which):
                names.add(fields[1])
    return names


def known_failures(path):
    """[(kind, regex, reason)] of harness/mm-known-failures.list (or @path):
    kind "both" explains a case failing on both kernels, kind "config" a
    difference that comes from the two kernels' configurations."""
    out = []
    if os.path.exists(path):
        with open(path) as f:
            for n, line in enumerate(f, 1):
                line = line.strip()
                if not line or line.startswith('#'):
                    continue
                fields = line.split(None, 2)
                if len(fields) < 3 or fields[0] not in ('both', 'config'):
                    sys.exit(f'mm-compare: {path}:{n}: "both|config <case regex> <reason>" expected')
                out.append((fields[0], re.compile(fields[1]), fields[2]))
    return out


def mm_cases(boot, names):
    """{(case, n): status} of the mm selftests in one boot, the n-th case
    of that name (a test may print one name more than once)."""
    out, seen = {}, {}
    for name, status in boot.cases:
        parts = name.split('.')
        if len(parts) >= 2 and parts[0] == 'selftests' and parts[1] in names:
            n = seen.get(name, 0)
            seen[name] = n + 1
            out[(name, n)] = status
    return out


def load_boot(path):
    try:
        r = results.load(path)
    except (OSError, ValueError, TypeError) as e:
        sys.exit(f'mm-compare: cannot read {path}: {e}')
    if not isinstance(r, results.BootResult):
        sys.exit(f'mm-compare: {path} is not the result of a boot')
    return r


BAD = ('PASS', 'SKIP')


def known_reason(known, kind, case):
    """The reason harness/mm-known-failures.list gives, as @kind, for
    @case ((name, n)), or None."""
    return next((r for k, p, r in known if k == kind and p.fullmatch(case[0])), None)


def missing_tests(boot, names):
    """The tests of the list with no case in @boot."""
    return sorted(f'{boot.run}: {t}' for t in sorted(names)
                  if not any(n == f'selftests.{t}' or n.startswith(f'selftests.{t}.') for n, _ in boot.cases))


def series_faults(boot):
    """What fails a boot of the series whatever the reference: its
    verdict (any problem judge.py found) and its failed KUnit cases."""
    out = [f'verdict {boot.verdict}: {boot.summary}'] if boot.verdict != 'pass' else []
    return out + [f'KUnit {n}: {s}' for n, s in boot.cases if n.startswith('kunit.') and s not in BAD]


def alone(path, names, known):
    """--alone: one boot of the series, no reference."""
    boot = load_boot(path)
    cases = mm_cases(boot, names)
    if not cases:
        print(f'mm-compare: no mm selftest case in {path} (was it booted with XP_MM?)', file=sys.stderr)
        sys.exit(2)
    failed = sorted(c for c, s in cases.items() if s not in BAD)
    why = {c: known_reason(known, "both", c) for c in failed}
    unexplained = [c for c in failed if not why[c]]
    missing = missing_tests(boot, names)
    faults = series_faults(boot)
    print(f'    {boot.run}: {len(cases)} mm cases, {len(failed)} failed '
          f'({len(unexplained)} without a reason)')
    for c in failed:
        print(f'      {c[0]}: {cases[c]}' + (f' -- {why[c]}' if why[c] else ' -- NO REASON'))
    for m in missing:
        print(f'    MISSING: no case of {m}')
    for f in faults:
        print(f'    FAIL in {boot.run}: {f}')
    ok = not (unexplained or missing or faults)
    print(f'    mm-compare --alone: {boot.run}: {"PASS" if ok else "FAIL"}')
    sys.exit(0 if ok else 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('base', nargs='?')
    ap.add_argument('series', nargs='?')
    ap.add_argument('--alone', metavar='SERIES', help='check one boot of the series without a reference')
    ap.add_argument('--out', help='write the verdict as a checks result here')
    ap.add_argument('--known', default=os.path.join(HERE, 'mm-known-failures.list'),
                    help='the known failures (default harness/mm-known-failures.list)')
    ap.add_argument('--set', default='full', choices=('ci', 'full'),
                    help='the set of harness/mm-selftests.list both boots ran (default full)')
    a = ap.parse_args()
    names = mm_tests(a.set)
    known = known_failures(a.known)
    if a.alone:
        if a.base or a.series:
            ap.error('--alone takes one boot, without BASE and SERIES')
        alone(a.alone, names, known)
    if not (a.base and a.series):
        ap.error('BASE and SERIES are both required (or --alone SERIES)')
    base, series = load_boot(a.base), load_boot(a.series)
    bc, sc = mm_cases(base, names), mm_cases(series, names)
    if not bc or not sc:
        print(f'mm-compare: no mm selftest case in {a.base if not bc else a.series} '
              '(was it booted with XP_MM?)', file=sys.stderr)
        sys.exit(2)
    # "config" explains what Debian's configuration changes: only when the
    # base is Debian's kernel (stock-*); against unpatched 7.3 built with
    # the tests' own configuration, such a difference is the series'.
    stock = base.run.startswith('stock-')

    def why(c, kind):
        return None if kind == 'config' and not stock else known_reason(known, kind, c)

    regress = sorted(c for c, s in bc.items() if s == 'PASS' and sc.get(c) != 'PASS')
    new_fail = sorted(c for c, s in sc.items() if s not in BAD and bc.get(c, 'SKIP') in ('SKIP',))
    both = sorted(c for c, s in bc.items() if s not in BAD and sc.get(c) not in BAD + (None,))
    reason = {c: why(c, 'both') for c in both}
    reason.update({c: why(c, 'config') for c in regress + new_fail})
    config = [c for c in regress + new_fail if reason[c]]
    regress = [c for c in regress if not reason[c]]
    new_fail = [c for c in new_fail if not reason[c]]
    unexplained = [c for c in both if reason[c] is None]
    base_only = sorted(c for c, s in bc.items() if s not in BAD and sc.get(c) == 'PASS')
    missing = missing_tests(base, names) + missing_tests(series, names)
    splats = [(r.run, p['label'], p['message']) for r in (base, series)
              for p in r.problems if p['label'] in SPLATS]
    incomplete = [(r.run, p['label'], p['message']) for r in (base, series)
                  for p in r.problems if p['label'] in INCOMPLETE]
    faults = series_faults(series)
    count = lambda d, s: sum(1 for v in d.values() if v == s)  # noqa: E731
    for tag, d in (('base', bc), ('series', sc)):
        print(f'    {tag:6} {len(d):4} cases: {count(d, "PASS")} passed, '
              f'{len(d) - count(d, "PASS") - count(d, "SKIP")} failed, {count(d, "SKIP")} skipped')
    show = lambda c: f'{c[0]}' + (f' (#{c[1] + 1})' if c[1] else '')  # noqa: E731
    # The known failures on both, one line per test and reason (a program
    # that ends early leaves dozens of unnamed cases).
    known_both = {}
    for c in both:
        if reason[c]:
            key = (c[0].split('.')[1], reason[c])
            known_both[key] = known_both.get(key, 0) + 1
    if known_both:
        print('    fails on both, known:')
        for (test, r), n in sorted(known_both.items()):
            print(f'      selftests.{test}: {n} case{"s" if n > 1 else ""} -- {r}')
    for title, cases in (('REGRESSION (passes on unpatched 7.3, not with the series)', regress),
                         ('NEW FAILURE (fails with the series, skipped or absent on 7.3)', new_fail),
                         ('fails on both, no reason in harness/mm-known-failures.list', unexplained),
                         ('differs by configuration, known', config),
                         ('fails only on unpatched 7.3', base_only)):
        if cases:
            print(f'    {title}:')
            for c in cases:
                why = f' -- {reason[c]}' if c in reason and reason[c] else ''
                print(f'      {show(c)}: base {bc.get(c, "-")}, series {sc.get(c, "-")}{why}')
    for m in missing:
        print(f'    MISSING: no case of {m}')
    for run, label, msg in splats:
        print(f'    SPLAT in {run}: {label}: {msg}')
    for run, label, msg in incomplete:
        print(f'    INCOMPLETE {run}: {label}: {msg}')
    for f in faults:
        print(f'    FAIL in {series.run}: {f}')
    ok = not (regress or new_fail or unexplained or missing or splats or incomplete or faults)
    print(f'    mm-compare: {"PASS" if ok else "FAIL"}: {len(regress)} regressions, '
          f'{len(new_fail)} new failures, {len(both)} cases failing on both '
          f'({len(unexplained)} without a reason), {len(missing)} tests missing, '
          f'{len(splats)} splats, {len(incomplete)} incomplete-boot problems, '
          f'{len(faults)} other failures of the series (verdict, KUnit)')
    if a.out:
        cases = [[f'mm-compare.{show(c)}', 'FAIL'] for c in regress + new_fail + unexplained]
        cases += [[f'mm-compare.missing.{m}', 'FAIL'] for m in missing]
        cases += [[f'mm-compare.splat.{run}', 'FAIL'] for run, _, _ in splats + incomplete]
        cases += [[f'mm-compare.series.{f}', 'FAIL'] for f in faults]
        cases.append(['mm-compare.no_regression', 'PASS' if ok else 'FAIL'])
        results.write(a.out, results.CheckResult(name='mm-compare', cases=cases))
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
