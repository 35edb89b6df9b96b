"""Kind ``gradient_chain``: a chain of scalar units, grad = Π wᵢ·f′(zᵢ); shows how
sigmoid's slope (at most 0.25) makes gradients vanish and large weights make them explode."""

from __future__ import annotations

import numpy as np

from . import settings as S
from .activation import avoid_zero, slope_latex, tanh_squared_slip
from .activations import get_activation
from .base import (
    ConfigError,
    Kind,
    Plot,
    Slip,
    Step,
    act_label,
    answer_field,
    as_numbers,
    check_range,
    draw,
    fmt,
    latex_num,
    text_vec,
)
from .dense import cfg_hi, cfg_lo, check_activation_param


class GradientChainKind(Kind):
    slug = "gradient_chain"
    title = "Vanishing and exploding gradients through a chain of units"
    param_names = ("activation", "alpha", "w", "z")
    sizes = {"w": ("length",), "z": ("length",)}
    settings = (
        S.size("length", "Units in the chain", [3, 5], 1, 12),
        S.activations("activations", "Activations", ["sigmoid", "tanh"]),
        S.alpha(),
        S.values("w_range", "Weight range", [-2, 2]),
        S.values("z_range", "z range", [-3, 3]),
        S.decimals(default=1),
    )
    given_symbols = {"w": "w", "z": "z"}
    named_activations = (("activation", "alpha", "f"),)
    facet_labels = {"activation": "Activation"}
    # The product can be tiny (that is the point): relative tolerance only, or 0 would pass.
    default_policy = {"rtol": 1e-3, "atol": 0.0}

    def plot(self, params):
        return Plot(params["activation"], params.get("alpha"), tuple(params["z"]), True)

    def facets(self, params):
        return {"activation": params["activation"]}

    def make_params(self, rng, cfg):
        activation = cfg["activations"][int(rng.integers(len(cfg["activations"])))]
        act = get_activation(activation)
        n = int(rng.integers(cfg_lo(cfg["length"]), cfg_hi(cfg["length"]) + 1))
        wlo, whi = check_range("w_range", cfg["w_range"])
        zlo, zhi = check_range("z_range", cfg["z_range"])
        w = avoid_zero(rng, draw(rng, n, wlo, whi, cfg["decimals"]), wlo, whi, cfg["decimals"])
        z = draw(rng, n, zlo, zhi, cfg["decimals"])
        if act.kink:
            z = avoid_zero(rng, z, zlo, zhi, cfg["decimals"])
        alpha = act.alpha(cfg["alpha"]) if act.has_alpha else None
        return {"activation": activation, "alpha": alpha, "w": w, "z": z}

    def check_params(self, params):
        check_activation_param(params)
        w = as_numbers(params["w"], "w", 1)
        z = as_numbers(params["z"], "z", 1)
        if w.shape != z.shape:
            raise ConfigError(
                f"w and z need the same length (one per unit), got {len(w)} and {len(z)}"
            )
        return params

    def _slopes(self, params):
        act = get_activation(params["activation"])
        w = np.asarray(params["w"], dtype=float)
        z = np.asarray(params["z"], dtype=float)
        return act, w, z, act.prime(z, params["alpha"])

    def solve(self, params):
        _act, w, _z, fp = self._slopes(params)
        return {"grad": float(np.prod(w * fp))}

    def prompt(self, params):
        n = len(params["w"])
        return (
            f"A signal passes through a chain of {n} units; unit i computes f(wᵢ·input), where "
            f"f is {act_label(params['activation'], params['alpha'])}. In the forward pass the "
            f"units' pre-activations were z = {text_vec(params['z'])} and their weights are "
            f"w = {text_vec(params['w'])}. Backpropagation multiplies one factor wᵢ·f′(zᵢ) per "
            "unit. Compute the gradient grad = Π wᵢ·f′(zᵢ) of the output with respect to the input."
        )

    def answer_fields(self, params):
        return [answer_field("grad", [], "grad = Π wᵢ·f′(zᵢ)", "grad")]

    def solution(self, params):
        act, w, z, fp = self._slopes(params)
        grad = self.solve(params)["grad"]
        slopes = [
            rf"\text{{unit {i + 1}}}: \ "
            + slope_latex(params["activation"], float(v), params["alpha"])
            for i, v in enumerate(z)
        ]
        factors = r" \cdot ".join(
            f"({latex_num(a)} \\cdot {latex_num(b)})" for a, b in zip(w, fp, strict=True)
        )
        bound = (
            " Sigmoid's slope is at most 0.25, so each factor shrinks the gradient unless |wᵢ| > 4."
            if act.slug == "sigmoid"
            else ""
        )
        return [
            Step(
                "Recall the rule",
                "The chain rule multiplies the local derivatives of every unit on the path."
                + bound,
                r"\text{grad} = \prod_i w_i\, f'(z_i)",
            ),
            Step("Each unit's slope", "f′ at each unit's z.", r" \\ ".join(slopes)),
            Step(
                "Multiply",
                f"grad = {fmt(grad)}: "
                + (
                    "the gradient vanishes."
                    if abs(grad) < 0.01
                    else "the gradient explodes."
                    if abs(grad) > 100
                    else "it neither vanishes nor explodes here."
                ),
                rf"\text{{grad}} = {factors} = {latex_num(grad)}",
                answers={"grad": fmt(grad)},
            ),
        ]

    def slips(self, params, key):
        act, w, z, fp = self._slopes(params)
        out = [
            Slip(
                "grad",
                "forgot_weights",
                float(np.prod(fp)),
                "You multiplied only the slopes f′(zᵢ): each unit also contributes its weight wᵢ.",
            ),
            Slip(
                "grad",
                "forgot_derivatives",
                float(np.prod(w)),
                f"You multiplied only the weights: each unit also contributes the slope of {act.name}.",
            ),
            Slip(
                "grad",
                "sum_not_product",
                float(np.sum(w * fp)),
                "The chain rule multiplies the factors wᵢ·f′(zᵢ); you added them.",
            ),
            Slip(
                "grad",
                "value_not_derivative",
                float(np.prod(w * act(z, params["alpha"]))),
                "You used the values f(zᵢ); backpropagation needs the slopes f′(zᵢ).",
            ),
        ]
        if act.slug == "tanh":
            out.append(tanh_squared_slip("grad", float(np.prod(w * np.tanh(z) ** 2))))
        return out
