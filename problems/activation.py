"""Kinds ``activation`` (a = f(z)) and ``activation_derivative`` (da/dz = f'(z)).

Also the one place that writes an activation's value or slope at a number in LaTeX, used by
every worked solution that applies f or f' (dense layers, MLP, gradient chain).
"""

from __future__ import annotations

import numpy as np

from . import settings as S
from .activations import (
    ACTIVATIONS,
    GELU_TANH_KAPPA,
    SQRT_2_OVER_PI,
    get_activation,
    normal_cdf,
    normal_pdf,
    sigmoid,
)
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
    check_size,
    draw,
    entry_symbol,
    fmt,
    latex_num,
    latex_vec,
    paren,
    text_symbol,
    text_vec,
)

OTHER_ALPHAS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.3, 0.5, 1.0, 2.0)


def value_latex(activation: str, z: float, alpha: float | None) -> str:
    """f(z) with the number substituted, e.g. ``\\max(0, -1) = 0``."""
    act = get_activation(activation)
    a = act.alpha(alpha)
    v = float(act(z, a))
    n = latex_num(z)
    if activation == "relu":
        body = rf"\max(0, {n})"
    elif activation == "leaky_relu":
        body = n if z > 0 else rf"{latex_num(a)} \cdot ({n})"
    elif activation == "elu":
        body = n if z > 0 else rf"{latex_num(a)}\,(e^{{{n}}} - 1)"
    elif activation == "sigmoid":
        body = rf"\frac{{1}}{{1 + e^{{-({n})}}}}"
    elif activation == "tanh":
        body = rf"\tanh({n})"
    elif activation == "swish":
        body = rf"({n}) \cdot \sigma({n}) = ({n}) \cdot {latex_num(float(sigmoid(z)))}"
    elif activation == "gelu":
        body = rf"({n}) \cdot \Phi({n}) = ({n}) \cdot {latex_num(float(normal_cdf(z)))}"
    else:
        u, t = _gelu_tanh_inner(z)
        body = (
            rf"\tfrac{{{n}}}{{2}}\left(1 + \tanh\left(\sqrt{{2/\pi}}\,({n} + 0.044715 \cdot ({n})^3)\right)\right)"
            rf" = \tfrac{{{n}}}{{2}}\,(1 + \tanh {paren(u)}) = \tfrac{{{n}}}{{2}}\,(1 + {paren(t)})"
        )
    return rf"f({n}) = {body} = {latex_num(v)}"


def _gelu_tanh_inner(z: float) -> tuple[float, float]:
    """u = √(2/π)(z + 0.044715 z³) and t = tanh u, the numbers of GELU's tanh form."""
    u = SQRT_2_OVER_PI * (z + GELU_TANH_KAPPA * z**3)
    return u, float(np.tanh(u))


def slope_latex(activation: str, z: float, alpha: float | None) -> str:
    """f'(z) with the number substituted, stating the branch at a kink."""
    act = get_activation(activation)
    a = act.alpha(alpha)
    d = float(act.prime(z, a))
    n = latex_num(z)
    if activation in ("relu", "leaky_relu", "elu"):
        if z > 0:
            body = rf"1 \quad ({n} > 0)"
        elif activation == "relu":
            body = rf"0 \quad ({n} \le 0)"
        elif activation == "leaky_relu":
            body = rf"\alpha = {latex_num(a)} \quad ({n} \le 0)"
        else:
            body = rf"\alpha e^{{{n}}} = {latex_num(a)} \cdot {latex_num(float(np.exp(z)))} \quad ({n} \le 0)"
    elif activation == "sigmoid":
        s = float(sigmoid(z))
        body = rf"\sigma({n})(1 - \sigma({n})) = {latex_num(s)} \cdot {latex_num(1 - s)}"
    elif activation == "tanh":
        t = float(np.tanh(z))
        body = rf"1 - \tanh^2({n}) = 1 - ({latex_num(t)})^2"
    elif activation == "swish":
        s = float(sigmoid(z))
        body = rf"\sigma({n})\,(1 + ({n})(1 - \sigma({n}))) = {latex_num(s)} \cdot (1 + ({n}) \cdot {latex_num(1 - s)})"
    elif activation == "gelu":
        body = rf"\Phi({n}) + ({n})\,\varphi({n}) = {latex_num(float(normal_cdf(z)))} + ({n}) \cdot {latex_num(float(normal_pdf(z)))}"
    else:
        u, t = _gelu_tanh_inner(z)
        half = 0.5 * (1.0 + t)
        rest = 0.5 * z * (1.0 - t * t) * SQRT_2_OVER_PI * (1.0 + 3.0 * GELU_TANH_KAPPA * z * z)
        body = (
            rf"\frac{{1 + t}}{{2}} + \frac{{{n}}}{{2}}(1 - t^2)\sqrt{{2/\pi}}\,"
            rf"(1 + 3 \cdot 0.044715 \cdot ({n})^2),\ t = \tanh {paren(u)} = {latex_num(t)};\ "
            rf"f'({n}) = {latex_num(half)} + {paren(rest)}"
        )
    return rf"f'({n}) = {body} = {latex_num(d)}"


def rule_step(activation: str, alpha: float | None, derivative: bool = False) -> Step:
    act = get_activation(activation)
    lines = [rf"f(z) = {act.formula}"]
    if derivative:
        lines.append(rf"f'(z) = {act.derivative}")
    text = f"f is {act_label(activation, alpha)}."
    if act.kink and derivative:
        text += " At the kink z = 0 the z ≤ 0 branch applies (as in PyTorch)."
    return Step("Recall the rule", text, r" \qquad ".join(lines))


def entrywise_step(activation: str, alpha, z, symbol: str, derivative: bool) -> Step:
    """f or f′ at each entry of the vector ``symbol`` (LaTeX, e.g. ``z_1``), one line each."""
    write = slope_latex if derivative else value_latex
    rows = [
        rf"{entry_symbol(symbol, i + 1)}: \ " + write(activation, float(v), alpha)
        for i, v in enumerate(z)
    ]
    what = "the slope f′" if derivative else "f"
    return Step(
        f"Apply {what} entry by entry",
        f"Apply {what} to each entry of {text_symbol(symbol)} = {text_vec(z)}.",
        r" \\ ".join(rows),
    )


class _ActivationKind(Kind):
    derivative = False
    param_names = ("activation", "alpha", "z")
    sizes = {"z": ("size",)}
    settings = (
        S.activations("activations", "Activations", list(ACTIVATIONS)),
        S.size("size", "Number of entries", [3, 4], 1, 12),
        S.values("range", "Value range", [-3, 3]),
        S.decimals(default=1),
        S.alpha(),
        S.Setting(
            "allow_kink",
            "Allow z = 0 (the kink)",
            "bool",
            False,
            help="Derivatives: may an entry be 0, where ReLU-like functions have a kink?",
        ),
    )
    given_symbols = {"z": "z"}
    named_activations = (("activation", "alpha", "f"),)
    facet_labels = {"activation": "Activation"}

    def plot(self, params):
        return Plot(params["activation"], params.get("alpha"), tuple(params["z"]), self.derivative)

    def facets(self, params):
        return {"activation": params["activation"]}

    def make_params(self, rng, cfg):
        activation = cfg["activations"][int(rng.integers(len(cfg["activations"])))]
        act = get_activation(activation)
        lo, hi = check_size("size", cfg["size"], 1, 12)
        n = int(rng.integers(lo, hi + 1))
        rlo, rhi = check_range("range", cfg["range"])
        z = draw(rng, n, rlo, rhi, cfg["decimals"])
        if self.derivative and act.kink and not cfg["allow_kink"]:
            z = avoid_zero(rng, z, rlo, rhi, cfg["decimals"])
        alpha = act.alpha(cfg["alpha"]) if act.has_alpha else None
        return {"activation": activation, "alpha": alpha, "z": z}

    def check_params(self, params):
        if not isinstance(params.get("activation"), str) or params["activation"] not in ACTIVATIONS:
            raise ConfigError(f"unknown activation {params.get('activation')!r}")
        check_alpha(params.get("alpha"))
        params["z"] = as_numbers(params["z"], "z", 1)
        return params

    def answer_fields(self, params):
        n = len(params["z"])
        if self.derivative:
            return [answer_field("da_dz", [n], "f′(z), entry by entry", "f′(z)")]
        return [answer_field("a", [n], "a = f(z), entry by entry", "a")]

    def prompt(self, params):
        what = "the derivative f′(z)" if self.derivative else "a = f(z)"
        return (
            f"Let f be {act_label(params['activation'], params['alpha'])}. "
            f"Compute {what} entry by entry for z = {text_vec(params['z'])}."
        )

    def solve(self, params):
        act = get_activation(params["activation"])
        z = np.asarray(params["z"], dtype=float)
        if self.derivative:
            return {"da_dz": act.prime(z, params["alpha"]).tolist()}
        return {"a": act(z, params["alpha"]).tolist()}

    def solution(self, params):
        z = np.asarray(params["z"], dtype=float)
        key = next(iter(self.solve(params).values()))
        name = "f'(z)" if self.derivative else "a"
        answer = "da_dz" if self.derivative else "a"
        return [
            rule_step(params["activation"], params["alpha"], self.derivative),
            entrywise_step(params["activation"], params["alpha"], z, "z", self.derivative),
            Step(
                "Result",
                f"{name.replace(chr(39), '′')} = {text_vec(key)}",
                rf"{name} = {latex_vec(key)}",
                answers={answer: text_vec(key)},
            ),
        ]


def avoid_zero(rng, values: np.ndarray, lo: float, hi: float, decimals: int) -> np.ndarray:
    """Redraw entries that are exactly 0 (a kink): derivative questions avoid the kink."""
    values = np.array(values, dtype=float)
    for _ in range(50):
        zeros = values == 0
        if not zeros.any():
            return values
        values[zeros] = draw(rng, int(zeros.sum()), lo, hi, decimals)
    raise ConfigError(f"range [{fmt(lo)}, {fmt(hi)}] leaves no value away from the kink at 0")


def activation_slips(params: dict, name: str, value_of, correct: str) -> list[Slip]:
    """Slips shared by questions that apply f: another activation, another α."""
    act = get_activation(params["activation"])
    out = []
    for other in ACTIVATIONS.values():
        if other.slug != act.slug:
            out.append(
                Slip(
                    name,
                    "wrong_activation",
                    value_of(other.slug, None),
                    f"You used {other.name} where the question asks for {act.name}: {correct}.",
                )
            )
    if act.has_alpha:
        a = act.alpha(params["alpha"])
        for other_alpha in OTHER_ALPHAS:
            if other_alpha != a:
                out.append(
                    Slip(
                        name,
                        "wrong_alpha",
                        value_of(act.slug, other_alpha),
                        f"You used α = {fmt(other_alpha)}; this question's α is {fmt(a)}.",
                    )
                )
    return out


def sigmoid_sign_slips(activation: str, answer: str, z, value_of=lambda v: v) -> list[Slip]:
    """σ(−z) where σ(z) is meant (1/(1 + eᶻ): the minus sign of e^(−z) dropped), for sigmoid
    and Swish; ``value_of`` carries the wrong values on to the answer (e.g. through a layer)."""
    z = np.asarray(z, dtype=float)
    if activation == "sigmoid":
        wrong = sigmoid(-z)
    elif activation == "swish":
        wrong = z * sigmoid(-z)
    else:
        return []
    return [
        Slip(
            answer,
            "sigmoid_sign",
            np.asarray(value_of(wrong)).tolist(),
            "You computed 1/(1 + eᶻ), which is σ(−z): σ(z) = 1/(1 + e⁻ᶻ), with a minus sign "
            "in the exponent.",
        )
    ]


def tanh_squared_slip(answer: str, value) -> Slip:
    """tanh′ taken as tanh² (the 1 − dropped), carried on to ``answer``."""
    return Slip(
        answer,
        "tanh_derivative_squared",
        np.asarray(value).tolist(),
        "You used tanh² z as the slope of tanh; it is 1 − tanh² z.",
    )


def bias_after_activation_slip(answer: str, value, f_name: str, bias: str = "b") -> Slip:
    """y = f(Wx) + b: the bias added after the activation instead of before it."""
    return Slip(
        answer,
        "bias_after_activation",
        np.asarray(value).tolist(),
        f"You added the bias {bias} after applying {f_name}; add it first, then apply "
        f"{f_name} to the sum.",
        # f(Wx) + b equals Wx + b (no activation) when f(Wx) = Wx on every row (ReLU with
        # Wx ≥ 0), and Wx when also b = Wx − f(Wx): the answer cannot tell the stories apart,
        # and this one's advice (add b first, then apply f) fixes the answer under each.
        shadows=("wrong_activation", "wrong_alpha", "no_activation", "no_bias_no_activation"),
    )


class ActivationKind(_ActivationKind):
    slug = "activation"
    title = "Activation values"

    def slips(self, params, key):
        z = np.asarray(params["z"], dtype=float)
        act = get_activation(params["activation"])
        out = activation_slips(
            params,
            "a",
            lambda slug, alpha: ACTIVATIONS[slug](z, alpha).tolist(),
            f"{act.name} is {'defined piecewise' if act.kink else 'applied to each entry'}",
        )
        out.append(
            Slip(
                "a",
                "derivative_not_value",
                act.prime(z, params["alpha"]).tolist(),
                "You gave the derivative f′(z); the question asks for the value f(z).",
            )
        )
        out.append(
            Slip(
                "a",
                "no_activation",
                z.tolist(),
                f"You gave z itself: apply {act.name} to each entry.",
            )
        )
        out += sigmoid_sign_slips(act.slug, "a", z)
        return out


class ActivationDerivativeKind(_ActivationKind):
    slug = "activation_derivative"
    title = "Activation derivatives"
    derivative = True

    def slips(self, params, key):
        z = np.asarray(params["z"], dtype=float)
        act = get_activation(params["activation"])
        alpha = params["alpha"]
        out = [
            Slip(
                "da_dz",
                "value_not_derivative",
                act(z, alpha).tolist(),
                "You gave the value f(z); the question asks for the slope f′(z).",
            )
        ]
        if act.slug == "sigmoid":
            out.append(
                Slip(
                    "da_dz",
                    "sigmoid_derivative_of_z",
                    (z * (1 - z)).tolist(),
                    "You computed z(1 − z); the derivative is σ(z)(1 − σ(z)): "
                    "first compute σ(z), then σ(z)(1 − σ(z)).",
                )
            )
        if act.slug == "tanh":
            out.append(
                Slip(
                    "da_dz",
                    "tanh_derivative_unsquared",
                    (1 - np.tanh(z)).tolist(),
                    "You computed 1 − tanh z; the derivative is 1 − tanh² z (square tanh z first).",
                )
            )
            out.append(tanh_squared_slip("da_dz", np.tanh(z) ** 2))
        if act.slug == "swish":
            out.append(
                Slip(
                    "da_dz",
                    "missing_product_rule",
                    sigmoid(z).tolist(),
                    "You gave σ(z) alone: Swish is z·σ(z), so the product rule adds z·σ′(z).",
                )
            )
        if act.slug == "gelu":
            out.append(
                Slip(
                    "da_dz",
                    "missing_product_rule",
                    normal_cdf(z).tolist(),
                    "You gave Φ(z) alone: GELU is z·Φ(z), so the product rule adds z·φ(z).",
                )
            )
        if act.kink and np.any(z == 0):
            at_zero = np.where(z == 0, 1.0, act.prime(z, alpha))
            out.append(
                Slip(
                    "da_dz",
                    "kink_convention",
                    at_zero.tolist(),
                    "At z = 0 the z ≤ 0 branch applies (PyTorch's convention, as in the lecture): "
                    f"{act.name}′(0) = {fmt(float(act.prime(0.0, alpha)))}.",
                )
            )
        out += activation_slips(
            params,
            "da_dz",
            lambda slug, a: ACTIVATIONS[slug].prime(z, a).tolist(),
            f"use the derivative of {act.name}",
        )
        return out
