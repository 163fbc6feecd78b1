#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Read the boot scenarios of scenarios/*.scenario.

A scenario is one boot and its expectation, one file per scenario, named
<name>.scenario, of "key = value" lines ('#' starts a comment):

  sets          the make targets that boot it: run, check, ... (a list)
  kind          xen-pv, native, stock-xen-pv or stock-native (Debian's own
                7.3.4 kernel instead of the series), unpatched-xen-pv or
                unpatched-native (the base tree without the series, built
                with the tests' configuration less the series' options)
  cpus          vCPUs (Xen PV dom0) or CPUs (native), default 2
  mode          tests (default) or crash (/init crashes the kernel)
  timeout       seconds before QEMU is stopped, default 300
  attempts      boots allowed to an expected crash, default 3
  expect_crash  a regular expression (Python): the run passes only if the
                console shows it; empty: the run must be clean
  expect_fail   a regular expression: the negative control of a
                selftest's own check; the run passes only if the boot is
                clean (no kernel report), a selftest failed, and the
                console shows it (the check's message)
  arg           one kernel argument (repeat the key for more); XP_* ones
                configure the guest's /init and its tests
  order         where the scenario boots in its set, default 50: lower
                first, ties broken by name.  The mm selftest boots
                (native-mm 10, xen-pv-mm 20) go first: what is left of
                the prefix builds beside the boots (harness/run.sh) only
                makes them longer, while it makes the race controls
                (the *-fix-off boots) miss their race more often

  scenario.py --list SET       the names of the scenarios in SET, in
                               boot order (order, then name)
  scenario.py --shell NAME     the scenario as shell assignments (for
                               harness/run.sh): name kind cpus mode timeout
                               attempts crash fail, and the array args
"""
import argparse
import os
import re
import shlex
import sys

DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'scenarios')
KEYS = {'sets', 'kind', 'cpus', 'mode', 'timeout', 'attempts', 'expect_crash', 'expect_fail', 'arg',
        'order'}
KINDS = {'xen-pv', 'native', 'stock-xen-pv', 'stock-native', 'unpatched-xen-pv', 'unpatched-native'}


def fail(msg):
    print(f'scenario.py: {msg}', file=sys.stderr)
    sys.exit(2)


def load(name):
    path = os.path.join(DIR, name + '.scenario')
    if not os.path.isfile(path):
        fail(f'no scenario {name!r} (no {os.path.relpath(path)}); '
             f'scenarios: {", ".join(names())}')
    s = {'name': name, 'sets': [], 'kind': '', 'cpus': '2', 'mode': 'tests',
         'timeout': '300', 'attempts': '3', 'expect_crash': '', 'expect_fail': '', 'arg': [],
         'order': '50'}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            key, eq, value = line.partition('=')
            key, value = key.strip(), value.strip()
            if not eq or key not in KEYS:
                fail(f'{path}:{n}: expected "key = value" with a key of {sorted(KEYS)}')
            if key == 'arg':
                if not value or ' ' in value:
                    fail(f'{path}:{n}: one kernel argument per arg line, without spaces')
                s['arg'].append(value)
            elif key == 'sets':
                s['sets'] = value.split()
            else:
                s[key] = value
    if s['kind'] not in KINDS:
        fail(f'{path}: kind must be one of {sorted(KINDS)}, not {s["kind"]!r}')
    for key in ('cpus', 'timeout', 'attempts'):
        if not s[key].isdigit() or int(s[key]) < 1:
            fail(f'{path}: {key} must be a positive number, not {s[key]!r}')
    if not re.fullmatch('[0-9]+', s['order']):
        fail(f'{path}: order must be a number from 0, not {s["order"]!r}')
    if s['mode'] not in ('tests', 'crash'):
        fail(f'{path}: mode must be tests or crash, not {s["mode"]!r}')
    if s['mode'] == 'crash' and not s['expect_crash']:
        fail(f'{path}: mode crash needs expect_crash')
    if s['expect_crash'] and s['expect_fail']:
        fail(f'{path}: expect_crash and expect_fail exclude each other')
    for key in ('expect_crash', 'expect_fail'):
        try:
            re.compile(s[key])
        except re.error as e:
            fail(f'{path}: {key} is not a regular expression: {e}')
    return s


def names():
    return sorted(f[:-len('.scenario')] for f in os.listdir(DIR) if f.endswith('.scenario'))


def main():
    ap = argparse.ArgumentParser()
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument('--list', metavar='SET')
    g.add_argument('--shell', metavar='NAME')
    a = ap.parse_args()
    if a.list:
        got = [s['name'] for s in sorted((load(n) for n in names()), key=lambda s: (int(s['order']), s['name']))
               if a.list in s['sets']]
        if not got:
            fail(f'no scenario is in set {a.list!r}')
        print(' '.join(got))
        return
    s = load(a.shell)
    q = shlex.quote
    print(f'name={q(s["name"])} kind={q(s["kind"])} cpus={q(s["cpus"])} mode={q(s["mode"])} '
          f'timeout={q(s["timeout"])} attempts={q(s["attempts"])} crash={q(s["expect_crash"])} '
          f'fail={q(s["expect_fail"])}')
    print('args=(' + ' '.join(q(x) for x in s['arg']) + ')')


if __name__ == '__main__':
    main()
