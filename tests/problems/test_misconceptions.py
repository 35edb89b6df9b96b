"""Each misconception tag fired by a slip built by hand, and never by the right answer."""

import math

import pytest

import problems

EXAMPLE = {
    "W": [[1, -1], [0, 2], [3, 1]],
    "x": [1, 2],
    "b": [0, 1, -1],
    "activation": "relu",
    "alpha": None,
}
SQUARE = {"W": [[1, 2], [3, 4]], "x": [2, -1], "b": [0, 0], "activation": "relu", "alpha": None}
LEAKY = dict(EXAMPLE, activation="leaky_relu", alpha=0.01)


def sig(v):
    return 1 / (1 + math.exp(-v))


CASES = [
    # dense_forward on the lecture's example: z = [-1, 5, 4], y = [0, 5, 4]
    (
        "dense_forward",
        EXAMPLE,
        {"z": [-1, 5, 4], "y": [-1, 5, 4]},
        "no_activation",
        "did not apply ReLU",
    ),
    (
        "dense_forward",
        EXAMPLE,
        {"z": [-1, 5, 4], "y": [0, 4, 5]},
        "no_bias",
        "forgot to add the bias",
    ),
    (
        "dense_forward",
        EXAMPLE,
        {"z": [-1, 4, 5], "y": [-1, 4, 5]},
        "no_bias_no_activation",
        "You gave Wx",
    ),
    (
        "dense_forward",
        EXAMPLE,
        {"z": [-1, 4, 5], "y": [0, 5, 4]},
        "no_bias",
        "forgot to add the bias b",
    ),
    # W = [[1, 2], [3, 4]], x = [2, -1]: Wx = [0, 2] but Wᵀx = [2 − 3, 4 − 4] = [-1, 0]
    ("dense_forward", SQUARE, {"z": [-1, 0], "y": [0, 2]}, "transposed_weights", "Wᵀ"),
    ("dense_forward", SQUARE, {"z": [0, 2], "y": [0, 0]}, "transposed_weights", "Wᵀ"),
    (
        "dense_forward",
        EXAMPLE,
        {"z": [-1, 5, 4], "y": [round(sig(-1), 4), round(sig(5), 4), round(sig(4), 4)]},
        "wrong_activation",
        "You used sigmoid",
    ),
    # leaky ReLU with α = 0.01 gives y₁ = -0.01; α = 0.1 gives -0.1
    ("dense_forward", LEAKY, {"z": [-1, 5, 4], "y": [-0.1, 5, 4]}, "wrong_alpha", "α = 0.1"),
    # σ(0) = 0.5, σ(2) = 0.8808: the value, not the slope 0.25, 0.105
    (
        "activation_derivative",
        {"activation": "sigmoid", "alpha": None, "z": [0, 2]},
        {"da_dz": [0.5, 0.8808]},
        "value_not_derivative",
        "slope",
    ),
    (
        "activation_derivative",
        {"activation": "sigmoid", "alpha": None, "z": [0.5, 2]},
        {"da_dz": [0.25, -2]},
        "sigmoid_derivative_of_z",
        "σ(z)(1 − σ(z))",
    ),
    (
        "activation_derivative",
        {"activation": "tanh", "alpha": None, "z": [1]},
        {"da_dz": [0.2384]},
        "tanh_derivative_unsquared",
        "1 − tanh² z",
    ),
    (
        "activation_derivative",
        {"activation": "relu", "alpha": None, "z": [0, 2]},
        {"da_dz": [1, 1]},
        "kink_convention",
        "ReLU′(0) = 0",
    ),
    # sigmoid, W = [[1]], x = [1], t = [1], MSE: y = σ(1) = 0.7311, dL/dy = 2(y − 1) = -0.5379,
    # σ'(1) = 0.1966, dL/dz = -0.1058; leaving out σ' gives -0.5379
    (
        "dense_backward",
        {
            "W": [[1]],
            "x": [1],
            "b": [0],
            "activation": "sigmoid",
            "alpha": None,
            "t": [1],
            "loss": "mse",
        },
        {"dL_dz": [-0.5379], "dL_dW": [[-0.1058]], "dL_db": [-0.1058], "dL_dx": [-0.1058]},
        "missing_activation_derivative",
        "f′(z)",
    ),
    # W 2×3 (ReLU, z = [1, 2] > 0), x = [1, 2, 3], t = [0, 0]: dL/dz = 2(y − t)/2 = [1, 2],
    # dL/dW = [[1, 2, 3], [2, 4, 6]]; the transpose 3×2 is named, not refused
    (
        "dense_backward",
        {
            "W": [[1, 0, 0], [0, 1, 0]],
            "x": [1, 2, 3],
            "b": [0, 0],
            "activation": "relu",
            "alpha": None,
            "t": [0, 0],
            "loss": "mse",
        },
        {"dL_dz": [1, 2], "dL_dW": [[1, 2], [2, 4], [3, 6]], "dL_db": [1, 2], "dL_dx": [1, 2, 0]},
        "transposed_gradient",
        "transposed",
    ),
    (
        "dense_backward",
        {
            "W": [[1, 0, 0], [0, 1, 0]],
            "x": [1, 2, 3],
            "b": [0, 0],
            "activation": "relu",
            "alpha": None,
            "t": [0, 0],
            "loss": "mse",
        },
        {"dL_dz": [2, 4], "dL_dW": [[1, 2, 3], [2, 4, 6]], "dL_db": [1, 2], "dL_dx": [1, 2, 0]},
        "loss_not_averaged",
        "divide by 2",
    ),
    (
        "softmax_cross_entropy",
        {"z": [1, 2, 3], "target": 0},
        {"p": [1, 2, 3], "loss": 2.4076, "dL_dz": [-0.91, 0.2447, 0.6652]},
        "gave_logits",
        "logits",
    ),
    ("param_count", {"layers": [784, 128, 64, 10]}, {"count": 109184}, "forgot_biases", "bias"),
    (
        "gradient_chain",
        {"activation": "sigmoid", "alpha": None, "w": [2, 2], "z": [0, 0]},
        {"grad": 0.0625},
        "forgot_weights",
        "weight",
    ),
    (
        "shape_check",
        {"a_shape": [3, 2], "b_shape": [2, 1], "product": "W·x (x a column)"},
        {"valid": True, "shape": "2x2"},
        "inner_outer_confused",
        "outer",
    ),
    (
        "activation_choice",
        {"scenario": "multiclass_output", "options": ["softmax", "sigmoid", "relu", "tanh"]},
        {"choice": "sigmoid"},
        "sigmoid_for_multiclass",
        "sum to 1",
    ),
]


@pytest.mark.parametrize(
    ("slug", "params", "submission", "tag", "words"), CASES, ids=[f"{c[0]}-{c[3]}" for c in CASES]
)
def test_slip_is_named(slug, params, submission, tag, words):
    kind = problems.get(slug)
    g = kind.grade(params, submission)
    assert not g.format_errors
    assert g.score < 1
    assert tag in g.misconceptions
    assert any(words in s for s in g.feedback), g.feedback


@pytest.mark.parametrize(
    ("slug", "params"), {(c[0], repr(c[1])): (c[0], c[1]) for c in CASES}.values()
)
def test_right_answer_names_no_slip(slug, params):
    kind = problems.get(slug)
    g = kind.grade(params, kind.solve(params))
    assert g.score == 1.0 and g.misconceptions == [] and g.feedback == ["All correct."]


@pytest.mark.parametrize("slug", list(problems.KINDS))
def test_every_slip_fires_on_its_own_value(slug):
    """Over many variants: each slip that differs from the key is recognised by its tag."""
    kind = problems.get(slug)
    seen = set()
    for seed in range(40):
        v = kind.generate(seed)
        for slip in kind.slips(v.params, v.answers):
            sub = dict(v.answers, **{slip.answer: slip.value})
            g = kind.grade(v.params, sub)
            if g.score < 1:
                assert slip.tag in g.misconceptions, (seed, slip.tag, g.misconceptions)
                seen.add(slip.tag)
    assert seen or slug == "activation_choice"
