#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the guest initramfs: busybox-static, the static selftests, /init.
#   harness/initramfs.sh <kernel source tree> <output.cpio.gz>
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ksrc=$1 img=$2
# The mm kselftests taken from the kernel tree (see below).
KSELFTESTS=${KSELFTESTS:-zap_truncate}
bb=/bin/busybox
[ -x "$bb" ] && "$bb" true ||
	die "busybox-static is missing ($bb); run 'make deps'."
file_is_static() { ! LC_ALL=C readelf -l "$1" 2>/dev/null | grep -q INTERP; }
file_is_static "$bb" || die "$bb is not statically linked; install busybox-static."
mkdir -p "$OUT/selftests"
make -s -C "$TOP/selftests" KSRC="$ksrc" O="$OUT/selftests" >/dev/null ||
	die "building the selftests failed"
root=$OUT/initramfs
rm -rf "$root"
mkdir -p "$root"/{bin,selftests,dev,proc,sys,tmp}
cp "$bb" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
install -m 0755 "$TOP/harness/init.sh" "$root/init"
for t in $(make -s -C "$TOP/selftests" list); do
	file_is_static "$OUT/selftests/$t" || die "selftest $t is not statically linked"
	install -m 0755 "$OUT/selftests/$t" "$root/selftests/$t"
done
# Tests of the kernel's own selftests that the series adds or that we run
# from the tree (tools/testing/selftests/mm), built the same way: static.
for t in $KSELFTESTS; do
	src=$ksrc/tools/testing/selftests/mm/$t.c
	[ -f "$src" ] || die "kselftest $t: $src is missing (the series adds it; is it applied?)"
	clang-19 -O2 -g -Wall -static -pthread -I"$ksrc/tools/testing/selftests/mm" \
		-I"$ksrc/tools/testing/selftests" -o "$OUT/selftests/mm-$t" "$src" ||
		die "building kselftest $t from $src failed"
	mkdir -p "$root/kselftests"
	install -m 0755 "$OUT/selftests/mm-$t" "$root/kselftests/$t"
done
(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --reproducible -R 0:0 --quiet) | gzip -9n > "$img.tmp"
mv "$img.tmp" "$img"
