"""The data-flow diagram of a design: a Mermaid block for the Markdown and a server-rendered
SVG for the HTML (no script, nothing fetched). Edges are (from, label, to) of node names."""
from django.utils.html import escape

BOX_WIDTH, BOX_HEIGHT, COLUMN_GAP, ROW_GAP, MARGIN = 270, 40, 30, 50, 20


def nodes_of(edges):
    names = []
    for source, _label, target in edges:
        for name in (source, target):
            if name not in names:
                names.append(name)
    return names


def mermaid(edges):
    ids = {name: f"n{i}" for i, name in enumerate(nodes_of(edges))}
    lines = ["flowchart TB"]
    lines += [f'    {ids[name]}["{_mermaid_text(name)}"]' for name in ids]
    lines += [f'    {ids[s]} -->|"{_mermaid_text(label)}"| {ids[t]}' if label else f"    {ids[s]} --> {ids[t]}"
              for s, label, t in edges]
    return "\n".join(lines)


def _mermaid_text(text):
    return text.replace('"', "'")


def ranks(edges):
    """Row of each node: the longest path from a node nobody points to (the flows are acyclic);
    a node nobody points to sits just above the nearest node it points to."""
    names = nodes_of(edges)
    rank = {name: 0 for name in names}
    for _ in names:
        for source, _label, target in edges:
            rank[target] = max(rank[target], rank[source] + 1)
    targets = {name for _s, _l, name in edges}
    for name in names:
        if name not in targets:
            rank[name] = min(rank[t] for s, _l, t in edges if s == name) - 1
    return rank


def svg(edges):
    """Top to bottom: one row per rank, the nodes of a row centred; labels beside the arrows."""
    if not edges:
        return ""
    rank = ranks(edges)
    rows = {}
    for name in nodes_of(edges):
        rows.setdefault(rank[name], []).append(name)
    widest = max(len(names) for names in rows.values())
    width = MARGIN * 2 + widest * BOX_WIDTH + (widest - 1) * COLUMN_GAP
    height = MARGIN * 2 + len(rows) * BOX_HEIGHT + (len(rows) - 1) * ROW_GAP
    place = {}
    for row, names in rows.items():
        used = len(names) * BOX_WIDTH + (len(names) - 1) * COLUMN_GAP
        for index, name in enumerate(names):
            place[name] = ((width - used) / 2 + index * (BOX_WIDTH + COLUMN_GAP), MARGIN + row * (BOX_HEIGHT + ROW_GAP))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="data-flow" width="100%" '
             f'viewBox="0 0 {width} {height}" style="max-width: {width}px" role="img" aria-label="data flows">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
             'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#447"/></marker></defs>']
    for source, label, target in edges:
        (x1, y1), (x2, y2) = place[source], place[target]
        start, end = (x1 + BOX_WIDTH / 2, y1 + BOX_HEIGHT), (x2 + BOX_WIDTH / 2, y2)
        parts.append(f'<line x1="{start[0]}" y1="{start[1]}" x2="{end[0]}" y2="{end[1]}" stroke="#447" '
                     f'stroke-width="1.3" marker-end="url(#arrow)"/>')
        if label:
            mid = ((start[0] + end[0]) / 2 + 6, (start[1] + end[1]) / 2 + 4)
            parts.append(f'<text x="{mid[0]}" y="{mid[1]}" font-size="12" fill="#224">{escape(label)}</text>')
    for name, (x, y) in place.items():
        parts.append(f'<rect x="{x}" y="{y}" width="{BOX_WIDTH}" height="{BOX_HEIGHT}" rx="6" fill="#eef3fb" '
                     f'stroke="#447"/><text x="{x + BOX_WIDTH / 2}" y="{y + BOX_HEIGHT / 2 + 4}" font-size="13" '
                     f'text-anchor="middle" fill="#111">{escape(name)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)
