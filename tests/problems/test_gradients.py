"""The backward-pass keys against central finite differences of the loss itself."""

import numpy as np
import pytest

import problems
from problems.activations import ACTIVATIONS
from problems.softmax import softmax

H = 1e-6


def loss(params, W, x, b):
    act = ACTIVATIONS[params["activation"]]
    y = act(W @ x + b, params["alpha"])
    t = np.asarray(params["t"], dtype=float)
    if params["loss"] == "mse":
        return float(np.mean((y - t) ** 2))
    return float(-np.mean(t * np.log(y) + (1 - t) * np.log(1 - y)))


def numeric_gradient(f, v):
    g = np.zeros_like(v)
    for i in np.ndindex(v.shape):
        up, down = v.copy(), v.copy()
        up[i] += H
        down[i] -= H
        g[i] = (f(up) - f(down)) / (2 * H)
    return g


CONFIGS = [{"activations": [a], "decimals": 1} for a in ACTIVATIONS] + [
    {"activations": ["sigmoid"], "losses": ["bce"], "target_decimals": 1, "decimals": 1}
]


@pytest.mark.parametrize(
    "config",
    CONFIGS,
    ids=[c["activations"][0] + "-" + c.get("losses", ["mse"])[0] for c in CONFIGS],
)
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_dense_backward_matches_finite_differences(config, seed):
    kind = problems.get("dense_backward")
    v = kind.generate(seed, config)
    p = v.params
    W, x, b = (np.asarray(p[k], dtype=float) for k in ("W", "x", "b"))
    key = {k: np.asarray(val) for k, val in v.answers.items()}
    np.testing.assert_allclose(
        key["dL_dW"], numeric_gradient(lambda w: loss(p, w, x, b), W), rtol=1e-5, atol=1e-7
    )
    np.testing.assert_allclose(
        key["dL_db"], numeric_gradient(lambda c: loss(p, W, x, c), b), rtol=1e-5, atol=1e-7
    )
    np.testing.assert_allclose(
        key["dL_dx"], numeric_gradient(lambda u: loss(p, W, u, b), x), rtol=1e-5, atol=1e-7
    )
    z = W @ x + b
    act = ACTIVATIONS[p["activation"]]
    t = np.asarray(p["t"], dtype=float)

    def loss_of_z(zz):
        y = act(zz, p["alpha"])
        if p["loss"] == "mse":
            return float(np.mean((y - t) ** 2))
        return float(-np.mean(t * np.log(y) + (1 - t) * np.log(1 - y)))

    np.testing.assert_allclose(key["dL_dz"], numeric_gradient(loss_of_z, z), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("seed", range(6))
def test_softmax_cross_entropy_gradient(seed):
    kind = problems.get("softmax_cross_entropy")
    v = kind.generate(seed)
    z = np.asarray(v.params["z"], dtype=float)
    target = v.params["target"]
    numeric = numeric_gradient(lambda zz: float(-np.log(softmax(zz)[target])), z)
    np.testing.assert_allclose(v.answers["dL_dz"], numeric, rtol=1e-6, atol=1e-8)
    assert v.answers["loss"] == pytest.approx(
        -np.log(np.exp(z[target]) / np.exp(z).sum()), rel=1e-12
    )
