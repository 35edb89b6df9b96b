"""Charts of statistics tables as SVG, drawn on the server with matplotlib (text as paths:
no font or script reaches the browser), cached by the table's contents."""

from __future__ import annotations

import io
import json
from functools import lru_cache

from .stats import Table


def _short(label: str, limit: int = 34) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def table_svg(table: Table) -> str:
    return _svg(
        table.title,
        json.dumps(table.columns),
        json.dumps(table.rows, default=str),
        table.chart,
        table.x,
        table.y,
    )


@lru_cache(maxsize=256)
def _svg(title: str, columns_json: str, rows_json: str, kind: str, x: int, y: int) -> str:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    columns, rows = json.loads(columns_json), json.loads(rows_json)
    labels = [_short(str(r[x])) for r in rows]
    values = [float(r[y]) if r[y] is not None else 0.0 for r in rows]
    horizontal = kind == "bar" and max((len(label) for label in labels), default=0) > 12
    height = max(2.4, 0.32 * len(labels) + 1.0) if horizontal else 3.2
    fig = Figure(figsize=(6.4, height), dpi=100)
    ax = fig.add_subplot()
    if kind == "line":
        ax.plot(range(len(values)), values, marker="o", color="#1f5fbf")
        ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=7)
        ax.set_ylabel(columns[y])
    elif horizontal:  # long labels (problem titles) read best along the y axis
        ax.barh(range(len(values)), values, color="#1f5fbf")
        ax.set_yticks(range(len(labels)), labels, fontsize=7)
        ax.invert_yaxis()
        ax.set_xlabel(columns[y])
    else:
        ax.bar(range(len(values)), values, color="#1f5fbf")
        ax.set_xticks(
            range(len(labels)),
            labels,
            rotation=45 if len(labels) > 5 else 0,
            ha="right" if len(labels) > 5 else "center",
            fontsize=7,
        )
        ax.set_title(title, fontsize=10)
    ax.grid(axis="x" if horizontal else "y", alpha=0.3)
    fig.tight_layout()
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()
