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

# The kernel's own mm selftests that harness/mm-selftests.list names, built
# from the same tree against its own UAPI headers ('make headers' into
# $OUT/khdr), statically, as tools/testing/selftests/mm/Makefile would
# (vm_util.c, hugepage_settings.c, uffd-common.c; liburing, libcap and
# libnuma from their Debian -dev packages).  /init runs them with XP_MM.
# MM_SELFTESTS=0 leaves them out (the benchmark's initramfs).
if [ "${MM_SELFTESTS:-1}" != 0 ]; then
	mm=$ksrc/tools/testing/selftests/mm
	khdr=$OUT/khdr mmout=$OUT/mm-selftests
	mkdir -p "$OUT/logs"
	list=$TOP/harness/mm-selftests.list
	for lib in liburing libcap libnuma; do
		[ -f /usr/lib/x86_64-linux-gnu/$lib.a ] ||
			die "$lib.a is missing (the mm selftests link it statically); run 'make deps'."
	done
	if [ ! -f "$khdr/.xp-stamp" ] ||
	   [ -n "$(find "$ksrc/include/uapi" "$ksrc/arch/x86/include/uapi" -newer "$khdr/.xp-stamp" -print -quit)" ]; then
		make -s -C "$ksrc" O="$khdr" LLVM=1 headers >"$OUT/logs/khdr.log" 2>&1 ||
			die "'make headers' of $ksrc failed (log: $OUT/logs/khdr.log)"
		touch "$khdr/.xp-stamp"
	fi
	mkdir -p "$mmout/gen" "$root/kselftests/mm"
	# What the Makefile's check_config.sh would find: liburing is there.
	echo "#define LOCAL_CONFIG_HAVE_LIBURING 1" > "$mmout/gen/local_config.h_gen"
	cflags=(-O2 -s -Wall -static -pthread -D_GNU_SOURCE= -no-pie
		-isystem "$khdr/usr/include" -isystem "$ksrc/tools/include/uapi"
		-I"$ksrc" -I"$ksrc/tools/testing/selftests" -I"$mm" -I"$mmout/gen"
		-Wno-address-of-packed-member -Wno-gnu-variable-sized-type-not-at-end
		-fmacro-prefix-map="$mm/"= -fmacro-prefix-map="$ksrc/"=)
	bins=$(grep -v '^#' "$list" | awk 'NF { b = $3; if (!sub(/^su:[^:]*:/, "", b)) sub(/^norand:/, "", b); print b }' | sort -u)
	for t in $bins; do
		[ -f "$mm/$t.c" ] || die "mm selftest $t (harness/mm-selftests.list): $mm/$t.c is missing (su:<user>: and norand: do not combine)"
		srcs=("$mm/$t.c" "$mm/vm_util.c" "$mm/hugepage_settings.c")
		case $t in uffd-*) srcs+=("$mm/uffd-common.c") ;; esac
		libs=(-lrt -lm)
		case $t in cow|gup_longterm) libs+=(-luring) ;; esac
		case $t in mlock-random-test|memfd_secret) libs+=(-lcap) ;; esac
		case $t in ksm_tests|migration|rmap) libs+=(-lnuma) ;; esac
		if [ ! -x "$mmout/$t" ] || [ -n "$(find "$mm" "$khdr/.xp-stamp" -newer "$mmout/$t" -print -quit)" ]; then
			clang-19 "${cflags[@]}" -o "$mmout/$t" "${srcs[@]}" "${libs[@]}" 2>"$mmout/$t.log" ||
				die "building mm selftest $t failed: $(grep -m1 error: "$mmout/$t.log") (log: $mmout/$t.log)"
		fi
		file_is_static "$mmout/$t" || die "mm selftest $t is not statically linked"
		install -m 0755 "$mmout/$t" "$root/kselftests/mm/$t"
	done
	grep -v '^#' "$list" | awk 'NF' > "$root/kselftests/mm/list"
	mkdir -p "$root/etc"
	printf 'root:x:0:0::/root:/bin/sh\nnobody:x:65534:65534::/:/bin/sh\n' > "$root/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
fi
(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --reproducible -R 0:0 --quiet) | gzip -9n > "$img.tmp"
mv "$img.tmp" "$img"
