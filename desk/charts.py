"""Server-rendered SVG bar charts (no JavaScript, nothing fetched): a chart is a string of SVG
markup built from (label, value, flagged) points, every label escaped."""
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import mark_safe

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 560, 190, 56, 28, 26


def _number(value):
    value = float(value)
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if abs(value) >= 10_000:
        return f"{value / 1000:.0f}k"
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def bar_chart(points, title, unit=""):
    """An SVG bar chart of `points` [(label, value, flagged)]: one bar per point, flagged bars
    marked, the largest value on the axis; an empty chart says there is no data."""
    title_text = escape(title)
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
            f'height="{HEIGHT}" role="img" aria-label="{title_text}"><title>{title_text}</title>'
            f'<text class="chart-title" x="{LEFT}" y="14">{title_text}</text>')
    if not points:
        return mark_safe(head + f'<text x="{LEFT}" y="{HEIGHT // 2}">no data in this period</text></svg>')
    top = max(max(float(value or 0) for _, value, _ in points), 1e-9)
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    step = plot_w / len(points)
    bar_w = max(2.0, step * 0.7)
    parts = [head,
             f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - 8}" y2="{TOP + plot_h}" stroke="#999"/>',
             f'<text x="{LEFT - 4}" y="{TOP + 8}" text-anchor="end">{_number(top)}{escape(unit)}</text>',
             f'<text x="{LEFT - 4}" y="{TOP + plot_h}" text-anchor="end">0</text>']
    every = max(1, len(points) // 8)
    for index, (label, value, flagged) in enumerate(points):
        height = plot_h * max(float(value or 0), 0) / top
        x = LEFT + index * step + (step - bar_w) / 2
        y = TOP + plot_h - height
        shown = _number(value or 0) if not isinstance(value, Decimal) else f"{value:,.2f}"
        parts.append(f'<rect class="bar{" flagged" if flagged else ""}" x="{x:.1f}" y="{y:.1f}" '
                     f'width="{bar_w:.1f}" height="{height:.1f}"><title>{escape(label)}: {shown}{escape(unit)}'
                     f'{" (flagged)" if flagged else ""}</title></rect>')
        if index % every == 0:
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{HEIGHT - 10}" text-anchor="middle">'
                         f'{escape(label)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))
