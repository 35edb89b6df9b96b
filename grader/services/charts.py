"""Charts of statistics tables as SVG written by hand from the table's numbers (no plotting
library: a page draws its twenty-odd charts in milliseconds), inline in the page.

Sizes: the SVG has no viewBox, so one user unit is one CSS pixel at every width and text
keeps its size (12 px everywhere, so never below 11 px); horizontal positions are percentages of
the chart's width, so a chart fills its column on a phone and on a desktop without
horizontal scrolling. Each chart is a ``role="img"`` with a ``<title>``; every bar and point
has its own ``<title>`` with its number, and the same numbers are in the table next to it."""

from __future__ import annotations

import math
from collections.abc import Callable

from markupsafe import Markup, escape

from .stats import Table

FONT_PX = 12
INK, MUTED, GRID, BAR = "#1d2330", "#5b6474", "#d9dee7", "#1f5fbf"
LABEL_CHARS = 52  # longer labels are shortened with "…" (the full one is in the title)


def _short(label: str, limit: int = LABEL_CHARS) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _num(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _pc(v: float) -> str:
    return f"{v:.2f}%"


def _text(x: str, y: float, s: str, anchor: str = "start", fill: str = INK, size=FONT_PX) -> str:
    return (
        f'<text x="{x}" y="{y:g}" font-size="{size}px" fill="{fill}" text-anchor="{anchor}">'
        f"{escape(s)}</text>"
    )


def nice_ticks(top: float, most: int = 4) -> list[float]:
    """0 and round steps (1, 2 or 5 × a power of ten) up to at least ``top``."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / most
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    n = math.ceil(top / step - 1e-9)
    return [round(i * step, 10) for i in range(n + 1)]


def _svg(t: Table, height: float, body: list[str], width: str) -> Markup:
    title_id = f"chart-{t.name}"
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'aria-labelledby="{title_id}" width="{width}" height="{height:g}" '
        f'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif">'
        f'<title id="{title_id}">Chart: {escape(t.title)} ({escape(t.columns[t.y])}); '
        f"the same numbers are in the table below</title>" + "".join(body) + "</svg>"
    )


def _bars(t: Table, width: str) -> Markup:
    """Horizontal bars, one row per table row: the label above its bar, the value after it."""
    pts = t.points()
    top = max((v for _l, _s, v in pts if v is not None), default=0.0) or 1.0
    row, y0 = 34, 22
    body = [_text("0", 14, t.columns[t.y], fill=MUTED)]
    for i, (label, shown, v) in enumerate(pts):
        y = y0 + i * row
        frac = 82 * max(0.0, v or 0.0) / top
        body.append(
            f'<g class="bar" data-label="{escape(label)}" data-value="{escape(shown)}">'
            f"<title>{escape(label)}: {escape(t.columns[t.y])} {escape(shown)}</title>"
            + _text("0", y + 12, _short(label))
            + f'<rect x="0" y="{y + 16}" width="{_pc(frac)}" height="12" fill="{BAR}"/>'
            + _text(_pc(frac + 1), y + 27, shown)
            + "</g>"
        )
    height = y0 + len(pts) * row + 2
    body.append(f'<line x1="0" y1="{y0}" x2="0" y2="{height - 2}" stroke="{MUTED}"/>')
    return _svg(t, height, body, width)


def _frame(t: Table, top: float) -> tuple[list[str], float, Callable[[float], float]]:
    """The value axis of a histogram or line chart: gridlines with round values, labelled
    inside the plot on the left. Returns the body so far, the chart height and y(value)."""
    ticks = nice_ticks(top)
    plot_top, plot_h = 36.0, 150.0

    def y(v: float) -> float:
        return plot_top + plot_h * (1 - max(0.0, v) / ticks[-1])

    body = [_text("0", 14, t.columns[t.y], fill=MUTED)]
    for k in ticks:
        body.append(f'<line x1="0" y1="{y(k):g}" x2="100%" y2="{y(k):g}" stroke="{GRID}"/>')
        if k:
            body.append(_text("0.5%", y(k) - 3, _num(k), fill=MUTED))
    return body, plot_top + plot_h, y


def _histogram(t: Table, width: str) -> Markup:
    """Vertical bars over consecutive intervals labelled "a–b": edges under the bars."""
    pts = t.points()
    body, base, y = _frame(t, max((v or 0.0 for _l, _s, v in pts), default=0.0))
    n, left, span = len(pts), 6.0, 88.0  # room for an edge label at each end
    w = span / n
    for i, (label, shown, v) in enumerate(pts):
        x = left + i * w
        h = base - y(v or 0.0)
        body.append(
            f'<rect class="bar" x="{_pc(x + 0.08 * w)}" y="{base - h:g}" width="{_pc(0.84 * w)}" '
            f'height="{h:g}" fill="{BAR}" data-label="{escape(label)}" data-value="{escape(shown)}">'
            f"<title>{escape(t.columns[t.x])} {escape(label)}: {escape(t.columns[t.y])} "
            f"{escape(shown)}</title></rect>"
        )
    edges = [label.split("–")[0].strip() for label, _s, _v in pts]
    edges.append(pts[-1][0].split("–")[-1].strip() if pts else "")
    step = 1 if n <= 10 else math.ceil(n / 10)
    for i in range(0, n + 1, step):
        body.append(_text(_pc(left + i * w), base + 16, edges[i], "middle", MUTED))
    body.append(f'<line x1="0" y1="{base:g}" x2="100%" y2="{base:g}" stroke="{MUTED}"/>')
    body.append(_text("50%", base + 34, t.columns[t.x], "middle", MUTED))
    return _svg(t, base + 40, body, width)


def _line(t: Table, width: str) -> Markup:
    """Points joined by lines, evenly spaced (days): a few labels along the bottom."""
    pts = t.points()
    body, base, y = _frame(t, max((v or 0.0 for _l, _s, v in pts), default=0.0))
    n = len(pts)

    def x(i: int) -> float:
        return 50.0 if n == 1 else 4 + 92 * i / (n - 1)

    for i in range(1, n):
        body.append(
            f'<line x1="{_pc(x(i - 1))}" y1="{y(pts[i - 1][2] or 0):g}" x2="{_pc(x(i))}" '
            f'y2="{y(pts[i][2] or 0):g}" stroke="{BAR}" stroke-width="2"/>'
        )
    for i, (label, shown, v) in enumerate(pts):
        body.append(
            f'<circle class="point" cx="{_pc(x(i))}" cy="{y(v or 0):g}" r="3.5" fill="{BAR}" '
            f'data-label="{escape(label)}" data-value="{escape(shown)}">'
            f"<title>{escape(label)}: {escape(t.columns[t.y])} {escape(shown)}</title></circle>"
        )
    step = max(1, math.ceil(n / 4))
    shown_at = sorted({*range(0, n, step), n - 1})
    if len(shown_at) > 1 and shown_at[-1] - shown_at[-2] < step:
        shown_at.pop(-2)  # keep the last label clear of the one before it
    for i in shown_at:
        anchor = "middle" if n == 1 else "start" if i == 0 else "end" if i == n - 1 else "middle"
        body.append(_text(_pc(x(i)), base + 16, pts[i][0], anchor, MUTED))
    body.append(f'<line x1="0" y1="{base:g}" x2="100%" y2="{base:g}" stroke="{MUTED}"/>')
    body.append(_text("50%", base + 34, t.columns[t.x], "middle", MUTED))
    return _svg(t, base + 40, body, width)


def table_svg(table: Table, width: str = "100%") -> Markup:
    """The table's chart as SVG markup ('' when the table has no chart or no rows). Inline
    in a page it is 100 % wide; ``width="640"`` makes a standalone image to download."""
    if table.chart == "none" or not table.rows:
        return Markup("")
    draw = {"bar": _bars, "histogram": _histogram, "line": _line}[table.chart]
    return draw(table, width)
