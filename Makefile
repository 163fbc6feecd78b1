# SPDX-License-Identifier: GPL-2.0
#
# xenpv-ptep: the 2007 Xen PV pin/unpin race, fixed by ordering and a
# ptep_test_and_clear_flags paravirt op, tested on a real Xen PV dom0.
#
#   make run     the main job: install deps, get the base tree, apply
#                patches/, build (LLVM=1, Rust), boot under Xen (PV dom0)
#                and natively, run KUnit and the selftests, print the verdict
#   make check   the full test suite (what .ci/run runs)
#
# KDIR=/path/to/linux builds a copy of your own tree instead of Debian's
# linux-source-7.3; it is never modified.

SHELL := /bin/bash
export KDIR OUT

# Runs: name:kind:cpus[:mode[:expected crash]]
RUNS_MAIN := xen-pv:xen-pv:2 native:native:2
RUNS_CHECK := $(RUNS_MAIN) xen-pv-4cpu:xen-pv:4 \
	harness-crash:xen-pv:2:crash:sysrq\ triggered\ crash

.PHONY: all deps build run check test-harness clean distclean help
all: run

help:
	@sed -n '3,13p' Makefile | sed 's/^# \{0,1\}//'

deps:
	@scripts/deps.sh

build: deps
	@scripts/build.sh all

run: deps
	@scripts/run.sh $(RUNS_MAIN)

check: deps
	@HARNESS_TESTS=1 BISECT_BUILD=1 scripts/run.sh $(RUNS_CHECK)

# The judge's tests alone, on recorded consoles (no build, no boot).
test-harness:
	@mkdir -p out/results && python3 tests/test_judge.py --ksrc $${KSRC:-out/src} --results out/results

clean:
	rm -rf out

distclean: clean
	rm -rf $${XENPV_CACHE:-$${XDG_CACHE_HOME:-$$HOME/.cache}/xenpv-ptep}

# Regenerate patches/ from the hand-written patches, rust/, Kconfig and
# patches/cover-letter.txt (check-series.sh verifies it is up to date).
patches:
	@scripts/build.sh tree && scripts/gen-patches.sh
.PHONY: patches
