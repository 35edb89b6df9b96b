"""Activation functions and their derivatives, one table, PyTorch's conventions.

Every entry follows ``torch.nn.functional``: ``relu``, ``leaky_relu`` (negative slope
``alpha``, default 0.01), ``elu`` (``alpha``, default 1.0), ``sigmoid``, ``tanh``,
``swish`` (SiLU, z·σ(z)), ``gelu`` (exact, z·Φ(z)) and ``gelu_tanh`` (GELU's tanh
approximation). At a kink the z ≤ 0 branch applies, as in the lecture and in PyTorch's
backward kernels: ReLU'(0) = 0, leaky ReLU'(0) = α, ELU'(0) = α.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
GELU_TANH_KAPPA = 0.044715
_erf = np.frompyfunc(math.erf, 1, 1)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) = 1 / (1 + e^(−z)), computed without overflow for large |z|."""
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def normal_cdf(z: np.ndarray) -> np.ndarray:
    """Φ(z), the standard normal CDF, from math.erf entry by entry."""
    z = np.asarray(z, dtype=float)
    return 0.5 * (1.0 + np.asarray(_erf(z / math.sqrt(2.0)), dtype=float))


def normal_pdf(z: np.ndarray) -> np.ndarray:
    """φ(z), the standard normal density."""
    z = np.asarray(z, dtype=float)
    return np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)


def _gelu_tanh(z, _alpha):
    inner = SQRT_2_OVER_PI * (z + GELU_TANH_KAPPA * z**3)
    return 0.5 * z * (1.0 + np.tanh(inner))


def _gelu_tanh_prime(z, _alpha):
    # The same expression as PyTorch's GeluBackward with approximate='tanh'.
    inner = SQRT_2_OVER_PI * (z + GELU_TANH_KAPPA * z**3)
    t = np.tanh(inner)
    d_inner = SQRT_2_OVER_PI * (1.0 + 3.0 * GELU_TANH_KAPPA * z * z)
    return 0.5 * (1.0 + t) + 0.5 * z * (1.0 - t * t) * d_inner


@dataclass(frozen=True)
class Activation:
    """One activation: its value, derivative, formulas and where it has a kink."""

    slug: str
    name: str
    f: Callable[[np.ndarray, float | None], np.ndarray]
    df: Callable[[np.ndarray, float | None], np.ndarray]
    formula: str  # LaTeX of f(z)
    derivative: str  # LaTeX of f'(z)
    default_alpha: float | None = None
    kink: bool = False  # f' jumps at z = 0

    def __call__(self, z, alpha: float | None = None) -> np.ndarray:
        return self.f(np.asarray(z, dtype=float), self.alpha(alpha))

    def prime(self, z, alpha: float | None = None) -> np.ndarray:
        """f'(z) with the z ≤ 0 branch at a kink."""
        return self.df(np.asarray(z, dtype=float), self.alpha(alpha))

    def alpha(self, alpha: float | None) -> float | None:
        """The α in force: the given one, else the default; None where f has no α."""
        if self.default_alpha is None:
            return None
        return float(self.default_alpha if alpha is None else alpha)

    @property
    def has_alpha(self) -> bool:
        return self.default_alpha is not None


ACTIVATIONS: dict[str, Activation] = {
    a.slug: a
    for a in [
        Activation(
            "relu",
            "ReLU",
            lambda z, _a: np.where(z > 0, z, 0.0),
            lambda z, _a: np.where(z > 0, 1.0, 0.0),
            r"\max(0, z)",
            r"\begin{cases} 1 & z > 0 \\ 0 & z \le 0 \end{cases}",
            kink=True,
        ),
        Activation(
            "leaky_relu",
            "leaky ReLU",
            lambda z, a: np.where(z > 0, z, a * z),
            lambda z, a: np.where(z > 0, 1.0, a),
            r"\begin{cases} z & z > 0 \\ \alpha z & z \le 0 \end{cases}",
            r"\begin{cases} 1 & z > 0 \\ \alpha & z \le 0 \end{cases}",
            default_alpha=0.01,
            kink=True,
        ),
        Activation(
            "elu",
            "ELU",
            lambda z, a: np.where(z > 0, z, a * np.expm1(np.minimum(z, 0.0))),
            lambda z, a: np.where(z > 0, 1.0, a * np.exp(np.minimum(z, 0.0))),
            r"\begin{cases} z & z > 0 \\ \alpha (e^{z} - 1) & z \le 0 \end{cases}",
            r"\begin{cases} 1 & z > 0 \\ \alpha e^{z} & z \le 0 \end{cases}",
            default_alpha=1.0,
            kink=True,
        ),
        Activation(
            "sigmoid",
            "sigmoid",
            lambda z, _a: sigmoid(z),
            lambda z, _a: sigmoid(z) * (1.0 - sigmoid(z)),
            r"\sigma(z) = \frac{1}{1 + e^{-z}}",
            r"\sigma(z)\,(1 - \sigma(z))",
        ),
        Activation(
            "tanh",
            "tanh",
            lambda z, _a: np.tanh(z),
            lambda z, _a: 1.0 - np.tanh(z) ** 2,
            r"\tanh z = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}",
            r"1 - \tanh^2 z",
        ),
        Activation(
            "swish",
            "Swish",
            lambda z, _a: z * sigmoid(z),
            lambda z, _a: sigmoid(z) * (1.0 + z * (1.0 - sigmoid(z))),
            r"z\,\sigma(z)",
            r"\sigma(z)\,\bigl(1 + z\,(1 - \sigma(z))\bigr)",
        ),
        Activation(
            "gelu",
            "GELU",
            lambda z, _a: z * normal_cdf(z),
            lambda z, _a: normal_cdf(z) + z * normal_pdf(z),
            r"z\,\Phi(z) = \frac{z}{2}\left(1 + \operatorname{erf}\frac{z}{\sqrt{2}}\right)",
            r"\Phi(z) + z\,\varphi(z), \quad \varphi(z) = \frac{e^{-z^2/2}}{\sqrt{2\pi}}",
        ),
        Activation(
            "gelu_tanh",
            "GELU (tanh approximation)",
            _gelu_tanh,
            _gelu_tanh_prime,
            r"\frac{z}{2}\left(1 + \tanh\left(\sqrt{2/\pi}\,(z + 0.044715 z^3)\right)\right)",
            r"\frac{1 + t}{2} + \frac{z}{2}(1 - t^2)\sqrt{2/\pi}\,(1 + 3 \cdot 0.044715 z^2),"
            r"\ t = \tanh\left(\sqrt{2/\pi}\,(z + 0.044715 z^3)\right)",
        ),
    ]
}


def get_activation(slug: str) -> Activation:
    """The activation named ``slug``; KeyError naming the valid ones otherwise."""
    try:
        return ACTIVATIONS[slug]
    except KeyError:
        raise KeyError(f"unknown activation {slug!r}; valid: {', '.join(ACTIVATIONS)}") from None
