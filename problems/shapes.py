"""Kinds ``shape_check`` (is W·x or x·W defined, and what shape is it?) and
``param_count`` (weights + biases of a Dense stack, e.g. Keras's 784-128-64-10)."""

from __future__ import annotations

from . import settings as S
from .base import ConfigError, Kind, Slip, Step, answer_field, check_size

# (product as written, left operand, right operand). An operand is (symbol, orientation):
# W is m×n; Wt is its transpose; xc is x as a column (n×1), xr as a row (1×n).
FORMS = {
    "W·x (x a column)": ("W", "xc"),
    "x·W (x a row)": ("xr", "W"),
    "W·x (x a row)": ("W", "xr"),
    "x·W (x a column)": ("xc", "W"),
    "x·Wᵀ (x a row)": ("xr", "Wt"),
    "Wᵀ·x (x a column)": ("Wt", "xc"),
}
SYMBOLS = {"W": "W", "Wt": "Wᵀ", "xc": "x", "xr": "x"}


def operand_shape(op: str, m: int, n: int) -> list[int]:
    return {"W": [m, n], "Wt": [n, m], "xc": [n, 1], "xr": [1, n]}[op]


def product_shape(a: list[int], b: list[int]) -> list[int]:
    """[rows of a, columns of b] when the inner dimensions match, else []."""
    return [a[0], b[1]] if a[1] == b[0] else []


class ShapeCheckKind(Kind):
    slug = "shape_check"
    title = "Shape checks: Wx versus xW"
    param_names = ("a_shape", "b_shape", "product")
    settings = (
        S.size("m", "Rows m of W", [2, 5], 1, 1000),
        S.size("n", "Columns n of W", [2, 5], 1, 1000),
        S.Setting("forms", "Products", "multi-choice", list(FORMS), options=tuple(FORMS)),
    )

    def make_params(self, rng, cfg):
        mlo, mhi = check_size("m", cfg["m"], 1, 1000)
        nlo, nhi = check_size("n", cfg["n"], 1, 1000)
        m = int(rng.integers(mlo, mhi + 1))
        n = int(rng.integers(nlo, nhi + 1))
        if m == n and (mlo < mhi or nlo < nhi):  # square W hides the rule; redraw once
            m = int(rng.integers(mlo, mhi + 1))
        form = cfg["forms"][int(rng.integers(len(cfg["forms"])))]
        left, right = FORMS[form]
        return {
            "a_shape": operand_shape(left, m, n),
            "b_shape": operand_shape(right, m, n),
            "product": form,
        }

    def check_params(self, params):
        for key in ("a_shape", "b_shape"):
            s = params.get(key)
            if not (
                isinstance(s, list) and len(s) == 2 and all(isinstance(v, int) and v > 0 for v in s)
            ):
                raise ConfigError(f"{key} must be [rows, columns] of whole numbers > 0")
        if not isinstance(params.get("product"), str) or params["product"] not in FORMS:
            raise ConfigError(f"product must be one of: {', '.join(FORMS)}")
        return params

    def _names(self, params):
        left, right = FORMS[params["product"]]
        return SYMBOLS[left], SYMBOLS[right]

    def solve(self, params):
        shape = product_shape(params["a_shape"], params["b_shape"])
        return {"valid": bool(shape), "shape": shape}

    def prompt(self, params):
        a, b = self._names(params)
        (r1, c1), (r2, c2) = params["a_shape"], params["b_shape"]
        return (
            f"{a} is {r1}×{c1} and {b} is {r2}×{c2}. Is the product {params['product']} "
            "defined? If it is, give its shape (rows×columns); if not, give 'none'."
        )

    def answer_fields(self, params):
        return [
            answer_field("valid", [], "Is the product defined?", "defined", type="boolean"),
            answer_field(
                "shape", [], "Shape of the result (rows×columns, or none)", "shape", type="shape"
            ),
        ]

    def solution(self, params):
        a, b = self._names(params)
        (r1, c1), (r2, c2) = params["a_shape"], params["b_shape"]
        key = self.solve(params)
        verdict = (
            f"the inner dimensions ({c1} and {r2}) match, so the product is {r1}×{c2}."
            if key["valid"]
            else f"the inner dimensions ({c1} and {r2}) do not match: the product is not defined."
        )
        valid, shape = ("yes", f"{r1}×{c2}") if key["valid"] else ("no", "none")
        return [
            Step(
                "Recall the rule",
                "(a×b)·(c×d) is defined only when b = c (the inner dimensions), and then it is a×d.",
                r"(a \times b) \cdot (b \times d) \to (a \times d)",
            ),
            Step(
                "Write the shapes side by side",
                f"{a}·{b} is ({r1}×{c1})·({r2}×{c2}): {verdict}",
                rf"({r1} \times {c1}) \cdot ({r2} \times {c2})"
                + (rf" \to ({r1} \times {c2})" if key["valid"] else r" \quad \text{not defined}"),
            ),
            Step(
                "Answer",
                f"Defined: {valid}. Shape: {shape}.",
                answers={"valid": valid, "shape": shape},
            ),
        ]

    def slips(self, params, key):
        (r1, c1), (r2, c2) = params["a_shape"], params["b_shape"]
        out = [
            Slip(
                "valid",
                "inner_dimension_rule",
                not key["valid"],
                f"Compare the inner dimensions: {c1} (columns of the left) and {r2} "
                "(rows of the right) must be equal.",
            ),
        ]
        if key["valid"]:
            out += [
                Slip(
                    "shape",
                    "inner_outer_confused",
                    [c1, r2],
                    f"You gave the inner dimensions; the result takes the outer ones: {r1}×{c2}.",
                ),
                Slip(
                    "shape",
                    "shape_swapped",
                    [c2, r1],
                    "Rows come from the left factor and columns from the right one.",
                ),
            ]
        return out


class ParamCountKind(Kind):
    slug = "param_count"
    title = "Counting a Dense stack's parameters"
    param_names = ("layers",)
    sizes = {"layers": ("depth",)}
    settings = (
        S.size("depth", "Layers (with the input)", [3, 4], 2, 10),
        S.Setting(
            "widths",
            "Layer widths to draw from",
            "int-list",
            [2, 3, 4, 5, 8, 10, 16, 32, 64, 128, 784],
            lo=1,
            hi=100000,
        ),
    )
    default_policy = {"decimals": 0}

    def make_params(self, rng, cfg):
        lo, hi = check_size("depth", cfg["depth"], 2, 10)
        depth = int(rng.integers(lo, hi + 1))
        widths = sorted(cfg["widths"], reverse=True)
        chosen = sorted(rng.choice(len(widths), size=depth, replace=len(widths) < depth).tolist())
        return {"layers": [int(widths[i]) for i in chosen]}  # wide to narrow, like the Keras model

    def check_params(self, params):
        layers = params.get("layers")
        if (
            not isinstance(layers, list)
            or len(layers) < 2
            or any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in layers)
        ):
            raise ConfigError(
                "layers must list at least two widths (input first), whole numbers ≥ 1"
            )
        return params

    def solve(self, params):
        ls = params["layers"]
        return {"count": sum(a * b + b for a, b in zip(ls, ls[1:], strict=False))}

    def prompt(self, params):
        ls = params["layers"]
        dense = ", ".join(f"Dense({w})" for w in ls[1:])
        return (
            f"A network takes {ls[0]} inputs and then has the layers {dense}, each with a "
            "bias. How many trainable parameters (weights + biases) does it have in all?"
        )

    def answer_fields(self, params):
        return [answer_field("count", [], "Number of parameters", "count")]

    def solution(self, params):
        ls = params["layers"]
        rows = [rf"{a} \cdot {b} + {b} = {a * b + b}" for a, b in zip(ls, ls[1:], strict=False)]
        total = self.solve(params)["count"]
        return [
            Step(
                "Recall the rule",
                "A Dense layer from a inputs to b outputs has a weight matrix of b×a and b "
                "biases: a·b + b parameters. Dropout layers have none.",
                r"\text{params} = a \cdot b + b",
            ),
            Step("Count each layer", "One line per Dense layer.", r" \\ ".join(rows)),
            Step(
                "Add them up",
                f"In all: {total} parameters.",
                rf"\text{{total}} = {total}",
                answers={"count": str(total)},
            ),
        ]

    def slips(self, params, key):
        ls = params["layers"]
        weights = sum(a * b for a, b in zip(ls, ls[1:], strict=False))
        return [
            Slip(
                "count",
                "forgot_biases",
                weights,
                "You counted only the weights: each unit of a Dense layer also has a bias.",
            ),
            Slip(
                "count",
                "biases_on_inputs",
                weights + sum(ls),
                "The input layer has no biases: only the Dense layers' units do.",
            ),
            Slip(
                "count",
                "counted_units",
                sum(ls),
                "You counted units; the parameters are the weights between layers plus biases.",
            ),
        ]
