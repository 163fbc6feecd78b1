#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Checks of the series itself, each reported as a case in
# <results>/series.json:
#  - every prefix of patches/series applies with git am and builds
#    (bisectability; the full series is built by scripts/build.sh);
#  - scripts/checkpatch.pl --strict is clean on every patch;
#  - the patches generated from rust/ and selftests/ are up to date.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
results=$OUT/results
[ "${1:-}" = --results ] && results=$2
mkdir -p "$results"
cases=()
add() { cases+=("[\"$1\", \"$2\"]"); printf '    %s %s\n' "$([ "$2" = PASS ] && echo ok || echo 'not ok')" "$1"; }

mapfile -t patches < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$TOP/patches/series")
n=${#patches[@]}

stage_start "series: checkpatch --strict on $n patches"
for p in "${patches[@]}"; do
	if out=$(cd "$OUT/src" && git show pristine:scripts/checkpatch.pl > /dev/null &&
		 perl "$OUT/src/scripts/checkpatch.pl" --strict --no-tree --terse \
			--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG "$TOP/patches/$p" 2>&1); then
		add "checkpatch --strict $p" PASS
	else
		echo "$out" | tail -n 15 | sed 's/^/      /'
		add "checkpatch --strict $p" FAIL
	fi
done
stage_end

stage_start "series: rustfmt and warnings of the files the series touches"
rs=("$TOP"/rust/*.rs)
while read -r f; do rs+=("$OUT/src/$f"); done < <(cd "$OUT/src" && git diff --name-only pristine..HEAD -- '*.rs')
if out=$(/usr/bin/rustfmt --edition 2021 --config-path "$OUT/src/.rustfmt.toml" --check "${rs[@]}" 2>&1); then
	add "rustfmt --check (${#rs[@]} files)" PASS
else
	echo "$out" | head -n 20 | sed 's/^/      /'
	add "rustfmt --check (${#rs[@]} files)" FAIL
fi
blog=$OUT/build/.xp-last-build.log
if [ -f "$blog" ]; then
	touched=$(cd "$OUT/src" && git diff --name-only pristine..HEAD | sed 's/[.]/[.]/g' | paste -sd'|')
	# C warnings name the file on the warning line; Rust/clippy ones on
	# the following " --> file:line" line.
	warns=$(grep -E -A4 "warning" "$blog" | grep -E "($touched)" | grep -v "^ *[0-9]* *|" || true)
	if [ -z "$warns" ]; then
		add "no compiler or clippy warning in the series' files (last build)" PASS
	else
		echo "$warns" | head -n 20 | sed 's/^/      /'
		add "no compiler or clippy warning in the series' files (last build)" FAIL
	fi
else
	add "no compiler or clippy warning in the series' files (no build log)" FAIL
fi
stage_end

if [ -x "$TOP/scripts/gen-patches.sh" ]; then
	stage_start "series: generated patches match rust/ and selftests/"
	if "$TOP/scripts/gen-patches.sh" --check; then add "generated patches up to date" PASS
	else add "generated patches up to date" FAIL; fi
	stage_end
fi

# Bisectability: build every proper prefix in its own scratch tree and build
# directory (incremental from one prefix to the next).
# A prefix that built before with exactly these patches, fragments and base
# is not built again (the stamp lives in out/, so a clean clone checks all).
mkdir -p "$OUT/bisect/verified"
for ((k = 1; k < n; k++)); do
	stamp=$( { echo "${KDIR:-$(cat "$CACHE/base/VERSION" 2>/dev/null)}";
		   for p in "${patches[@]:0:$k}"; do sha1sum < "$TOP/patches/$p"; done;
		   cat "$TOP"/configs/base.config "$TOP"/configs/mm.config "$TOP"/configs/kunit.config; } |
		 sha1sum | cut -d' ' -f1)
	if [ -f "$OUT/bisect/verified/$stamp" ]; then
		echo "    ok builds with patches 1..$k (verified before with the same patches)"
		add "builds with patches 1..$k" PASS
		continue
	fi
	stage_start "series: build with patches 1..$k of $n (${patches[$k-1]})"
	if SERIES=$k SRC=$OUT/bisect/src BUILD=$OUT/bisect/build \
		FRAGMENTS="$TOP/configs/base.config $TOP/configs/mm.config $TOP/configs/kunit.config" \
		"$TOP/scripts/build.sh" kernel \
		> "$OUT/logs/bisect-$k.log" 2>&1; then
		add "builds with patches 1..$k" PASS
		touch "$OUT/bisect/verified/$stamp"
		stage_end pass
	else
		tail -n 15 "$OUT/logs/bisect-$k.log" | sed 's/^/      /'
		add "builds with patches 1..$k" FAIL
		stage_end "FAIL (log: $OUT/logs/bisect-$k.log)"
	fi
done

{ echo '{"name": "series", "cases": ['; (IFS=,; echo "${cases[*]:-}"); echo ']}'; } > "$results/series.json"
