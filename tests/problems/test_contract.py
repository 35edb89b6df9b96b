"""The engine's contract, over every kind × several seeds × every activation."""

import json
import math

import numpy as np
import pytest

import problems
from problems.activations import ACTIVATIONS
from problems.base import fmt
from problems.check import perturb

SEEDS = [0, 1, 7, 42, 2024]


def configs(slug):
    """Configs that put every activation (and loss) through each kind that has one."""
    if slug in ("activation", "activation_derivative", "dense_forward", "gradient_chain"):
        return [{"activations": [a]} for a in ACTIVATIONS]
    if slug == "dense_backward":
        return [{"activations": [a]} for a in ACTIVATIONS] + [
            {"activations": ["sigmoid"], "losses": ["bce"], "target_decimals": 1}
        ]
    if slug == "mlp_forward":
        # each activation in each layer, paired with the next one in the other layer
        names = list(ACTIVATIONS)
        return [
            {"activations1": [a], "activations2": [names[(i + 1) % len(names)]]}
            for i, a in enumerate(names)
        ]
    return [None]


CASES = [(slug, cfg, seed) for slug in problems.KINDS for cfg in configs(slug) for seed in SEEDS]


def numbers_in(params):
    out = []
    for key, value in params.items():
        if key in ("alpha", "alpha1", "alpha2", "target"):
            continue
        arr = np.asarray(value, dtype=object).ravel()
        out += [float(v) for v in arr if isinstance(v, int | float) and not isinstance(v, bool)]
    return out


@pytest.mark.parametrize(("slug", "cfg", "seed"), CASES)
def test_contract(slug, cfg, seed):
    kind = problems.get(slug)
    v = kind.generate(seed, cfg)
    # deterministic and plain JSON
    assert v == kind.generate(seed, cfg)
    assert json.loads(json.dumps(v.to_dict())) == v.to_dict()
    assert v.answers == kind.solve(v.params)
    assert all(  # every key is finite (see test_worked_solutions for the configs' limits)
        math.isfinite(x)
        for value in v.answers.values()
        for x in np.ravel(value)
        if isinstance(x, int | float | np.number) and not isinstance(x, bool)
    )
    # own key is right, a perturbed key is not
    assert kind.grade(v.params, v.answers).score == 1.0
    fields = kind.answer_fields(v.params)
    assert [f["name"] for f in fields] == list(v.answers)
    wrong = {f["name"]: perturb(f, v.answers[f["name"]]) for f in fields}
    assert kind.grade(v.params, wrong).score < 1.0
    # garbage: format errors, never an exception, nothing graded
    for garbage in (
        {},
        {f["name"]: "abc" for f in fields},
        {f["name"]: [] for f in fields},
        {f["name"]: float("nan") for f in fields},
        "not a dict",
        {"zzz": 1},
    ):
        g = kind.grade(v.params, garbage)
        assert g.format_errors and g.score == 0.0 and not g.counts_as_attempt
    # the worked solution shows this variant's numbers
    steps = kind.solution(v.params)
    assert steps and all(s.title and s.text for s in steps)
    shown = "\n".join(s.text + "\n" + s.latex for s in steps)
    for number in numbers_in(v.params):
        assert fmt(number) in shown, (number, shown)
    assert kind.prompt(v.params)


def test_seeds_give_different_variants():
    kind = problems.get("dense_forward")
    params = {json.dumps(kind.generate(s).params) for s in range(30)}
    assert len(params) >= 27


def test_unknown_kind_names_the_valid_ones():
    with pytest.raises(problems.UnknownKind, match="dense_forward") as info:
        problems.get("dense")
    assert isinstance(info.value, LookupError)


@pytest.mark.parametrize(
    ("slug", "config", "message"),
    [
        ("dense_forward", {"activations": ["softplus"]}, "Activations: unknown 'softplus'"),
        ("dense_forward", {"m": 0}, "Outputs m: must lie between 1 and 8, got 0 to 0"),
        (
            "dense_forward",
            {"fixed": {"W": [[1, 2], [3, 4]], "x": [1, 2, 3], "b": [0, 0]}},
            "W is 2×2 .* x needs 2 entries, not 3",
        ),
        ("dense_forward", {"size": [1, 2]}, "unknown config key"),
        ("dense_forward", {"fixed": {"q": 1}}, "cannot pin q"),
        ("dense_backward", {"losses": ["bce"], "activations": ["relu"]}, "needs sigmoid"),
        (
            "activation",
            {"range": [3, -3]},
            r"Value range: from must not be above to \(got 3 to -3\)",
        ),
        ("activation_derivative", {"activations": ["relu"], "range": [0, 0]}, "kink"),
    ],
)
def test_invalid_configs_raise_config_error(slug, config, message):
    with pytest.raises(problems.ConfigError, match=message):
        problems.get(slug).generate(1, config)


def test_fixed_parameters_pin_the_lectures_problem():
    v = problems.get("dense_forward").generate(
        3, {"fixed": {"W": [[1, -1], [0, 2], [3, 1]], "x": [1, 2], "b": [0, 1, -1]}}
    )
    assert v.params["W"] == [[1, -1], [0, 2], [3, 1]]
    assert v.answers == {"z": [-1.0, 5.0, 4.0], "y": [0.0, 5.0, 4.0]}


def test_displayed_parameters_are_rounded_before_the_key():
    kind = problems.get("activation")
    v = kind.generate(5, {"decimals": 2, "activations": ["sigmoid"]})
    for z, a in zip(v.params["z"], v.answers["a"], strict=True):
        assert round(z, 2) == z
        assert a == pytest.approx(1 / (1 + np.exp(-z)), rel=1e-15, abs=0)  # from the shown z
