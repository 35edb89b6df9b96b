"""Numbers as people read them: exact when short (every parameter), else rounded; LaTeX and
plain-text vectors and matrices; answer fields and symbols."""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any

import numpy as np

from .activations import get_activation


def plain(value: Any) -> Any:
    """numpy scalars and arrays as plain Python (lists, floats, ints, bools)."""
    if isinstance(value, np.ndarray):
        return numeric_plain(value) if value.dtype.kind == "f" else value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


SHOWN_SIGNIFICANT = 6  # a number with at most this many significant digits is shown exactly


def fmt(v: float) -> str:
    """A number as shown to people. Exactly when it is short: whole numbers, and numbers
    whose shortest decimal has at most 6 significant digits (every parameter, drawn or
    pinned, is shown so: the key is computed from exactly what the student reads).
    Otherwise rounded to 4 decimals and at least 4 significant figures (-0.01498, not
    -0.015), so that a shown result typed back is within a relative 1e-3 of the key."""
    return _fmt(float(v))


@lru_cache(maxsize=8192)  # a worked solution shows the same few numbers many times
def _fmt(v: float) -> str:
    if v == 0:
        return "0"
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    short = repr(v)
    if _significant(short) <= SHOWN_SIGNIFICANT or not math.isfinite(v):
        return short
    a = abs(v)
    if a < 1e-3:
        return f"{v:.3e}"
    decimals = max(4, 3 - math.floor(math.log10(a)))
    return f"{v:.{decimals}f}".rstrip("0").rstrip(".")


def _significant(text: str) -> int:
    """Significant digits of a shortest-repr decimal such as '-0.00126' or '1.5e-07'."""
    digits = text.lstrip("-").split("e")[0].replace(".", "").lstrip("0")
    return len(digits)


def shown_exactly(v: float) -> bool:
    """True when :func:`fmt` shows ``v`` without rounding (it reads back as the same double)."""
    return float(fmt(v)) == float(v)


def latex_num(v: float) -> str:
    return _latex_num(float(v))


@lru_cache(maxsize=8192)
def _latex_num(v: float) -> str:
    s = _fmt(v)
    if "e" in s:
        mant, exp = s.split("e")
        return rf"{mant} \times 10^{{{int(exp)}}}"
    return s


def latex_vec(v) -> str:
    """A vector as a LaTeX column."""
    return r"\begin{bmatrix} " + r" \\ ".join(latex_num(x) for x in np.ravel(v)) + r" \end{bmatrix}"


def latex_row(v) -> str:
    return r"\begin{bmatrix} " + " & ".join(latex_num(x) for x in np.ravel(v)) + r" \end{bmatrix}"


def latex_mat(m) -> str:
    rows = np.atleast_2d(np.asarray(m, dtype=float))
    body = r" \\ ".join(" & ".join(latex_num(x) for x in row) for row in rows)
    return r"\begin{bmatrix} " + body + r" \end{bmatrix}"


def paren(v: float) -> str:
    """A number in parentheses whatever its sign, as the lecture writes a product of
    factors: (−1)(2)."""
    s = latex_num(v)
    return f"({s})"


def text_vec(v) -> str:
    return "[" + ", ".join(fmt(x) for x in np.ravel(v)) + "]"


def text_mat(m) -> str:
    return "[" + ", ".join(text_vec(r) for r in np.atleast_2d(m)) + "]"


def answer_field(
    name: str,
    shape: list[int],
    label: str,
    symbol: str | None = None,
    type: str = "number",
    options: list[str] | None = None,
    transposable: bool = False,
    first_index: int = 1,
) -> dict:
    """One answer the student gives: its name, shape, label, type (number, boolean,
    choice with options, shape). ``transposable`` matrices accept the transposed shape
    as a (wrong) answer so that the slip can be named instead of a format error.
    ``first_index`` numbers the entries in boxes and messages (1: y₁, y₂, …; 0 where the
    question numbers from 0, as softmax's classes in PyTorch), so that the boxes, the
    question and the feedback use one numbering."""
    f = {"name": name, "shape": list(shape), "label": label, "symbol": symbol or name, "type": type}
    if first_index != 1:
        f["first_index"] = first_index
    if options is not None:
        f["options"] = list(options)
    if transposable:
        f["transposable"] = True
    return f


def text_symbol(latex: str) -> str:
    """A LaTeX symbol with a digit subscript as plain text: ``W_1`` → ``W₁``."""
    return re.sub(r"_\{?(\d+)\}?", lambda m: m.group(1).translate(_SUBSCRIPT_DIGITS), latex)


_SUBSCRIPT_DIGITS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def entry_symbol(latex: str, i: int) -> str:
    """The LaTeX of entry ``i`` (from 1) of a vector: ``z`` → ``z_{2}``, ``z_1`` → ``z_{1,2}``
    (a second subscript is a LaTeX error)."""
    base, _, sub = latex.partition("_")
    sub = sub.strip("{}")
    return f"{base}_{{{sub},{i}}}" if sub else f"{base}_{{{i}}}"


def act_label(activation: str, alpha: float | None) -> str:
    a = get_activation(activation)
    if a.has_alpha:
        return f"{a.name} (α = {fmt(a.alpha(alpha))})"
    return a.name


def numeric_plain(arr: np.ndarray) -> Any:
    """Whole-number floats stored as ints (2 not 2.0) so the student reads what we show."""
    lst = np.asarray(arr, dtype=float).tolist()

    def conv(v):
        if isinstance(v, list):
            return [conv(x) for x in v]
        return int(v) if float(v).is_integer() and abs(v) < 2**53 else v

    return conv(lst)
