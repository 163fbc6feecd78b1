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

# The boots are scenarios: one file each in scenarios/ (kind, CPUs,
# timeout, expected crash, kernel arguments, boot order; see
# harness/scenario.py), whose "sets" line names the targets that boot it.
# Add a file to add a scenario.
SCENARIOS = $(shell python3 harness/scenario.py --list $(1))

.PHONY: all deps build run check debug stock-xen-pv fault-injection mm-selftests mm-ref-check bench ablation trace-mc mc-cost profile soak negative-control-stats test-harness clean distclean help
all: run

help:
	@sed -n '3,13p' Makefile | sed 's/^# \{0,1\}//'

deps:
	@harness/deps.sh

build: deps
	@harness/build.sh all

run: deps
	@harness/run.sh $(call SCENARIOS,run)

check: deps
	@HARNESS_TESTS=1 BISECT_BUILD=1 harness/run.sh $(call SCENARIOS,check)

# The main runs on a debug kernel (configs/debug.config: lockdep,
# DEBUG_VM, the page table check), built in out/debug (not part of CI: a
# second full build, about 8 minutes).
debug: deps
	@OUT="$${OUT:-$(CURDIR)/out}/debug" FRAGMENTS="$(addprefix $(CURDIR)/configs/,base.config mm.config kunit.config xenpv-ptep.config rust-doctests.config mm-selftests.config fault-injection.config debug.config)" \
		TIMEOUT=900 harness/run.sh $(call SCENARIOS,run)

# zap_truncate on Debian's stock 7.3.4 kernel as a Xen PV dom0 (must fail),
# then on the series booted the same way (must pass); not in CI, see
# scenarios/stock-xen-pv.scenario.
stock-xen-pv: deps
	@harness/run.sh $(call SCENARIOS,stock-xen-pv)

# Fault injection (Documentation/testing.md): the storm as a Xen PV dom0
# with failslab and fail_page_alloc failing the allocations of its forking
# tasks, and the two negative controls of its checks (natively); also
# part of make check.
fault-injection: deps
	@harness/run.sh $(call SCENARIOS,failinject)

# Soak: the stress selftests for SOAK_SECONDS (default 600) on Xen PV
# (SOAK_KIND=native: booted natively).
SOAK_SECONDS ?= 600
SOAK_CPUS ?= 2
SOAK_KIND ?= xen-pv
soak: deps
	@XP_STRESS_SECONDS=$(SOAK_SECONDS) TIMEOUT=$$(( $(SOAK_SECONDS) + 600 )) \
		harness/run.sh $(SOAK_KIND)-soak:$(SOAK_KIND):$(SOAK_CPUS)

# The kernel's own mm selftests, every one of harness/mm-selftests.list, on
# unpatched 7.3 as a Xen PV dom0 (MM_REF=unpatched: built here with the
# tests' configuration less the series' options, out/unpatched; MM_REF=stock:
# Debian's own 7.3.4 kernel), the series as a Xen PV dom0 and the series
# natively; then the case-by-case comparison of the first two
# (harness/mm-compare.py).  Not part of CI (make check runs set ci).
# Exits non-zero if the comparison fails (it also fails on the series
# boot's verdict, a splat or a boot that did not complete, and on its
# KUnit failures), or the native boot fails those checks or has a failed
# mm case without a "both" reason (mm-compare.py --alone).  Cases
# that fail on both kernels are the comparison's business (each needs its
# reason), so the runs' own "N failed" lines do not decide the status.
MM_REF ?= unpatched
mm-selftests: mm-ref-check deps
	@harness/run.sh $(MM_REF)-xen-pv-mm-full || echo "    (unpatched 7.3's failures: see the comparison below)"
	@test -f "$${OUT:-$(CURDIR)/out}/results/$(MM_REF)-xen-pv-mm-full.json" || \
		{ echo "ERROR: the reference boot ($(MM_REF)-xen-pv-mm-full) left no results: see its output above" >&2; exit 1; }
	@KEEP_RESULTS=1 harness/run.sh xen-pv-mm-full native-mm-full || true; \
	r="$${OUT:-$(CURDIR)/out}/results"; rc=0; \
	python3 harness/mm-compare.py "$$r/$(MM_REF)-xen-pv-mm-full.json" "$$r/xen-pv-mm-full.json" \
		--out "$$r/mm-compare.json" || rc=1; \
	python3 harness/mm-compare.py --alone "$$r/native-mm-full.json" || rc=1; \
	exit $$rc

mm-ref-check:
	@case "$(MM_REF)" in unpatched|stock) ;; *) echo "MM_REF must be unpatched or stock, not '$(MM_REF)'" >&2; exit 2;; esac

# Benchmarks (not part of CI): unpatched vs patched, Xen PV and native,
# ROUNDS (default 3) interleaved rounds; writes Documentation/benchmarks*
# (with ICOUNT=N, QEMU counts instructions, -icount shift=N, and the report
# is Documentation/benchmarks-icount*).
bench: deps
	@bench/bench.sh

# The ablation (not part of CI): on Xen PV, 7.3, 7.3 + the lazy MMU fix,
# that + the series' plain store alone (bench/plain-store.diff), the core
# series, then each performance patch added in turn; every step against
# the one before it and against 7.3 + the lazy MMU fix, ROUNDS interleaved
# rounds (ICOUNT=N as for bench); writes Documentation/ablation*.
ablation: deps
	@ABLATION=1 bench/bench.sh

# Multicalls of one fork + exit by caller, for each kernel make bench built
# (xen_mc_flush tracepoint with stack traces; not part of CI).
trace-mc: deps
	@bench/trace-mc.sh

# What each multicall of a small process's fork + exit costs, in
# instructions (-icount), and exit_mmap()'s phases, 7.3 against the series:
# the bench trees rebuilt with bench/mc-cost.diff (not part of CI).
mc-cost: deps
	@bench/mc-cost.sh

# Instructions per fork + exit by function (Linux and Xen), 7.3 against the
# series, for the kernels make bench built: QEMU -icount with the TCG plugin
# bench/tbprof.c (not part of CI).  PROFILE="fork 1 file",
# PROFILE_RUNS="15 215", KIND=xen-pv|native.
profile: deps
	@bench/profile.sh

# Time-to-detect of the negative control over 5 boots per mode (fix off
# everywhere, at exit only, at fork/exec only, at exec only), for
# Documentation/negative-control.md.
negative-control-stats: deps
	@for s in xen-pv-fix-off xen-pv-exit-fix-off xen-pv-fork-fix-off xen-pv-exec-fix-off; do \
		bench/negctl-stats.sh 5 $$s || exit 1; done

# The judge's tests need only kunit.py's parser, which the base tree has:
# no patched tree, no build (KSRC=dir for another tree).
test-harness:
	@ksrc=$${KSRC:-$${XENPV_CACHE:-$${XDG_CACHE_HOME:-$$HOME/.cache}/xenpv-ptep}/base/linux}; \
	[ -f "$$ksrc/tools/testing/kunit/kunit_parser.py" ] || \
		{ echo "ERROR: no kunit_parser.py in $$ksrc; run 'make deps' or pass KSRC=/path/to/linux" >&2; exit 1; }; \
	mkdir -p out/results && python3 tests/test_judge.py --ksrc "$$ksrc" --results out/results

clean:
	rm -rf out

distclean: clean
	rm -rf $${XENPV_CACHE:-$${XDG_CACHE_HOME:-$$HOME/.cache}/xenpv-ptep}

# Regenerate patches/ from the hand-written patches, rust/, Kconfig and
# patches/cover-letter.txt (check-series.sh verifies it is up to date).
patches:
	@harness/build.sh tree && series/gen-patches.sh
.PHONY: patches
