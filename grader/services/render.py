"""The one place that turns a variant into HTML mathematics: LaTeX → MathML on the server
(latex2mathml; no JavaScript or fonts from a CDN), and the answer grid of each field."""

from __future__ import annotations

import json
import re
from functools import lru_cache

import numpy as np
from latex2mathml.converter import convert
from markupsafe import Markup

import problems
from problems.formatting import fmt
from problems.grading import subscript


@lru_cache(maxsize=4096)
def mathml(latex: str, block: bool = True) -> Markup:
    """LaTeX as a MathML element (cached: the same string always gives the same markup).
    A minus with no operand before it is a sign, not a subtraction: ``(1)(-3)`` is drawn
    (1)(−3), not (1)( − 3)."""
    return Markup(prefix_signs(convert(latex, display="block" if block else "inline")))


# latex2mathml writes every minus as <mo>−</mo>; MathML reads it as a prefix sign only when
# it is the first child of its row. After an opening bracket, a relation, an operator or a
# separator it would be spaced as a subtraction, so it says form="prefix" there.
_SIGN_AFTER = re.compile(
    r"(<mo[^>]*>(?:&#x00028;|&#x0005B;|&#x0003D;|&#x02248;|&#x0003C;|&#x0003E;|&#x02264;"
    r"|&#x02265;|&#x022C5;|&#x000D7;|&#x0002C;|&#x0002B;|&#x02212;|&#x02192;)</mo>)"
    r"<mo>&#x02212;</mo>"
)


def prefix_signs(markup: str) -> str:
    return _SIGN_AFTER.sub(r'\1<mo form="prefix">&#x02212;</mo>', markup)


def split_lines(latex: str) -> list[str]:
    """Split at top-level ``\\\\`` (not inside braces or environments): one line each."""
    lines, depth, start, i = [], 0, 0, 0
    while i < len(latex):
        if latex.startswith(r"\begin", i) or latex[i] == "{":
            depth += 1
        elif latex.startswith(r"\end", i) or latex[i] == "}":
            depth -= 1
        elif depth == 0 and latex.startswith(r"\\", i):
            lines.append(latex[start:i].strip())
            start = i + 2
            i += 1
        i += 1
    lines.append(latex[start:].strip())
    return [line for line in lines if line]


def math_lines(latex: str) -> list[Markup]:
    return [mathml(line) for line in split_lines(latex)]


def given(kind: str, params: dict) -> list[Markup]:
    """The question's given quantities as mathematics, as the kind declares them
    (``Kind.givens``: vectors as columns, matrices as matrices)."""
    return [mathml(line) for line in problems.get(kind).givens(params)]


def activation_names(kind: str, params: dict) -> list[str]:
    """'f = ReLU' lines naming the activation(s) and α of a variant (``Kind.activation_lines``)."""
    return problems.get(kind).activation_lines(params)


def steps(kind: str, params: dict) -> list[dict]:
    """The worked solution, each step with its mathematics as MathML lines."""
    return [
        {"title": s.title, "text": s.text, "math": math_lines(s.latex) if s.latex else []}
        for s in problems.get(kind).solution(params)
    ]


def grid(field: dict) -> list[list[dict]]:
    """Rows of inputs for an answer: name (``ans-y-0``, ``ans-W-1-2``) and label (``y₁``)."""
    name, symbol, shape = field["name"], field["symbol"], field["shape"]
    first = field.get("first_index", 1)  # the kind's numbering: y₁, … or p₀, …
    if len(shape) == 0 or field["type"] != "number":
        return [[{"name": f"ans-{name}", "label": symbol}]]
    if len(shape) == 1:
        return [
            [{"name": f"ans-{name}-{i}", "label": f"{symbol}{subscript(i + first)}"}]
            for i in range(shape[0])
        ]
    return [
        [
            {
                "name": f"ans-{name}-{i}-{j}",
                "label": f"{symbol}{subscript(i + first)}{subscript(j + first)}",
            }
            for j in range(shape[1])
        ]
        for i in range(shape[0])
    ]


def read_grid(fields: list[dict], form) -> dict:
    """A submission from the grid's form inputs. A list pasted into the first box of a
    vector or matrix (``[0, 5, 4]``) stands for the whole answer when the rest is blank."""
    answers: dict = {}
    for f in fields:
        name, shape = f["name"], f["shape"]
        if len(shape) == 0 or f["type"] != "number":
            answers[name] = form.get(f"ans-{name}", "")
            continue
        if len(shape) == 1:
            cells = [form.get(f"ans-{name}-{i}", "") for i in range(shape[0])]
            first = f"ans-{name}-0"
        else:
            cells = [
                [form.get(f"ans-{name}-{i}-{j}", "") for j in range(shape[1])]
                for i in range(shape[0])
            ]
            first = f"ans-{name}-0-0"
        flat = cells if len(shape) == 1 else [c for row in cells for c in row]
        pasted = form.get(first, "").strip()
        if pasted.startswith("[") and not any(c.strip() for c in flat[1:]):
            answers[name] = pasted
        elif not any(c.strip() for c in flat):
            answers[name] = ""
        else:
            answers[name] = cells
    return answers


def fill_grid(fields: list[dict], answers: dict) -> dict[str, str]:
    """The answer grid's input values that type ``answers`` (answer name → value, as a key
    or a slip gives it) into the boxes, as ``read_grid`` reads them back: a vector or
    matrix entry by entry, a value of another shape (a transposed matrix, say) as one list
    in the first box. Numbers get 12 significant digits: within any tolerance."""
    out: dict[str, str] = {}
    for f in fields:
        name = f["name"]
        if name not in answers:
            continue
        value = answers[name]
        shape = f["shape"]
        if len(shape) == 0 or f["type"] != "number":
            out[f"ans-{name}"] = typed(value)
            continue
        rows = grid(f)
        arr = np.asarray(value, dtype=float)
        if list(arr.shape) != list(shape):
            out[rows[0][0]["name"]] = typed(value)
            continue
        for cell, v in zip([c for row in rows for c in row], arr.ravel(), strict=True):
            out[cell["name"]] = typed(float(v))
    return out


def typed(value) -> str:
    """A value as a person would type it in one box."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return f"{float(value):.12g}"
    return "[" + ", ".join(typed(v) for v in value) + "]"


def shown(value) -> str:
    """A key as a person reads it: numbers as the worked solution shows them (-1.61, not
    -1.6099999999999999); the full precision is shown beside it where it matters."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return fmt(value)
    return "[" + ", ".join(shown(v) for v in value) + "]"


def entry_labels(field: dict) -> list[str]:
    """The labels of an answer's entries in reading order (y₁, y₂, … or W₁₁, W₁₂, …)."""
    return [cell["label"] for row in grid(field) for cell in row]


def _entries(value, shape: list[int]) -> list:
    """``value`` as the entries of an answer of ``shape`` in reading order; a value of
    another shape (a transposed matrix, a list where a number was asked) stands whole in
    the first entry, None in the others."""
    n = int(np.prod(shape)) if shape else 1
    if not shape and not isinstance(value, list):
        return [value]
    try:
        same = list(np.shape(value)) == list(shape)
    except ValueError:  # a ragged list
        same = False
    if same and isinstance(value, list):
        return np.asarray(value, dtype=object).ravel().tolist()
    return [value] + [None] * (n - 1)


def _marks(marks, n: int) -> list:
    """The engine's right/wrong per entry, flattened (None: not graded entry by entry)."""
    if marks is None:
        return [None] * n
    flat = np.asarray(marks, dtype=object).ravel().tolist()
    return flat if len(flat) == n else [all(flat)] + [None] * (n - 1)


def attempt_rows(fields: list[dict], key: dict, submissions: list) -> list[dict]:
    """The attempts side by side: a row per answer entry with its ``label``, the ``answer``
    it belongs to (on its first entry), the ``key`` as people read it and in ``full``
    precision, and ``cells``: per attempt (what was read, right or not; None: no mark)."""
    rows = []
    for f in fields:
        name = f["name"]
        shape = f["shape"] if f["type"] == "number" else []
        labels = entry_labels(f) if shape else [f["symbol"]]
        keys = _entries(key.get(name), shape)
        columns = []
        for s in submissions:
            value = (s.parsed or {}).get(name, (s.raw or {}).get(name))
            marks = ((s.results or {}).get(name) or {}).get("entries")
            columns.append(
                list(
                    zip(
                        _entries(value, shape),
                        _marks(marks, len(labels)),
                        strict=True,
                    )
                )
            )
        for i, label in enumerate(labels):
            rows.append(
                {
                    "label": label,
                    "answer": f["label"] if i == 0 else "",
                    "first": i == 0,
                    "key": "" if keys[i] is None else shown(keys[i]),
                    "full": "" if keys[i] is None else json.dumps(keys[i]),
                    "cells": [
                        ("—" if col[i][0] is None else typed(col[i][0]), col[i][1])
                        for col in columns
                    ],
                }
            )
    return rows
