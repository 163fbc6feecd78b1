#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Checks of the series itself, each reported as a case in
# <results>/series.json:
#  - every prefix of patches/series applies with git am and compiles, with
#    the test-only options on and off (bisectability; the whole series is
#    built and linked by harness/build.sh), in results/series-bisect.json;
#  - scripts/checkpatch.pl --strict is clean on every patch, rustfmt and
#    the compiler and clippy have nothing to say about the series' files,
#    and the patches generated from rust/ are up to date, in
#    results/series.json.
#
#   series/check-series.sh [--results dir] [--bisect | --checks]
#
# The prefixes are applied in a scratch tree of their own (out/bisect/src)
# and compiled in out/bisect/{on,off} with a small configuration
# (configs/bisect.config); the whole series is built by harness/build.sh
# with the tests' configuration, in out/src and out/build.  --checks needs
# that build (harness/run.sh runs it after harness/build.sh).
set -euo pipefail
. "$(dirname "$0")/../harness/lib.sh"
results=$OUT/results
what=all
while [ $# -gt 0 ]; do
	case $1 in
	--results) results=$2; shift 2 ;;
	--bisect) what=bisect; shift ;;
	--checks) what=checks; shift ;;
	*) die "usage: series/check-series.sh [--results dir] [--bisect | --checks]" ;;
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

# Bisectability.  Every proper prefix is applied in a scratch tree of its
# own (out/bisect/src; the main tree out/src is never touched) and the
# C and Rust files of the series that exist in it and that the
# configuration enables are compiled as make's single targets (with
# Rust, make's prepare step also builds the rust/ crates), with the
# small configuration of configs/bisect.config, plus configs/kunit.config
# (Rust) once the prefix touches Rust:
#  - "on": plus the options of configs/xenpv-ptep.config (test-only) that
#    the prefix defines, in out/bisect/on;
#  - "off": without them, in out/bisect/off; built only for the prefixes
#    that define such an option (before that, on and off are the same).
# The objects are every file the whole series touches, not only the
# prefix's own: each includes the headers the series changes, so each
# header is compiled in every prefix.  The whole series is compiled the
# same way, so with the test-only options off too (a user's kernel); it is
# linked by the main build (harness/build.sh, the tests' configuration,
# options on).  From one prefix to the next the builds are
# incremental, and ccache serves what an earlier run compiled.  A prefix
# that was verified before with exactly these patches, fragments and base
# is not built again (the stamp lives in out/, so a clean clone checks
# all).  The make output of each build is kept for the warnings check
# below.
BSRC=$OUT/bisect/src
mapfile -t series_files < <(for p in "${patches[@]}"; do
	sed -n 's|^diff --git a/\([^ ]*\) b/.*|\1|p' "$TOP/patches/$p"; done |
	grep -E '[.](c|rs)$' | grep -v -E '^(tools|rust|scripts)/' | sort -u)
prefix_fragment() {
	local line sym
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*) sym=${line%%=*}; sym=${sym#CONFIG_}
			if git -C "$BSRC" grep -q -E "^(menu)?config $sym\$" -- '*Kconfig*'; then
				echo "$line"
			fi ;;
		esac
	done < "$TOP/configs/xenpv-ptep.config"
}
# The objects of series_files that exist in the prefix's tree and that the
# configuration of build directory $1 enables: the Makefile line that adds
# dir/x.o (or, for dir/sub/x.o, the parent's line naming sub/x.o) names
# no option, or one that is set.
enabled_objects() {
	local f d b line sym
	for f in "${series_files[@]}"; do
		[ -f "$BSRC/$f" ] || continue
		d=$(dirname "$f") b=$(basename "${f%.*}")
		line=$(grep -h -E "(^|[[:space:]=])$b[.]o([[:space:]]|\$)" "$BSRC/$d/Makefile" 2>/dev/null | head -n 1 || true)
		[ -n "$line" ] || line=$(grep -h -E "(^|[[:space:]=])$(basename "$d")/$b[.]o([[:space:]]|\$)" \
			"$BSRC/$(dirname "$d")/Makefile" 2>/dev/null | head -n 1 || true)
		[ -n "$line" ] || { echo "no Makefile line builds $f: extend enabled_objects() in $0" >&2; return 1; }
		sym=$(echo "$line" | grep -o -E '[$][(]CONFIG_[A-Za-z0-9_]+[)]' | head -n 1 | tr -d '$()' || true)
		if [ -z "$sym" ] || grep -qx "$sym=[ym]" "$1/.config"; then echo "${f%.*}.o"; fi
	done
}
# bisect_build k on|off frags...: compile prefix k's objects in
# out/bisect/on|off.
bisect_build() {
	local k=$1 cfg=$2 objs list
	local env=(SRC="$BSRC" SERIES="$k" BUILD="$OUT/bisect/$cfg"
		   CONFIG_LOG="$OUT/logs/bisect-$k-$cfg.config.log" BUILD_LOG="$OUT/logs/bisect-$k-$cfg.make.log")
	shift 2
	env+=(FRAGMENTS="$*")
	# Called from a condition, where set -e does not apply: every step
	# returns on failure itself.
	env "${env[@]}" "$TOP/harness/build.sh" config || return 1
	list=$(enabled_objects "$OUT/bisect/$cfg") || return 1
	mapfile -t objs <<< "$list"
	[ -n "${objs[0]:-}" ] || { echo "no object of the series to compile" >&2; return 1; }
	echo "    objects ($cfg): ${objs[*]}"
	env "${env[@]}" "$TOP/harness/build.sh" objects "${objs[@]}"
}
bisect() {
	mkdir -p "$OUT/bisect/verified" "$OUT/logs"
	local k p stamp frags rust=no label
	for ((k = 1; k <= n; k++)); do
		label="compiles with patches 1..$k"
		grep -q -E '^diff --git a/(rust/|[^ ]*[.]rs )' "$TOP/patches/${patches[$k-1]}" && rust=yes
		frags="$TOP/configs/bisect.config"
		[ $rust = no ] || frags+=" $TOP/configs/kunit.config"
		stamp=$( { echo "objects-v1 ${KDIR:-$(cat "$CACHE/base/VERSION" 2>/dev/null)}";
			   for p in "${patches[@]:0:$k}"; do sha1sum < "$TOP/patches/$p"; done;
			   cat $frags "$TOP/configs/xenpv-ptep.config"; } |
			 sha1sum | cut -d' ' -f1)
		if [ -f "$OUT/bisect/verified/$stamp" ] && ls "$OUT/logs/bisect-$k-"*.make.log >/dev/null 2>&1; then
			echo "    ok $label (verified before with the same patches)"
			add "$label" PASS
			continue
		fi
		stage_start "series: patches 1..$k of $n (${patches[$k-1]}), $([ $rust = yes ] && echo "with" || echo "no") Rust"
		rm -f "$OUT/logs/bisect-$k-"*.make.log "$OUT/logs/bisect-$k-"*.config.log
		if {
			# (BUILD too: a new scratch tree removes its build directory.)
			SERIES=$k SRC=$BSRC BUILD=$OUT/bisect/on "$TOP/harness/build.sh" tree &&
			# (No prefix number in it: a configuration that does
			# not change is not made again.)
			{ echo "# The options of configs/xenpv-ptep.config that this prefix defines."
			  prefix_fragment; } > "$OUT/bisect/prefix-$k.config" &&
			bisect_build $k on $frags "$OUT/bisect/prefix-$k.config" &&
			if grep -q '^CONFIG_' "$OUT/bisect/prefix-$k.config"; then
				bisect_build $k off $frags
			fi
		   } > "$OUT/logs/bisect-$k.log" 2>&1; then
			add "$label" PASS
			touch "$OUT/bisect/verified/$stamp"
			stage_end "pass$(grep -h '^    objects (' "$OUT/logs/bisect-$k.log" |
				awk '{ sub(/[(]/, "", $2); sub(/[)]:/, "", $2); printf "%s %s %d objects", NR == 1 ? ":" : ",", $2, NF - 2 }')"
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
	# The checks below look at the whole series in the main tree.
	"$TOP/harness/build.sh" all
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
rs=("$TOP"/rust/*.rs "$TOP"/tests/rust-misuse/*.rs)
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
for f in "$OUT"/logs/bisect-*.make.log; do
	[ ! -f "$f" ] || logs+=("$f")
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

# The misuses of the Rust API that its types forbid (results/rust-misuse.json).
"$TOP/series/check-rust-misuse.sh" --results "$results" ||
	echo '{"name": "rust-misuse", "cases": [["rust-misuse: the checks ran", "FAIL"]]}' > "$results/rust-misuse.json"

if [ -x "$TOP/series/gen-patches.sh" ]; then
	stage_start "series: generated patches match rust/ and selftests/"
	if "$TOP/series/gen-patches.sh" --check; then add "generated patches up to date" PASS
	else add "generated patches up to date" FAIL; fi
	stage_end
fi

write_results series
