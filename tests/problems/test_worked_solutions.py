"""What the worked solution and the question show, checked against the key, for every kind:
real numbers in every step, final answers that score 1 when typed back, keys computed from
exactly the numbers shown, finite keys under extreme configs, sizes from pinned arrays."""

import math

import numpy as np
import pytest

import problems
from problems.activation import slope_latex, value_latex
from problems.activations import ACTIVATIONS
from problems.base import fmt, latex_num
from problems.grading import MAX_MAGNITUDE
from tests.problems.test_contract import configs

SEEDS = range(30)
CASES = [(slug, cfg) for slug in problems.KINDS for cfg in configs(slug)]
IDS = [f"{slug}-{cfg}" for slug, cfg in CASES]


def shown(value):
    """A parameter as the student reads it: every number through fmt and back."""
    if isinstance(value, list):
        return [shown(v) for v in value]
    if isinstance(value, int | float) and not isinstance(value, bool):
        back = float(fmt(value))
        return int(back) if isinstance(value, int) else back
    return value


# ---------------------------------------------------------------- item 2: real numbers


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("z", [-2.5, -1, -0.3, 0.7, 1, 3])
def test_each_value_and_slope_line_shows_its_numbers(activation, z):
    act = ACTIVATIONS[activation]
    for line, result in (
        (value_latex(activation, z, None), act(z)),
        (slope_latex(activation, z, None), act.prime(z)),
    ):
        assert latex_num(z) in line and line.endswith(f"= {latex_num(float(result))}"), line
        assert r"\text" not in line, line  # no words standing in for a formula


def test_gelu_tanh_slope_shows_t_and_both_terms():
    # z = 1: u = √(2/π)(1 + 0.044715) = 0.8336, t = tanh u = 0.6824, (1 + t)/2 = 0.8412,
    # (z/2)(1 − t²)√(2/π)(1 + 3·0.044715) = 0.5 · 0.5344 · 0.7979 · 1.1341 = 0.2418;
    # f′(1) = 1.083
    line = slope_latex("gelu_tanh", 1.0, None)
    for number in ("0.8336", "0.6824", "0.8412", "0.2418", "= 1.083"):
        assert number in line, line


@pytest.mark.parametrize(("slug", "cfg"), CASES, ids=IDS)
def test_no_step_has_placeholder_words_instead_of_numbers(slug, cfg):
    kind = problems.get(slug)
    for seed in range(10):
        for step in kind.solution(kind.generate(seed, cfg).params):
            assert r"\text{(" not in step.latex and "formula)" not in step.latex, step


@pytest.mark.parametrize(("slug", "cfg"), CASES, ids=IDS)
def test_step_titles_and_sentences_are_plain_text(slug, cfg):
    """Titles and sentences are read as text: W₁, b₂, z₁, never LaTeX's W_1 or \\frac."""
    kind = problems.get(slug)
    for seed in range(10):
        for step in kind.solution(kind.generate(seed, cfg).params):
            for words in (step.title, step.text):
                assert "_" not in words and "\\" not in words and "{" not in words, step


def test_the_two_layer_net_names_each_layers_bias():
    kind = problems.get("mlp_forward")
    steps = kind.solution(kind.generate(0).params)
    titles = [s.title for s in steps]
    assert "Add the bias b₁" in titles and "Add the bias b₂" in titles
    assert any(s.text.startswith("z₁ = W₁x + b₁ = ") for s in steps)
    assert any(s.text.startswith("z₂ = W₂h + b₂ = ") for s in steps)
    assert any(r"z_{1,1}: \ f(" in s.latex for s in steps)  # not z_1_{1}


# ---------------------------------------------------------------- item 4: shown answers


@pytest.mark.parametrize(("slug", "cfg"), CASES, ids=IDS)
def test_final_answers_as_shown_score_full_marks(slug, cfg):
    kind = problems.get(slug)
    for seed in SEEDS:
        v = kind.generate(seed, cfg)
        typed: dict[str, str] = {}
        for step in kind.solution(v.params):
            for name, text in step.answers.items():
                assert text.lower() in (step.title + " " + step.text).lower(), (name, step)
                typed[name] = text
        assert sorted(typed) == sorted(v.answers), (seed, typed)
        g = kind.grade(v.params, typed)
        assert g.score == 1.0, (seed, typed, v.answers, g.feedback)


def test_gradient_chain_shows_four_significant_figures():
    kind = problems.get("gradient_chain")
    v = kind.generate(0)
    assert v.answers["grad"] == pytest.approx(-0.0149774, abs=1e-7)
    assert "grad = -0.01498:" in kind.solution(v.params)[-1].text
    assert kind.grade(v.params, {"grad": "-0.01498"}).score == 1.0


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (-0.014977361655986452, "-0.01498"),
        (0.0012345678, "0.001235"),
        (0.00012345678, "1.235e-04"),
        (0.7310585786300049, "0.7311"),
        (12.345678, "12.3457"),
        (0.00126, "0.00126"),  # short: shown exactly
        (-3.0, "-3"),
        (1e-05, "1e-05"),
    ],
)
def test_fmt_is_exact_for_short_numbers_and_four_significant_otherwise(value, text):
    assert fmt(value) == text


# ---------------------------------------------------------------- item 5: key from shown


@pytest.mark.parametrize(("slug", "cfg"), CASES, ids=IDS)
def test_key_computed_from_the_shown_numbers_is_the_key(slug, cfg):
    kind = problems.get(slug)
    for seed in SEEDS:
        v = kind.generate(seed, cfg)
        assert kind.solve(shown(v.params)) == v.answers, seed


# A pinned array of a size the defaults do not draw, with a value of 5 decimals (0.00126),
# for every kind with sized parameters: each alone must give a variant on every seed.
PINS = [
    ("activation", "z", [0.00126, -2, 1.5, 0.25, 3]),
    ("activation_derivative", "z", [0.00126, -2, 1.5, 0.25, 3]),
    ("dense_forward", "W", [[0.00126], [1], [-2], [3]]),
    ("dense_forward", "x", [0.00126, 2, 1, -1]),
    ("dense_forward", "b", [0.00126]),
    ("dense_backward", "W", [[0.00126, 1, -2, 0.5]]),
    ("dense_backward", "x", [0.00126, 2, 1, -1, 0.5]),
    ("dense_backward", "b", [0.00126, 1, -1, 0.5]),
    ("dense_backward", "t", [1, 0, 1, 0]),
    ("mlp_forward", "x", [0.00126, 1, -1]),
    ("mlp_forward", "W1", [[0.00126, 1, -1]] * 5),
    ("mlp_forward", "b1", [0.00126, 1, -1, 0.5, 2]),
    ("mlp_forward", "W2", [[0.00126, 1, -1]] * 2),
    ("mlp_forward", "b2", [0.00126, 1, -1]),
    ("softmax_cross_entropy", "z", [0.00126, 1, -1, 0.5, 2, 3]),
    ("gradient_chain", "w", [0.00126, 2, 1, -1, 0.5, 2, 3]),
    ("gradient_chain", "z", [0.5, -0.25]),
    ("param_count", "layers", [10, 5, 5, 5, 5, 2]),
]


def test_every_sized_parameter_is_pinned_here():
    sized = {(slug, name) for slug, k in problems.KINDS.items() for name in k.sizes}
    assert sized == {(slug, name) for slug, name, _ in PINS}


@pytest.mark.parametrize(("slug", "name", "value"), PINS, ids=[f"{s}-{n}" for s, n, _ in PINS])
def test_a_pinned_array_alone_sets_its_sizes_and_is_shown_as_given(slug, name, value):
    kind = problems.get(slug)
    for seed in SEEDS:
        v = kind.generate(seed, {"fixed": {name: value}})
        assert v.params[name] == value
        assert kind.solve(shown(v.params)) == v.answers
        if 0.00126 in np.ravel(value):
            assert "0.00126" in kind.prompt(v.params)


def test_the_reviewers_pinned_chain_is_shown_and_keyed_as_given():
    # w = [0.00126, 2], tanh, z = [0.5, -0.25]: grad = 0.00126·(1 − tanh²0.5)·2·(1 − tanh²0.25)
    kind = problems.get("gradient_chain")
    cfg = {"activations": ["tanh"], "fixed": {"w": [0.00126, 2], "z": [0.5, -0.25]}}
    v = kind.generate(0, cfg)
    assert "w = [0.00126, 2]" in kind.prompt(v.params)
    t1, t2 = math.tanh(0.5), math.tanh(-0.25)
    assert v.answers["grad"] == 0.00126 * (1 - t1 * t1) * (2 * (1 - t2 * t2))


@pytest.mark.parametrize(
    ("slug", "config", "message"),
    [
        ("gradient_chain", {"fixed": {"w": [0.1234567, 2], "z": [0, 1]}}, "more digits"),
        ("dense_forward", {"fixed": {"b": [1, 2e6]}}, "within ±1e6"),
        ("activation", {"activations": ["elu"], "alpha": 0.123456789}, "more digits"),
        ("softmax_cross_entropy", {"range": [-2e6, 0]}, "within ±1e6"),
        (
            "dense_forward",
            {"fixed": {"W": [[1, 2]] * 9}},
            "Outputs m: must lie between 1 and 8.*pinned W",
        ),
        (
            "gradient_chain",
            {"fixed": {"w": [1] * 13}},
            "Units in the chain: must lie between 1 and 12",
        ),
    ],
)
def test_pinned_values_that_cannot_be_shown_or_bounded_are_refused(slug, config, message):
    with pytest.raises(problems.ConfigError, match=message):
        problems.get(slug).generate(0, config)


# ---------------------------------------------------------------- item 3: finite keys

EXTREME = {
    "activation": {"range": [-1e6, 1e6], "size": 12, "decimals": 4, "alpha": 10},
    "activation_derivative": {"range": [-1e6, 1e6], "size": 12, "decimals": 0, "alpha": 10},
    "dense_forward": {"range": [-1e6, 1e6], "m": 8, "n": 8, "alpha": 10},
    "dense_backward": {
        "range": [-1e6, 1e6],
        "m": 6,
        "n": 6,
        "alpha": 10,
        "target_range": [-1e6, 1e6],
    },
    "mlp_forward": {
        "range": [-1e6, 1e6],
        "input_values": [-1e6, 1e6],
        "inputs": 6,
        "hidden": 6,
        "outputs": 4,
    },
    "softmax_cross_entropy": {"range": [-1e6, 1e6], "k": 10, "decimals": 0},
    "gradient_chain": {"w_range": [-1e6, 1e6], "z_range": [-1e6, 1e6], "length": 12, "alpha": 10},
    "shape_check": {"m": 1000, "n": 1000},
    "param_count": {"depth": 10, "widths": [100000]},
    "activation_choice": {},
}


def extreme_configs(slug):
    base = EXTREME[slug]
    if slug == "dense_backward":
        return [dict(base, activations=[a]) for a in ACTIVATIONS] + [
            {"range": [-1e6, 1e6], "m": 6, "n": 6, "losses": ["bce"], "activations": ["sigmoid"]}
        ]
    if slug == "mlp_forward":
        return [dict(base, activations1=[a], activations2=[a]) for a in ACTIVATIONS]
    if "alpha" in base:
        return [dict(base, activations=[a]) for a in ACTIVATIONS]
    return [base]


@pytest.mark.parametrize("slug", list(problems.KINDS))
def test_no_kind_gives_a_non_finite_key_even_at_the_configs_limits(slug):
    assert set(EXTREME) == set(problems.KINDS)
    kind = problems.get(slug)
    for cfg in extreme_configs(slug):
        for seed in range(8):
            v = kind.generate(seed, cfg)
            flat = [x for value in v.answers.values() for x in np.ravel(value)]
            numbers = [x for x in flat if not isinstance(x, bool | str | np.str_)]
            assert all(math.isfinite(x) for x in numbers), (cfg, seed, v.answers)
            # and small enough to be typed back: grading refuses numbers beyond MAX_MAGNITUDE
            assert all(abs(x) <= MAX_MAGNITUDE for x in numbers), (cfg, seed, v.answers)
            assert kind.solution(v.params)


def test_softmax_of_far_apart_logits_is_finite_and_shown_shifted():
    kind = problems.get("softmax_cross_entropy")
    v = kind.generate(1, {"range": [-1000, 1000], "decimals": 0})
    assert v.params == {"z": [24, 511, 901], "target": 0}
    # L = ln(e^(24−901) + e^(511−901) + 1) − (24 − 901) = 877 (the other terms are < 1e-169)
    assert v.answers["loss"] == 877.0
    steps = kind.solution(v.params)
    assert "z − m = [-877, -390, 0]" in steps[1].text
    assert "L = −ln p[0] = ln S − (z[0] − m) = ln 1 − (-877) = 877" in steps[3].text
    # z = [710, 0, 0], class 1: e^710 overflows a double; shifted, L = ln(1 + 2e^-710) + 710
    fixed = kind.generate(0, {"fixed": {"z": [710, 0, 0], "target": 1}})
    assert fixed.answers["loss"] == 710.0
    assert kind.solution(fixed.params)
