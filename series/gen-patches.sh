#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Regenerate the mailable series in patches/ from its sources:
#  - the hand-written kernel patches listed in patches/series;
#  - the Rust KUnit suites, whose only source is rust/ and Kconfig: the
#    patch that adds them to mm/tests/ is generated here, with the
#    message in rust/COMMIT_MSG, at its place in patches/series (a name in
#    patches/series with no file yet, or whose subject is that message's);
#  - the cover letter, from patches/cover-letter.txt (subject = first
#    paragraph), with the shortlog, diffstat and base-commit.
#
#   series/gen-patches.sh           rewrite patches/
#   series/gen-patches.sh --check   fail if patches/ is not what it would write
set -euo pipefail
. "$(dirname "$0")/../harness/lib.sh"

mode=${1:-write}
[ -d "$OUT/src/.git" ] || die "no scratch tree in $OUT/src; run 'harness/build.sh tree' first."
subject=$(head -n1 "$TOP/rust/COMMIT_MSG")
ident=$(sed -n 's/^Signed-off-by: //p' "$TOP/rust/COMMIT_MSG" | head -n1)
date="2026-11-25T00:00:00+00:00"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git clone -q --shared --no-checkout "$OUT/src" "$tmp/t"
cd "$tmp/t"
# Check out only the files the series touches (all of them take a minute).
mapfile -t files < <( { sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$TOP/patches/series" |
	while read -r p; do [ ! -f "$TOP/patches/$p" ] || cat "$TOP/patches/$p"; done |
	sed -n 's|^diff --git a/\(.*\) b/.*|/\1|p';
	echo .gitattributes; printf '/%s\n' mm/tests/ptep_flags_kunit.rs mm/tests/Kconfig.ptep_flags mm/Kconfig.debug mm/Makefile; } |
	sort -u)
git sparse-checkout set --no-cone "${files[@]}"
git checkout -q -B series pristine
# Fixed abbreviation: the default one scales with the object count,
# which depends on whether git has packed the scratch tree yet.
git config gc.auto 0
git config core.abbrev 12
git config user.name "${ident% <*}"
git config user.email "$(echo "$ident" | sed 's/.*<\(.*\)>.*/\1/')"

add_rust() {
	install -D -m 0644 "$TOP/rust/ptep_flags_kunit.rs" mm/tests/ptep_flags_kunit.rs
	install -D -m 0644 "$TOP/Kconfig" mm/tests/Kconfig.ptep_flags
	printf '\nsource "mm/tests/Kconfig.ptep_flags"\n' >> mm/Kconfig.debug
	echo 'obj-$(CONFIG_PTEP_FLAGS_KUNIT_TEST) += tests/ptep_flags_kunit.o' >> mm/Makefile
	git add -f mm/tests/ptep_flags_kunit.rs mm/tests/Kconfig.ptep_flags mm/Kconfig.debug mm/Makefile
	GIT_AUTHOR_DATE=$date GIT_COMMITTER_DATE=$date git commit -q -F "$TOP/rust/COMMIT_MSG"
}

generated=0
while read -r p; do
	f=$TOP/patches/$p
	if [ ! -f "$f" ] || [[ $p == *-mm-tests-add-Rust-KUnit-suites-* ]]; then
		add_rust
		generated=$((generated + 1))
	else
		GIT_COMMITTER_DATE=$date git am -q --committer-date-is-author-date "$f" ||
			die "patches/$p does not apply while regenerating the series"
	fi
done < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$TOP/patches/series")
[ "$generated" = 1 ] || die "patches/series must list the generated Rust KUnit patch exactly once (found $generated)."

git config branch.series.description "$(cat "$TOP/patches/cover-letter.txt")"
git format-patch -q --zero-commit --no-signature --cover-letter \
	--cover-from-description=subject --base=pristine -o "$tmp/out" pristine..series
# The cover letter's date is the time of generation: pin it.
sed -i "s/^Date: .*/Date: $(date -d "$date" -R)/" "$tmp/out/0000-cover-letter.patch"

# The fixes of 7.3 at the head of the series, also as a series of their
# own (patches/fixes/), with patches/fixes-cover-letter.txt.
NFIXES=5
git checkout -q -B fixes "$(git rev-list --reverse pristine..series | sed -n "${NFIXES}p")"
git config branch.fixes.description "$(cat "$TOP/patches/fixes-cover-letter.txt")"
git format-patch -q --zero-commit --no-signature --cover-letter \
	--cover-from-description=subject --base=pristine -o "$tmp/out/fixes" pristine..fixes
sed -i "s/^Date: .*/Date: $(date -d "$date" -R)/" "$tmp/out/fixes/0000-cover-letter.patch"

if [ "$mode" = --check ]; then
	bad=0
	for f in "$tmp/out"/*.patch; do
		n=$(basename "$f")
		if ! cmp -s "$f" "$TOP/patches/$n"; then
			echo "    patches/$n differs from what series/gen-patches.sh generates"
			bad=1
		fi
	done
	for f in "$TOP"/patches/0*.patch; do
		[ -f "$tmp/out/$(basename "$f")" ] || { echo "    patches/$(basename "$f") is stale"; bad=1; }
	done
	for f in "$tmp/out/fixes"/*.patch; do
		cmp -s "$f" "$TOP/patches/fixes/$(basename "$f")" ||
			{ echo "    patches/fixes/$(basename "$f") differs from what series/gen-patches.sh generates"; bad=1; }
	done
	[ $bad = 0 ] || die "patches/ is out of date: run series/gen-patches.sh (make patches)."
	echo "    patches/ is up to date with rust/, Kconfig and the cover letter"
	exit 0
fi
rm -f "$TOP"/patches/0*.patch "$TOP"/patches/fixes/0*.patch
cp "$tmp/out"/*.patch "$TOP/patches/"
mkdir -p "$TOP/patches/fixes"
cp "$tmp/out/fixes"/*.patch "$TOP/patches/fixes/"
{ sed -n '/^#/p' "$TOP/patches/series"; (cd "$tmp/out" && ls 0*.patch | grep -v '^0000-cover-letter'); } > "$tmp/series"
mv "$tmp/series" "$TOP/patches/series"
echo "    wrote $(ls "$TOP"/patches/0*.patch | wc -l) files to patches/"
