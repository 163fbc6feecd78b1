#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Report of make profile: instructions per fork + exit by function.

Each kernel has two profiles of bench/tbprof.c (one line per translation
block: start address, instructions, times run), of boots that ran N1 and N2
iterations; their difference divided by N2 - N1 is one iteration's profile.
A block's instructions go to the function its start address is in."""
import argparse
import bisect
import collections
import re
import subprocess

NM = '/usr/lib/llvm-19/bin/llvm-nm'
XEN_BASE, XEN_END = 0xffff82d040000000, 0xffff82d0c0000000
# Xen's timekeeping spins (and the return thunk they run through): their
# counts differ by up to 10^5 per iteration between two boots of the same
# kernel, so they are reported apart and left out of the totals.
NOISE = ('xen:get_cmos_time', 'xen:get_s_time_fixed', 'xen:__x86_return_thunk')


class Symbols:
    def __init__(self, path, prefix=''):
        out = subprocess.run([NM, '-n', '--defined-only', path], check=True,
                             capture_output=True, text=True).stdout
        self.addr, self.name = [], []
        for line in out.splitlines():
            f = line.split()
            if len(f) == 3 and f[1] in 'tTwW':
                self.addr.append(int(f[0], 16))
                self.name.append(prefix + f[2])
        self.sym = dict(zip(self.name, self.addr))

    def lookup(self, a):
        i = bisect.bisect_right(self.addr, a) - 1
        return self.name[i] if i >= 0 else '?'


def xen_symbols(efi, image):
    """Xen's symbols from xen.efi, if it holds the same code as the booted
    xen.gz (image, its ELF unpacked): compare a few functions byte by byte."""
    syms = Symbols(efi, 'xen:')
    hdr = subprocess.run(['/usr/lib/llvm-19/bin/llvm-readobj', '--sections', efi],
                         check=True, capture_output=True, text=True).stdout
    m = re.search(r'Name: \.text .*?VirtualAddress: (0x[0-9A-F]+).*?PointerToRawData: (0x[0-9A-F]+)',
                  hdr, re.S)
    efi_data, elf_data = open(efi, 'rb').read(), open(image, 'rb').read()
    va, raw = int(m.group(1), 16), int(m.group(2), 16)
    # The ELF's one LOAD segment starts at offset 0x80 with .text at the
    # same offset from the image base (checked below, not assumed).
    for f in ('do_multicall', 'do_mmu_update', '_get_page_type', 'devalidate_page', 'flush_area_local'):
        off = syms.sym['xen:' + f] - XEN_BASE - va
        if efi_data[raw + off:raw + off + 64] != elf_data[0x80 + off:0x80 + off + 64]:
            return None
    return syms


def load(path, ksyms, xsyms):
    c = collections.Counter()
    for line in open(path):
        a, n, runs = line.split()
        a, ins = int(a, 16), int(n) * int(runs)
        if a >= 0xffffffff80000000:
            c[ksyms.lookup(a)] += ins
        elif XEN_BASE <= a < XEN_END:
            c[xsyms.lookup(a) if xsyms else 'xen:?'] += ins
        elif a < 0x800000000000:
            c['(user space)'] += ins
        else:
            c['(other kernel address)'] += ins
    return c


# Linux functions a path to a hypercall runs through on every path (the
# multicall and pv-op plumbing, locks, allocator and conversion helpers):
# left out of the chain so that the first few left name the operation.
HELPERS = re.compile(
    r'(xen_mc|__xen_mc|xen_extend|xen_hypercall|__ctors|__raw_callee|_raw_spin|'
    r'xen_save_fl|xen_irq|xen_restore|__x86|xen_flush_lazy|arbitrary_virt|'
    r'__virt_addr|pte_|pfn_|__pte|lock_|preempt|percpu|rcu_|__rcu|mod_node|'
    r'lruvec|xas_|mtree|mas_|mt_find|irqentry|__lock_text|lookup_address|'
    r'xen_make|xen_p.._val|xen_pte_val|native_|__?memset|__?memcpy|_find|'
    r'__bitmap|up_|down_|mutex_|__mutex|xen_page_pinned|xen_do_pin|'
    r'xen_get_user_pgd|__xen_set_p4d_hyper|get_free_pages|__alloc_frozen|'
    r'get_page_from_freelist|prep_new_page|__rmqueue|alloc_pages_node|'
    r'vm_normal_page|xen_safe_halt)')


def chains(path, ksyms, xsyms, depth):
    """Hits of each watched function in a chains= file of bench/tbprof.c,
    by the first `depth` Linux functions (less HELPERS) that ran before."""
    c = collections.Counter()
    for line in open(path):
        f = [int(x, 16) for x in line.split()]
        path_ = []
        for a in f[1:]:
            n = ksyms.lookup(a) if a else '?'
            if HELPERS.match(n) or n in path_:
                continue
            path_.append(n)
            if len(path_) == depth:
                break
        c[(xsyms.lookup(f[0])[4:] if xsyms else hex(f[0]), ' < '.join(path_))] += 1
    return c


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--kind')
    ap.add_argument('--what')
    ap.add_argument('--runs', nargs=2, type=int)
    ap.add_argument('--xen-syms')
    ap.add_argument('--xen-image')
    ap.add_argument('--out')
    ap.add_argument('--top', type=int, default=40)
    ap.add_argument('--depth', type=int, default=3)
    ap.add_argument('--chains', nargs=3, action='append', default=[],
                    metavar=('NAME', 'CHAINS_N1', 'CHAINS_N2'))
    ap.add_argument('--kernel', nargs=4, action='append',
                    metavar=('NAME', 'VMLINUX', 'PROFILE_N1', 'PROFILE_N2'))
    a = ap.parse_args()
    n1, n2 = a.runs
    xsyms = xen_symbols(a.xen_syms, a.xen_image) if a.kind == 'xen-pv' else None
    per = {}
    for name, vmlinux, p1, p2 in a.kernel:
        ks = Symbols(vmlinux)
        c1, c2 = load(p1, ks, xsyms), load(p2, ks, xsyms)
        per[name] = {k: (c2[k] - c1[k]) / (n2 - n1) for k in set(c1) | set(c2)}
    (bn, base), (pn, pat) = list(per.items())

    def total(d, pred):
        return sum(v for k, v in d.items() if pred(k))
    groups = [('all', lambda k: k not in NOISE),
              ('Linux', lambda k: not k.startswith('xen:') and not k.startswith('(')),
              ('Xen', lambda k: k.startswith('xen:') and k not in NOISE),
              ('user space', lambda k: k == '(user space)')]
    lines = [f'Instructions per iteration of `xp_bench {a.what}` ({a.kind}), '
             f'(profile of {n2} iterations - profile of {n1}) / {n2 - n1}, '
             'both vCPUs, counted from xp_bench\'s main():', '',
             f'| | {bn} | {pn} | {pn} - {bn} |', '|---|---|---|---|']
    for g, pred in groups:
        tb, tp = total(base, pred), total(pat, pred)
        lines.append(f'| {g} | {tb:,.0f} | {tp:,.0f} | {tp - tb:+,.0f} |')
    if a.kind == 'xen-pv' and not xsyms:
        lines += ['', f'({a.xen_syms} does not hold the booted Xen\'s code: Xen is one line, "xen:?".)']
    if a.kind == 'xen-pv':
        lines += ['', 'Left out as noise (Xen\'s timekeeping; see NOISE in the script): ' +
                  ', '.join(f'`{k}` {base.get(k, 0):,.0f} / {pat.get(k, 0):,.0f}' for k in NOISE)]
    keys = sorted((set(base) | set(pat)) - set(NOISE),
                  key=lambda k: -abs(pat.get(k, 0) - base.get(k, 0)))
    lines += ['', f'The {a.top} functions whose count differs most '
              '(a function inlined into another counts as the other; '
              'a difference of a few hundred can be noise):', '',
              f'| function | {bn} | {pn} | difference |', '|---|---|---|---|']
    for k in keys[:a.top]:
        lines.append(f'| `{k}` | {base.get(k, 0):,.0f} | {pat.get(k, 0):,.0f} | '
                     f'{pat.get(k, 0) - base.get(k, 0):+,.0f} |')
    if a.chains:
        ksyms = {name: Symbols(vmlinux) for name, vmlinux, _, _ in a.kernel}
        cper = {}
        for name, p1, p2 in a.chains:
            c1 = chains(p1, ksyms[name], xsyms, a.depth)
            c2 = chains(p2, ksyms[name], xsyms, a.depth)
            cper[name] = {k: (c2[k] - c1[k]) / (n2 - n1) for k in set(c1) | set(c2)}
        cb, cp = cper.get(bn, {}), cper.get(pn, {})
        keys = sorted(set(cb) | set(cp), key=lambda k: (k[0], -max(cb.get(k, 0), cp.get(k, 0))))
        lines += ['', 'What leads to the watched Xen functions, per iteration: the Linux '
                  f'functions that ran last before each call, the first {a.depth} that '
                  'are not plumbing (HELPERS in the script), most recent first. They '
                  'are the calls and returns that ran, not a stack: a path split '
                  'across two rows is one operation. Rows under 0.1 left out:', '',
                  f'| Xen function | Linux path | {bn} | {pn} |', '|---|---|---|---|']
        for w in sorted({k[0] for k in keys}):
            tb = sum(v for k, v in cb.items() if k[0] == w)
            tp = sum(v for k, v in cp.items() if k[0] == w)
            lines.append(f'| `{w}` | all | {tb:.2f} | {tp:.2f} |')
            for k in keys:
                if k[0] == w and max(abs(cb.get(k, 0)), abs(cp.get(k, 0))) >= 0.1:
                    lines.append(f'| | {k[1] or "(none)"} | {cb.get(k, 0):.2f} | {cp.get(k, 0):.2f} |')
    text = '\n'.join(lines) + '\n'
    open(a.out, 'w').write(text)
    print(text)
    print(f'(written to {a.out})')


if __name__ == '__main__':
    main()
