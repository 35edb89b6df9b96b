"""SVG plots of an activation (and its derivative) marking a student's z values, drawn on
the server with matplotlib and cached per parameters."""

from __future__ import annotations

import io
from functools import lru_cache

import numpy as np

import problems
from problems.activations import get_activation
from problems.base import Plot


@lru_cache(maxsize=512)
def activation_svg(
    activation: str, alpha: float | None, zs: tuple[float, ...], derivative: bool
) -> str:
    """An SVG document: f (and f′ when ``derivative``) over a range covering ``zs``, with a
    dot at each z. Text is drawn as paths, so no font is needed by the browser."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    act = get_activation(activation)
    lo = min([-4.0, *zs]) - 0.5
    hi = max([4.0, *zs]) + 0.5
    grid = np.linspace(lo, hi, 400)
    fig = Figure(figsize=(6, 3.4), dpi=100)
    ax = fig.add_subplot()
    ax.axhline(0, color="#999", lw=0.8)
    ax.axvline(0, color="#999", lw=0.8)
    ax.plot(grid, act(grid, alpha), color="#1f5fbf", lw=2, label=f"f(z) = {act.name}")
    z = np.array(zs, dtype=float)
    if derivative:
        ax.plot(grid, act.prime(grid, alpha), color="#c2410c", lw=2, ls="--", label="f′(z)")
        ax.scatter(z, act.prime(z, alpha), color="#c2410c", zorder=3, label="your z: f′(z)")
    ax.scatter(z, act(z, alpha), color="#1f5fbf", zorder=3, label="your z: f(z)")
    ax.set_xlabel("z")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()


def plot_for(kind: str, params: dict) -> Plot | None:
    """The variant's plot as its kind declares it (``Kind.plot``), or None."""
    return problems.get(kind).plot(params)


def plot_svg(plot: Plot) -> str:
    """The SVG of a declared plot."""
    return activation_svg(plot.activation, plot.alpha, tuple(plot.zs), plot.derivative)
