#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Judge one guest boot from its console log.

The KTAP emitted by the kernel's built-in KUnit suites and the TAP emitted by
the selftests that /init runs are parsed with the kernel's own
tools/testing/kunit/kunit.py parse; this script only decides *which* lines
belong to which document and looks for everything that must fail a run even
when every test that did report says "ok": oopses, BUGs, WARNINGs, lockdep
reports, panics, Xen crash messages, a boot that never reached /init, a
missing power-off, a timeout, and a guest that is not what the run claims
to be.

Exit status: 0 if the run passed (or, with --expect-crash, if the expected
crash was caught), 1 otherwise.  A JSON summary goes to
<results>/<run>.json and the KTAP to <results>/<run>.ktap.
"""

import argparse
import dataclasses
import json
import os
import re
import subprocess
import sys
import tempfile
from typing import Optional

import results

# Anything that matches one of these in the console fails the run.  Each entry
# is (label, regex); the regexes are anchored loosely because (XEN) lines and
# kernel lines may carry prefixes.
CRASH_PATTERNS = [
    ('oops', re.compile(r'\bOops: |^\s*Oops\b|general protection fault')),
    ('BUG', re.compile(r'\bBUG: |kernel BUG at ')),
    ('WARNING', re.compile(r'\bWARNING: |-+\[ cut here \]-+')),
    ('lockdep', re.compile(r'possible circular locking dependency|'
                           r'possible recursive locking|'
                           r'inconsistent lock state|'
                           r'INFO: possible irq lock inversion|'
                           r'suspicious RCU usage|'
                           r'lock held when returning to user space')),
    ('panic', re.compile(r'Kernel panic - not syncing')),
    ('hung task / stall', re.compile(r'INFO: task .* blocked for more than|'
                                     r'rcu: INFO: rcu_\w+ detected stall|'
                                     r'watchdog: BUG: soft lockup|'
                                     r'NMI watchdog: .*LOCKUP')),
    ('Xen multicall failure', re.compile(r'multicall\(s\) failed')),
    ('Xen crash', re.compile(r'\(XEN\) .*(Hardware Dom0 crashed|Panic on CPU|'
                             r'FATAL (PAGE FAULT|TRAP)|\*\*\*\* PANIC|'
                             r'Assertion .* failed|domain_crash|'
                             r'Xen BUG at|Xen WARN at)')),
    ('segfault in user space', re.compile(r'segfault at [0-9a-f]+ ip ')),
]

KERNEL_INIT = re.compile(r'Run /init as init process')
INIT_UP = re.compile(r'XP-INIT: up ')
INIT_ENV = re.compile(r'XP-INIT: hypervisor=(\S+) guest_type=(\S+) cpus=(\d+)')
INIT_DONE = re.compile(r'XP-INIT: done')
SELFTEST_BEGIN = re.compile(r'XP-INIT: selftests begin')
SELFTEST_END = re.compile(r'XP-INIT: selftests end')
KERNEL_XENPV = re.compile(r'Hypervisor detected: Xen PV|Booting kernel on Xen PV|'
                          r'Xen PV: Detected \d+ vCPUS')
XEN_BANNER = re.compile(r'\(XEN\) Xen version ')
POWER_OFF = re.compile(r'reboot: Power down')
# As in kunit_parser: anywhere on the line (printk.time=1 adds a prefix).
KTAP_HEADER = re.compile(r'K?TAP version \d+\s*$')
# Markers of the start of a kernel report, to find the top of an excerpt.
REPORT_START = re.compile(r'-+\[ cut here \]-+|BUG: |Oops: |WARNING: |'
                          r'Kernel panic|general protection fault|'
                          r'\(XEN\) \*\*\*\*|\(XEN\) Hardware Dom0 crashed|'
                          r'possible circular locking|INFO: ')


class Problem:
    def __init__(self, label, line_no, message):
        self.label = label
        self.line_no = line_no
        self.message = message

    def to_json(self):
        return {'label': self.label, 'line': self.line_no + 1 if self.line_no is not None else None,
                'message': self.message}


def find_problems(lines):
    """Return a list of Problem, one per (label, first occurrence)."""
    seen = set()
    problems = []
    for i, line in enumerate(lines):
        for label, rx in CRASH_PATTERNS:
            if label in seen:
                continue
            if rx.search(line):
                seen.add(label)
                problems.append(Problem(label, i, line.strip()))
    return problems


def excerpt(lines, line_no, before=3, after=40):
    start = line_no
    # Walk back to the start of this report (at most 15 lines).
    for j in range(line_no, max(-1, line_no - 15), -1):
        if REPORT_START.search(lines[j]):
            start = j
            if 'cut here' in lines[j] or 'BUG: ' in lines[j]:
                break
    start = max(0, start - before)
    end = min(len(lines), line_no + after)
    # Stop at the end of the trace if there is one.
    for j in range(line_no, end):
        if re.search(r'---\[ end (trace|Kernel panic)', lines[j]):
            end = min(end, j + 1)
            break
    return lines[start:end]


def decode(excerpt_lines, ksrc, vmlinux):
    """Decode a trace with the kernel's scripts/decode_stacktrace.sh."""
    script = os.path.join(ksrc, 'scripts', 'decode_stacktrace.sh') if ksrc else None
    if not (script and vmlinux and os.path.exists(script) and os.path.exists(vmlinux)):
        return None
    try:
        res = subprocess.run(['bash', script, vmlinux, ksrc], input='\n'.join(excerpt_lines) + '\n',
                             capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if res.returncode != 0 or not res.stdout.strip():
        return None
    return res.stdout.rstrip('\n').split('\n')


KTAP_SYNTAX = re.compile(r'(\s|K?TAP version |#|ok |not ok |1\.\.\d)')
PRINTK_PREFIX = re.compile(r'^\[\s*[0-9]+\.[0-9]+\] ?')


def ktap_block(lines):
    """Lines from the first KTAP/TAP header on (kunit.py finds the end),
    without the kernel's own log lines that land in the middle: a line
    that starts with anything but KTAP syntax or indentation (after the
    printk time) cannot belong to the document, and kunit.py, meeting one
    between a subtest's "KTAP version" and its "# Subtest:" line, loses
    track of the rest (e.g. "input: AT Translated Set 2 keyboard ...")."""
    for i, line in enumerate(lines):
        if KTAP_HEADER.search(line):
            return [l for l in lines[i:] if KTAP_SYNTAX.match(PRINTK_PREFIX.sub('', l, count=1))]
    return []


STRESS_START = re.compile(r'XP-INIT: start xp_forkstress ([0-9.]+)')
PRINTK_TIME = re.compile(r'^\[\s*([0-9]+\.[0-9]+)\]')


def time_to_detect(lines, crash_line):
    """Seconds from the start of the stress selftest to the first crash
    line, from /init's uptime stamp and printk timestamps (printk.time=1)."""
    start = None
    for l in lines:
        m = STRESS_START.search(l)
        if m:
            start = float(m.group(1))
            break
    if start is None or crash_line is None:
        return None
    for l in lines[crash_line:crash_line + 5]:
        m = PRINTK_TIME.match(l)
        if m:
            return float(m.group(1)) - start
    return None


def kunit_parse(ksrc, block, tag, results_dir, run):
    """Parse one KTAP document with kunit.py parse; return its counts."""
    kunit = os.path.join(ksrc, 'tools', 'testing', 'kunit', 'kunit.py')
    if not os.path.exists(kunit):
        raise SystemExit(f'judge: {kunit} not found: need the kernel tree for kunit.py')
    counts = {'passed': 0, 'failed': 0, 'skipped': 0, 'crashed': 0, 'errors': 0, 'tests': 0}
    if not block:
        return counts, ['(no KTAP output)'], None
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, 'in.ktap')
        out_json = os.path.join(results_dir, f'{run}.{tag}.json')
        with open(src, 'w') as f:
            f.write('\n'.join(block) + '\n')
        res = subprocess.run([sys.executable, kunit, 'parse', '--json=' + out_json, src],
                             capture_output=True, text=True)
    report = [l for l in res.stdout.split('\n') if l.strip()]
    try:
        with open(out_json) as f:
            data = json.load(f)
    except (OSError, ValueError):
        return counts, report, None
    for k in counts:
        counts[k] = data.get('misc', {}).get(k, 0)
    return counts, report, data


def leaf_cases(group, prefix=''):
    """(name, status) for every test case in a kunit.py JSON group."""
    name = group.get('name', '')
    out = []
    for case in group.get('test_cases', []):
        out.append((f'{prefix}{case["name"]}', case['status']))
    for sub in group.get('sub_groups', []):
        out.extend(leaf_cases(sub, f'{prefix}{sub.get("name", "")}.'))
    return out


def failed_programs(st_block):
    """The programs /init reported "not ok" at the top level of its TAP
    (exit status, killed): kunit.py's JSON keeps no status of a test with
    subtests, so a program whose cases all passed before it failed would
    otherwise count as passed."""
    out = []
    for line in st_block:
        m = re.match(r'not ok \d+ (\S+)', line.rstrip())
        if m:
            out.append(m.group(1))
    return out


def broken_outside(sjson, st_block, scounts):
    """(crashed, errors) of /init's selftest TAP outside the programs it
    reported "not ok" itself.  A program that ends (exit status, killed)
    before the cases it announced leaves them missing, which kunit.py
    counts as crashed and as parse errors; that program is a failed case
    already (its own cases, or <program>.exit_status), as it is on any
    other kernel that runs it.  Only TAP broken elsewhere means that the
    selftests did not run to completion.  (This holds for the mm
    selftests, which /init wraps with a "# Subtest:" line of their name;
    our own selftests print none, so kunit.py cannot tell where a short
    one ends, and one of them cut short stays an incomplete boot.)"""
    crashed, errors = scounts['crashed'], scounts['errors']
    if not sjson:
        return crashed, errors
    failed = set(failed_programs(st_block))
    for group in sjson.get('sub_groups', []):
        if group.get('name') in failed:
            misc = group.get('misc', {})
            crashed -= misc.get('crashed', 0)
            errors -= misc.get('errors', 0)
    return max(crashed, 0), max(errors, 0)


@dataclasses.dataclass
class Console:
    """What a boot's console shows, before any verdict."""
    lines: list
    problems: list          # Problem, from CRASH_PATTERNS
    init_line: Optional[int]
    up_line: Optional[int]
    done_line: Optional[int]
    power_off: bool
    env: Optional[tuple]    # (hypervisor, guest type, cpus) as /init saw them
    xen_kernel: bool
    xen_banner: bool
    kunit_block: list       # the kernel's KTAP (before /init)
    st_found: bool          # /init's selftest markers, begin and end
    st_block: list          # /init's selftest TAP


def read_console(path):
    # Serial consoles end lines with "\r\r\n": split on \n only and strip
    # the carriage returns (universal newlines would invent empty lines).
    with open(path, 'rb') as f:
        return [l.rstrip('\r') for l in f.read().decode(errors='replace').split('\n')]


def scan(lines):
    """Scan a console: crash reports, /init's markers, the KTAP documents."""
    def line_of(rx):
        return next((i for i, l in enumerate(lines) if rx.search(l)), None)

    init_line = line_of(KERNEL_INIT)
    env = next((m.groups() for m in map(INIT_ENV.search, lines) if m), None)
    # The two KTAP documents: the kernel's (before /init) and /init's.
    kernel_part = lines[:init_line] if init_line is not None else lines
    st_begin, st_end = line_of(SELFTEST_BEGIN), line_of(SELFTEST_END)
    st_block = []
    if st_begin is not None:
        st_block = ktap_block(lines[st_begin + 1:st_end if st_end is not None else len(lines)])
    return Console(lines=lines, problems=find_problems(lines), init_line=init_line,
                   up_line=line_of(INIT_UP), done_line=line_of(INIT_DONE),
                   power_off=line_of(POWER_OFF) is not None, env=env,
                   xen_kernel=line_of(KERNEL_XENPV) is not None,
                   xen_banner=line_of(XEN_BANNER) is not None,
                   kunit_block=ktap_block(kernel_part),
                   st_found=st_begin is not None and st_end is not None, st_block=st_block)


CRASH_LABELS = {'oops', 'BUG', 'WARNING', 'lockdep', 'panic', 'hung task / stall',
                'Xen multicall failure', 'Xen crash'}


def run_problems(c, kcounts, scounts, args, sjson=None):
    """The problems of the run as a whole: what the console lacks (a
    completed /init, a power-off, test output), QEMU's status, and a guest
    that is not what the run claims to be."""
    problems = []
    if args.qemu_status == 124:
        problems.append(Problem('timeout', None, f'QEMU killed after the {args.timeout}s timeout'))
    elif args.qemu_status not in (0, None):
        problems.append(Problem('qemu', None, f'QEMU exited with status {args.qemu_status}'))
    xp = args.protocol == 'xp'
    if c.init_line is None or (xp and c.up_line is None):
        problems.append(Problem('no /init', None, 'the boot never reached /init'))
    if not args.expect_crash:
        if xp and c.done_line is None:
            problems.append(Problem('incomplete', None, '/init never printed "XP-INIT: done"'))
        if not c.power_off:
            problems.append(Problem('no power-off', None, 'the guest never powered off ("reboot: Power down")'))
        if args.expect_kunit and not c.kunit_block:
            problems.append(Problem('no KUnit', None, 'no KUnit KTAP in the console'))
        if c.kunit_block and kcounts['tests'] == 0:
            problems.append(Problem('KUnit parse', None, 'kunit.py parse found no KUnit results'))
        if c.kunit_block and (kcounts['crashed'] or kcounts['errors']):
            problems.append(Problem('KUnit incomplete', None,
                                    f'KUnit KTAP: {kcounts["crashed"]} crashed, {kcounts["errors"]} parse errors'))
        if xp and (not c.st_found or not c.st_block):
            problems.append(Problem('selftests', None, 'the selftests did not run to completion'))
        elif xp and any(broken := broken_outside(sjson, c.st_block, scounts)):
            problems.append(Problem('selftests incomplete', None,
                                    f'selftest TAP: {broken[0]} crashed, {broken[1]} parse errors '
                                    'outside the programs /init reported failed'))
    # Is the guest what the run claims to be?
    env = c.env
    if args.expect == 'xen-pv':
        if not c.xen_banner:
            problems.append(Problem('environment', None, 'no Xen banner: Xen did not boot'))
        if not c.xen_kernel:
            problems.append(Problem('environment', None, 'the kernel never said it runs as Xen PV'))
        if xp and c.up_line is not None and (env is None or env[0] != 'xen' or env[1] != 'PV'):
            problems.append(Problem('environment', None,
                                    f'/init saw hypervisor={env[0] if env else "?"} guest_type={env[1] if env else "?"}, not xen/PV'))
    elif args.expect == 'native':
        if c.xen_kernel or c.xen_banner:
            problems.append(Problem('environment', None, 'a "native" run booted under Xen'))
        if env is not None and (env[0] == 'xen' or env[1] == 'PV'):
            problems.append(Problem('environment', None, f'a "native" run saw hypervisor={env[0]} guest_type={env[1]}'))
    if args.cpus and env is not None and int(env[2]) != args.cpus:
        problems.append(Problem('environment', None, f'/init saw {env[2]} CPUs, expected {args.cpus}'))
    return problems


def verdict(c, problems, expect_crash, expect_fail='', scounts=None):
    """(passed, summary, seconds from the storm's start to the crash)."""
    crashes = [p for p in problems if p.label in CRASH_LABELS]
    if expect_fail:
        # A negative control of a selftest's own check: a clean boot in
        # which a selftest failed with the check's message.
        # Only the selftests' own output counts (not the kernel log or
        # command line, which may quote the pattern).
        hit = next((l for l in c.st_block if re.search(expect_fail, l)), None)
        failed = scounts and scounts['failed']
        if problems:
            return False, ('expected test failure, but: ' +
                           ', '.join(sorted({p.label for p in problems}))), None
        if hit is None or not failed:
            return False, ('expected test failure NOT seen' if hit is None else
                           'failure message matched but no selftest failed'), None
        return True, f'expected test failure seen (/{expect_fail}/: {hit.strip()})', None
    if not expect_crash:
        ok = not problems
        return ok, 'clean' if ok else ', '.join(sorted({p.label for p in problems})), None
    rx = re.compile(expect_crash)
    hit = next((i for i, l in enumerate(c.lines) if rx.search(l)), None)
    if hit is None or not crashes:
        return False, ('expected crash NOT caught' if hit is None else
                       'crash pattern matched but the kernel reported no crash'), None
    summary = f'expected crash caught (/{expect_crash}/ at line {hit + 1})'
    detect = time_to_detect(c.lines, crashes[0].line_no)
    if detect is not None:
        summary += f', {detect:.2f}s after the stress started'
    return True, summary, detect


def report(c, problems, kreport, sreport, args, out=sys.stdout):
    """The run's test lines, its problems, and a console excerpt of the
    first crashes (decoded), or the last lines if no problem has a line."""
    print(f'--- {args.run}: console {args.log}', file=out)
    for tag, rep in (('KUnit', kreport), ('selftests', sreport)):
        for l in rep:
            if re.search(r'\[(PASSED|FAILED|SKIPPED|CRASHED|ERROR)\]|Testing complete|ERROR|Ran \d+', l):
                print(f'    {tag}: {l.split("] ", 1)[-1] if l.startswith("[") else l}', file=out)
    shown = 0
    for p in problems:
        print(f'    problem: {p.label}: {p.message}' + (f' (console line {p.line_no + 1})' if p.line_no is not None else ''), file=out)
        if p.line_no is not None and shown < 2 and p.label in CRASH_LABELS | {'segfault in user space'}:
            shown += 1
            ex = excerpt(c.lines, p.line_no)
            dec = decode(ex, args.ksrc, args.vmlinux)
            print('    ----- console excerpt' + (' (decoded by scripts/decode_stacktrace.sh)' if dec else '') + ' -----', file=out)
            for l in (dec or ex):
                print('    | ' + l, file=out)
            print(f'    ----- full log: {args.log} -----', file=out)
    if problems and not any(p.line_no is not None for p in problems):
        print('    ----- last console lines -----', file=out)
        for l in c.lines[-15:]:
            print('    | ' + l, file=out)
        print(f'    ----- full log: {args.log} -----', file=out)


def judge(args):
    c = scan(read_console(args.log))
    os.makedirs(args.results, exist_ok=True)
    with open(os.path.join(args.results, f'{args.run}.ktap'), 'w') as f:
        f.write('# KUnit (built-in suites, run at boot)\n')
        f.write('\n'.join(c.kunit_block) + '\n')
        f.write('# selftests (run by /init)\n')
        f.write('\n'.join(c.st_block) + '\n')
    kcounts, kreport, kjson = kunit_parse(args.ksrc, c.kunit_block, 'kunit', args.results, args.run)
    scounts, sreport, sjson = kunit_parse(args.ksrc, c.st_block, 'selftests', args.results, args.run)

    problems = c.problems + run_problems(c, kcounts, scounts, args, sjson)
    ok, summary, detect = verdict(c, problems, args.expect_crash, args.expect_fail, scounts)
    report(c, problems, kreport, sreport, args)

    cases = []
    if kjson:
        cases += [[f'kunit.{n}', s] for n, s in leaf_cases(kjson)]
    if sjson:
        cases += [[f'selftests.{n}', s] for n, s in leaf_cases(sjson)]
    for prog in failed_programs(c.st_block):
        own = [s for n, s in cases if n == f'selftests.{prog}' or n.startswith(f'selftests.{prog}.')]
        if not any(s not in ('PASS', 'SKIP') for s in own):
            cases.append([f'selftests.{prog}.exit_status', 'FAIL'])
    results.write(os.path.join(args.results, f'{args.run}.json'), results.BootResult(
        run=args.run, console=args.log, verdict='pass' if ok else 'fail', summary=summary,
        expect=args.expect, expect_crash=args.expect_crash, expect_fail=args.expect_fail,
        kunit=kcounts, selftests=scounts,
        cases=cases, problems=[p.to_json() for p in problems], qemu_status=args.qemu_status,
        time_to_detect=detect))
    print(f'    verdict: {args.run}: {"PASS" if ok else "FAIL"} ({summary}); '
          f'KUnit {kcounts["passed"]} passed, {kcounts["failed"] + kcounts["crashed"]} failed, {kcounts["skipped"]} skipped; '
          f'selftests {scounts["passed"]} passed, {scounts["failed"] + scounts["crashed"]} failed, {scounts["skipped"]} skipped')
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--log', required=True, help='console log')
    ap.add_argument('--run', required=True, help='run name')
    ap.add_argument('--expect', choices=['xen-pv', 'native', 'any'], default='any')
    ap.add_argument('--cpus', type=int, default=0, help='CPUs the guest must see')
    ap.add_argument('--expect-crash', default='', help='regex: the run passes only if this crash is seen')
    ap.add_argument('--expect-fail', default='',
                    help='regex: a negative control; the run passes only if the boot is clean, '
                         'a selftest failed and this line is seen')
    ap.add_argument('--expect-kunit', action='store_true', help='KUnit KTAP must be present')
    ap.add_argument('--qemu-status', type=int, default=None)
    ap.add_argument('--timeout', type=int, default=0)
    ap.add_argument('--protocol', choices=['xp', 'generic'], default='xp',
                    help='xp: /init is ours and must print its XP-INIT markers and selftests; '
                         'generic: any /init (recorded fixtures)')
    ap.add_argument('--ksrc', required=True, help='kernel source tree (for kunit.py)')
    ap.add_argument('--vmlinux', default='', help='vmlinux to decode traces with')
    ap.add_argument('--results', required=True, help='results directory')
    sys.exit(judge(ap.parse_args()))


if __name__ == '__main__':
    main()
