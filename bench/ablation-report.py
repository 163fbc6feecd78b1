#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The ablation's tables and plot (make ablation): what each kernel of the
ladder costs or buys against the fair baseline.

  ablation-report.py RESULTS OUTDIR NAME KERNEL... [-- HEADER LINE...]

RESULTS has bench.sh's lines, "<round> <kernel> <kind> <name> <median ns>
<min ns> <max ns>"; KERNEL... is the ladder in order, and must hold
"lazyfix" (7.3 + the lazy MMU fix, the fair baseline).  For each (kind,
benchmark) and kernel: the median over rounds of the per-boot medians,
divided by lazyfix's (natively, where lazyfix does not run, by
unpatched's); and the step ratio, each kernel against the one before it
in the ladder, with the range of its per-round values (the rounds
interleave the kernels).  Writes OUTDIR/NAME-table.md and OUTDIR/NAME.svg.
"""
import collections
import statistics
import sys


def load(path):
    data = collections.defaultdict(dict)   # (kind, name) -> {(round, kernel): median}
    for line in open(path):
        f = line.split()
        if len(f) != 7:
            continue
        data[(f[2], f[3])][(f[0], f[1])] = int(f[4])
    return data


def med(v, k):
    xs = [x for (_, kk), x in v.items() if kk == k]
    return statistics.median(xs) if xs else None


def per_round(v, k, base):
    rounds = sorted({r for r, _ in v})
    return [v[(r, k)] / v[(r, base)] for r in rounds
            if (r, k) in v and (r, base) in v and v[(r, base)]]


def fmt(r, bold=False):
    if r is None:
        return '—'
    s = f'{r:.3f}'
    return f'**{s}**' if bold else s


def tables(data, kernels):
    md = []
    for kind in sorted({k for k, _ in data}):
        names = sorted(n for k, n in data if k == kind)
        ran = [k for k in kernels if any(med(data[(kind, n)], k) is not None for n in names)]
        base = 'lazyfix' if 'lazyfix' in ran else 'unpatched'
        if base not in ran or len(ran) < 2:
            continue
        md += ['', f'**{kind}**: each kernel against {base} (≤ 1.000 in bold)', '',
               '| benchmark | ' + ' | '.join(ran) + ' |',
               '|---|' + '---|' * len(ran)]
        for n in names:
            v = data[(kind, n)]
            b = med(v, base)
            cells = []
            for k in ran:
                m = med(v, k)
                r = m / b if m is not None and b else None
                cells.append(fmt(r, r is not None and r <= 1.0))
            md.append(f'| {n} | ' + ' | '.join(cells) + ' |')
        md += ['', f'**{kind}**: each kernel against the one before it in the ladder '
               '(median, per-round range)', '',
               '| benchmark | ' + ' | '.join(f'{b} → {a}' for b, a in zip(ran, ran[1:])) + ' |',
               '|---|' + '---|' * (len(ran) - 1)]
        for n in names:
            v = data[(kind, n)]
            cells = []
            for prev, k in zip(ran, ran[1:]):
                rs = per_round(v, k, prev)
                cells.append(f'{fmt(statistics.median(rs))} ({min(rs):.3f}–{max(rs):.3f})'
                             if rs else '—')
            md.append(f'| {n} | ' + ' | '.join(cells) + ' |')
    return md


def plot(data, kernels):
    """Xen PV, anonymous memory: fork, exit, fork + exit at each size,
    against lazyfix, one line per benchmark across the ladder."""
    v_of = {n: data[('xen-pv', n)] for k, n in data if k == 'xen-pv'}
    ran = [k for k in kernels if any(med(v, k) is not None for v in v_of.values())]
    names = sorted(n for n in v_of if n.split('/')[0] in ('fork', 'exit', 'fork+exit')
                   and '/anon/' in n)
    if 'lazyfix' not in ran or not names:
        return None
    series = {}
    for n in names:
        b = med(v_of[n], 'lazyfix')
        series[n] = [med(v_of[n], k) / b if b and med(v_of[n], k) is not None else None
                     for k in ran]
    vals = [r for s in series.values() for r in s if r is not None]
    if not vals:
        return None
    lo, hi = min(0.5, min(vals)), max(1.5, max(vals))
    w, h, x0, y0, pw, ph = 860, 480, 60, 30, 560, 380
    def xy(i, r):
        x = x0 + (pw * i / max(1, len(ran) - 1))
        y = y0 + ph * (hi - r) / (hi - lo)
        return x, y
    colors = ['#1b9e77', '#d95f02', '#7570b3', '#e7298a', '#66a61e', '#e6ab02',
              '#a6761d', '#666666', '#1f78b4', '#b2df8a', '#fb9a99', '#cab2d6']
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h + 60}" '
           'font-family="sans-serif" font-size="11">',
           f'<text x="{x0}" y="18" font-size="13">Xen PV, anonymous memory: each kernel / '
           '(7.3 + lazy MMU fix), medians over rounds</text>']
    for t in (lo, 1.0, hi):
        _, y = xy(0, t)
        dash = '' if t == 1.0 else ' stroke-dasharray="2"'
        svg.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + pw}" y2="{y:.1f}" stroke="#999"{dash}/>')
        svg.append(f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end">{t:.2f}</text>')
    for i, k in enumerate(ran):
        x, _ = xy(i, lo)
        svg.append(f'<text x="{x:.1f}" y="{y0 + ph + 16}" text-anchor="end" '
                   f'transform="rotate(-35 {x:.1f} {y0 + ph + 16})">{k}</text>')
    for j, (n, s) in enumerate(series.items()):
        c = colors[j % len(colors)]
        pts = [xy(i, r) for i, r in enumerate(s) if r is not None]
        svg.append('<polyline fill="none" stroke-width="1.5" stroke="%s" points="%s"/>'
                   % (c, ' '.join(f'{x:.1f},{y:.1f}' for x, y in pts)))
        svg.append(f'<text x="{x0 + pw + 12}" y="{y0 + 14 * j + 8}" fill="{c}">{n}</text>')
    svg.append('</svg>')
    return svg


def main(argv):
    if len(argv) < 5:
        sys.exit(__doc__)
    res, outdir, name = argv[1:4]
    rest = argv[4:]
    header = []
    if '--' in rest:
        header = rest[rest.index('--') + 1:]
        rest = rest[:rest.index('--')]
    kernels = rest
    if 'lazyfix' not in kernels:
        sys.exit('ablation-report.py: the ladder must hold lazyfix, the fair baseline')
    data = load(res)
    if not data:
        sys.exit(f'ablation-report.py: no result in {res}')
    md = header + tables(data, kernels)
    with open(f'{outdir}/{name}-table.md', 'w') as f:
        f.write('\n'.join(md) + '\n')
    svg = plot(data, kernels)
    if svg:
        with open(f'{outdir}/{name}.svg', 'w') as f:
            f.write('\n'.join(svg) + '\n')
    print('\n'.join(md))


if __name__ == '__main__':
    main(sys.argv)
