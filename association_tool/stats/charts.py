"""Pictures of the report drawn on the server as SVG: horizontal bars and a line by month.

They draw only what the report shows: a hidden cell has no bar or point, only its mark
('<5', '×'). The picture is hidden from screen readers (aria-hidden); the table beside it carries
the same numbers. No script, no style attributes (the content security policy allows neither).
"""
from __future__ import annotations

from markupsafe import Markup, escape

from .figures import Table

WIDTH = 560
LABEL_WIDTH = 230
BAR_HEIGHT = 18
ROW_HEIGHT = 26
BAR_COLOUR = "#2a6f97"
LINE_COLOUR = "#2a6f97"
TEXT_COLOUR = "#1b1b1b"
GRID_COLOUR = "#c8c8c8"


def _text(x, y, content, anchor="start", size=12) -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{TEXT_COLOUR}" '
            f'text-anchor="{anchor}">{escape(content)}</text>')


def _svg(height: int, body: list[str], title: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="stats-chart" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-hidden="true" focusable="false">'
        f'<title>{escape(title)}</title>' + "".join(body) + "</svg>")


def bar_chart(table: Table) -> Markup:
    """Horizontal bars, one per row of the table."""
    rows = table.rows
    largest = max([row.number or 0 for row in rows] + [1])
    span = WIDTH - LABEL_WIDTH - 60
    body = []
    for i, row in enumerate(rows):
        y = 6 + i * ROW_HEIGHT
        body.append(_text(LABEL_WIDTH - 8, y + BAR_HEIGHT - 4, _clip(row.label), "end"))
        if row.number:
            length = max(1.0, span * row.number / largest)
            body.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" '
                        f'height="{BAR_HEIGHT}" fill="{BAR_COLOUR}"/>')
        else:
            length = 0.0
        body.append(_text(LABEL_WIDTH + length + 6, y + BAR_HEIGHT - 4, row.text))
    height = 12 + len(rows) * ROW_HEIGHT
    return _svg(height, body, table.title)


def line_chart(table: Table) -> Markup:
    """A line through the rows in order (months); a hidden month breaks the line."""
    rows = table.rows
    height, top, bottom, left, right = 220, 16, 40, 40, 16
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    largest = max([row.number or 0 for row in rows] + [1])
    step = plot_w / max(1, len(rows) - 1)
    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{WIDTH - right}" y2="{top + plot_h}" '
            f'stroke="{GRID_COLOUR}"/>',
            _text(left - 6, top + 4, str(largest), "end", 10),
            _text(left - 6, top + plot_h, "0", "end", 10)]
    segment: list[str] = []

    def flush():
        if len(segment) > 1:
            body.append(f'<polyline fill="none" stroke="{LINE_COLOUR}" stroke-width="2" '
                        f'points="{" ".join(segment)}"/>')
        segment.clear()

    every = max(1, len(rows) // 12)
    for i, row in enumerate(rows):
        x = left + i * step if len(rows) > 1 else left + plot_w / 2
        if i % every == 0:
            body.append(_text(x, height - bottom + 16, row.label[-5:], "middle", 10))
        if row.number is None:
            flush()
            body.append(_text(x, top + plot_h - 4, row.text, "middle", 10))
            continue
        y = top + plot_h - plot_h * row.number / largest
        segment.append(f"{x:.1f},{y:.1f}")
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{LINE_COLOUR}"/>')
    flush()
    return _svg(height, body, table.title)


def chart(table: Table) -> Markup:
    """The table's picture, or nothing."""
    if table.chart == "line":
        return line_chart(table)
    if table.chart == "bar":
        return bar_chart(table)
    return Markup("")


def _clip(label: str, limit: int = 30) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
