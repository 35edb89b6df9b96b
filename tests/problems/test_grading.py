"""Entry parsing, the safe evaluator and the tolerance rules at their boundaries."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import problems
from problems.grading import EntryError, Policy, entries_match, parse_answer, parse_number

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("3/4", 0.75),
        ("-1.5e-2", -0.015),
        ("0.622", 0.622),
        (" −2 ", -2.0),
        (".5", 0.5),
        ("-3/-4", 0.75),
        ("1E3", 1000.0),
        (7, 7.0),
        (0.25, 0.25),
    ],
)
def test_numbers_mode(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "could not read 'abc' as a number"),
        ("2*3", "could not read"),
        ("", "empty"),
        ("1/0", "divides by zero"),
        ("nan", "could not read"),
        ("1e400", "NaN and infinity"),
        ("1e101", "too large"),
        ("9" * 200, "longer than 120"),
        (True, "true/false"),
        (None, "got nothing"),
    ],
)
def test_numbers_mode_rejects(text, message):
    with pytest.raises(EntryError, match=message):
        parse_number(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [("(2*3 - 1)/4", 1.25), ("2^3", 8.0), ("2×3÷4", 1.5), ("-e", -math.e), ("pi/2", math.pi / 2)],
)
def test_arithmetic_mode(text, value):
    assert parse_number(text, "arithmetic") == pytest.approx(value, rel=1e-15)


def test_functions_only_in_functions_mode():
    assert parse_number("exp(-1)", "functions") == math.exp(-1)
    assert parse_number("1 - tanh(0.5)^2", "functions") == pytest.approx(1 - math.tanh(0.5) ** 2)
    with pytest.raises(EntryError, match="functions such as exp"):
        parse_number("exp(-1)", "arithmetic")


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os')",
        "().__class__",
        "[1, 2]",
        "x + 1",
        "9**9**9",
        "2**100000",
        "exp(1000)",
        "sqrt(-1)",
        "log(0)",
        "'a'",
        "lambda: 1",
        "(" * 60 + "1" + ")" * 60,
    ],
)
def test_evaluator_refuses_anything_else(text):
    with pytest.raises(EntryError):
        parse_number(text, "functions")


def test_shapes_and_pasted_lists():
    assert parse_answer("[0, 5, 4]", [3], "numbers", "y").tolist() == [0, 5, 4]
    assert parse_answer("0 5 4", [3], "numbers", "y").tolist() == [0, 5, 4]
    assert parse_answer(["1/2", 3], [2], "numbers", "y").tolist() == [0.5, 3]
    assert parse_answer("[[1, 2], [3, 4]]", [2, 2], "numbers", "W").tolist() == [[1, 2], [3, 4]]
    assert parse_answer("1, 2*3", [2], "arithmetic", "y").tolist() == [1, 6]
    with pytest.raises(EntryError, match="expected 3 entries, got 2"):
        parse_answer([1, 2], [3], "numbers", "y")
    with pytest.raises(EntryError, match="row 2: expected 2 entries, got 3"):
        parse_answer([[1, 2], [1, 2, 3]], [2, 2], "numbers", "W")
    with pytest.raises(EntryError, match="y₂: could not read 'x'"):
        parse_answer(["1", "x", "3"], [3], "numbers", "y")


def test_format_errors_are_not_graded():
    kind = problems.get("dense_forward")
    params = {
        "W": [[1, -1], [0, 2], [3, 1]],
        "x": [1, 2],
        "b": [0, 1, -1],
        "activation": "relu",
        "alpha": None,
    }
    g = kind.grade(params, {"z": [-1, 5], "y": "[0, 5, 4]"})
    assert g.format_errors == {"z": "expected 3 entries, got 2"}
    assert g.score == 0.0 and not g.counts_as_attempt and g.results == {}
    g = kind.grade(params, {"z": "-1, 5, 4", "y": "0, 5, 4", "extra": 1})
    assert g.format_errors == {"extra": "unknown answer; expected y, z"}


def test_partial_credit_modes():
    kind = problems.get("dense_forward")
    params = {
        "W": [[1, -1], [0, 2], [3, 1]],
        "x": [1, 2],
        "b": [0, 1, -1],
        "activation": "relu",
        "alpha": None,
    }
    sub = {"z": [-1, 5, 4], "y": [0, 5, 9]}  # z right, y 2 of 3
    assert kind.grade(params, sub).score == pytest.approx((1 + 2 / 3) / 2)
    assert kind.grade(params, sub, {"partial_credit": "answers"}).score == 0.5
    assert kind.grade(params, sub, {"partial_credit": False}).score == 0.0
    assert kind.grade(params, sub, {"weights": {"z": 1, "y": 3}}).score == pytest.approx(
        (1 + 3 * 2 / 3) / 4
    )
    g = kind.grade(params, sub)
    assert g.results["y"]["entries"] == [True, True, False]
    assert "y: 2 of 3 entries are correct." in g.feedback


def test_policy_in_words():
    assert Policy().describe().startswith("Round to 3 decimals or give 4 significant figures")
    assert Policy(sigfigs=3).describe().startswith("Give 3 significant figures")
    assert Policy(decimals=2).describe().startswith("Give your answer to 2 decimal places")
    assert Policy(decimals=0).describe().startswith("Give a whole number")
    assert Policy(rtol=1e-3, atol=0).describe().startswith("Give 4 significant figures")


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ({"rtol": -1}, "rtol must be"),
        ({"sigfigs": 0}, "sigfigs must be"),
        ({"entry": "python"}, "entry must be one of"),
        ({"tolerance": 1}, "unknown policy key"),
    ],
)
def test_bad_policy_is_a_config_error(policy, message):
    with pytest.raises(problems.ConfigError, match=message):
        problems.get("activation").policy(policy)


# ---- tolerance at its boundaries (hypothesis)


@given(finite)
def test_three_decimals_pass_by_default(k):
    assert entries_match(round(k, 3), k, Policy()).item()


@given(finite.filter(lambda v: abs(v) > 1e-9), st.integers(min_value=4, max_value=12))
def test_four_or_more_sigfigs_pass_by_default(k, n):
    assert entries_match(float(f"{k:.{n}g}"), k, Policy()).item()


@given(finite, st.floats(min_value=0, max_value=0.99))
def test_rtol_atol_boundary(k, frac):
    pol = Policy(rtol=1e-3, atol=5e-4)
    bound = pol.atol + pol.rtol * abs(k)
    assert entries_match(k + frac * bound, k, pol).item()
    assert not entries_match(k + 1.01 * bound, k, pol).item()
    assert not entries_match(k - 1.01 * bound, k, pol).item()


@given(finite, st.integers(min_value=0, max_value=6))
def test_decimals_boundary(k, d):
    pol = Policy(decimals=d)
    assert entries_match(round(k, d), k, pol).item()
    assert entries_match(k + 0.5 * 10.0**-d, k, pol).item()
    assert not entries_match(k + 0.52 * 10.0**-d, k, pol).item()


@given(finite.filter(lambda v: abs(v) > 1e-6), st.integers(min_value=1, max_value=8))
def test_sigfigs_boundary(k, n):
    pol = Policy(sigfigs=n)
    assert entries_match(float(f"{k:.{n}g}"), k, pol).item()
    # an error of two units in the last required digit never passes
    step = 10.0 ** (math.floor(math.log10(abs(k))) - n + 1)
    assert not entries_match(k + 0.52 * step, k, pol).item()
    assert not entries_match(k + 2 * step, k, pol).item()


@given(st.sampled_from([float("nan"), float("inf"), -float("inf")]), finite)
def test_nan_and_inf_never_match(bad, k):
    for pol in (Policy(), Policy(sigfigs=3), Policy(decimals=2), Policy(rtol=1e6, atol=1e5)):
        assert not entries_match(bad, k, pol).item()
        assert not entries_match(k, bad, pol).item()
