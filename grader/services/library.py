"""The shared library of ready problem templates from the lecture, available to every
course; ``seed-demo`` loads it (idempotently: a template is matched by its title)."""

from __future__ import annotations

import sqlalchemy as sa

import problems

from ..extensions import db
from ..models import ProblemTemplate

WORKED_EXAMPLE = {
    "W": [[1, -1], [0, 2], [3, 1]],
    "x": [1, 2],
    "b": [0, 1, -1],
    "activation": "relu",
}
PROBLEM_A = {"W": [[1, 3], [-2, 4]], "x": [2, -1], "b": [1, 0], "activation": "relu"}
PROBLEM_B = {"W": [[2, -1, 0], [1, 3, -2]], "x": [1, 0, 2], "b": [0, 1], "activation": "relu"}
PROBLEM_C = {"W": [[0, 2], [3, -1], [1, 1]], "x": [-1, 4], "b": [1, -2, 0], "activation": "relu"}

DERIVATIVE_ACTIVATIONS = ["relu", "leaky_relu", "elu", "sigmoid", "tanh", "swish", "gelu"]

# (kind, title, config, policy)
LIBRARY: list[tuple[str, str, dict, dict]] = [
    (
        "dense_forward",
        "Dense layer, 2 inputs → 2 outputs, ReLU (like problem A)",
        {"m": 2, "n": 2},
        {},
    ),
    (
        "dense_forward",
        "Dense layer, 3 inputs → 2 outputs, ReLU (like problem B)",
        {"m": 2, "n": 3},
        {},
    ),
    (
        "dense_forward",
        "Dense layer, 2 inputs → 3 outputs, ReLU (like problem C)",
        {"m": 3, "n": 2},
        {},
    ),
    *[
        (
            "activation_derivative",
            f"Derivative of {problems.ACTIVATIONS[a].name}",
            {"activations": [a], "size": [3, 3]},
            {},
        )
        for a in DERIVATIVE_ACTIVATIONS
    ],
    ("mlp_forward", "The XOR net's forward pass (tanh hidden, sigmoid output)", {}, {}),
    (
        "param_count",
        "Parameters of the Keras model 784-128-64-10",
        {"fixed": {"layers": [784, 128, 64, 10]}},
        {},
    ),
    ("param_count", "Parameters of a Dense stack", {}, {}),
    ("shape_check", "Shape check: Wx versus xW", {}, {}),
    ("softmax_cross_entropy", "Softmax and cross-entropy", {}, {}),
    (
        "gradient_chain",
        "Vanishing gradient through a chain of sigmoid units",
        {"activations": ["sigmoid"]},
        {},
    ),
    ("activation_choice", "Choosing an activation", {}, {}),
    (
        "dense_forward",
        "The lecture's worked example (y = [0, 5, 4])",
        {"fixed": WORKED_EXAMPLE},
        {},
    ),
    ("dense_backward", "Backward pass through a dense layer (MSE)", {}, {}),
]


def ensure_library() -> dict[str, ProblemTemplate]:
    """The shared templates by title, creating the missing ones (not committed)."""
    existing = {
        t.title: t
        for t in db.session.scalars(
            sa.select(ProblemTemplate).where(ProblemTemplate.course_id.is_(None))
        )
    }
    for kind, title, config, policy in LIBRARY:
        if title not in existing:
            problems.get(kind).generate(0, config)  # a broken library entry fails loudly here
            template = ProblemTemplate(
                course_id=None, kind=kind, title=title, config=config, policy=policy
            )
            db.session.add(template)
            existing[title] = template
    return existing
