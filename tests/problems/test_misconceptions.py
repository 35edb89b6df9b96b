"""Each misconception tag fired by a slip built by hand, and never by the right answer."""

import math

import numpy as np
import pytest

import problems
from problems.activations import ACTIVATIONS, get_activation

EXAMPLE = {
    "W": [[1, -1], [0, 2], [3, 1]],
    "x": [1, 2],
    "b": [0, 1, -1],
    "activation": "relu",
    "alpha": None,
}
SQUARE = {"W": [[1, 2], [3, 4]], "x": [2, -1], "b": [0, 0], "activation": "relu", "alpha": None}
LEAKY = dict(EXAMPLE, activation="leaky_relu", alpha=0.01)
MLP = {
    "x": [1],
    "W1": [[-2]],
    "b1": [-1],
    "activation1": "tanh",
    "alpha1": None,
    "W2": [[1]],
    "b2": [0],
    "activation2": "sigmoid",
    "alpha2": None,
}


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
    # W as EXAMPLE, b = [-1, 1, -1]: Wx = [-1, 4, 5], z = [-2, 5, 4], y = [0, 5, 4];
    # ReLU(Wx) + b = [0, 4, 5] + [-1, 1, -1] = [-1, 5, 4]
    (
        "dense_forward",
        dict(EXAMPLE, b=[-1, 1, -1]),
        {"z": [-2, 5, 4], "y": [-1, 5, 4]},
        "bias_after_activation",
        "after applying ReLU",
    ),
    # sigmoid on z = [0.5, 2]: σ(z) = [0.6225, 0.8808]; 1/(1 + eᶻ) = σ(−z) = [0.3775, 0.1192]
    (
        "activation",
        {"activation": "sigmoid", "alpha": None, "z": [0.5, 2]},
        {"a": [0.3775, 0.1192]},
        "sigmoid_sign",
        "σ(−z)",
    ),
    # tanh′(1) = 1 − tanh²(1) = 0.42; tanh²(1) = 0.58
    (
        "activation_derivative",
        {"activation": "tanh", "alpha": None, "z": [1]},
        {"da_dz": [0.58]},
        "tanh_derivative_squared",
        "1 − tanh² z",
    ),
    # w = [2, 2], z = [0.5, 1]: 2·tanh²(0.5) · 2·tanh²(1) = 4 · 0.2136 · 0.58 = 0.4955
    (
        "gradient_chain",
        {"activation": "tanh", "alpha": None, "w": [2, 2], "z": [0.5, 1]},
        {"grad": 0.4955},
        "tanh_derivative_squared",
        "1 − tanh² z",
    ),
    # sigmoid, W = [[1]], x = [1], t = [1], MSE: ∂L/∂y = 2(0.7311 − 1) = -0.5379; times σ(1) =
    # 0.7311 (the value, not the slope 0.1966) gives -0.3932 in every gradient
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
        {"dL_dz": [-0.3932], "dL_dW": [[-0.3932]], "dL_db": [-0.3932], "dL_dx": [-0.3932]},
        "value_not_derivative",
        "slope f′(z)",
    ),
    # tanh, same layer: ∂L/∂y = 2(tanh 1 − 1) = -0.4768; times tanh²(1) = 0.58 gives -0.2766
    (
        "dense_backward",
        {
            "W": [[1]],
            "x": [1],
            "b": [0],
            "activation": "tanh",
            "alpha": None,
            "t": [1],
            "loss": "mse",
        },
        {"dL_dz": [-0.2766], "dL_dW": [[-0.2766]], "dL_db": [-0.2766], "dL_dx": [-0.2766]},
        "tanh_derivative_squared",
        "1 − tanh² z",
    ),
    # sigmoid + BCE: ∂L/∂z = y − t = 0.7311 − 1 = -0.2689; with log₂ it is -0.2689 / ln 2 = -0.388
    (
        "dense_backward",
        {
            "W": [[1]],
            "x": [1],
            "b": [0],
            "activation": "sigmoid",
            "alpha": None,
            "t": [1],
            "loss": "bce",
        },
        {"dL_dz": [-0.388], "dL_dW": [[-0.388]], "dL_db": [-0.388], "dL_dx": [-0.388]},
        "log2_not_ln",
        "log base 2",
    ),
    # z = [1, 2, 3], class 0: L = ln(e + e² + e³) − 1 = 2.4076; log₂ gives 2.4076 / ln 2 = 3.4734
    (
        "softmax_cross_entropy",
        {"z": [1, 2, 3], "target": 0},
        {"p": [0.09, 0.2447, 0.6652], "loss": 3.4734, "dL_dz": [-0.91, 0.2447, 0.6652]},
        "log2_not_ln",
        "log base 2",
    ),
    # x = [1], W₁ = [[-2]], b₁ = [-1], tanh: h = tanh(-3) = -0.9951; tanh(-2) + b₁ = -1.964;
    # y = σ(h) = 0.2699 (W₂ = [[1]], b₂ = [0]); σ(−h) = 0.7301
    (
        "mlp_forward",
        MLP,
        {"h": [-1.964], "y": [0.2699]},
        "bias_after_activation",
        "bias b₁ after applying tanh",
    ),
    ("mlp_forward", MLP, {"h": [-0.9951], "y": [0.7301]}, "sigmoid_sign", "σ(−z)"),
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
        slips = kind.slips(v.params, v.answers)
        for slip in slips:
            sub = dict(v.answers, **{slip.answer: slip.value})
            g = kind.grade(v.params, sub)
            if g.score < 1:
                # named; or its value is also another slip's of the same answer (one story
                # per number), and that one is named: explained away by it, or listed first
                told = any(
                    other.tag in g.misconceptions
                    for other in slips
                    if other.answer == slip.answer
                    and other is not slip
                    and (
                        slip.tag in other.shadows
                        or kind.grade(
                            v.params, dict(v.answers, **{slip.answer: other.value})
                        ).misconceptions
                        == g.misconceptions
                    )
                )
                assert slip.tag in g.misconceptions or told, (seed, slip.tag, g.misconceptions)
                seen.add(slip.tag)
    assert seen or slug == "activation_choice"


@pytest.mark.parametrize("slug", ["dense_forward", "mlp_forward"])
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_bias_after_activation_is_never_called_another_activation(slug, activation):
    """y = f(Wx) + b can equal another activation's values (ReLU with b = -1 and z ≪ 0 looks
    like ELU); it is named bias_after_activation, never wrong_activation or wrong_alpha."""
    kind = problems.get(slug)
    cfg = (
        {"activations": [activation]}
        if slug == "dense_forward"
        else {"activations1": [activation], "activations2": [activation]}
    )
    named = 0
    for seed in range(60):
        v = kind.generate(seed, cfg)
        p = v.params
        if slug == "dense_forward":
            act = ACTIVATIONS[p["activation"]]
            W, x, b = (np.asarray(p[k], dtype=float) for k in ("W", "x", "b"))
            sub = {"z": v.answers["z"], "y": (act(W @ x, p["alpha"]) + b).tolist()}
        else:
            f1 = ACTIVATIONS[p["activation1"]]
            W1, x, b1 = (np.asarray(p[k], dtype=float) for k in ("W1", "x", "b1"))
            sub = {"h": (f1(W1 @ x, p["alpha1"]) + b1).tolist(), "y": v.answers["y"]}
        g = kind.grade(p, sub)
        if g.score < 1:
            named += 1
            assert "bias_after_activation" in g.misconceptions, (seed, g.misconceptions)
            assert not {"wrong_activation", "wrong_alpha"} & set(g.misconceptions), seed
    assert named >= 30


@pytest.mark.parametrize("slug", list(problems.KINDS))
def test_a_wrong_answer_gets_one_story_at_most(slug):
    """Each slip's value submitted for its answer: at most one tag per wrong answer (two slips
    can predict the same number, and two stories for it contradict each other)."""
    kind = problems.get(slug)
    for seed in range(30):
        v = kind.generate(seed)
        for slip in kind.slips(v.params, v.answers):
            g = kind.grade(v.params, dict(v.answers, **{slip.answer: slip.value}))
            wrong = [n for n, r in g.results.items() if not r["correct"]]
            assert len(g.misconceptions) <= len(wrong), (seed, slip.tag, g.misconceptions)


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_bias_after_activation_alone_names_f_of_wx_plus_b(activation):
    """y = f(Wx) + b equals Wx + b when f(Wx) = Wx (ReLU with Wx ≥ 0): it is named
    bias_after_activation only, whose advice (add b, then apply f) fixes it either way."""
    kind = problems.get("dense_forward")
    named = 0
    for seed in range(100):
        v = kind.generate(seed, {"activations": [activation]})
        p = v.params
        W, x, b = np.array(p["W"]), np.array(p["x"]), np.array(p["b"])
        wrong = get_activation(activation)(W @ x, p["alpha"]) + b
        g = kind.grade(p, {"z": v.answers["z"], "y": wrong.tolist()})
        if g.score < 1:
            assert g.misconceptions == ["bias_after_activation"], (seed, g.misconceptions)
            named += 1
    assert named >= 80


def test_every_tag_a_kind_can_give_has_a_name_in_words():
    """Staff pages name tags with words: every tag any kind's slips give (over 40 variants
    of each kind's defaults) has a phrase of its own, not the fallback."""
    from problems.misconceptions import MISCONCEPTIONS

    unnamed = set()
    for kind in problems.KINDS.values():
        for seed in range(40):
            params = kind.generate(seed, {}).params
            for slip in kind.slips(params, kind.solve(params)):
                if slip.tag not in MISCONCEPTIONS and slip.tag not in kind.misconception_names:
                    unnamed.add((kind.slug, slip.tag))
    assert not unnamed


def test_a_tag_is_named_in_words_and_an_unknown_one_loses_its_underscores():
    assert problems.misconception_name("no_activation") == "Activation not applied"
    assert problems.misconception_name("some_new_slip") == "Some new slip"

    class Own:
        misconception_names = {"no_activation": "Skipped f"}

    assert problems.misconception_name("no_activation", Own()) == "Skipped f"
