"""Kind ``softmax_cross_entropy``: p = softmax(z), loss = −log p[target], ∂L/∂z = p − onehot."""

from __future__ import annotations

import math

import numpy as np

from . import settings as S
from .base import (
    ConfigError,
    Kind,
    Slip,
    Step,
    answer_field,
    as_numbers,
    check_range,
    draw,
    fmt,
    latex_num,
    latex_vec,
    paren,
    text_vec,
)
from .dense import cfg_hi, cfg_lo


def softmax(z: np.ndarray) -> np.ndarray:
    """softmax with the max subtracted first (the same value, no overflow)."""
    e = np.exp(z - np.max(z))
    return e / e.sum()


def shifted(z: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, float]:
    """The max-shift of softmax: m = max z, z − m (all ≤ 0), e^(z − m) (in (0, 1], one of
    them 1) and their sum S in [1, k]. Nothing overflows, and ln S is finite."""
    m = float(np.max(z))
    s = z - m
    e = np.exp(s)
    return m, s, e, float(e.sum())


def cross_entropy(z: np.ndarray, target: int) -> float:
    """−ln p[target] by log-sum-exp: ln S − (z_t − m), finite even when p[target] underflows
    to 0 (z = [24, 511, 901], target 0: 877, not inf)."""
    m, s, _e, total = shifted(z)
    return float(math.log(total) - s[target])


class SoftmaxCrossEntropyKind(Kind):
    slug = "softmax_cross_entropy"
    title = "Softmax and cross-entropy"
    param_names = ("z", "target")
    sizes = {"z": ("k",)}
    settings = (
        S.size("k", "Number of classes", [3, 4], 2, 10),
        S.values("range", "Value range", [-2, 3]),
        S.decimals(default=1),
    )
    given_symbols = {"z": "z"}

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
            "loss": cross_entropy(z, params["target"]),
            "dL_dz": (p - onehot).tolist(),
        }

    def prompt(self, params):
        return (
            f"A classifier's output layer gives the logits z = {text_vec(params['z'])} "
            f"for {len(params['z'])} classes, numbered 0 to {len(params['z']) - 1} as in "
            "PyTorch (so p₀ is the first class's probability). The true class "
            f"is {params['target']}. Compute the softmax probabilities p, the cross-entropy "
            "loss L = −ln p[true class], and the gradient ∂L/∂z."
        )

    def answer_fields(self, params):
        k = len(params["z"])
        return [
            answer_field("p", [k], "p = softmax(z)", "p", first_index=0),
            answer_field("loss", [], "L = −ln p[true class]", "L"),
            answer_field("dL_dz", [k], "∂L/∂z", "∂L/∂z", first_index=0),
        ]

    def solution(self, params):
        z = np.asarray(params["z"], dtype=float)
        key = self.solve(params)
        m, zs, e, total = shifted(z)
        t = params["target"]
        p = key["p"]
        return [
            Step(
                "Recall the rule",
                "softmax turns logits into probabilities that sum to 1; cross-entropy is the "
                "negative log of the true class's probability, and its gradient is p − onehot. "
                "Subtracting the largest logit m from every z changes no p (the factor e⁻ᵐ "
                "cancels) and keeps every e^(z − m) between 0 and 1.",
                r"p_i = \frac{e^{z_i - m}}{\sum_j e^{z_j - m}}, \quad "
                r"L = -\ln p_t = \ln \sum_j e^{z_j - m} - (z_t - m), \quad "
                r"\frac{\partial L}{\partial z} = p - \mathbf{1}_t",
            ),
            Step(
                "Shift and exponentiate",
                f"For z = {text_vec(z)} the largest logit is m = {fmt(m)}, so "
                f"z − m = {text_vec(zs)}, "
                f"e^(z − m) = {text_vec(e)}, which sum to S = {fmt(total)}.",
                rf"z - m = {latex_vec(z)} - {latex_num(m)} = {latex_vec(zs)}, \quad "
                rf"e^{{z - m}} = {latex_vec(e)}, \quad "
                rf"S = \sum_j e^{{z_j - m}} = {latex_num(total)}",
            ),
            Step(
                "Normalise",
                f"p = e^(z − m) / S = {text_vec(p)}.",
                rf"p = \frac{{e^{{z - m}}}}{{S}} = {latex_vec(p)}",
                answers={"p": text_vec(p)},
            ),
            Step(
                "The loss",
                f"The true class is {t}, so L = −ln p[{t}] = ln S − (z[{t}] − m) = "
                f"ln {fmt(total)} − ({fmt(zs[t])}) = {fmt(key['loss'])}.",
                rf"L = -\ln p_{{{t}}} = \ln {latex_num(total)} - {paren(zs[t])} = "
                rf"{latex_num(key['loss'])}",
                answers={"loss": fmt(key["loss"])},
            ),
            Step(
                "The gradient",
                f"Subtract 1 at the true class: ∂L/∂z = {text_vec(key['dL_dz'])}.",
                rf"\frac{{\partial L}}{{\partial z}} = {latex_vec(p)} - "
                rf"{latex_vec(np.eye(len(z))[t])} = {latex_vec(key['dL_dz'])}",
                answers={"dL_dz": text_vec(key["dL_dz"])},
            ),
        ]

    def slips(self, params, key):
        z = np.asarray(params["z"], dtype=float)
        p = np.asarray(key["p"])
        t = params["target"]
        loss = float(key["loss"])
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
                loss / math.log(10.0),
                "You used log base 10; cross-entropy uses the natural log ln.",
            ),
            Slip(
                "loss",
                "log2_not_ln",
                loss / math.log(2.0),
                "You used log base 2; cross-entropy uses the natural log ln.",
            ),
            Slip(
                "loss",
                "loss_sign",
                -loss,
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
        out.append(
            Slip(
                "dL_dz",
                "log2_not_ln",
                ((p - onehot) / math.log(2.0)).tolist(),
                "You used log base 2; cross-entropy uses the natural log ln "
                "(a factor 1/ln 2 too many).",
            )
        )
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
