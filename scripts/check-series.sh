#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Checks of the series itself, each reported as a case in
# <results>/series.json:
#  - every proper prefix of patches/series applies with git am and builds
#    (bisectability; the full series is built by scripts/build.sh), in
#    results/series-bisect.json;
#  - scripts/checkpatch.pl --strict is clean on every patch, rustfmt and
#    the compiler and clippy have nothing to say about the series' files,
#    and the patches generated from rust/ are up to date, in
#    results/series.json.
#
#   scripts/check-series.sh [--results dir] [--bisect | --checks]
#
# The prefixes are applied in the main scratch tree (out/src) and built in
# out/bisect-build with a small configuration (configs/bisect.config); the
# whole series is built by scripts/build.sh with the tests' configuration.
# Run --bisect before scripts/build.sh and --checks after it, as
# scripts/run.sh does.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
results=$OUT/results
what=all
while [ $# -gt 0 ]; do
	case $1 in
	--results) results=$2; shift 2 ;;
	--bisect) what=bisect; shift ;;
	--checks) what=checks; shift ;;
	*) die "usage: scripts/check-series.sh [--results dir] [--bisect | --checks]" ;;
	esac
done
mkdir -p "$results"
cases=()
add() { cases+=("[\"$1\", \"$2\"]"); printf '    %s %s\n' "$([ "$2" = PASS ] && echo ok || echo 'not ok')" "$1"; }
write_results() {
	{ echo "{\"name\": \"$1\", \"cases\": ["; (IFS=,; echo "${cases[*]:-}"); echo ']}'; } > "$results/$1.json"
	cases=()
}

mapfile -t patches < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$TOP/patches/series")
n=${#patches[@]}

# Bisectability: build every proper prefix, one after the other in a build
# directory of its own (out/bisect-build) with the small configuration of
# configs/bisect.config, plus configs/kunit.config (Rust) once the prefix
# touches Rust and the options of configs/xenpv-ptep.config that the
# prefix defines; from one prefix to the next the build is incremental.  A
# prefix that built before with exactly these patches, fragments and base
# is not built again (the stamp lives in out/, so a clean clone checks
# all).  The make output of each prefix build is kept for the warnings
# check below.  The whole series is built there too, with the test-only
# options off (the main build has them on): a user's kernel has them off.
prefix_fragment() {
	local line sym
	echo "# The options of configs/xenpv-ptep.config that patches 1..$1 define."
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*) sym=${line%%=*}; sym=${sym#CONFIG_}
			if git -C "$OUT/src" grep -q -E "^(menu)?config $sym\$" -- '*Kconfig*'; then
				echo "$line"
			fi ;;
		esac
	done < "$TOP/configs/xenpv-ptep.config"
}
bisect() {
	mkdir -p "$OUT/bisect/verified" "$OUT/logs"
	local k p stamp frags rust=no
	local label
	for ((k = 1; k <= n; k++)); do
		label="builds with patches 1..$k"
		[ $k -lt $n ] || label="builds with patches 1..$k, the test-only options off"
		grep -q -E '^diff --git a/(rust/|[^ ]*[.]rs )' "$TOP/patches/${patches[$k-1]}" && rust=yes
		frags="$TOP/configs/bisect.config"
		[ $rust = no ] || frags+=" $TOP/configs/kunit.config"
		stamp=$( { echo "${KDIR:-$(cat "$CACHE/base/VERSION" 2>/dev/null)}";
			   for p in "${patches[@]:0:$k}"; do sha1sum < "$TOP/patches/$p"; done;
			   cat $frags "$TOP/configs/xenpv-ptep.config"; } |
			 sha1sum | cut -d' ' -f1)
		if [ -f "$OUT/bisect/verified/$stamp" ] && [ -f "$OUT/logs/bisect-$k.make.log" ]; then
			echo "    ok $label (verified before with the same patches)"
			add "$label" PASS
			continue
		fi
		stage_start "series: build with patches 1..$k of $n (${patches[$k-1]}), $([ $rust = yes ] && echo "with" || echo "no") Rust$([ $k -lt $n ] || echo ", test-only options off")"
		rm -f "$OUT/logs/bisect-$k.make.log"
		if { SERIES=$k "$TOP/scripts/build.sh" tree &&
		     if [ $k -lt $n ]; then prefix_fragment $k; else echo "# test-only options off"; fi \
			> "$OUT/bisect/prefix-$k.config" &&
		     SERIES=$k BUILD="$OUT/bisect-build" FRAGMENTS="$frags $OUT/bisect/prefix-$k.config" \
			"$TOP/scripts/build.sh" kernel; } > "$OUT/logs/bisect-$k.log" 2>&1; then
			cp "$OUT/logs/build.log" "$OUT/logs/bisect-$k.make.log"
			add "$label" PASS
			touch "$OUT/bisect/verified/$stamp"
			stage_end pass
		else
			tail -n 15 "$OUT/logs/bisect-$k.log" | sed 's/^/      /'
			add "$label" FAIL
			stage_end "FAIL (log: $OUT/logs/bisect-$k.log)"
		fi
	done
	write_results series-bisect
}

if [ $what != checks ]; then
	bisect
	[ $what = bisect ] && exit 0
	# The checks below look at the whole series: bring the tree back to it.
	"$TOP/scripts/build.sh" all
fi

# UNKNOWN_COMMIT_ID: the scratch tree has no upstream history, so checkpatch
# cannot look up the ids of Fixes: tags and commit references (they were
# checked against public upstream history when written).
stage_start "series: checkpatch --strict on $n patches"
for p in "${patches[@]}"; do
	if out=$(cd "$OUT/src" && git show pristine:scripts/checkpatch.pl > /dev/null &&
		 perl "$OUT/src/scripts/checkpatch.pl" --strict --no-tree --terse \
			--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG,UNKNOWN_COMMIT_ID "$TOP/patches/$p" 2>&1); then
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
# The make output of the last real build of the whole series and of every
# prefix build: with incremental builds, each object was compiled in one of
# them.
logs=()
[ -f "$OUT/build/.xp-last-build.log" ] && logs+=("$OUT/build/.xp-last-build.log")
for ((k = 1; k < n; k++)); do
	[ -f "$OUT/logs/bisect-$k.make.log" ] && logs+=("$OUT/logs/bisect-$k.make.log")
done
if [ ${#logs[@]} -gt 0 ]; then
	touched=$(cd "$OUT/src" && git diff --name-only pristine..HEAD | sed 's/[.]/[.]/g' | paste -sd'|')
	# C warnings name the file on the warning line; Rust/clippy ones on
	# the following " --> file:line" line.
	warns=$(cat "${logs[@]}" | grep -E -A4 "warning" | grep -E "($touched)" | grep -v "^ *[0-9]* *|" | sort -u || true)
	if [ -z "$warns" ]; then
		add "no compiler or clippy warning in the series' files (${#logs[@]} build logs)" PASS
	else
		echo "$warns" | head -n 20 | sed 's/^/      /'
		add "no compiler or clippy warning in the series' files (${#logs[@]} build logs)" FAIL
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

write_results series
