#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn bench results into Documentation/benchmarks.md and benchmarks.svg.

Input lines: "<round> <kernel> <kind> <name> <median ns> <min ns> <max ns>".
For each (kind, name, kernel), the median over rounds of the per-boot
medians; the ratio is patched/unpatched, and the spread is the range of the
per-round ratios (rounds interleave the two kernels)."""
import collections
import statistics
import sys

res, outdir = sys.argv[1], sys.argv[2]
data = collections.defaultdict(dict)   # (kind, name) -> {(round, kernel): median}
for line in open(res):
    f = line.split()
    if len(f) != 7:
        continue
    rnd, kernel, kind, name, med = f[0], f[1], f[2], f[3], int(f[4])
    data[(kind, name)][(rnd, kernel)] = med

rows = []
for (kind, name), v in sorted(data.items()):
    rounds = sorted({r for r, _ in v})
    un = [v[(r, 'unpatched')] for r in rounds if (r, 'unpatched') in v]
    pa = [v[(r, 'patched')] for r in rounds if (r, 'patched') in v]
    ratios = [v[(r, 'patched')] / v[(r, 'unpatched')] for r in rounds
              if (r, 'patched') in v and (r, 'unpatched') in v and v[(r, 'unpatched')]]
    if not un or not pa:
        continue
    mu, mp = statistics.median(un), statistics.median(pa)
    rows.append((kind, name, mu, mp, mp / mu if mu else None,
                 min(ratios) if ratios else None, max(ratios) if ratios else None, len(rounds)))

def unit(n, name):
    if name.startswith('young'):
        return f'{n:.0f} ns/pte'
    if name.startswith('hcalls'):
        return f'{n:.0f} per fork'
    return f'{n / 1e6:.2f} ms'


def fmt(r):
    return '—' if r is None else f'{r:.3f}'


header = sys.argv[3:] if len(sys.argv) > 3 else []
md = header + ['| run | benchmark | unpatched | patched | ratio | per-round ratios | rounds |',
               '|---|---|---|---|---|---|---|']
for kind, name, u, p, r, lo, hi, n in rows:
    md.append(f'| {kind} | {name} | {unit(u, name)} | {unit(p, name)} | **{fmt(r)}** | {fmt(lo)}–{fmt(hi)} | {n} |')
with open(f'{outdir}/benchmarks-table.md', 'w') as f:
    f.write('\n'.join(md) + '\n')
# The plot shows latencies and throughputs; the counts are in the table.
rows = [row for row in rows if not row[1].startswith('hcalls') and row[4] is not None]

# A horizontal bar chart of the ratios, by hand (no plotting library).
h = 22 * len(rows) + 60
svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="760" height="{h}" font-family="sans-serif" font-size="12">',
       '<text x="10" y="18" font-size="14">patched / unpatched (median over rounds); 1.0 = no change</text>']
x0, scale = 300, 300
for i, (kind, name, u, p, r, lo, hi, n) in enumerate(rows):
    y = 40 + 22 * i
    w = min(r, 2.0) * scale / 2.0
    color = '#3a7' if r <= 1.01 else '#c53'
    svg.append(f'<text x="10" y="{y + 12}">{kind} {name}</text>')
    svg.append(f'<rect x="{x0}" y="{y}" width="{w:.1f}" height="14" fill="{color}"/>')
    svg.append(f'<text x="{x0 + w + 4:.1f}" y="{y + 12}">{r:.3f}</text>')
one = x0 + scale / 2.0
svg.append(f'<line x1="{one}" y1="30" x2="{one}" y2="{h - 10}" stroke="#000" stroke-dasharray="4"/>')
svg.append('</svg>')
with open(f'{outdir}/benchmarks.svg', 'w') as f:
    f.write('\n'.join(svg) + '\n')
print('\n'.join(md))
