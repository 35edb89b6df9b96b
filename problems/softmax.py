"""Kind ``softmax_cross_entropy``: p = softmax(z), loss = −log p[target], ∂L/∂z = p − onehot."""

from __future__ import annotations

import math

import numpy as np

from .base import (
    ConfigError,
    Kind,
    Slip,
    Step,
    answer_field,
    as_numbers,
    check_decimals,
    check_range,
    check_size,
    draw,
    fmt,
    latex_num,
    latex_vec,
    text_vec,
)
from .dense import cfg_hi, cfg_lo


def softmax(z: np.ndarray) -> np.ndarray:
    """softmax with the max subtracted first (the same value, no overflow)."""
    e = np.exp(z - np.max(z))
    return e / e.sum()


class SoftmaxCrossEntropyKind(Kind):
    slug = "softmax_cross_entropy"
    title = "Softmax and cross-entropy"
    param_names = ("z", "target")
    defaults = {"k": [3, 4], "range": [-2, 3], "decimals": 1}

    def validate_config(self, cfg):
        check_size("k", cfg["k"], 2, 10)
        check_range("range", cfg["range"])
        check_decimals(cfg["decimals"])

    def make_params(self, rng, cfg):
        k = int(rng.integers(cfg_lo(cfg["k"]), cfg_hi(cfg["k"]) + 1))
        lo, hi = check_range("range", cfg["range"])
        z = draw(rng, k, lo, hi, cfg["decimals"])
        return {"z": z, "target": int(rng.integers(k))}

    def check_params(self, params):
        z = as_numbers(params["z"], "z", 1)
        t = params.get("target")
        if isinstance(t, bool) or not isinstance(t, int) or not 0 <= t < z.shape[0]:
            raise ConfigError(f"target must be a class index from 0 to {z.shape[0] - 1}")
        return params

    def solve(self, params):
        z = np.asarray(params["z"], dtype=float)
        p = softmax(z)
        onehot = np.eye(len(z))[params["target"]]
        return {
            "p": p.tolist(),
            "loss": float(-np.log(p[params["target"]])),
            "dL_dz": (p - onehot).tolist(),
        }

    def prompt(self, params):
        return (
            f"A classifier's output layer gives the logits z = {text_vec(params['z'])} "
            f"for {len(params['z'])} classes (numbered from 0, as in PyTorch). The true class "
            f"is {params['target']}. Compute the softmax probabilities p, the cross-entropy "
            "loss L = −ln p[true class], and the gradient ∂L/∂z."
        )

    def answer_fields(self, params):
        k = len(params["z"])
        return [
            answer_field("p", [k], "p = softmax(z)", "p"),
            answer_field("loss", [], "L = −ln p[true class]", "L"),
            answer_field("dL_dz", [k], "∂L/∂z", "∂L/∂z"),
        ]

    def solution(self, params):
        z = np.asarray(params["z"], dtype=float)
        key = self.solve(params)
        e = np.exp(z)
        t = params["target"]
        return [
            Step(
                "Recall the rule",
                "softmax turns logits into probabilities that sum to 1; cross-entropy is the "
                "negative log of the true class's probability, and its gradient is p − onehot.",
                r"p_i = \frac{e^{z_i}}{\sum_j e^{z_j}}, \quad L = -\ln p_t, \quad "
                r"\frac{\partial L}{\partial z} = p - \mathbf{1}_t",
            ),
            Step(
                "Exponentiate",
                f"For z = {text_vec(z)}: e^z = {text_vec(e)}, which sum to {fmt(e.sum())}.",
                rf"e^{{z}} = {latex_vec(e)}, \quad \sum_j e^{{z_j}} = {latex_num(e.sum())}",
            ),
            Step("Normalise", f"p = {text_vec(key['p'])}.", rf"p = {latex_vec(key['p'])}"),
            Step(
                "The loss",
                f"The true class is {t}, so L = −ln {fmt(key['p'][t])} = {fmt(key['loss'])}.",
                rf"L = -\ln {latex_num(key['p'][t])} = {latex_num(key['loss'])}",
            ),
            Step(
                "The gradient",
                f"Subtract 1 at the true class: ∂L/∂z = {text_vec(key['dL_dz'])}.",
                rf"\frac{{\partial L}}{{\partial z}} = {latex_vec(key['p'])} - "
                rf"{latex_vec(np.eye(len(z))[t])} = {latex_vec(key['dL_dz'])}",
            ),
        ]

    def slips(self, params, key):
        z = np.asarray(params["z"], dtype=float)
        p = np.asarray(key["p"])
        t = params["target"]
        onehot = np.eye(len(z))[t]
        out = [
            Slip(
                "p",
                "gave_logits",
                z.tolist(),
                "You gave the logits z; the probabilities are p = softmax(z) = eᶻ / Σ eᶻ.",
            ),
            Slip(
                "loss",
                "log10_not_ln",
                float(-np.log10(p[t])),
                "You used log base 10; cross-entropy uses the natural log ln.",
            ),
            Slip(
                "loss",
                "loss_sign",
                float(np.log(p[t])),
                "A loss is never negative here: L = −ln p[true class].",
            ),
            Slip(
                "dL_dz",
                "gradient_sign",
                (onehot - p).tolist(),
                "Your signs are flipped: ∂L/∂z = p − onehot, not onehot − p.",
            ),
            Slip(
                "dL_dz",
                "gradient_missing_onehot",
                p.tolist(),
                f"You gave p: subtract 1 at the true class ({t}).",
            ),
        ]
        if not math.isclose(z.sum(), 0.0, abs_tol=1e-12):
            out.append(
                Slip(
                    "p",
                    "softmax_without_exp",
                    (z / z.sum()).tolist(),
                    "You divided z by its sum: exponentiate first, p = eᶻ / Σ eᶻ.",
                )
            )
        return out
