"""Kind ``mlp_forward``: a two-layer network's forward pass, h = f₁(W₁x + b₁),
y = f₂(W₂h + b₂); by default the lecture's XOR net (tanh hidden, sigmoid output)."""

from __future__ import annotations

from . import settings as S
from .activation import bias_after_activation_slip, entrywise_step, sigmoid_sign_slips
from .activations import get_activation
from .base import (
    ConfigError,
    Kind,
    Slip,
    Step,
    act_label,
    answer_field,
    as_numbers,
    check_range,
    draw,
    latex_vec,
    text_mat,
    text_vec,
)
from .dense import bias_step, cfg_hi, cfg_lo, check_activation_param, multiply_step


def mlp_arrays(params: dict):
    """x, W1, b1, W2, b2 as float arrays; ConfigError if the shapes do not chain."""
    x = as_numbers(params["x"], "x", 1)
    W1 = as_numbers(params["W1"], "W1", 2)
    b1 = as_numbers(params["b1"], "b1", 1)
    W2 = as_numbers(params["W2"], "W2", 2)
    b2 = as_numbers(params["b2"], "b2", 1)
    if W1.shape[1] != x.shape[0]:
        raise ConfigError(f"W1 is {W1.shape[0]}×{W1.shape[1]}, so x needs {W1.shape[1]} entries")
    if b1.shape[0] != W1.shape[0]:
        raise ConfigError(f"b1 needs {W1.shape[0]} entries (one per hidden unit)")
    if W2.shape[1] != W1.shape[0]:
        raise ConfigError(f"W2 needs {W1.shape[0]} columns (one per hidden unit)")
    if b2.shape[0] != W2.shape[0]:
        raise ConfigError(f"b2 needs {W2.shape[0]} entries (one per output)")
    return x, W1, b1, W2, b2


class MlpForwardKind(Kind):
    slug = "mlp_forward"
    title = "Two-layer network forward pass (the XOR net)"
    param_names = ("x", "W1", "b1", "activation1", "alpha1", "W2", "b2", "activation2", "alpha2")
    sizes = {
        "x": ("inputs",),
        "W1": ("hidden", "inputs"),
        "b1": ("hidden",),
        "W2": ("outputs", "hidden"),
        "b2": ("outputs",),
    }
    settings = (
        S.size("inputs", "Inputs", 2, 1, 6),
        S.size("hidden", "Hidden units", [2, 4], 1, 6),
        S.size("outputs", "Outputs", 1, 1, 4),
        S.values("input_values", "Input values", [0, 1]),
        S.values("range", "Value range", [-2, 2]),
        S.decimals(default=1),
        S.activations("activations1", "Hidden activations", ["tanh"]),
        S.activations("activations2", "Output activations", ["sigmoid"]),
    )
    given_symbols = {"x": "x", "W1": "W_1", "b1": "b_1", "W2": "W_2", "b2": "b_2"}
    named_activations = (("activation1", "alpha1", "f₁"), ("activation2", "alpha2", "f₂"))
    facet_labels = {"activation": "Activation", "shape": "Shape of W"}

    def facets(self, params):
        W1 = params["W1"]
        return {"activation": params["activation1"], "shape": f"{len(W1)}x{len(W1[0])}"}

    def make_params(self, rng, cfg):
        n = int(rng.integers(cfg_lo(cfg["inputs"]), cfg_hi(cfg["inputs"]) + 1))
        h = int(rng.integers(cfg_lo(cfg["hidden"]), cfg_hi(cfg["hidden"]) + 1))
        k = int(rng.integers(cfg_lo(cfg["outputs"]), cfg_hi(cfg["outputs"]) + 1))
        lo, hi = check_range("range", cfg["range"])
        ilo, ihi = check_range("input_values", cfg["input_values"])
        d = cfg["decimals"]
        a1 = cfg["activations1"][int(rng.integers(len(cfg["activations1"])))]
        a2 = cfg["activations2"][int(rng.integers(len(cfg["activations2"])))]
        return {
            "x": draw(rng, n, ilo, ihi, 0 if ilo == int(ilo) and ihi == int(ihi) else d),
            "W1": draw(rng, (h, n), lo, hi, d),
            "b1": draw(rng, h, lo, hi, d),
            "activation1": a1,
            "alpha1": get_activation(a1).alpha(None),
            "W2": draw(rng, (k, h), lo, hi, d),
            "b2": draw(rng, k, lo, hi, d),
            "activation2": a2,
            "alpha2": get_activation(a2).alpha(None),
        }

    def check_params(self, params):
        mlp_arrays(params)
        check_activation_param(params, "activation1", "alpha1")
        check_activation_param(params, "activation2", "alpha2")
        return params

    def _forward(self, params):
        x, W1, b1, W2, b2 = mlp_arrays(params)
        f1 = get_activation(params["activation1"])
        f2 = get_activation(params["activation2"])
        z1 = W1 @ x + b1
        h = f1(z1, params["alpha1"])
        z2 = W2 @ h + b2
        y = f2(z2, params["alpha2"])
        return x, W1, b1, W2, b2, z1, h, z2, y, f1, f2

    def solve(self, params):
        *_, z1, h, z2, y, _f1, _f2 = self._forward(params)
        return {"h": h.tolist(), "y": y.tolist()}

    def prompt(self, params):
        x, W1, b1, W2, b2 = mlp_arrays(params)
        return (
            f"A network has a hidden layer h = f₁(W₁x + b₁) and an output layer "
            f"y = f₂(W₂h + b₂), with x = {text_vec(x)}, W₁ = {text_mat(W1)}, "
            f"b₁ = {text_vec(b1)}, f₁ = {act_label(params['activation1'], params['alpha1'])}, "
            f"W₂ = {text_mat(W2)}, b₂ = {text_vec(b2)}, "
            f"f₂ = {act_label(params['activation2'], params['alpha2'])}. Compute h and y."
        )

    def answer_fields(self, params):
        x, W1, b1, W2, b2 = mlp_arrays(params)
        return [
            answer_field("h", [W1.shape[0]], "h = f₁(W₁x + b₁)", "h"),
            answer_field("y", [W2.shape[0]], "y = f₂(W₂h + b₂)", "y"),
        ]

    def solution(self, params):
        x, W1, b1, W2, b2, z1, h, z2, y, f1, f2 = self._forward(params)
        return [
            Step(
                "Recall the rule",
                "Each layer is a dense layer: multiply by its weights, add its bias, apply its "
                f"activation. Hidden: f₁ = {f1.name}; output: f₂ = {f2.name}.",
                r"h = f_1(W_1 x + b_1), \qquad y = f_2(W_2 h + b_2)",
            ),
            multiply_step(W1, x, "W_1", "x"),
            bias_step(W1 @ x, b1, "z_1", "W_1x", "b_1"),
            entrywise_step(params["activation1"], params["alpha1"], z1, "z_1", derivative=False),
            Step("Hidden layer", f"h = {text_vec(h)}", rf"h = {latex_vec(h)}", {"h": text_vec(h)}),
            multiply_step(W2, h, "W_2", "h"),
            bias_step(W2 @ h, b2, "z_2", "W_2h", "b_2"),
            entrywise_step(params["activation2"], params["alpha2"], z2, "z_2", derivative=False),
            Step("Output", f"y = {text_vec(y)}", rf"y = {latex_vec(y)}", {"y": text_vec(y)}),
        ]

    def slips(self, params, key):
        x, W1, b1, W2, b2, z1, h, z2, y, f1, f2 = self._forward(params)
        a2 = params["alpha2"]
        return [
            Slip(
                "h",
                "no_activation",
                z1.tolist(),
                f"You gave W₁x + b₁: apply the hidden activation {f1.name} to get h.",
            ),
            Slip(
                "h",
                "no_bias",
                f1(W1 @ x, params["alpha1"]).tolist(),
                "You forgot to add the hidden bias b₁ before the activation.",
            ),
            Slip(
                "y",
                "no_hidden_activation",
                f2(W2 @ z1 + b2, a2).tolist(),
                f"You fed W₁x + b₁ to the output layer: apply {f1.name} first, then use h.",
            ),
            Slip(
                "y",
                "no_activation",
                z2.tolist(),
                f"You gave W₂h + b₂: apply the output activation {f2.name} to get y.",
            ),
            Slip(
                "y",
                "no_bias",
                f2(W2 @ h, a2).tolist(),
                "You forgot to add the output bias b₂ before the activation.",
            ),
            bias_after_activation_slip("h", f1(W1 @ x, params["alpha1"]) + b1, f1.name, "b₁"),
            bias_after_activation_slip("y", f2(W2 @ h, a2) + b2, f2.name, "b₂"),
            *sigmoid_sign_slips(f1.slug, "h", z1),
            *sigmoid_sign_slips(f2.slug, "y", z2),
        ]
