# SPDX-License-Identifier: GPL-2.0
# Common settings for the project's scripts; sourced, not run.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${XENPV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xenpv-ptep}
OUT=${OUT:-$TOP/out}
export PATH=/usr/lib/llvm-19/bin:$HOME/.cargo/bin:$PATH
RUSTC=${RUSTC:-/usr/bin/rustc}
# Debian's rustdoc, of the same version as its rustc (the Rust doctests).
RUSTDOC=${RUSTDOC:-/usr/bin/rustdoc}
BINDGEN=${BINDGEN:-$HOME/.cargo/bin/bindgen}
# The tests' configuration: kconfig fragments merged onto tinyconfig.
TEST_FRAGMENTS="$TOP/configs/base.config $TOP/configs/mm.config $TOP/configs/kunit.config $TOP/configs/xenpv-ptep.config $TOP/configs/rust-doctests.config $TOP/configs/mm-selftests.config $TOP/configs/fault-injection.config"
mkdir -p "$CACHE" "$OUT"

die() {
	printf '\nERROR: %s\n' "$*" >&2
	exit 1
}

# pack_initramfs <dir> <image.cpio.gz>: a directory tree as a gzipped newc
# archive, entries sorted and owned by root (the benchmark initramfs images).
pack_initramfs() {
	(cd "$1" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet -R 0:0) |
		gzip -9n > "$2"
}

_stage_name=()
_stage_t0=()
# make_progress <log> <command...>: run the command with its output in
# <log>, printing a heartbeat every 30 s: the time so far and how many
# objects (C, Rust, links) the log shows done.  The exit status is the
# command's.
make_progress() {
	local log=$1 hb rc=0
	shift
	: > "$log"
	# The heartbeat in the background, the command in the foreground (so
	# that Ctrl-C stops it).
	(t0=$(date +%s)
	 while sleep 30; do
		n=$(grep -c -E '^  (CC|AS|RUSTC|CLIPPY|LD|AR|BINDGEN|HOSTCC)' "$log" || true)
		printf '    ... %ds, %d objects built\n' $(( $(date +%s) - t0 )) "$n"
	 done) &
	hb=$!
	"$@" > "$log" 2>&1 || rc=$?
	kill "$hb" 2>/dev/null || true
	wait "$hb" 2>/dev/null || true
	return $rc
}

stage_start() {
	_stage_name+=("$1")
	_stage_t0+=("$(date +%s.%N)")
	printf '==> %s ...\n' "$1"
}
stage_end() {
	local n=$((${#_stage_name[@]} - 1)) st=${1:-done}
	local dt
	dt=$(awk -v a="${_stage_t0[$n]}" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')
	printf '<== %s: %s (%ss)\n' "${_stage_name[$n]}" "$st" "$dt"
	unset "_stage_name[$n]" "_stage_t0[$n]"
	_stage_name=("${_stage_name[@]}")
	_stage_t0=("${_stage_t0[@]}")
}
