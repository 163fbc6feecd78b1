#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Sum the results of every run and print the closing line.

Counts every KUnit case and selftest of every run (as parsed by kunit.py),
one verdict per run (crash/timeout/environment), and the harness's own
tests.  The last line printed is "N passed, N failed, N skipped"; the exit
status is 1 if anything failed.
"""
import argparse
import glob
import os
import sys

import results


def boot_row(r):
    """A boot: its test cases plus its verdict."""
    p = f = s = 0
    bad = []
    for name, st in r.cases:
        if st == 'PASS':
            p += 1
        elif st == 'SKIP':
            s += 1
        else:
            f += 1
            bad.append(name)
    if r.expect_crash:
        # Tests cut short by the expected crash are not results.
        p = f = s = 0
        bad = []
    elif r.expect_fail:
        # The programs whose failure the negative control expects are not
        # results; everything else in the boot (KUnit) still is.
        progs = {n.split('.')[1] for n in bad if n.startswith('selftests.')}
        kept = [(n, st) for n, st in r.cases
                if not (n.startswith('selftests.') and n.split('.')[1] in progs)]
        p = sum(1 for _, st in kept if st == 'PASS')
        s = sum(1 for _, st in kept if st == 'SKIP')
        bad = [n for n, st in kept if st not in ('PASS', 'SKIP')]
        f = len(bad)
    if r.verdict == 'pass':
        p += 1
    else:
        f += 1
    # A clean boot with a failed case is a failed run: name the cases (the
    # closing lines are often all a CI log keeps).
    verdict, summary = r.verdict, r.summary
    if bad:
        verdict = 'fail'
        summary += '; failed: ' + ', '.join(bad[:5]) + (f' (+{len(bad) - 5})' if len(bad) > 5 else '')
    return r.run, verdict, summary, p, f, s


def checks_row(r):
    """Checks that do not boot: the series, the harness's own tests, a
    skipped boot."""
    p = sum(1 for _, st in r.cases if st == 'PASS')
    s = sum(1 for _, st in r.cases if st == 'SKIP')
    f = len(r.cases) - p - s
    bad = [n for n, st in r.cases if st not in ('PASS', 'SKIP')]
    return (r.name, 'pass' if not f else 'fail',
            'all checks pass' if not f else 'failed: ' + ', '.join(bad[:5]), p, f, s)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('results')
    ap.add_argument('--elapsed', type=int, default=0)
    a = ap.parse_args()
    passed = failed = skipped = 0
    rows = []
    for path in sorted(glob.glob(os.path.join(a.results, '*.json'))):
        if path.endswith(('.kunit.json', '.selftests.json')):
            continue   # kunit.py's own output, beside the judge's
        r = results.load(path)
        row = boot_row(r) if isinstance(r, results.BootResult) else checks_row(r)
        rows.append(row)
        passed, failed, skipped = passed + row[3], failed + row[4], skipped + row[5]
    print('==> summary' + (f' ({a.elapsed}s)' if a.elapsed else ''))
    for name, verdict, summary, p, f, s in rows:
        print(f'    {name:24} {verdict.upper():4}  {p:3} passed {f:3} failed {s:3} skipped  {summary}')
    if not rows:
        print('    no results')
        failed += 1
    print(f'{passed} passed, {failed} failed, {skipped} skipped')
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
