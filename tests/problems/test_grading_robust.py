"""Grading never raises, reads strings and lists alike, refuses weights it cannot apply
and reads entries as a person means them: for every kind and every answer shape."""

import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import problems
from problems.grading import ENTRY_MODES, EntryError, Policy, parse_answer, parse_number

# Configs giving every answer shape a kind has: 1×1, 1×n, n×1 and m×n matrices, vectors of
# length 1 and more, scalars, booleans, shapes and choices.
SHAPE_CONFIGS = {
    "activation": [{"size": 1}, {}],
    "activation_derivative": [{"size": 1}, {}],
    "dense_forward": [{"m": 1, "n": 1}, {"m": 1, "n": 3}, {"m": 3, "n": 1}, {}],
    "dense_backward": [
        {"m": 1, "n": 1},
        {"m": 1, "n": 3},
        {"m": 3, "n": 1},
        {"m": 2, "n": 3},
        {"m": 1, "losses": ["bce"], "activations": ["sigmoid"]},
    ],
    "mlp_forward": [{"inputs": 1, "hidden": 1, "outputs": 1}, {"hidden": 3, "outputs": 2}],
    "softmax_cross_entropy": [{"k": 2}, {}],
    "shape_check": [{}],
    "param_count": [{}],
    "gradient_chain": [{"length": 1}, {}],
    "activation_choice": [{}],
}


def test_shape_configs_cover_every_kind_and_shape():
    assert set(SHAPE_CONFIGS) == set(problems.KINDS)
    shapes = {
        tuple(f["shape"])
        for slug, configs in SHAPE_CONFIGS.items()
        for c in configs
        for f in problems.get(slug).answer_fields(problems.get(slug).generate(3, c).params)
    }
    assert {(), (1,), (3,), (1, 1), (1, 3), (3, 1), (2, 3)} <= shapes


def variants():
    for slug, configs in SHAPE_CONFIGS.items():
        for i, config in enumerate(configs):
            yield pytest.param(slug, config, id=f"{slug}-{i}")


# ---------------------------------------------------------------- item 6: never raises

HUGE = [10**400, -(10**400), 10**5000 - 1, 10**16, 2**63, -(2**64)]  # 10**5000 - 1: 5,000 nines


def huge(i: int) -> int:
    return HUGE[i]


ODD_TEXT = [
    "[1, 2]",
    "[[1, 2], [3, 4]]",
    "0x10",
    "1_000",
    "٣",
    "３",
    "nan",
    "inf",
    "1e400",
    "0.5,,2",
    "[1, 2,]",
    "exp(1000)",
    "sigmoid(-800)",
    "3x1",
    "none",
    "true",
    "relu",
    "[" * 50,
    "]",
    "9" * 200,
    "(" * 60 + "1" + ")" * 60,
    "__import__('os')",
]
numpy_values = st.one_of(
    st.floats().map(np.float64),
    st.floats(width=32).map(np.float32),
    st.integers(-(2**63), 2**63 - 1).map(np.int64),
    st.booleans().map(np.bool_),
    st.lists(st.floats(), max_size=4).map(np.array),
    st.lists(st.lists(st.floats(), min_size=2, max_size=2), max_size=3).map(np.array),
    st.lists(st.text(max_size=4), max_size=3).map(np.array),
    st.just(np.array([])),
    st.just(np.array(0.5)),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(0, len(HUGE) - 1).map(huge),  # not sampled_from: it reprs its values
    st.floats(),
    st.text(max_size=20),
    st.sampled_from(ODD_TEXT),
    numpy_values,
)
json_like = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.tuples(children, children),
        st.dictionaries(st.text(max_size=5), children, max_size=3),
    ),
    max_leaves=12,
)


@st.composite
def submissions(draw, variant, names):
    how = draw(st.integers(0, 3))
    if how == 0:  # anything at all, a mapping or not
        return draw(json_like)
    sub = json.loads(json.dumps(variant.answers))
    if how == 1:  # some answers replaced
        for n in names:
            if draw(st.booleans()):
                sub[n] = draw(json_like)
    elif how == 2:  # one entry of one answer replaced, the rest right
        n = draw(st.sampled_from(names))
        value = sub[n]
        while isinstance(value, list) and value and isinstance(value[0], list):
            value = value[draw(st.integers(0, len(value) - 1))]
        if isinstance(value, list) and value:
            value[draw(st.integers(0, len(value) - 1))] = draw(json_like)
        else:
            sub[n] = draw(json_like)
    else:  # an unknown answer added, maybe one removed
        sub[draw(st.text(max_size=8))] = draw(json_like)
        if draw(st.booleans()):
            del sub[draw(st.sampled_from(names))]
    return sub


def check_grade(kind, params, sub, policy):
    g = kind.grade(params, sub, policy)
    names = [f["name"] for f in kind.answer_fields(params)]
    if g.format_errors:
        assert g.score == 0.0 and g.results == {} and not g.counts_as_attempt
        assert g.feedback[0].startswith("Nothing was graded")
    else:
        assert 0.0 <= g.score <= 1.0 and g.counts_as_attempt
        assert list(g.results) == names
        assert all(0.0 <= r["score"] <= 1.0 for r in g.results.values())
    json.dumps(g.to_dict(), allow_nan=False)  # what the app stores is plain, finite JSON
    return g


@pytest.mark.parametrize(("slug", "config"), list(variants()))
def test_grade_never_raises(slug, config):
    kind = problems.get(slug)
    variant = kind.generate(3, config)
    names = [f["name"] for f in kind.answer_fields(variant.params)]
    policies = st.fixed_dictionaries(
        {"entry": st.sampled_from(ENTRY_MODES)},
        optional={"partial_credit": st.sampled_from(["entries", "answers", "none"])},
    )

    @settings(
        max_examples=30,
        derandomize=True,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(submissions(variant, names), policies)
    def run(sub, policy):
        check_grade(kind, variant.params, sub, policy)

    run()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (10**400, "too large"),
        pytest.param(10**5000 - 1, "too large", id="5000-nines"),
        (np.float64("nan"), "NaN and infinity"),
        (np.float32("inf"), "NaN and infinity"),
        (np.array([]), "no answer given"),
        ({"a": 1}, "got a mapping"),
        (True, "true/false"),
        ([[[1]]], "got a list"),
        ("", "no answer given"),
    ],
)
@pytest.mark.parametrize(("slug", "config"), list(variants()))
def test_odd_values_are_format_errors_for_every_answer(slug, config, value, message):
    kind = problems.get(slug)
    v = kind.generate(3, config)
    for f in kind.answer_fields(v.params):
        if f["type"] != "number":
            continue
        g = check_grade(kind, v.params, {**v.answers, f["name"]: value}, None)
        assert list(g.format_errors) == [f["name"]]
        if math.prod(f["shape"]) == 1:  # the value is read as the one entry
            assert message in g.format_errors[f["name"]], g.format_errors
        elif not isinstance(value, list) and message != "no answer given":
            assert g.format_errors[f["name"]] in (
                f"expected a list of {f['shape'][0]} entries, got a single value",
                f"expected a {f['shape'][0]}×{f['shape'][-1]} matrix, got a single value",
            )


def test_numpy_values_count_as_their_numbers():
    # p = softmax([0, 0]) = [1/2, 1/2], loss = −ln(1/2) = ln 2, dL/dz = p − e₁ for target 1
    kind = problems.get("softmax_cross_entropy")
    params = kind.generate(0, {"fixed": {"z": [0, 0], "target": 1}}).params
    sub = {"p": np.array([0.5, 0.5]), "loss": np.float64(math.log(2)), "dL_dz": (0.5, -0.5)}
    assert check_grade(kind, params, sub, None).score == 1.0
    count = problems.get("param_count")
    params = count.generate(0, {"fixed": {"layers": [2, 3, 1]}}).params  # 2·3 + 3 + 3·1 + 1 = 13
    assert check_grade(count, params, {"count": np.int64(13)}, None).score == 1.0
    assert check_grade(count, params, {"count": np.array([13])}, None).score == 1.0
    shape = problems.get("shape_check")
    v = shape.generate(0)
    sub = {"valid": np.bool_(v.answers["valid"]), "shape": np.array(v.answers["shape"], dtype=int)}
    assert check_grade(shape, v.params, sub, None).score == 1.0


def test_whole_submission_that_is_not_a_mapping():
    kind = problems.get("activation")
    params = kind.generate(0).params
    for sub in (None, [1, 2], np.array([0.5]), "a", 10**400, True):
        g = check_grade(kind, params, sub, None)
        assert g.format_errors == {"answers": "expected a mapping of answer names to values"}
    g = check_grade(kind, params, {10**5000: 1, ("a",): 2, "x" * 100: 3}, None)
    assert set(g.format_errors) == {"<int>", "<tuple>", "x" * 40 + "…", "a"}


# ---------------------------------------------------------------- item 7: strings = lists


def spellings(key, shape):
    """The key written every way a person may write it: as given, flat, nested, as text."""
    if not shape:
        forms = [key, [key], [[key]]]
    elif len(shape) == 1:
        forms = [key, [key], [[x] for x in key]]
    else:
        forms = [key]
        if 1 in shape:
            forms.append([x for row in key for x in row])
    flat = np.ravel(key).tolist()
    texts = [str(f) for f in forms]
    if not shape or len(shape) == 1 or 1 in shape:
        texts += [", ".join(map(repr, flat)), " ".join(map(repr, flat))]
    per_entry = [repr(x) for x in flat] if shape else [repr(key)]
    if len(shape) == 2:  # strings per entry, and one string per row
        per_entry = [[repr(x) for x in row] for row in key]
        texts.append([", ".join(map(repr, row)) for row in key])
    return forms + texts + [per_entry]


@pytest.mark.parametrize("mode", ENTRY_MODES)
@pytest.mark.parametrize(("slug", "config"), list(variants()))
def test_key_written_any_way_scores_one(slug, config, mode):
    kind = problems.get(slug)
    v = kind.generate(3, config)
    for f in kind.answer_fields(v.params):
        key = v.answers[f["name"]]
        if f["type"] == "number":
            forms = spellings(key, f["shape"])
        elif f["type"] == "shape":
            forms = [key, str(key), "x".join(map(str, key)) or "none"]
        elif f["type"] == "boolean":
            forms = [key, str(key).lower()]
        else:
            forms = [key, key.upper()]
        for form in forms:
            g = kind.grade(v.params, {**v.answers, f["name"]: form}, {"entry": mode})
            assert not g.format_errors and g.score == 1.0, (f["name"], form, g.format_errors)
            assert g.parsed[f["name"]] == key and not g.misconceptions, form


def test_one_row_gradient_typed_flat_is_the_row():
    # m = 1: z = 1 + 2 − 1 = 2, y = relu(2) = 2, t = 1, ∂L/∂z = 2(y − t)/1 = 2;
    # ∂L/∂W = ∂L/∂z xᵀ = [[2, 4, −2]] (1×3), ∂L/∂x = Wᵀ ∂L/∂z = [2, 2, 2]
    kind = problems.get("dense_backward")
    fixed = {"W": [[1, 1, 1]], "x": [1, 2, -1], "b": [0], "t": [1]}
    params = kind.generate(0, {"fixed": fixed, "activations": ["relu"]}).params
    right = {"dL_dz": [2], "dL_dW": [[2, 4, -2]], "dL_db": [2], "dL_dx": [2, 2, 2]}
    assert kind.solve(params) == right | {"dL_dz": [2.0], "dL_db": [2.0]}
    for dW in ("[2, 4, -2]", [2, 4, -2], "2, 4, -2", ["2", "4", "-2"], "[[2, 4, -2]]"):
        g = kind.grade(params, right | {"dL_dW": dW})
        assert g.score == 1.0 and g.misconceptions == [], dW
    # only the transposed matrix written as rows is the transposed answer
    for dW in ([[2], [4], [-2]], "[[2], [4], [-2]]", ["[2]", "[4]", "[-2]"]):
        g = kind.grade(params, right | {"dL_dW": dW})
        assert g.results["dL_dW"]["score"] == 0.0 and "transposed_gradient" in g.misconceptions
    # a 2×3 written flat is ambiguous (rows or columns?): a format error that says how
    fixed |= {"W": [[1, 1, 1], [0, 0, 0]], "b": [0, 0], "t": [1, 0]}
    params = kind.generate(0, {"fixed": fixed, "activations": ["relu"]})
    g = kind.grade(params.params, {**params.answers, "dL_dW": [1, 2, 3, 4, 5, 6]})
    assert g.format_errors == {
        "dL_dW": "expected a 2×3 matrix: write its 2 rows, e.g. [[…], […]], not a flat list of 6 "
        "entries"
    }


def test_shape_errors_name_what_is_wrong():
    assert parse_answer("1 2 3", [3, 1], "numbers", "W").tolist() == [[1], [2], [3]]
    with pytest.raises(EntryError, match="expected 3 rows of 1 entries, got a flat list of 2"):
        parse_answer([1, 2], [3, 1], "numbers", "W")
    with pytest.raises(EntryError, match="some rows here are single entries"):
        parse_answer([[1, 2], 3], [2, 2], "numbers", "W")
    with pytest.raises(EntryError, match="expected a list of 2 entries, got a matrix"):
        parse_answer([[1, 2], [3, 4]], [2], "numbers", "y")
    with pytest.raises(EntryError, match="expected a single number, got 2 entries"):
        parse_answer("1, 000", [], "numbers", "L")  # a thousands separator is not read as 1000


# ---------------------------------------------------------------- item 8: weights


@pytest.mark.parametrize("slug", sorted(problems.KINDS))
def test_weights_must_name_answers_and_not_all_be_zero(slug):
    kind = problems.get(slug)
    names = kind.answer_names()
    assert names == [f["name"] for f in kind.answer_fields(kind.generate(5).params)]
    kind.policy({"weights": {n: 2 for n in names}})
    with pytest.raises(problems.ConfigError, match="unknown answer\\(s\\) bogus; answers: "):
        kind.policy({"weights": {names[0]: 1, "bogus": 1}})
    with pytest.raises(problems.ConfigError, match="all 0"):
        kind.policy({"weights": dict.fromkeys(names, 0)})


@pytest.mark.parametrize("weight", [-1, float("nan"), float("inf"), 1e7, True, "2", None])
def test_weights_must_be_finite_and_bounded(weight):
    with pytest.raises(problems.ConfigError, match="the weight of y must be a number from 0"):
        problems.get("dense_forward").policy({"weights": {"y": weight}})
    with pytest.raises(problems.ConfigError, match="answer names are text"):
        problems.get("dense_forward").policy({"weights": {1: 1}})


def test_weight_zero_on_some_answers():
    kind = problems.get("dense_forward")
    params = {"W": [[1, -1], [0, 2], [3, 1]], "x": [1, 2], "b": [0, 1, -1], "activation": "relu"}
    params["alpha"] = None
    sub = {"z": [-1, 5, 4], "y": [0, 5, 9]}  # z right, y 2 of 3 right
    assert kind.grade(params, sub, {"weights": {"z": 0}}).score == pytest.approx(2 / 3)
    g = kind.grade(params, {"z": [-1, 5, 4], "y": [0, 5, 4]}, {"weights": {"y": 0, "z": 1e6}})
    assert g.score == 1.0 and g.correct


# ---------------------------------------------------------------- item 9: lenient parsing


@pytest.mark.parametrize("mode", ENTRY_MODES)
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0x10", "write numbers in decimal"),
        ("0o17", "write numbers in decimal"),
        ("-0b11", "write numbers in decimal"),
        ("1_000", "without underscores"),
        ("0.5_1", "without underscores"),
        ("٣", "'٣' is not one of the digits 0-9"),
        ("۳.5", "'۳' is not one of the digits 0-9"),
        ("2²", "'²' is not one of the digits 0-9"),
        ("½", "'½' is not one of the digits 0-9"),
    ],
)
def test_what_a_person_cannot_mean_is_refused(mode, text, message):
    with pytest.raises(EntryError, match=message):
        parse_number(text, mode)


@pytest.mark.parametrize("mode", ENTRY_MODES)
@pytest.mark.parametrize(
    ("text", "value"),
    [("３", 3.0), ("０．５", 0.5), ("－２", -2.0), ("３／４", 0.75), ("007", 7.0)],
)
def test_full_width_digits_are_read_as_ascii(mode, text, value):
    assert parse_number(text, mode) == value


@pytest.mark.parametrize("mode", ENTRY_MODES)
@pytest.mark.parametrize(
    ("text", "shape", "message"),
    [
        ("0.5,,0,2", [4], "entry 2 is empty"),
        ("0.5, 0, 2,", [3], "entry 4 is empty"),
        (",0.5, 0, 2", [3], "entry 1 is empty"),
        ("[1, 2,]", [2], "entry 3 is empty"),
        ("[[1, 2], [3,, 4]]", [2, 2], "row 2, entry 2 is empty"),
        ("[[1, 2],, [3, 4]]", [2, 2], "entry 2 is empty"),
    ],
)
def test_empty_entries_are_refused_with_their_position(mode, text, shape, message):
    kind = problems.get("activation")
    with pytest.raises(EntryError, match=message):
        parse_answer(text, shape, mode, "a")
    if len(shape) == 1:  # and through grade(), as a format error
        params = kind.generate(0, {"size": shape[0]}).params
        g = kind.grade(params, {"a": text}, {"entry": mode})
        assert message in g.format_errors["a"] and not g.counts_as_attempt


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("sigmoid(-800)", 0.0),
        ("sigmoid(800)", 1.0),
        ("sigmoid(-1)", 1 / (1 + math.e)),
        ("sigmoid(0)", 0.5),
        ("exp(-1000)", 0.0),
        ("1 - tanh(400)", 0.0),
    ],
)
def test_functions_have_their_value_where_it_is_finite(text, value):
    assert parse_number(text, "functions") == pytest.approx(value, rel=1e-15, abs=0)
    with pytest.raises(EntryError, match="functions such as exp"):
        parse_number(text, "arithmetic")
    with pytest.raises(EntryError, match="could not read"):
        parse_number(text, "numbers")


@pytest.mark.parametrize("text", ["exp(1000)", "cosh(800)", "sinh(-800)", "log(0)", "sqrt(-1)"])
def test_functions_without_a_finite_value_are_refused(text):
    with pytest.raises(EntryError, match="no finite real value"):
        parse_number(text, "functions")


def test_spaces_split_plain_numbers_only():
    assert parse_answer("1 - 2", [], "arithmetic", "L").tolist() == -1.0
    assert parse_answer("1 -2", [], "arithmetic", "L").tolist() == -1.0  # one number: arithmetic
    assert parse_answer("1 -2", [2], "arithmetic", "a").tolist() == [1, -2]  # two entries
    with pytest.raises(EntryError, match="could not read '1 -2' as a number"):
        parse_answer("1 -2", [], "numbers", "L")
    with pytest.raises(EntryError, match="a₁: could not read '1, 2' as a number"):
        parse_answer(["1, 2", "5", "4"], [3], "numbers", "a")  # one grid box holds one entry
    assert parse_answer(["1, 2", "3 4"], [2, 2], "numbers", "W").tolist() == [[1, 2], [3, 4]]
    assert parse_answer("1 - 2", [1], "arithmetic", "a").tolist() == [-1.0]
    assert parse_answer("[0 5 4]", [3], "numbers", "a").tolist() == [0, 5, 4]
    assert parse_answer("[[1 2] [3 4]]", [2, 2], "numbers", "W").tolist() == [[1, 2], [3, 4]]


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.text(alphabet="0123456789.-+eE/ x_٣３()*^", max_size=12))
def test_every_mode_reads_a_number_alike(text):
    """What numbers mode reads, arithmetic and functions modes read as the same value, and
    what arithmetic reads, functions reads alike: a stricter mode only refuses more."""
    values = []
    for mode in ENTRY_MODES:
        try:
            values.append(parse_number(text, mode))
        except EntryError:
            values.append(None)
    for stricter, laxer in ((0, 1), (1, 2)):
        if values[stricter] is not None:
            assert values[laxer] == values[stricter], (text, values)


def test_policy_weights_on_the_policy_alone():
    # without a kind the names cannot be checked, but the numbers can
    with pytest.raises(problems.grading.PolicyError, match="must be a number from 0 to 1e\\+06"):
        Policy.from_dict({"weights": {"y": -1}})
    Policy.from_dict({"weights": {"anything": 0}})
