"""The data-flow diagram of a design: a Mermaid block for the Markdown and a server-rendered
SVG for the HTML (no script, nothing fetched). Edges are (from, label, to) of node names."""
from django.utils.html import escape

BOX_WIDTH, BOX_HEIGHT, COLUMN_GAP, ROW_GAP, MARGIN = 210, 46, 150, 34, 20


def nodes_of(edges):
    names = []
    for source, _label, target in edges:
        for name in (source, target):
            if name not in names:
                names.append(name)
    return names


def mermaid(edges):
    ids = {name: f"n{i}" for i, name in enumerate(nodes_of(edges))}
    lines = ["flowchart LR"]
    lines += [f'    {ids[name]}["{_mermaid_text(name)}"]' for name in ids]
    lines += [f'    {ids[s]} -->|"{_mermaid_text(label)}"| {ids[t]}' for s, label, t in edges]
    return "\n".join(lines)


def _mermaid_text(text):
    return text.replace('"', "'")


def ranks(edges):
    """Column of each node: the longest path from a node nobody points to (the flows are acyclic)."""
    names = nodes_of(edges)
    rank = {name: 0 for name in names}
    for _ in names:
        for source, _label, target in edges:
            rank[target] = max(rank[target], rank[source] + 1)
    return rank


def svg(edges):
    if not edges:
        return ""
    rank = ranks(edges)
    columns = {}
    for name in nodes_of(edges):
        columns.setdefault(rank[name], []).append(name)
    place = {}
    for column, names in columns.items():
        for row, name in enumerate(names):
            place[name] = (MARGIN + column * (BOX_WIDTH + COLUMN_GAP), MARGIN + row * (BOX_HEIGHT + ROW_GAP))
    width = MARGIN * 2 + len(columns) * BOX_WIDTH + (len(columns) - 1) * COLUMN_GAP
    height = MARGIN * 2 + max(len(n) for n in columns.values()) * (BOX_HEIGHT + ROW_GAP)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="data-flow" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="data flows">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
             'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#447"/></marker></defs>']
    for source, label, target in edges:
        (x1, y1), (x2, y2) = place[source], place[target]
        start = (x1 + BOX_WIDTH, y1 + BOX_HEIGHT / 2) if x2 > x1 else (x1 + BOX_WIDTH / 2, y1 + BOX_HEIGHT)
        end = (x2, y2 + BOX_HEIGHT / 2) if x2 > x1 else (x2 + BOX_WIDTH / 2, y2)
        parts.append(f'<line x1="{start[0]}" y1="{start[1]}" x2="{end[0]}" y2="{end[1]}" stroke="#447" '
                     f'stroke-width="1.3" marker-end="url(#arrow)"/>')
        mid = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2 - 4)
        parts.append(f'<text x="{mid[0]}" y="{mid[1]}" font-size="11" text-anchor="middle" fill="#224">'
                     f'{escape(label)}</text>')
    for name, (x, y) in place.items():
        parts.append(f'<rect x="{x}" y="{y}" width="{BOX_WIDTH}" height="{BOX_HEIGHT}" rx="6" fill="#eef3fb" '
                     f'stroke="#447"/><text x="{x + BOX_WIDTH / 2}" y="{y + BOX_HEIGHT / 2 + 4}" font-size="12" '
                     f'text-anchor="middle" fill="#111">{escape(name)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)
