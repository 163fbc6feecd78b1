#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Tests of harness/judge.py on recorded console logs, without booting.

Uses the real Xen PV consoles in ../shared/fixtures/console (copied into
tests/fixtures/console) and variants of them made by editing lines, and
checks the verdict and the reasons the judge gives.  Prints one TAP line per
case and writes <results>/harness-judge.json for harness/summary.py.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, 'fixtures', 'console')
JUDGE = os.path.join(HERE, '..', 'harness', 'judge.py')
sys.path.insert(0, os.path.join(HERE, '..', 'harness'))
import scenario  # noqa: E402  (the scenarios' own crash patterns)


def read(name):
    with open(os.path.join(FIX, name), 'rb') as f:
        return f.read().decode(errors='replace')


def xp_ok_tail(hyp='xen', gtype='PV', cpus=2, st_lines=None, done=True, poweroff=True):
    """What our /init prints after 'Run /init as init process'."""
    st = st_lines if st_lines is not None else [
        '    TAP version 13', '    1..2',
        '    ok 1 global.hypervisor_matches_run', '    ok 2 global.cpu_count_matches_run',
        '    # Totals: pass:2 fail:0 xfail:0 xpass:0 skip:0 error:0', 'ok 1 xp_env']
    out = ['Run /init as init process', 'XP-INIT: up 2.00 1.00 run=x mode=tests',
           f'XP-INIT: hypervisor={hyp} guest_type={gtype} cpus={cpus}',
           'XP-INIT: selftests begin', 'KTAP version 1', '1..1'] + st + ['XP-INIT: selftests end']
    if done:
        out.append('XP-INIT: done')
    if poweroff:
        out += ['reboot: Power down', '(XEN) Entering ACPI S5 state.']
    return '\r\r\n'.join(out) + '\r\r\n'


def xp_log(base='clean-kunit-poweroff.txt', **kw):
    text = read(base)
    head = text.split('Run /init as init process')[0]
    return head + xp_ok_tail(**kw)


def judge(text, ksrc, results, **opts):
    with tempfile.NamedTemporaryFile('w', suffix='.log', delete=False) as f:
        f.write(text)
        path = f.name
    args = [sys.executable, JUDGE, '--log', path, '--run', 'judge-test', '--ksrc', ksrc,
            '--results', results, '--expect-kunit']
    for k, v in opts.items():
        if v is True:
            args.append('--' + k.replace('_', '-'))
        else:
            args += ['--' + k.replace('_', '-'), str(v)]
    res = subprocess.run(args, capture_output=True, text=True)
    os.unlink(path)
    with open(os.path.join(results, 'judge-test.json')) as f:
        data = json.load(f)
    return res.returncode, data, res.stdout


def labels(data):
    return {p['label'] for p in data['problems']}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--ksrc', required=True)
    ap.add_argument('--results', required=True)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp()
    cases = []

    def case(name, fn):
        try:
            ok, why = fn()
        except Exception as e:  # a broken test is a failed test
            ok, why = False, f'exception: {e!r}'
        cases.append((name, 'PASS' if ok else 'FAIL'))
        print(f'{"ok" if ok else "not ok"} {len(cases)} {name}' + ('' if ok else f' # {why}'))

    gen = dict(protocol='generic', expect='xen-pv')

    def fixture(name, status, want_rc, want_labels=(), excerpt=None):
        def fn():
            rc, d, out = judge(read(name), a.ksrc, tmp, qemu_status=status, timeout=300, **gen)
            if rc != want_rc:
                return False, f'rc {rc}, want {want_rc}: {d["summary"]}'
            missing = set(want_labels) - labels(d)
            if missing:
                return False, f'missing reasons {missing}, got {labels(d)}'
            if excerpt and not re.search(excerpt, out):
                return False, f'no console excerpt matching /{excerpt}/ in the report'
            if want_rc and 'full log:' not in out:
                return False, 'the report does not name the full log'
            return True, ''
        return fn

    case('fixture clean-kunit-poweroff passes', fixture('clean-kunit-poweroff.txt', 0, 0))
    case('fixture clean-stress-poweroff passes', fixture('clean-stress-poweroff.txt', 0, 0))
    case('fixture oops-panic-xen-reboot fails although QEMU exited 0',
         fixture('oops-panic-xen-reboot.txt', 0, 1, {'oops', 'panic', 'Xen crash', 'no power-off'},
                 excerpt=r'\| .*lock|\| RIP: |\| Code: '))
    case('fixture oops-then-hang-timeout fails with oops and timeout',
         fixture('oops-then-hang-timeout.txt', 124, 1, {'oops', 'timeout'}, excerpt=r'\| .*Oops'))
    case('fixture warn-multicall-hang-timeout fails with WARNING, multicall and incomplete KTAP',
         fixture('warn-multicall-hang-timeout.txt', 124, 1,
                 {'WARNING', 'Xen multicall failure', 'timeout', 'KUnit incomplete', 'no /init'},
                 excerpt=r'multicalls\.c'))

    def kunit_counts():
        rc, d, _ = judge(read('clean-kunit-poweroff.txt'), a.ksrc, tmp, qemu_status=0, **gen)
        return (d['kunit']['passed'] == 2 and d['kunit']['tests'] == 2,
                f'kunit counts {d["kunit"]}')
    case('KUnit cases of a clean log are counted by kunit.py parse', kunit_counts)

    def kunit_noise():
        # A kernel log line between a subtest's "KTAP version" and its
        # "# Subtest:" line (seen with printk.time=1 on a real boot).
        text = read('clean-kunit-poweroff.txt').replace(
            '    KTAP version 1\r\r\n    # Subtest: rust_kernel_fmt',
            '    KTAP version 1\r\r\ninput: AT Translated Set 2 keyboard as /devices/platform/i8042/serio0/input/input1'
            '\r\r\n    # Subtest: rust_kernel_fmt', 1)
        if 'input: AT' not in text:
            return False, 'could not edit the fixture'
        rc, d, _ = judge(text, a.ksrc, tmp, qemu_status=0, **gen)
        return (rc == 0 and d['kunit']['passed'] == 2 and d['kunit']['tests'] == 2,
                f'rc {rc}, kunit counts {d["kunit"]}')
    case('a kernel log line inside the KUnit KTAP does not break its parse', kunit_noise)

    def xp(want_rc, want_labels=(), want=None, **kw):
        opts = dict(expect='xen-pv', cpus=2, qemu_status=0)
        opts.update({k: v for k, v in kw.items()
                     if k in ('expect', 'cpus', 'qemu_status', 'expect_crash', 'expect_fail')})
        logkw = {k: v for k, v in kw.items() if k not in opts}

        def fn():
            text = kw['text'] if 'text' in kw else xp_log(**{k: v for k, v in logkw.items() if k != 'text'})
            rc, d, _ = judge(text, a.ksrc, tmp, **opts)
            if rc != want_rc:
                return False, f'rc {rc}, want {want_rc}: {d["summary"]}'
            missing = set(want_labels) - labels(d)
            if missing:
                return False, f'missing reasons {missing}, got {labels(d)}'
            if want and not want(d):
                return False, f'unexpected result {d["cases"]} {d["selftests"]}'
            return True, ''
        return fn

    case('xp protocol: complete run passes and counts selftests',
         xp(0, want=lambda d: d['selftests']['passed'] == 2 and
            ('selftests.xp_env.global.cpu_count_matches_run', 'PASS') in map(tuple, d['cases'])))
    case('xp protocol: a failing selftest is counted as failed',
         xp(0, st_lines=['    TAP version 13', '    1..1', '    not ok 1 global.x', 'not ok 1 xp_env'],
            want=lambda d: d['selftests']['failed'] == 1))
    case('xp protocol: a program that fails after its cases passed is a failed case',
         xp(0, st_lines=['    KTAP version 1', '    # Subtest: cow', '    1..1', '    ok 1 a',
                         'not ok 1 cow # exit status 139'],
            want=lambda d: ['selftests.cow.exit_status', 'FAIL'] in d['cases'] and
            ['selftests.cow.a', 'PASS'] in d['cases']))
    short = ['    KTAP version 1', '    # Subtest: uffd', '    1..3', '    ok 1 a']
    case('xp protocol: a program that ends before the cases it announced is a failed case, '
         'not a boot that did not complete',
         xp(0, st_lines=short + ['not ok 1 uffd # exit status 136'],
            want=lambda d: 'selftests incomplete' not in labels(d) and
            ['selftests.uffd.a', 'PASS'] in d['cases'] and
            any(n.startswith('selftests.uffd.') and s != 'PASS' for n, s in d['cases'])))
    case('xp protocol: cases missing from a program /init reported passed fail the run',
         xp(1, {'selftests incomplete'}, st_lines=short + ['ok 1 uffd']))
    case('xp protocol: a program whose case failed gets no extra case',
         xp(0, st_lines=['    TAP version 13', '    1..1', '    not ok 1 global.x', 'not ok 1 xp_env'],
            want=lambda d: not any(n.endswith('.exit_status') for n, _ in d['cases'])))
    case('xp protocol: selftests cut short (no end marker) fail the run',
         xp(1, {'selftests'}, text=xp_log().replace('XP-INIT: selftests end', 'garbage')))
    case('xp protocol: missing "XP-INIT: done" fails', xp(1, {'incomplete'}, done=False))
    case('xp protocol: missing power-off fails', xp(1, {'no power-off'}, poweroff=False))
    case('xen-pv run whose /init sees no Xen fails', xp(1, {'environment'}, hyp='none', gtype='none'))
    case('native run that booted under Xen fails', xp(1, {'environment'}, expect='native'))
    case('CPU count other than the run asked for fails', xp(1, {'environment'}, cpus=4))
    case('QEMU timeout fails', xp(1, {'timeout'}, qemu_status=124))
    case('lockdep report fails the run', xp(1, {'lockdep'}, text=xp_log().replace(
        'XP-INIT: selftests end', 'WARNING: possible circular locking dependency detected\r\r\nXP-INIT: selftests end')))
    case("expected crash caught passes", xp(
        0, text=read('oops-panic-xen-reboot.txt'), expect_crash=r'BUG: unable to handle page fault'))
    case('expected crash absent fails', xp(1, expect_crash=r'BUG: unable to handle page fault'))

    # expect_fail, the negative control of a selftest's own check: a clean
    # boot, a failed selftest, and the check's message.
    fi_fail = scenario.load('native-failinject-unreached')['expect_fail']
    unreached = ['    TAP version 13', '    1..1',
                 "    # storm: the fallback exit_gather_batch was never taken: injection did not reach it",
                 '    not ok 1 storm.fork_exec_exit_under_reclaim', 'not ok 1 xp_forkstress # exit status 1']
    case('expected test failure seen passes', xp(0, expect_fail=fi_fail, st_lines=unreached))
    case('expected test failure absent fails', xp(1, expect_fail=fi_fail))
    case('expected test failure message without a failed selftest fails',
         xp(1, expect_fail=fi_fail, st_lines=unreached[:3] + ['    ok 1 storm.x', 'ok 1 xp_forkstress']))
    other_failure = ['    TAP version 13', '    1..1', '    not ok 1 storm.x', 'not ok 1 xp_forkstress # exit status 1']
    case('expected test failure message outside the selftests\' output does not count', xp(
        1, expect_fail=fi_fail, text=xp_log(st_lines=other_failure).replace(
            'Run /init as init process', 'the fallback x was never taken\r\r\nRun /init as init process')))
    case('expected test failure in a boot with a kernel report fails', xp(
        1, {'WARNING'}, expect_fail=fi_fail, st_lines=unreached[:3] + [
            'WARNING: CPU: 1 PID: 7 at mm/memory.c:1 f+0x1/0x2'] + unreached[3:]))

    # The stock-* scenarios (their own pattern): zap_truncate must fail,
    # and the kernel must have reported the bad page cache itself.
    zap_fail = scenario.load('stock-native')['expect_crash']
    stock = read('stock-7.3.4-zap-truncate-native.txt')
    case('stock 7.3.4: zap_truncate failing on the kernel\'s Bad page cache report is caught',
         xp(0, text=stock, expect='native', expect_crash=zap_fail))
    case('stock 7.3.4: zap_truncate failing without a kernel report is not caught',
         xp(1, text=re.sub(r'BUG: Bad page cache', 'Bad page cache', stock), expect='native',
            expect_crash=zap_fail))
    case('zap_truncate passing is not a caught crash',
         xp(1, text=stock.replace('not ok 1 zap_truncate.madv_dontneed', 'ok 1 zap_truncate.madv_dontneed'),
            expect='native', expect_crash=zap_fail))

    # harness/summary.py: a clean boot with a failed case is a failed run,
    # and the summary names the case (CI logs often keep only those lines).
    def summary(cases_, verdict='pass', **extra):
        d = tempfile.mkdtemp()
        with open(os.path.join(d, 'boot.json'), 'w') as f:
            json.dump({'type': 'boot', 'run': 'boot', 'console': '', 'verdict': verdict, 'summary': 'clean', 'kunit': {},
                       'cases': cases_, **extra}, f)
        p = subprocess.run([sys.executable, os.path.join(HERE, '..', 'harness', 'summary.py'), d],
                           capture_output=True, text=True)
        return p.returncode, p.stdout

    def summary_names_failed_case():
        rc, out = summary([['kunit.a.b', 'PASS'], ['selftests.storm.x', 'FAIL']])
        row = [ln for ln in out.splitlines() if ln.strip().startswith('boot ')]
        ok = rc == 1 and row and ' FAIL ' in row[0] and 'failed: selftests.storm.x' in row[0] \
            and out.splitlines()[-1] == '2 passed, 1 failed, 0 skipped'
        return ok, out
    case('summary: a clean boot with a failed case is a FAIL row naming the case', summary_names_failed_case)

    def summary_all_pass():
        rc, out = summary([['kunit.a.b', 'PASS']])
        return rc == 0 and ' PASS ' in out and 'failed:' not in out, out
    case('summary: a clean boot whose cases pass is a PASS row', summary_all_pass)

    def summary_expect_fail():
        # The expected failure of a negative control is not counted; a
        # KUnit failure in the same boot still is.
        cases_ = [['kunit.a.b', 'PASS'], ['selftests.xp_forkstress.storm.x', 'FAIL']]
        rc1, out1 = summary(cases_, expect_fail='never taken')
        rc2, out2 = summary(cases_ + [['kunit.a.c', 'FAIL']], expect_fail='never taken')
        ok = (rc1 == 0 and out1.splitlines()[-1] == '2 passed, 0 failed, 0 skipped' and
              rc2 == 1 and out2.splitlines()[-1] == '2 passed, 1 failed, 0 skipped')
        return ok, out1 + out2
    case('summary: a negative control\'s expected failure is not counted, a KUnit failure beside it is',
         summary_expect_fail)

    mm_names = sorted({ln.split()[1] for ln in open(os.path.join(HERE, '..', 'harness', 'mm-selftests.list'))
                       if ln.split() and not ln.startswith('#')})

    def mm_compare(base_cases, series_cases, series_problems=(), known='', base_run='base', series_verdict='pass'):
        d = tempfile.mkdtemp()
        paths = []
        every = [[f'selftests.{n}.ok', 'PASS'] for n in mm_names]
        for name, cases_, probs in ((base_run, base_cases, ()), ('series', series_cases, series_problems)):
            path = os.path.join(d, name + '.json')
            with open(path, 'w') as f:
                json.dump({'type': 'boot', 'run': name, 'console': '',
                           'verdict': series_verdict if name == 'series' else 'pass', 'summary': '',
                           'cases': every + cases_, 'problems': [{'label': lb, 'line': 1, 'message': lb}
                                                                 for lb in probs]}, f)
            paths.append(path)
        with open(os.path.join(d, 'known'), 'w') as f:
            f.write(known)
        p = subprocess.run([sys.executable, os.path.join(HERE, '..', 'harness', 'mm-compare.py'), *paths,
                            '--known', os.path.join(d, 'known')], capture_output=True, text=True)
        return p.returncode, p.stdout + p.stderr

    mm_base = [['selftests.cow.a', 'PASS'], ['selftests.rmap.b', 'PASS'], ['selftests.merge.c', 'FAIL'],
               ['selftests.xp_env.d', 'PASS']]
    merge_known = 'both selftests\\.merge\\.c fails on 7.3 too (test)\n'

    def mm_compare_same():
        rc, out = mm_compare(mm_base, mm_base, known=merge_known)
        return rc == 0 and '1 cases failing on both (0 without a reason)' in out, out
    case('mm-compare: the same results pass, the case failing on both having its reason', mm_compare_same)

    def mm_compare_unexplained():
        rc, out = mm_compare(mm_base, mm_base)
        return rc == 1 and 'no reason in' in out and 'selftests.merge.c' in out, out
    case('mm-compare: a case failing on both without a known reason fails it', mm_compare_unexplained)

    def mm_compare_regression():
        rc, out = mm_compare(mm_base, [['selftests.cow.a', 'PASS'], ['selftests.rmap.b', 'FAIL'],
                                       ['selftests.merge.c', 'FAIL']], known=merge_known)
        return rc == 1 and 'REGRESSION' in out and 'selftests.rmap.b' in out, out
    case('mm-compare: a case passing on 7.3 and failing with the series fails it', mm_compare_regression)

    def mm_compare_missing():
        rc, out = mm_compare(mm_base, [['selftests.cow.a', 'PASS'], ['selftests.merge.c', 'PASS']])
        return rc == 1 and 'selftests.rmap.b: base PASS, series -' in out, out
    case('mm-compare: a case passing on 7.3 and missing with the series fails it', mm_compare_missing)

    def mm_compare_new_failure():
        rc, out = mm_compare([['selftests.cow.a', 'SKIP']], [['selftests.cow.a', 'FAIL']])
        return rc == 1 and 'NEW FAILURE' in out, out
    case('mm-compare: a case skipped on 7.3 and failing with the series fails it', mm_compare_new_failure)

    def mm_compare_duplicate():
        rc, out = mm_compare([['selftests.cow.a', 'PASS'], ['selftests.cow.a', 'PASS']],
                             [['selftests.cow.a', 'FAIL'], ['selftests.cow.a', 'PASS']])
        return rc == 1 and 'REGRESSION' in out, out
    case('mm-compare: the first of two cases of one name failing is not hidden by the second', mm_compare_duplicate)

    cow_config = [['selftests.cow.a', 'SKIP'], ['selftests.rmap.b', 'PASS'], ['selftests.merge.c', 'FAIL']]
    cow_known = merge_known + 'config selftests\\.cow\\.a needs an option we lack\n'

    def mm_compare_config():
        rc, out = mm_compare(mm_base, cow_config, known=cow_known, base_run='stock-xen-pv-mm-full')
        return rc == 0 and 'differs by configuration, known' in out, out
    case('mm-compare: against Debian\'s kernel, a difference listed as a configuration difference passes, named',
         mm_compare_config)

    def mm_compare_config_unpatched():
        rc, out = mm_compare(mm_base, cow_config, known=cow_known, base_run='unpatched-xen-pv-mm-full')
        return rc == 1 and 'REGRESSION' in out and 'selftests.cow.a' in out, out
    case('mm-compare: against unpatched 7.3 (same configuration), a configuration reason explains nothing',
         mm_compare_config_unpatched)

    def mm_compare_splat():
        rc, out = mm_compare(mm_base, mm_base, series_problems=('WARNING',), known=merge_known)
        return rc == 1 and 'SPLAT in series' in out, out
    case('mm-compare: a splat in a boot fails it', mm_compare_splat)

    def mm_compare_kunit():
        rc, out = mm_compare(mm_base, mm_base + [['kunit.suite.case', 'FAIL']], known=merge_known)
        return rc == 1 and 'FAIL in series: KUnit kunit.suite.case: FAIL' in out, out
    case('mm-compare: a KUnit failure of the series fails it', mm_compare_kunit)

    def mm_compare_verdict():
        rc, out = mm_compare(mm_base, mm_base, known=merge_known, series_verdict='fail')
        return rc == 1 and 'FAIL in series: verdict fail' in out, out
    case('mm-compare: a series boot whose verdict is not pass fails it', mm_compare_verdict)

    def mm_alone(cases_, known=''):
        d = tempfile.mkdtemp()
        path = os.path.join(d, 'native.json')
        with open(path, 'w') as f:
            json.dump({'type': 'boot', 'run': 'native-mm-full', 'console': '', 'verdict': 'pass', 'summary': '',
                       'cases': [[f'selftests.{n}.ok', 'PASS'] for n in mm_names] + cases_, 'problems': []}, f)
        with open(os.path.join(d, 'known'), 'w') as f:
            f.write(known)
        p = subprocess.run([sys.executable, os.path.join(HERE, '..', 'harness', 'mm-compare.py'),
                            '--alone', path, '--known', os.path.join(d, 'known')], capture_output=True, text=True)
        return p.returncode, p.stdout + p.stderr

    def mm_alone_known():
        rc, out = mm_alone(mm_base, known=merge_known)
        return rc == 0 and 'PASS' in out, out
    case('mm-compare --alone: a boot whose failures all have a "both" reason passes', mm_alone_known)

    def mm_alone_unexplained():
        rc, out = mm_alone(mm_base)
        return rc == 1 and 'selftests.merge.c: FAIL -- NO REASON' in out, out
    case('mm-compare --alone: a failed case without a reason fails it', mm_alone_unexplained)

    def mm_alone_kunit():
        rc, out = mm_alone(mm_base + [['kunit.suite.case', 'FAIL']], known=merge_known)
        return rc == 1 and 'FAIL in native-mm-full: KUnit kunit.suite.case: FAIL' in out, out
    case('mm-compare --alone: a KUnit failure fails it', mm_alone_kunit)

    def mm_compare_incomplete():
        rc, out = mm_compare(mm_base, mm_base, series_problems=('timeout',), known=merge_known)
        return rc == 1 and 'INCOMPLETE series' in out, out
    case('mm-compare: an incomplete boot fails it', mm_compare_incomplete)

    # The scenarios' boot order (scenario.py --list): the mm selftest boots first.
    def scenario_list(argv, scen_dir=None):
        code = ('import sys, scenario\n'
                'if len(sys.argv) > 2: scenario.DIR = sys.argv.pop()\n'
                'sys.argv = ["scenario.py", "--list", sys.argv[1]]\nscenario.main()\n')
        p = subprocess.run([sys.executable, '-c', code] + argv + ([scen_dir] if scen_dir else []),
                           capture_output=True, text=True,
                           cwd=os.path.join(HERE, '..', 'harness'))
        return p.returncode, p.stdout + p.stderr

    def scenario_order():
        rc, out = scenario_list(['check'])
        got = out.split()
        return rc == 0 and got[:2] == ['native-mm', 'xen-pv-mm'] and \
            got[2:] == sorted(got[2:]), out
    case('scenarios: make check boots the mm selftests (order 10, 20) first, the rest by name', scenario_order)

    def scenario_bad_order():
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, 'x.scenario'), 'w') as f:
                f.write('sets = t\nkind = native\norder = -1\n')
            rc, out = scenario_list(['t'], d)
        return rc == 2 and 'order must be a number' in out, out
    case('scenarios: an order that is not a number from 0 (-1) is refused', scenario_bad_order)

    with open(os.path.join(a.results, 'harness-judge.json'), 'w') as f:
        json.dump({'name': 'harness-judge', 'cases': cases}, f, indent=2)
    failed = sum(1 for _, s in cases if s != 'PASS')
    print(f'# harness-judge: {len(cases) - failed} passed, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
