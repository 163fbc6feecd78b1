#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install everything the project needs, idempotently: Debian packages (QEMU
# from bookworm-backports), bindgen-cli from crates.io (built by cargo in
# the background meanwhile), and Debian's linux-source-7.3 unpacked into a
# cache outside the work tree.
#
# No registry host is named here: apt sources are derived from the first
# stanza of the machine's own /etc/apt/sources.list.d/debian.sources.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

APT_PKGS="clang-19 lld-19 llvm-19 libclang-19-dev rustc-web rust-web-src bc bison
flex libelf-dev libssl-dev cpio xen-hypervisor-4.17-amd64 busybox-static
e2fsprogs python3 make git xz-utils gzip perl rust-web-clippy rustfmt-web ccache
libnuma-dev libcap-dev liburing-dev"
QEMU_PKGS="qemu-system-x86 qemu-system-common qemu-system-data seabios ipxe-qemu"
BINDGEN_VERSION=${BINDGEN_VERSION:-0.73.2}
SRC_PKG=${SRC_PKG:-linux-source-7.3}
# Debian's own kernel of the base's version: the unpatched reference that
# the zap_truncate negative control boots (no build of ours in it).
STOCK_PKG=${STOCK_PKG:-linux-binary-7.3.4+deb13-amd64}

debian_stanza() {
	# First deb822 stanza of the system's Debian sources, with Suites replaced.
	local suite=$1 src=/etc/apt/sources.list.d/debian.sources
	[ -r "$src" ] || die "cannot derive apt sources: $src is missing (this project expects a Debian 12 machine whose apt sources are in deb822 form)"
	awk -v s="$suite" 'BEGIN{done=0} /^[[:space:]]*$/{ if (seen) exit } /^#/{next}
		{ seen=1; if ($1=="Suites:") print "Suites: " s; else print }' "$src"
}

# trixie_download <package> <dir>: download one package from trixie-backports
# into <dir>, with a private apt state there, so the system's apt
# configuration is not touched.
trixie_download() {
	local pkg=$1 tmp=$2
	local aopt=(-o Dir::Etc::sourcelist=/nonexistent -o Dir::Etc::sourceparts="$tmp/sources.d"
		    -o Dir::State::Lists="$tmp/lists" -o Dir::Cache::archives="$tmp/archives"
		    -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o APT::Sandbox::User=root
		    -o Debug::NoLocking=1 -o APT::Get::List-Cleanup=0)
	rm -rf "$tmp"
	mkdir -p "$tmp/lists/partial" "$tmp/archives/partial" "$tmp/sources.d"
	debian_stanza trixie-backports > "$tmp/sources.d/trixie-backports.sources" &&
	apt-get "${aopt[@]}" update -qq >/dev/null &&
	(cd "$tmp" && apt-get "${aopt[@]}" download "$pkg" >/dev/null 2>&1)
}

# bindgen-cli is built by cargo (about 2 minutes on a new machine) in the
# background while the packages and the trees below download: it needs
# nothing of theirs but a C compiler and linker, which this kind of machine
# has (without one, it starts after the apt packages, which bring them).
# It runs in a session of its own, so that a failure here stops cargo's
# compilers too.
bindgen_pid=
bindgen_log=$CACHE/bindgen-install.log
start_bindgen() {
	[ -z "$bindgen_pid" ] || return 0
	echo "    deps: building bindgen-cli $BINDGEN_VERSION with cargo in the background (log: $bindgen_log)"
	bindgen_start=$(date +%s)
	setsid cargo install --locked --version "$BINDGEN_VERSION" bindgen-cli > "$bindgen_log" 2>&1 < /dev/null &
	bindgen_pid=$!
	trap '[ -z "$bindgen_pid" ] || kill -TERM -- "-$bindgen_pid" 2>/dev/null || true' EXIT
}
need_bindgen=0
if ! "$BINDGEN" --version 2>/dev/null | grep -q "$BINDGEN_VERSION"; then
	need_bindgen=1
	command -v cargo >/dev/null || die "cargo is missing: bindgen-cli $BINDGEN_VERSION is built with it (install Rust with rustup)."
	command -v setsid >/dev/null || die "setsid (util-linux) is missing."
	! command -v cc >/dev/null || start_bindgen
fi

need_apt=0
for p in $APT_PKGS $QEMU_PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || { need_apt=1; break; }
done

if [ "$need_apt" = 1 ]; then
	stage_start "deps: apt packages"
	bp=/etc/apt/sources.list.d/xenpv-ptep-bookworm-backports.sources
	if [ ! -f "$bp" ]; then
		debian_stanza bookworm-backports > "$bp.tmp" && mv "$bp.tmp" "$bp"
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null || die "apt-get update failed: the package registry is unreachable"
	apt-get install -y -qq --no-install-recommends $APT_PKGS >/dev/null ||
		die "apt-get install of the build packages failed"
	apt-get install -y -qq --no-install-recommends -t bookworm-backports $QEMU_PKGS >/dev/null ||
		die "apt-get install of QEMU from bookworm-backports failed"
	stage_end
fi
[ "$need_bindgen" = 0 ] || start_bindgen

# The base tree: linux-source-7.3 from trixie-backports, downloaded with a
# private apt state so the system's apt configuration is not touched.
if [ -z "${KDIR:-}" ] && [ ! -f "$CACHE/base/.complete" ]; then
	stage_start "deps: $SRC_PKG from trixie-backports"
	tmp=$CACHE/apt-private
	rm -rf "$CACHE/base"
	mkdir -p "$CACHE/base"
	trixie_download "$SRC_PKG" "$tmp" || die "downloading $SRC_PKG from trixie-backports failed"
	deb=$(ls "$tmp"/${SRC_PKG}_*.deb | head -n1)
	dpkg-deb -f "$deb" Version > "$CACHE/base/VERSION"
	dpkg -x "$deb" "$tmp/x"
	tar -C "$CACHE/base" -xf "$tmp"/x/usr/src/${SRC_PKG}.tar.xz
	mv "$CACHE/base/$SRC_PKG" "$CACHE/base/linux"
	rm -rf "$tmp"
	touch "$CACHE/base/.complete"
	stage_end
fi

# Debian's stock kernel (its vmlinuz only), fetched the same way.  Not fatal:
# without it the runs that boot it are reported as skipped.
if [ ! -f "$CACHE/stock/vmlinuz" ]; then
	stage_start "deps: $STOCK_PKG (Debian's stock kernel) from trixie-backports"
	tmp=$CACHE/apt-stock
	mkdir -p "$CACHE/stock"
	if trixie_download "$STOCK_PKG" "$tmp" &&
	   dpkg-deb --fsys-tarfile "$tmp"/"$STOCK_PKG"_*.deb | tar -C "$tmp" -x --wildcards '*/vmlinuz' &&
	   mv "$(find "$tmp" -name vmlinuz | head -n1)" "$CACHE/stock/vmlinuz.tmp"; then
		mv "$CACHE/stock/vmlinuz.tmp" "$CACHE/stock/vmlinuz"
		stage_end
	else
		stage_end "not available: the runs that boot it will be skipped"
	fi
	rm -rf "$tmp"
fi

if [ -n "$bindgen_pid" ]; then
	stage_start "deps: bindgen-cli $BINDGEN_VERSION (started $(( $(date +%s) - bindgen_start ))s ago)"
	brc=0
	wait "$bindgen_pid" || brc=$?
	bindgen_pid=
	if [ "$brc" != 0 ] || ! "$BINDGEN" --version 2>/dev/null | grep -q "$BINDGEN_VERSION"; then
		tail -n 20 "$bindgen_log" >&2
		die "cargo install bindgen-cli $BINDGEN_VERSION failed (exit status $brc, or $BINDGEN is not that version); full log: $bindgen_log"
	fi
	stage_end
fi
