"""A test-only 11th kind, written as a kind author would: the slope of a scaled squared loss
L = c·(w·x − t)² (or half of it) with respect to one scalar weight w. It is registered only
by a test fixture; nothing else in the code base knows it."""

from __future__ import annotations

from problems.base import Kind, Step, answer_field, draw, fmt, latex_num
from problems.settings import Setting

FORMS = {"squared": 2.0, "half_squared": 1.0}  # dL/dw = factor·c·(w·x − t)·x


class WeightSlopeKind(Kind):
    slug = "weight_slope"
    title = "Slope of a loss with respect to one weight"
    param_names = ("w", "x", "t", "c", "form")
    settings = (
        Setting("values", "Values of w, x, t", "range", [-3, 3], lo=-10, hi=10),
        Setting("decimals", "Decimals", "int", 0, lo=0, hi=2),
        Setting("forms", "Loss forms", "multi-choice", ["squared"], options=tuple(FORMS)),
        Setting("scale", "Scale c", "float", 1.5, lo=0, hi=10, lo_open=True),
    )
    given_symbols = {"w": "w", "x": "x", "t": "t", "c": "c"}
    facet_labels = {"loss_form": "Loss form"}

    def make_params(self, rng, cfg):
        lo, hi = cfg["values"]
        w, x, t = draw(rng, 3, lo, hi, cfg["decimals"]).tolist()
        form = cfg["forms"][int(rng.integers(len(cfg["forms"])))]
        return {"w": w, "x": x, "t": t, "c": cfg["scale"], "form": form}

    def solve(self, params):
        p = params
        return {"dL_dw": FORMS[p["form"]] * p["c"] * (p["w"] * p["x"] - p["t"]) * p["x"]}

    def prompt(self, params):
        half = "½·" if params["form"] == "half_squared" else ""
        return f"L = {half}c·(w·x − t)². Compute ∂L/∂w."

    def answer_fields(self, params):
        return [answer_field("dL_dw", [], "∂L/∂w", "∂L/∂w")]

    def solution(self, params):
        key = self.solve(params)["dL_dw"]
        factor = FORMS[params["form"]]
        w, x, t, c = (latex_num(params[k]) for k in ("w", "x", "t", "c"))
        return [
            Step(
                "Chain rule",
                f"∂L/∂w = {fmt(factor)}·c·(w·x − t)·x = {fmt(key)}",
                rf"\frac{{\partial L}}{{\partial w}} = {fmt(factor)} \cdot {c} \cdot "
                rf"({w} \cdot {x} - {t}) \cdot {x} = {latex_num(key)}",
                answers={"dL_dw": fmt(key)},
            )
        ]

    def facets(self, params):
        return {"loss_form": params["form"]}
