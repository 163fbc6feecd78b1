#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The misuses of the Rust LockedPte API that its types forbid must not
# compile.  The kernel's doctest machinery cannot check that: its test
# builder (scripts/rustdoc_test_builder.rs) only saves each example's
# source, so a `compile_fail` example is never compiled as such (7.3's only
# one is marked `ignore`).  Instead, each snippet of tests/rust-misuse/ is
# compiled as one of make's single targets of the main build (out/build,
# the whole series with Rust), against its kernel crate, and must fail
# with errors of the code its "// expect: E0nnn" line names and no other; the control
# snippet ("// expect: ok") must compile, so that a failure is the misuse's
# and not the harness's.  Each result is a case in <results>/rust-misuse.json.
#
#   series/check-rust-misuse.sh [--results dir]
set -euo pipefail
. "$(dirname "$0")/../harness/lib.sh"
results=$OUT/results
[ "${1:-}" != --results ] || { results=$2; shift 2; }
[ $# -eq 0 ] || die "usage: series/check-rust-misuse.sh [--results dir]"
SRC=$OUT/src
BUILD=$OUT/build
[ -f "$BUILD/rust/libkernel.rmeta" ] && [ -f "$SRC/rust/kernel/mm/pte.rs" ] ||
	die "no kernel crate with the series' LockedPte in $BUILD; run 'harness/build.sh' first."
mkdir -p "$results" "$OUT/logs"
cases=()
stage_start "rust: misuses of LockedPte must not compile (tests/rust-misuse)"
for f in "$TOP"/tests/rust-misuse/*.rs; do
	name=$(basename "$f" .rs)
	want=$(sed -n 's|^// expect: ||p' "$f" | head -n 1)
	[[ $want == ok || $want =~ ^E[0-9]{4}$ ]] ||
		die "$f: its '// expect:' line must say ok or an error code such as E0499, not '$want'."
	# A file of its own in mm/tests, compiled by mm/Makefile's rule for
	# Rust objects and removed afterwards.
	obj=mm/tests/xp_misuse_$name
	log=$OUT/logs/rust-misuse-$name.log
	cp "$f" "$SRC/$obj.rs"
	rm -f "$log"
	rc=0
	BUILD_LOG=$log "$TOP/harness/build.sh" objects "$obj.o" > /dev/null 2>&1 || rc=$?
	rm -f "$SRC/$obj.rs" "$BUILD/$obj.o" "$BUILD/$obj.d" "$BUILD/mm/tests/.xp_misuse_$name.o.cmd"
	if [ "$want" = ok ]; then
		label="rust-misuse: $name compiles (the control)"
		[ $rc = 0 ] && st=PASS || st=FAIL
	else
		label="rust-misuse: $name does not compile (error[$want])"
		# Errors of that code only: the misuse's, not another (one
		# per field for E0277).
		if [ $rc != 0 ] && grep -q "^error\[$want\]" "$log" &&
		   ! grep '^error\[E[0-9]*\]' "$log" | grep -v "^error\[$want\]" > /dev/null; then
			st=PASS
		else
			st=FAIL
		fi
	fi
	if [ $st = FAIL ]; then
		echo "    not ok $label (log: $log)"
		grep -E "^(error|warning)" "$log" | head -n 5 | sed 's/^/      /'
	else
		echo "    ok $label"
	fi
	cases+=("[\"$label\", \"$st\"]")
done
{ echo '{"name": "rust-misuse", "cases": ['; (IFS=,; echo "${cases[*]}"); echo ']}'; } > "$results/rust-misuse.json"
stage_end
