#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn bench results into Documentation/benchmarks.md and benchmarks.svg.

Input lines: "<round> <kernel> <kind> <name> <median ns> <min ns> <max ns>".
For each (kind, name, kernel), the median over rounds of the per-boot
medians; the ratios are patched/unpatched and patched/lazyfix (7.3 with
the lazy MMU fix only), and the spread is the range of the per-round ratios
(rounds interleave the kernels).

The files are named after $BENCH_REPORT_NAME (default "benchmarks"):
<name>-table.md and <name>.svg."""
import collections
import os
import statistics
import sys

res, outdir = sys.argv[1], sys.argv[2]
report = os.environ.get('BENCH_REPORT_NAME', 'benchmarks')
data = collections.defaultdict(dict)   # (kind, name) -> {(round, kernel): median}
for line in open(res):
    f = line.split()
    if len(f) != 7:
        continue
    rnd, kernel, kind, name, med = f[0], f[1], f[2], f[3], int(f[4])
    data[(kind, name)][(rnd, kernel)] = med

def summary(v, rounds, k, base):
    """Median of kernel k and of the per-round ratios k/base over rounds."""
    ks = [v[(r, k)] for r in rounds if (r, k) in v]
    ratios = [v[(r, k)] / v[(r, base)] for r in rounds
              if (r, k) in v and (r, base) in v and v[(r, base)]]
    return ks, ratios


rows = []
for (kind, name), v in sorted(data.items()):
    rounds = sorted({r for r, _ in v})
    un, _ = summary(v, rounds, 'unpatched', 'unpatched')
    pa, r_un = summary(v, rounds, 'patched', 'unpatched')
    lf, _ = summary(v, rounds, 'lazyfix', 'unpatched')
    _, r_lf = summary(v, rounds, 'patched', 'lazyfix')
    if not un or not pa:
        continue
    mu, mp = statistics.median(un), statistics.median(pa)
    ml = statistics.median(lf) if lf else None
    rows.append(dict(kind=kind, name=name, u=mu, l=ml, p=mp,
                     r=mp / mu if mu else None,
                     lo=min(r_un) if r_un else None, hi=max(r_un) if r_un else None,
                     rl=mp / ml if ml else None,
                     llo=min(r_lf) if r_lf else None, lhi=max(r_lf) if r_lf else None,
                     n=len(rounds)))


def unit(n, name):
    if n is None:
        return '—'
    if name.startswith('young'):
        return f'{n:.0f} ns/pte'
    if name.startswith('hcalls'):
        return f'{n:.0f} per fork'
    return f'{n / 1e6:.2f} ms'


def fmt(r):
    return '—' if r is None else f'{r:.3f}'


header = sys.argv[3:] if len(sys.argv) > 3 else []
md = header + ['| run | benchmark | 7.3 | 7.3 + lazy fix | patched | patched / 7.3 | per-round | '
               'patched / (7.3 + lazy fix) | per-round | rounds |',
               '|---|---|---|---|---|---|---|---|---|---|']
for w in rows:
    md.append(f"| {w['kind']} | {w['name']} | {unit(w['u'], w['name'])} | {unit(w['l'], w['name'])} | "
              f"{unit(w['p'], w['name'])} | **{fmt(w['r'])}** | {fmt(w['lo'])}–{fmt(w['hi'])} | "
              f"**{fmt(w['rl'])}** | {fmt(w['llo'])}–{fmt(w['lhi'])} | {w['n']} |")
with open(f'{outdir}/{report}-table.md', 'w') as f:
    f.write('\n'.join(md) + '\n')
# The plot shows latencies and throughputs; the counts are in the table.
rows = [w for w in rows if not w['name'].startswith('hcalls') and w['r'] is not None]

# Horizontal bars of the ratios, by hand (no plotting library): patched /
# 7.3, and under it patched / (7.3 + lazy fix) where that kernel ran.
bars = [(w, key) for w in rows for key in ('r', 'rl') if w[key] is not None]
h = 18 * len(bars) + 8 * len(rows) + 60
svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="800" height="{h}" font-family="sans-serif" font-size="12">',
       '<text x="10" y="18" font-size="14">patched / 7.3 (solid) and patched / (7.3 + lazy MMU fix) '
       '(light), medians over rounds; 1.0 = no change</text>']
x0, scale, y = 320, 300, 34
for w in rows:
    for key in ('r', 'rl'):
        r = w[key]
        if r is None:
            continue
        bw = min(r, 2.0) * scale / 2.0
        color = ('#3a7' if r <= 1.01 else '#c53') if key == 'r' else ('#9dc' if r <= 1.01 else '#e98')
        label = f"{w['kind']} {w['name']}" if key == 'r' else '  vs 7.3 + lazy fix'
        svg.append(f'<text x="10" y="{y + 12}">{label}</text>')
        svg.append(f'<rect x="{x0}" y="{y}" width="{bw:.1f}" height="14" fill="{color}"/>')
        svg.append(f'<text x="{x0 + bw + 4:.1f}" y="{y + 12}">{r:.3f}</text>')
        y += 18
    y += 8
one = x0 + scale / 2.0
svg.append(f'<line x1="{one}" y1="30" x2="{one}" y2="{h - 10}" stroke="#000" stroke-dasharray="4"/>')
svg.append('</svg>')
with open(f'{outdir}/{report}.svg', 'w') as f:
    f.write('\n'.join(svg) + '\n')
print('\n'.join(md))
