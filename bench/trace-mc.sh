#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Count the multicalls one fork + exit asks of Xen, by caller: boot a bench
# kernel (it has event tracing, configs/bench.config) as a Xen PV dom0 with
# an initramfs whose /init enables the xen_mc_flush tracepoint with stack
# traces around one "( : )" of busybox sh (a fork and an exit, no exec), and
# sum the non-empty flushes by the first caller outside the multicall code.
#
#   bench/trace-mc.sh [bzImage ...]   (default: out/bench/*/bzImage)
#
# Prints, per kernel, the non-empty multicalls and the hypercalls in them,
# then the callers; the consoles are out/logs/trace-mc-<kernel>.console.log.
set -euo pipefail
. "$(dirname "$0")/../harness/lib.sh"

[ $# -gt 0 ] || set -- "$OUT"/bench/{unpatched,lazyfix,patched}/bzImage
for k in "$@"; do
	[ -f "$k" ] || die "no kernel image at $k (make bench builds out/bench/*/bzImage)"
done
[ -x "$OUT/bench/root/bin/xp_bench" ] || die "no $OUT/bench/root; run 'make bench' first (it builds the kernels and the initramfs this uses)."

# The initramfs of make bench with the trace's payload.
T=$OUT/bench/trace-mc
rm -rf "$T" && mkdir -p "$T" && cp -a "$OUT/bench/root" "$T/root"
install -m 0755 "$TOP/bench/guest/trace-mc.sh" "$T/root/selftests/xp_zbench"
pack_initramfs "$T/root" "$T/initramfs.cpio.gz"

for k in "$@"; do
	name=$(basename "$(dirname "$k")")
	# norandmaps: the same address-space layout (and so the same number
	# of page tables) for the shell in every kernel and boot.
	MEM=1024 TIMEOUT=300 "$TOP/harness/boot.sh" "trace-mc-$name" xen-pv 2 "$k" "$T/initramfs.cpio.gz" \
		norandmaps >/dev/null
	log=$OUT/logs/trace-mc-$name.console.log
	grep -aq TRACE-MC-END "$log" || die "the trace boot of $k did not finish; see $log"
	echo "== $name ($k)"
	sed -n '/TRACE-MC-BEGIN/,/TRACE-MC-END/p' "$log" | tr -d '\r' | python3 -c '
import collections, re, sys
# Frames that only carry the flush: the caller is the first frame after them.
carrier = re.compile(r"^(__do_trace_xen_mc_flush|trace_event_raw_event_xen_mc_flush|xen_mc_flush|xen_mc_issue|__xen_mc_issue|xen_leave_lazy_mmu|"
                     r"xen_flush_lazy_mmu|arch_leave_lazy_mmu_mode|arch_flush_lazy_mmu_mode|"
                     r"lazy_mmu_mode_disable|leave_lazy|xen_end_context_switch|"
                     r"__xen_set_pte|xen_set_pte|xen_extend_mmu_update|xen_mc_extend_args|"
                     r"xen_do_pin|__pin_pagetable_pfn)$")
events, cur = [], None
for line in sys.stdin:
    m = re.search(r"^\s*(\S+)-\d+\s.*xen_mc_flush: flushing (\d+) hypercalls", line)
    if m:
        cur = [m.group(1), int(m.group(2)), []]
        events.append(cur)
        continue
    m = re.match(r"\s*=> ([^+\s]+)", line)
    if m and cur is not None:
        cur[2].append(m.group(1))
by = collections.Counter()
hc = collections.Counter()
for task, n, frames in events:
    rest = [f for f in frames if not carrier.match(f)]
    key = task + ": " + (" < ".join(rest[:2]) or "?")
    by[key] += 1
    hc[key] += n
print(f"   {len(events)} non-empty multicalls, {sum(e[1] for e in events)} hypercalls")
for key, c in by.most_common():
    print(f"   {c:4d} multicalls {hc[key]:4d} hypercalls  {key}")
'
done
