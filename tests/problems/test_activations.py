"""Activation values at known points, and every derivative against central differences."""

import math

import numpy as np
import pytest

from problems.activations import ACTIVATIONS, get_activation


@pytest.mark.parametrize(
    ("slug", "z", "alpha", "value"),
    [
        ("sigmoid", 0.0, None, 0.5),
        ("sigmoid", 2.0, None, 1 / (1 + math.exp(-2))),
        ("sigmoid", -800.0, None, 0.0),  # no overflow
        ("tanh", 1.0, None, 0.7615941559557649),
        ("relu", -1.0, None, 0.0),
        ("relu", 0.0, None, 0.0),
        ("leaky_relu", -2.0, None, -0.02),
        ("leaky_relu", -2.0, 0.2, -0.4),
        ("elu", -1.0, None, math.exp(-1) - 1),
        ("elu", -1.0, 0.5, 0.5 * (math.exp(-1) - 1)),
        ("swish", 1.0, None, 0.7310585786300049),
        ("gelu", 1.0, None, 0.8413447460685429),
        ("gelu", -1.0, None, -0.15865525393145707),
        ("gelu_tanh", 1.0, None, 0.8411919906082768),
    ],
)
def test_known_values(slug, z, alpha, value):
    assert float(get_activation(slug)(z, alpha)) == pytest.approx(value, rel=1e-14, abs=1e-15)


@pytest.mark.parametrize(
    ("slug", "z", "alpha", "slope"),
    [
        ("relu", 0.0, None, 0.0),  # at the kink the z ≤ 0 branch: ReLU'(0) = 0
        ("leaky_relu", 0.0, None, 0.01),  # leaky ReLU'(0) = α
        ("leaky_relu", 0.0, 0.1, 0.1),
        ("elu", 0.0, 0.5, 0.5),  # ELU'(0) = α e⁰ = α
        ("sigmoid", 0.0, None, 0.25),  # the lecture: max 0.25 at 0
        ("tanh", 0.0, None, 1.0),  # the lecture: max 1 at 0
        ("swish", 0.0, None, 0.5),
        ("gelu", 0.0, None, 0.5),
        ("gelu_tanh", 0.0, None, 0.5),
    ],
)
def test_known_slopes(slug, z, alpha, slope):
    assert float(get_activation(slug).prime(z, alpha)) == pytest.approx(slope, abs=1e-15)


@pytest.mark.parametrize("slug", list(ACTIVATIONS))
@pytest.mark.parametrize("alpha", [None, 0.3])
def test_derivative_matches_central_differences(slug, alpha):
    act = ACTIVATIONS[slug]
    z = np.array([-4.0, -2.5, -1.3, -0.7, -0.2, 0.3, 0.9, 1.6, 2.2, 3.7])
    h = 1e-6
    numeric = (act(z + h, alpha) - act(z - h, alpha)) / (2 * h)
    np.testing.assert_allclose(act.prime(z, alpha), numeric, rtol=1e-7, atol=1e-9)


def test_unknown_activation_names_the_valid_ones():
    with pytest.raises(KeyError, match="gelu_tanh"):
        get_activation("softplus")
