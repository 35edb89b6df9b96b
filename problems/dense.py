"""Kinds ``dense_forward`` (z = Wx + b, y = f(z)) and ``dense_backward`` (gradients of a
mean loss through one dense layer), worked in the lecture's five steps."""

from __future__ import annotations

import numpy as np

from . import settings as S
from .activation import (
    activation_slips,
    bias_after_activation_slip,
    entrywise_step,
    rule_step,
    sigmoid_sign_slips,
    tanh_squared_slip,
)
from .activations import ACTIVATIONS, get_activation
from .base import (
    ConfigError,
    Kind,
    Plot,
    Slip,
    Step,
    act_label,
    answer_field,
    as_numbers,
    check_alpha,
    check_range,
    draw,
    latex_mat,
    latex_row,
    latex_vec,
    paren,
    text_mat,
    text_symbol,
    text_vec,
)

LOSSES = ("mse", "bce")


def dense_arrays(params: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """W (m×n), x (n), b (m) as float arrays; ConfigError if the shapes do not fit."""
    W = as_numbers(params["W"], "W", 2)
    x = as_numbers(params["x"], "x", 1)
    b = as_numbers(params["b"], "b", 1)
    m, n = W.shape
    if x.shape[0] != n:
        raise ConfigError(
            f"W is {m}×{n} (outputs × inputs), so x needs {n} entries, not {x.shape[0]}"
        )
    if b.shape[0] != m:
        raise ConfigError(
            f"W is {m}×{n}, so b needs {m} entries (one per output), not {b.shape[0]}"
        )
    return W, x, b


def check_activation_param(params: dict, key: str = "activation", alpha_key: str = "alpha"):
    if not isinstance(params.get(key), str) or params[key] not in ACTIVATIONS:
        raise ConfigError(
            f"unknown activation {params.get(key)!r}; valid: {', '.join(ACTIVATIONS)}"
        )
    check_alpha(params.get(alpha_key))


def multiply_step(W: np.ndarray, x: np.ndarray, Wname: str = "W", xname: str = "x") -> Step:
    """Step 3 of the lecture: Wx row by row, each entry a sum of products. Names are LaTeX
    (``W_1``); the text shows them as W₁."""
    rows = [" + ".join(f"{paren(w)}{paren(v)}" for w, v in zip(row, x, strict=True)) for row in W]
    Wx = W @ x
    latex = (
        rf"{Wname}{xname} = {latex_mat(W)} {latex_vec(x)} = "
        r"\begin{bmatrix} " + r" \\ ".join(rows) + r" \end{bmatrix} = " + latex_vec(Wx)
    )
    Wt, xt = text_symbol(Wname), text_symbol(xname)
    return Step(
        f"Multiply {Wt}{xt}",
        f"Each entry of {Wt}{xt} is one row of {Wt} times {xt}, summed: {Wt}{xt} = {text_vec(Wx)}.",
        latex,
    )


def shape_step(W: np.ndarray, Wname: str = "W", xname: str = "x", bname: str = "b") -> Step:
    m, n = W.shape
    return Step(
        "Check the shapes",
        f"{Wname} is {m}×{n} (outputs × inputs) and {xname} is {n}×1: the inner dimensions "
        f"({n} and {n}) match, so {Wname}{xname} is {m}×1, and {bname} has {m} entries.",
        rf"({m} \times {n}) \cdot ({n} \times 1) \to ({m} \times 1)",
    )


def bias_step(
    Wx: np.ndarray,
    b: np.ndarray,
    zname: str = "z",
    Wx_name: str = "Wx",
    bname: str = "b",
    answer: str | None = None,
) -> Step:
    """z = Wx + b. Names are LaTeX (``z_1``, ``W_1x``, ``b_1``); the text shows z₁, W₁x, b₁.
    ``answer`` names the answer this z is, if it is one."""
    z = Wx + b
    zt, Wxt, bt = text_symbol(zname), text_symbol(Wx_name), text_symbol(bname)
    return Step(
        f"Add the bias {bt}",
        f"{zt} = {Wxt} + {bt} = {text_vec(Wx)} + {text_vec(b)} = {text_vec(z)}.",
        rf"{zname} = {Wx_name} + {bname} = {latex_vec(Wx)} + {latex_vec(b)} = {latex_vec(z)}",
        answers={answer: text_vec(z)} if answer else {},
    )


class DenseForwardKind(Kind):
    slug = "dense_forward"
    title = "Dense layer forward pass y = f(Wx + b)"
    param_names = ("W", "x", "b", "activation", "alpha")
    sizes = {"W": ("m", "n"), "x": ("n",), "b": ("m",)}
    settings = (
        S.size("m", "Outputs m", [2, 3], 1, 8),
        S.size("n", "Inputs n", [2, 3], 1, 8),
        S.values("range", "Value range", [-3, 3]),
        S.decimals(default=0),
        S.activations("activations", "Activations", ["relu"]),
        S.alpha(),
        S.Setting(
            "mixed_signs",
            "Make z show both signs",
            "bool",
            True,
            help="Redraw (up to 20 times) until z has a negative and a positive entry.",
        ),
    )

    given_symbols = {"W": "W", "x": "x", "b": "b"}
    named_activations = (("activation", "alpha", "f"),)
    facet_labels = {"activation": "Activation", "shape": "Shape of W"}

    def plot(self, params):
        W, x, b = dense_arrays(dict(params))
        zs = tuple(float(v) for v in W @ x + b)
        return Plot(params["activation"], params.get("alpha"), zs, self.slug == "dense_backward")

    def facets(self, params):
        W = params["W"]
        return {"activation": params["activation"], "shape": f"{len(W)}x{len(W[0])}"}

    def make_params(self, rng, cfg):
        activation = cfg["activations"][int(rng.integers(len(cfg["activations"])))]
        act = get_activation(activation)
        m = int(rng.integers(cfg_lo(cfg["m"]), cfg_hi(cfg["m"]) + 1))
        n = int(rng.integers(cfg_lo(cfg["n"]), cfg_hi(cfg["n"]) + 1))
        lo, hi = check_range("range", cfg["range"])
        # Like the lecture's example (z = [-1, 5, 4]) a variant shows both branches of a
        # piecewise f when it can: up to 20 draws until z has a negative and a positive entry.
        for _ in range(20):
            W = draw(rng, (m, n), lo, hi, cfg["decimals"])
            x = draw(rng, n, lo, hi, cfg["decimals"])
            b = draw(rng, m, lo, hi, cfg["decimals"])
            z = W @ x + b
            if not cfg["mixed_signs"] or m < 2 or ((z < 0).any() and (z > 0).any()):
                break
        alpha = act.alpha(cfg["alpha"]) if act.has_alpha else None
        return {"W": W, "x": x, "b": b, "activation": activation, "alpha": alpha}

    def check_params(self, params):
        dense_arrays(params)
        check_activation_param(params)
        return params

    def solve(self, params):
        W, x, b = dense_arrays(params)
        z = W @ x + b
        y = get_activation(params["activation"])(z, params["alpha"])
        return {"z": z.tolist(), "y": y.tolist()}

    def prompt(self, params):
        W, x, b = dense_arrays(params)
        m, n = W.shape
        return (
            f"A dense layer has {n} input{'s' * (n != 1)} and {m} output{'s' * (m != 1)}: "
            f"x = {text_vec(x)}, W = {text_mat(W)}, b = {text_vec(b)}, and f is "
            f"{act_label(params['activation'], params['alpha'])}. "
            "Compute z = Wx + b and y = f(z)."
        )

    def answer_fields(self, params):
        m = len(params["b"])
        return [
            answer_field("z", [m], "z = Wx + b", "z"),
            answer_field("y", [m], "y = f(Wx + b)", "y"),
        ]

    def solution(self, params):
        W, x, b = dense_arrays(params)
        key = self.solve(params)
        z, y = np.array(key["z"]), np.array(key["y"])
        return [
            rule_step(params["activation"], params["alpha"]),
            shape_step(W),
            multiply_step(W, x),
            bias_step(W @ x, b, answer="z"),
            entrywise_step(params["activation"], params["alpha"], z, "z", derivative=False),
            Step(
                "Final output",
                f"y = {text_vec(y)}",
                rf"y = f(Wx + b) = {latex_vec(y)}",
                answers={"y": text_vec(y)},
            ),
        ]

    def slips(self, params, key):
        W, x, b = dense_arrays(params)
        act = get_activation(params["activation"])
        f = lambda v: act(v, params["alpha"]).tolist()  # noqa: E731
        Wx = W @ x
        z = Wx + b
        out = [
            Slip(
                "y",
                "no_activation",
                z.tolist(),
                f"You added the bias but did not apply {act.name}: y = f(z), not z.",
            ),
            Slip(
                "y",
                "no_bias",
                f(Wx),
                f"You applied {act.name} to Wx but forgot to add the bias b first.",
            ),
            Slip(
                "y",
                "no_bias_no_activation",
                Wx.tolist(),
                f"You gave Wx: add the bias b, then apply {act.name}.",
            ),
            Slip("z", "no_bias", Wx.tolist(), "z = Wx + b: you forgot to add the bias b."),
            bias_after_activation_slip("y", act(Wx, params["alpha"]) + b, act.name),
            *sigmoid_sign_slips(act.slug, "y", z),
        ]
        if W.shape[0] == W.shape[1]:
            WTx = W.T @ x + b
            out += [
                Slip(
                    "y",
                    "transposed_weights",
                    f(WTx),
                    "You used Wᵀ (columns of W instead of rows): each output is a row of W times x.",
                ),
                Slip(
                    "z",
                    "transposed_weights",
                    WTx.tolist(),
                    "You used Wᵀ (columns of W instead of rows): each output is a row of W times x.",
                ),
            ]
        out += activation_slips(
            params,
            "y",
            lambda slug, a: ACTIVATIONS[slug](z, a).tolist(),
            f"apply {act.name} to z",
        )
        return out


def cfg_lo(v) -> int:
    return v if isinstance(v, int) else v[0]


def cfg_hi(v) -> int:
    return v if isinstance(v, int) else v[1]


class DenseBackwardKind(Kind):
    slug = "dense_backward"
    title = "Dense layer backward pass: gradients of the loss"
    param_names = ("W", "x", "b", "activation", "alpha", "t", "loss")
    sizes = {"W": ("m", "n"), "x": ("n",), "b": ("m",), "t": ("m",)}
    settings = (
        S.size("m", "Outputs m", [2, 3], 1, 6),
        S.size("n", "Inputs n", [2, 3], 1, 6),
        S.values("range", "Value range", [-2, 2]),
        S.decimals(default=0),
        S.activations("activations", "Activations", ["sigmoid", "tanh", "relu"]),
        S.alpha(),
        S.Setting("losses", "Losses", "multi-choice", ["mse"], options=LOSSES),
        S.values("target_range", "Target range", [0, 1]),
        S.decimals("target_decimals", "Target decimals", 0),
        S.Setting(
            "allow_kink",
            "Allow z = 0 (the kink)",
            "bool",
            False,
            help="May an entry of z be 0, where ReLU-like functions have a kink?",
        ),
    )

    given_symbols = {"W": "W", "x": "x", "b": "b", "t": "t"}
    named_activations = (("activation", "alpha", "f"),)
    facet_labels = {"activation": "Activation", "shape": "Shape of W", "loss": "Loss"}
    plot = DenseForwardKind.plot

    def facets(self, params):
        return {**DenseForwardKind.facets(self, params), "loss": params["loss"]}

    def validate_config(self, cfg):
        losses = cfg["losses"]
        if "bce" in losses and "sigmoid" not in cfg["activations"]:
            raise ConfigError(
                "Losses: bce (binary cross-entropy) needs sigmoid among the activations",
                setting="losses",
            )
        tlo, thi = check_range("target_range", cfg["target_range"])
        if "bce" in losses and (tlo < 0 or thi > 1):
            raise ConfigError(
                "Target range: bce targets must lie in [0, 1]", setting="target_range"
            )

    def make_params(self, rng, cfg):
        loss = cfg["losses"][int(rng.integers(len(cfg["losses"])))]
        choices = ["sigmoid"] if loss == "bce" else cfg["activations"]
        activation = choices[int(rng.integers(len(choices)))]
        act = get_activation(activation)
        m = int(rng.integers(cfg_lo(cfg["m"]), cfg_hi(cfg["m"]) + 1))
        n = int(rng.integers(cfg_lo(cfg["n"]), cfg_hi(cfg["n"]) + 1))
        lo, hi = check_range("range", cfg["range"])
        for _ in range(50):
            W = draw(rng, (m, n), lo, hi, cfg["decimals"])
            x = draw(rng, n, lo, hi, cfg["decimals"])
            b = draw(rng, m, lo, hi, cfg["decimals"])
            if cfg["allow_kink"] or not act.kink or not np.any(W @ x + b == 0):
                break
        else:
            raise ConfigError("could not draw a variant with z away from the kink at 0")
        tlo, thi = check_range("target_range", cfg["target_range"])
        t = draw(rng, m, tlo, thi, cfg["target_decimals"])
        alpha = act.alpha(cfg["alpha"]) if act.has_alpha else None
        return {
            "W": W,
            "x": x,
            "b": b,
            "activation": activation,
            "alpha": alpha,
            "t": t,
            "loss": loss,
        }

    def check_params(self, params):
        W, x, b = dense_arrays(params)
        check_activation_param(params)
        t = as_numbers(params["t"], "t", 1)
        if t.shape[0] != W.shape[0]:
            raise ConfigError(f"t needs {W.shape[0]} entries (one per output), not {t.shape[0]}")
        if not isinstance(params.get("loss"), str) or params["loss"] not in LOSSES:
            raise ConfigError(f"loss must be one of {', '.join(LOSSES)}")
        if params["loss"] == "bce":
            if params["activation"] != "sigmoid":
                raise ConfigError("bce (binary cross-entropy) is only used with sigmoid")
            if np.any((t < 0) | (t > 1)):
                raise ConfigError("bce targets must lie in [0, 1]")
        return params

    def _forward(self, params):
        W, x, b = dense_arrays(params)
        act = get_activation(params["activation"])
        t = np.asarray(params["t"], dtype=float)
        z = W @ x + b
        y = act(z, params["alpha"])
        return W, x, b, t, z, y, act

    def _dL_dy(self, params, y, t):
        m = y.shape[0]
        if params["loss"] == "mse":
            return 2.0 * (y - t) / m
        return (y - t) / (y * (1.0 - y)) / m

    def solve(self, params):
        W, x, b, t, z, y, act = self._forward(params)
        m = y.shape[0]
        if params["loss"] == "bce":
            # σ′(z) = y(1 − y) cancels the denominator of dL/dy exactly.
            dL_dz = (y - t) / m
        else:
            dL_dz = 2.0 * (y - t) / m * act.prime(z, params["alpha"])
        return {
            "dL_dz": dL_dz.tolist(),
            "dL_dW": np.outer(dL_dz, x).tolist(),
            "dL_db": dL_dz.tolist(),
            "dL_dx": (W.T @ dL_dz).tolist(),
        }

    def loss_text(self, params) -> tuple[str, str]:
        if params["loss"] == "mse":
            return (
                "the mean squared error L = (1/m) Σ (yᵢ − tᵢ)²",
                r"L = \frac{1}{m}\sum_i (y_i - t_i)^2, \quad \frac{\partial L}{\partial y_i} = \frac{2}{m}(y_i - t_i)",
            )
        return (
            "the mean binary cross-entropy L = −(1/m) Σ [tᵢ log yᵢ + (1 − tᵢ) log(1 − yᵢ)]",
            r"L = -\frac{1}{m}\sum_i \left[t_i \log y_i + (1 - t_i)\log(1 - y_i)\right], \quad "
            r"\frac{\partial L}{\partial z_i} = \frac{1}{m}(y_i - t_i)",
        )

    def prompt(self, params):
        W, x, b = dense_arrays(params)
        words, _ = self.loss_text(params)
        return (
            f"A dense layer y = f(Wx + b) has x = {text_vec(x)}, W = {text_mat(W)}, "
            f"b = {text_vec(b)}, f = {act_label(params['activation'], params['alpha'])}, "
            f"and target t = {text_vec(params['t'])}. The loss is {words}, with logarithms "
            "natural. Compute ∂L/∂z, ∂L/∂W, ∂L/∂b and ∂L/∂x."
        )

    def answer_fields(self, params):
        m, n = np.asarray(params["W"]).shape
        return [
            answer_field("dL_dz", [m], "∂L/∂z", "∂L/∂z"),
            answer_field("dL_dW", [m, n], "∂L/∂W (same shape as W)", "∂L/∂W", transposable=True),
            answer_field("dL_db", [m], "∂L/∂b", "∂L/∂b"),
            answer_field("dL_dx", [n], "∂L/∂x", "∂L/∂x"),
        ]

    def solution(self, params):
        W, x, b, t, z, y, act = self._forward(params)
        key = self.solve(params)
        dz = np.array(key["dL_dz"])
        words, loss_latex = self.loss_text(params)
        steps = [
            multiply_step(W, x),
            bias_step(W @ x, b),
            entrywise_step(params["activation"], params["alpha"], z, "z", derivative=False),
            Step(
                "The loss",
                f"The loss is {words}, with m = {len(y)}, y = {text_vec(y)} and t = {text_vec(t)}.",
                loss_latex,
            ),
        ]
        if params["loss"] == "mse":
            dy = self._dL_dy(params, y, t)
            fp = act.prime(z, params["alpha"])
            steps += [
                entrywise_step(params["activation"], params["alpha"], z, "z", derivative=True),
                Step(
                    "Chain rule through f",
                    f"∂L/∂z = ∂L/∂y ⊙ f′(z) = {text_vec(dy)} ⊙ {text_vec(fp)} = {text_vec(dz)}.",
                    rf"\frac{{\partial L}}{{\partial z}} = \frac{{2}}{{{len(y)}}}(y - t) \odot f'(z) = "
                    rf"{latex_vec(dy)} \odot {latex_vec(fp)} = {latex_vec(dz)}",
                    answers={"dL_dz": text_vec(dz)},
                ),
            ]
        else:
            steps.append(
                Step(
                    "Sigmoid and cross-entropy together",
                    f"σ′(z) = y(1 − y) cancels, leaving ∂L/∂z = (y − t)/m = {text_vec(dz)}.",
                    rf"\frac{{\partial L}}{{\partial z}} = \frac{{1}}{{{len(y)}}}(y - t) = "
                    rf"\frac{{1}}{{{len(y)}}}\left({latex_vec(y)} - {latex_vec(t)}\right) = {latex_vec(dz)}",
                    answers={"dL_dz": text_vec(dz)},
                )
            )
        steps += [
            Step(
                "Weights and bias",
                "z = Wx + b, so ∂L/∂W = (∂L/∂z) xᵀ (an outer product, the shape of W) = "
                f"{text_mat(key['dL_dW'])} and ∂L/∂b = ∂L/∂z = {text_vec(dz)}.",
                rf"\frac{{\partial L}}{{\partial W}} = {latex_vec(dz)} {latex_row(x)}"
                rf" = {latex_mat(key['dL_dW'])}, \quad \frac{{\partial L}}{{\partial b}} = {latex_vec(dz)}",
                answers={"dL_dW": text_mat(key["dL_dW"]), "dL_db": text_vec(dz)},
            ),
            Step(
                "Input",
                f"∂L/∂x = Wᵀ ∂L/∂z = {text_vec(key['dL_dx'])}: the gradient passed to the layer below.",
                rf"\frac{{\partial L}}{{\partial x}} = W^\top \frac{{\partial L}}{{\partial z}} = "
                rf"{latex_mat(W.T)} {latex_vec(dz)} = {latex_vec(key['dL_dx'])}",
                answers={"dL_dx": text_vec(key["dL_dx"])},
            ),
        ]
        return steps

    def slips(self, params, key):
        W, x, b, t, z, y, act = self._forward(params)
        m = y.shape[0]
        dz = np.array(key["dL_dz"])
        dy = self._dL_dy(params, y, t) if params["loss"] == "mse" else (y - t) / m
        no_fp = dy if params["loss"] == "mse" else (y - t) / (y * (1 - y)) / m
        out = []
        for name, grad_of in (
            ("dL_dz", lambda d: d),
            ("dL_dW", lambda d: np.outer(d, x)),
            ("dL_db", lambda d: d),
            ("dL_dx", lambda d: W.T @ d),
        ):
            out.append(
                Slip(
                    name,
                    "missing_activation_derivative",
                    grad_of(no_fp).tolist(),
                    f"You left out f′(z): the chain rule multiplies ∂L/∂y by the slope of "
                    f"{act.name} at z.",
                )
            )
            if m > 1:
                out.append(
                    Slip(
                        name,
                        "loss_not_averaged",
                        grad_of(dz * m).tolist(),
                        f"You summed the loss over the {m} outputs; it is their mean, so divide by {m}.",
                    )
                )
            if params["loss"] == "mse":
                out.append(
                    Slip(
                        name,
                        "mse_missing_factor_2",
                        grad_of(dz / 2).tolist(),
                        "You dropped the 2 of the square's derivative: d(y − t)²/dy = 2(y − t).",
                    )
                )
            out.append(
                Slip(
                    name,
                    "gradient_sign",
                    grad_of(-dz).tolist(),
                    "Your signs are flipped: the error is y − t (prediction minus target).",
                )
            )
            if params["loss"] == "mse":
                out.append(
                    Slip(
                        name,
                        "value_not_derivative",
                        grad_of(dy * y).tolist(),
                        f"In the chain rule you multiplied by the value f(z) = y; it needs the "
                        f"slope f′(z) of {act.name} at z.",
                    )
                )
                if act.slug == "tanh":
                    out.append(tanh_squared_slip(name, grad_of(dy * y * y)))
            else:
                out.append(
                    Slip(
                        name,
                        "log2_not_ln",
                        grad_of(dz / np.log(2.0)).tolist(),
                        "You used log base 2; cross-entropy uses the natural log ln "
                        "(a factor 1/ln 2 too many).",
                    )
                )
        out.append(
            Slip(
                "dL_dW",
                "transposed_gradient",
                np.outer(x, dz).tolist(),
                "Your ∂L/∂W is transposed: it must have W's shape (outputs × inputs), "
                "∂L/∂W = (∂L/∂z) xᵀ.",
            )
        )
        if W.shape[0] == W.shape[1]:
            out.append(
                Slip(
                    "dL_dx",
                    "transposed_gradient",
                    (W @ dz).tolist(),
                    "You multiplied by W; the gradient flows back through Wᵀ: ∂L/∂x = Wᵀ ∂L/∂z.",
                )
            )
        return out
