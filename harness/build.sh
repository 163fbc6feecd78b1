#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Prepare the scratch tree (pristine base + patches/ applied with git am) and
# build it out of tree with LLVM=1 and Rust.
#
#   harness/build.sh [tree|config|kernel|all|objects dir/file.o...]
#
# Environment: KDIR=/path/to/linux uses that tree as base (never modified; it
# is copied), OUT=dir (default ./out), SERIES=N applies only the first N
# patches of patches/series, SRC=dir overrides the scratch tree (default
# out/src), BUILD=dir the build directory (default out/build), CONFIG_LOG
# and BUILD_LOG where the output of the configuration and of make go
# (default out/logs/config.log and out/logs/build.log; the prefix builds
# of series/check-series.sh, which run beside the main build, keep theirs
# apart), EXTRA_DIFF=file a diff applied after the series as a commit of
# its own (the lab's bench-only variants, bench/*.diff; never make check).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

what=${1:-all}
SRC=${SRC:-$OUT/src}
BUILD=${BUILD:-$OUT/build}
[ -z "${SERIES:-}" ] || [[ $SERIES =~ ^[0-9]+$ ]] ||
	die "SERIES must be a number of patches of patches/series, not '$SERIES'."
# The lab's trees only: make build, run and check and the prefix builds
# must never pick up a diff from the environment.
case ${EXTRA_DIFF:+set}:$SRC in
set:"$OUT"/bench/*) ;;
set:*) die "EXTRA_DIFF is for the lab's scratch trees (out/bench/...), not $SRC: unset it." ;;
esac
FRAGMENTS=${FRAGMENTS:-$TEST_FRAGMENTS}
# Rust is compiled through clippy-driver (CLIPPY=1), so lints show up as
# build warnings; Debian's clippy matches Debian's rustc.
MAKE_ARGS=(LLVM=1 RUSTC="$RUSTC" RUSTDOC="$RUSTDOC" BINDGEN="$BINDGEN" CLIPPY=1 CLIPPY_DRIVER=/usr/bin/clippy-driver
	   -j"$(nproc)")
# Kernel C objects go through ccache (installed by deps.sh), whose cache lives in
# the machine cache beside the base tree: the prefixes of the series that
# make check builds one after the other, and a second clone of the project,
# then mostly reuse objects.  Paths under the project are hashed relative
# to it.  CCACHE=0 turns it off.
if [ "${CCACHE:-1}" != 0 ] && command -v ccache >/dev/null 2>&1; then
	export CCACHE_DIR=${CCACHE_DIR:-$CACHE/ccache} CCACHE_BASEDIR=$TOP CCACHE_NOHASHDIR=1
	export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-10G}
	MAKE_ARGS+=(CC="ccache clang")
fi

check_tools() {
	local t missing=()
	for t in clang ld.lld llvm-ar "$RUSTC" "$RUSTDOC" "$BINDGEN" /usr/bin/clippy-driver git make bc flex bison perl python3; do
		command -v "$t" >/dev/null 2>&1 || missing+=("$t")
	done
	[ ${#missing[@]} -eq 0 ] || die "missing tools: ${missing[*]}. Run 'make deps' (harness/deps.sh) first; it installs them."
}

base_dir() {
	if [ -n "${KDIR:-}" ]; then
		[ -d "$KDIR" ] || die "KDIR=$KDIR is not a directory."
		[ -f "$KDIR/Makefile" ] && [ -f "$KDIR/scripts/kconfig/merge_config.sh" ] &&
			[ -d "$KDIR/arch/x86/xen" ] ||
			die "KDIR=$KDIR is not a Linux source tree (no Makefile, scripts/kconfig/merge_config.sh or arch/x86/xen)."
		(cd "$KDIR" && pwd)
	else
		[ -f "$CACHE/base/.complete" ] ||
			die "the base tree is not in $CACHE/base. Run 'make deps' (harness/deps.sh) to download Debian's linux-source-7.3, or pass KDIR=/path/to/linux."
		echo "$CACHE/base/linux"
	fi
}

# Identify the base: Debian package version, or the user's tree's git
# describe / kernelversion, plus its path and the scheme of the pristine
# commit (bump it when that commit changes).
base_id() {
	echo "$(base_id_1 "$@") [pristine-v2]"
}
base_id_1() {
	local b=$1
	if [ -z "${KDIR:-}" ]; then
		echo "linux-source-7.3 $(cat "$CACHE/base/VERSION") ($b)"
	else
		local v
		v=$(make -s -C "$b" kernelversion 2>/dev/null || echo unknown)
		if git -C "$b" rev-parse HEAD >/dev/null 2>&1; then
			echo "$v $(git -C "$b" describe --always --dirty 2>/dev/null) ($b)"
		else
			echo "$v ($b)"
		fi
	fi
}

series_list() {
	local n=${SERIES:-}
	local list
	list=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$TOP/patches/series")
	if [ -n "$n" ]; then
		echo "$list" | head -n "$n"
	else
		echo "$list"
	fi
}

prepare_tree() {
	local base id stamp want
	base=$(base_dir)
	id=$(base_id "$base")
	mkdir -p "$OUT"
	if [ -n "${EXTRA_DIFF:-}" ]; then
		[ -f "$EXTRA_DIFF" ] || die "EXTRA_DIFF=$EXTRA_DIFF is not a file."
		EXTRA_DIFF=$(realpath "$EXTRA_DIFF")
	fi
	want=$( { echo "$id"; for p in $(series_list); do
		[ -f "$TOP/patches/$p" ] || die "patches/series names $p, but patches/$p does not exist."
		sha1sum "$TOP/patches/$p"; done
		[ -z "${EXTRA_DIFF:-}" ] || { echo "extra diff"; sha1sum < "$EXTRA_DIFF"; }; } |
		sha1sum | cut -d' ' -f1)
	stamp=$SRC/.xp-tree-stamp
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
		echo "    tree: $id, $(series_list | grep -c .) patches, unchanged"
		return
	fi
	stage_start "tree: pristine copy of $id"
	# The pristine commit has a fixed author, committer and date, so that
	# the same base gives the same commit (the series' base-commit) on
	# every machine.  Its objects are stored uncompressed: zlib took most
	# of the minute or two that adding the 90,000 files of the tree cost,
	# for a scratch repository that is never sent anywhere.
	if [ ! -f "$SRC/.xp-base-id" ] || [ "$(cat "$SRC/.xp-base-id")" != "$id" ]; then
		rm -rf "$SRC" "$SRC.tmp" "$BUILD"
		mkdir -p "$SRC.tmp"
		# Copy without the user's .git and without in-tree build products.
		tar -C "$base" --exclude=.git -cf - . | tar -C "$SRC.tmp" -xf -
		(cd "$SRC.tmp" &&
		 { [ ! -f .config ] || make -s mrproper >/dev/null; } &&
		 git init -q -b base &&
		 git config gc.auto 0 && git config maintenance.auto false &&
		 git config user.name xenpv-ptep &&
		 git config user.email xenpv-ptep@localhost &&
		 git config core.autocrlf false &&
		 git config core.looseCompression 0 &&
		 git add -A -f . &&
		 GIT_AUTHOR_NAME=xenpv-ptep GIT_AUTHOR_EMAIL=xenpv-ptep@localhost \
		 GIT_COMMITTER_NAME=xenpv-ptep GIT_COMMITTER_EMAIL=xenpv-ptep@localhost \
		 GIT_AUTHOR_DATE=2026-01-01T00:00:00+00:00 GIT_COMMITTER_DATE=2026-01-01T00:00:00+00:00 \
		 git commit -q -m "base: ${id% (*}" && git tag pristine) ||
			die "could not make a git copy of the base tree $base."
		echo "$id" > "$SRC.tmp/.xp-base-id"
		mv "$SRC.tmp" "$SRC"
	fi
	rm -f "$stamp"
	stage_end
	# Apply the series in a separate worktree, then move the scratch tree
	# from its current commit to the result: git rewrites only the files
	# whose content changes, so the build stays incremental.  A patch that
	# does not apply leaves the scratch tree as it was, and unstamped.  The
	# worktree checks out only the files the series touches (a full
	# checkout takes most of a minute, once per prefix in check-series.sh).
	stage_start "tree: git am patches/series"
	local p n=0 err wt=$SRC.am-worktree new files
	mapfile -t files < <( { for p in $(series_list); do
		sed -n 's|^diff --git a/\([^ ]*\) b/\([^ ]*\)$|/\1\n/\2|p' "$TOP/patches/$p"; done
		[ -z "${EXTRA_DIFF:-}" ] || sed -n 's|^+++ b/\([^[:space:]]*\).*$|/\1|p' "$EXTRA_DIFF"; } | sort -u)
	(cd "$SRC" && git worktree prune && rm -rf "$wt" &&
	 git worktree add -q --no-checkout --detach "$wt" pristine &&
	 cd "$wt" && git sparse-checkout set --no-cone "${files[@]:-/MAINTAINERS}" &&
	 git reset -q --hard) ||
		die "could not make a worktree of the scratch tree $SRC."
	for p in $(series_list); do
		n=$((n + 1))
		if ! err=$(cd "$wt" && git am -q "$TOP/patches/$p" 2>&1); then
			(cd "$SRC" && git worktree remove --force "$wt")
			die "patch $n, patches/$p, does not apply to $id with git am: $(echo "$err" | head -n 5 | tr '\n' ' ')Nothing was built; the scratch tree $SRC was left unstamped."
		fi
	done
	if [ -n "${EXTRA_DIFF:-}" ]; then
		if ! err=$(cd "$wt" && git apply --index "$EXTRA_DIFF" 2>&1 &&
			   git commit -q -m "extra: $(basename "$EXTRA_DIFF")" 2>&1); then
			(cd "$SRC" && git worktree remove --force "$wt")
			die "EXTRA_DIFF=$EXTRA_DIFF does not apply after patch $n: $(echo "$err" | head -n 5 | tr '\n' ' ')Nothing was built; the scratch tree $SRC was left unstamped."
		fi
	fi
	new=$(cd "$wt" && git rev-parse HEAD)
	(cd "$SRC" && git worktree remove --force "$wt" &&
	 git checkout -q -f -B series "$new" && git clean -q -fdx -e .xp-base-id) ||
		die "could not check out the series in $SRC."
	echo "$want" > "$stamp"
	# What the main scratch tree holds (not the trees of the prefix builds).
	[ "$SRC" != "$OUT/src" ] ||
		{ echo "base: $id"; echo "series:"; (cd "$SRC" && git log --oneline pristine..HEAD); } > "$OUT/base.txt"
	stage_end "$n patches applied"
	echo "    base: $id"
}

configure() {
	local want stamp=$BUILD/.xp-config-stamp
	# The configuration depends on the fragments and on the Kconfig files
	# only: a prefix of the series that changes no Kconfig file keeps it.
	want=$( { cat "$SRC/.xp-base-id"; (cd "$SRC" && git ls-tree -r HEAD) | grep -E '[[:space:]]([^[:space:]]*/)?Kconfig[^/]*$';
		  cat $FRAGMENTS; } | sha1sum | cut -d' ' -f1)
	if [ -f "$stamp" ] && [ -f "$BUILD/.config" ] && [ "$(cat "$stamp")" = "$want" ]; then
		echo "    config: unchanged"
		return
	fi
	stage_start "config: tinyconfig + $(for f in $FRAGMENTS; do basename "$f"; done | tr '\n' ' ')"
	rm -f "$stamp"
	mkdir -p "$BUILD"
	local log=${CONFIG_LOG:-$OUT/logs/config.log}
	mkdir -p "$OUT/logs"
	{
		make -C "$SRC" O="$BUILD" "${MAKE_ARGS[@]}" tinyconfig &&
		(cd "$BUILD" && "$SRC/scripts/kconfig/merge_config.sh" -m -O "$BUILD" "$BUILD/.config" $FRAGMENTS) &&
		make -C "$SRC" O="$BUILD" "${MAKE_ARGS[@]}" olddefconfig
	} > "$log" 2>&1 || die "kernel configuration failed; see $log"
	# Every option a fragment asks for must have survived olddefconfig.
	local f line opt dropped=()
	for f in $FRAGMENTS; do
		while IFS= read -r line; do
			case "$line" in
			CONFIG_*=*) grep -qxF -- "$line" "$BUILD/.config" || dropped+=("$line (got: $(grep -E "^(# )?${line%%=*}[= ]" "$BUILD/.config" || echo unset))") ;;
			"# CONFIG_"*" is not set") opt=${line#\# }; opt=${opt%% *}
				! grep -q "^$opt=" "$BUILD/.config" || dropped+=("$line (got: $(grep "^$opt=" "$BUILD/.config"))") ;;
			esac
		done < "$f"
	done
	if [ ${#dropped[@]} -gt 0 ]; then
		printf '    dropped: %s\n' "${dropped[@]}" >&2
		die "${#dropped[@]} option(s) asked for by configs/ were dropped by olddefconfig (missing dependency or unknown to this tree); see the list above."
	fi
	echo "$want" > "$stamp"
	stage_end
}

build_kernel() {
	local log=${BUILD_LOG:-$OUT/logs/build.log} before after
	before=$(stat -c %Y "$BUILD/vmlinux" 2>/dev/null || echo none)
	stage_start "build: make LLVM=1 bzImage (O=${BUILD#$TOP/})"
	if ! make_progress "$log" make -C "$SRC" O="$BUILD" "${MAKE_ARGS[@]}" bzImage; then
		grep -E "error|Error" "$log" | head -n 20 >&2 || true
		die "kernel build failed; full log: $log"
	fi
	after=$(stat -c %Y "$BUILD/vmlinux")
	if grep -qE "warning:" "$log"; then
		echo "    build warnings:"; grep -E "warning:" "$log" | head -n 10
	fi
	if [ "$before" = "$after" ]; then
		stage_end "up to date, kernel not rebuilt"
	else
		# Keep the log of the last real build: its warnings (compiler and
		# clippy) are checked by series/check-series.sh.
		cp "$log" "$BUILD/.xp-last-build.log"
		stage_end "built"
	fi
}

# Single objects (make's own single targets, e.g. mm/memory.o): the
# prefix builds of series/check-series.sh compile what each patch changes
# without relinking a kernel; series/check-rust-misuse.sh compiles its
# snippets.  With Rust enabled, make's prepare step
# builds the rust/ crates first.
build_objects() {
	local log=${BUILD_LOG:-$OUT/logs/build.log}
	[ $# -gt 0 ] || die "usage: harness/build.sh objects dir/file.o..."
	stage_start "build: make LLVM=1 $* (O=${BUILD#$TOP/})"
	if ! make_progress "$log" make -C "$SRC" O="$BUILD" "${MAKE_ARGS[@]}" "$@"; then
		grep -E "error|Error" "$log" | head -n 20 >&2 || true
		die "build of $* failed; full log: $log"
	fi
	stage_end "built"
}

check_tools
case "$what" in
tree) prepare_tree ;;
config) prepare_tree; configure ;;
kernel|all) prepare_tree; configure; build_kernel ;;
objects) shift; prepare_tree; configure; build_objects "$@" ;;
*) die "usage: harness/build.sh [tree|config|kernel|all|objects dir/file.o...]" ;;
esac
