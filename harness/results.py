# SPDX-License-Identifier: GPL-2.0
"""The results schema shared by the writers (judge.py, the series checks,
the harness's own tests) and the reader (summary.py).

Every results file <results>/<name>.json is one of two kinds, named by its
"type" field:

  boot    one guest boot judged by judge.py (BootResult): its verdict, the
          KUnit cases and selftests parsed from its console, the problems
          found in it;
  checks  a list of named checks that do not boot (CheckResult): the
          series' checks, the harness's own tests, a skipped boot.

Each case is [name, status], status one of PASS, FAIL, SKIP (or kunit.py's
CRASHED/ERROR, counted as failures).
"""
import dataclasses
import json
from typing import List, Optional


@dataclasses.dataclass
class BootResult:
    run: str
    console: str
    verdict: str                 # 'pass' or 'fail'
    summary: str
    expect: str = 'any'
    expect_crash: str = ''
    expect_fail: str = ''
    kunit: dict = dataclasses.field(default_factory=dict)
    selftests: dict = dataclasses.field(default_factory=dict)
    cases: List[list] = dataclasses.field(default_factory=list)
    problems: List[dict] = dataclasses.field(default_factory=list)
    qemu_status: Optional[int] = None
    time_to_detect: Optional[float] = None
    type: str = 'boot'


@dataclasses.dataclass
class CheckResult:
    name: str
    cases: List[list] = dataclasses.field(default_factory=list)
    type: str = 'checks'


def write(path, result):
    with open(path, 'w') as f:
        json.dump(dataclasses.asdict(result), f, indent=2)


def load(path):
    """Read one results file; a file without "type" (written by a shell
    script of the harness with printf) is a CheckResult."""
    with open(path) as f:
        d = json.load(f)
    kind = d.pop('type', 'checks')
    if kind == 'boot':
        return BootResult(**d)
    if kind == 'checks':
        return CheckResult(**d)
    raise ValueError(f'{path}: unknown results type {kind!r}')
