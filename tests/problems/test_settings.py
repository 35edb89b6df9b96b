"""Every kind declares its settings as typed data: the declaration is the config's only
definition (defaults, validation, messages in the label's words, the JSON schema)."""

from __future__ import annotations

import re

import pytest

import problems
from problems.settings import TYPES, Setting

SETTINGS = [(slug, s) for slug, k in problems.KINDS.items() for s in k.settings]


@pytest.mark.parametrize("slug", list(problems.KINDS))
def test_defaults_are_the_declared_settings(slug):
    kind = problems.get(slug)
    assert kind.defaults == {s.name: s.default for s in kind.settings}
    assert all(s.type in TYPES and s.label for s in kind.settings)
    schema = kind.config_schema()
    assert list(schema["properties"]) == [*kind.defaults, "fixed"]


@pytest.mark.parametrize(("slug", "setting"), SETTINGS, ids=[f"{k}-{s.name}" for k, s in SETTINGS])
def test_every_setting_refuses_a_bad_value_naming_itself_in_its_label(slug, setting):
    # text is a wrong value for every type (a choice of "nonsense" is unknown too)
    with pytest.raises(problems.ConfigError) as info:
        problems.get(slug).generate(0, {setting.name: "nonsense"})
    assert info.value.setting == setting.name
    assert str(info.value).startswith(f"{setting.label}: ")
    assert "nonsense" in str(info.value)


@pytest.mark.parametrize(
    ("slug", "setting"),
    [(k, s) for k, s in SETTINGS if s.type == "range"],
    ids=[f"{k}-{s.name}" for k, s in SETTINGS if s.type == "range"],
)
def test_every_range_refuses_from_above_to(slug, setting):
    with pytest.raises(problems.ConfigError) as info:
        problems.get(slug).generate(0, {setting.name: [3, 2]})
    assert str(info.value) == f"{setting.label}: from must not be above to (got 3 to 2)"


def test_every_error_at_once_each_with_its_setting():
    with pytest.raises(problems.ConfigError) as info:
        problems.get("dense_forward").generate(
            0, {"m": [5, 2], "range": [0, 2e6], "decimals": 9, "mixed_signs": "yes"}
        )
    assert info.value.errors == [
        ("m", "Outputs m: from must not be above to (got 5 to 2)"),
        (
            "range",
            "Value range: must lie within ±1e6 (so that every key is a finite number a "
            "student can read and type), got 0 to 2000000",
        ),
        ("decimals", "Decimals: must be a whole number from 0 to 4, got 9"),
        ("mixed_signs", "Make z show both signs: must be true or false, got 'yes'"),
    ]


def test_rules_between_settings_and_pinned_parameters_name_what_they_concern():
    with pytest.raises(problems.ConfigError) as info:
        problems.get("dense_backward").generate(0, {"losses": ["bce"], "activations": ["relu"]})
    assert info.value.setting == "losses"
    with pytest.raises(problems.ConfigError) as info:
        problems.get("dense_forward").generate(0, {"fixed": {"W": [[1, 2]], "x": [1, 2, 3]}})
    assert info.value.setting == "fixed"
    with pytest.raises(problems.ConfigError) as info:
        problems.get("dense_forward").policy({"rtol": -1})
    assert info.value.setting == "policy"


@pytest.mark.parametrize(
    ("setting", "good", "bad"),
    [
        (Setting("a", "A", "int", 1, lo=0, hi=3), 3, 4),
        (Setting("a", "A", "float", 0.5, lo=0, hi=1, lo_open=True), 1, 0),
        (Setting("a", "A", "float", None, optional=True), None, 0.1234567),
        (Setting("a", "A", "range", [1, 2], lo=1, hi=5, whole=True), 5, [1.5, 2]),
        (Setting("a", "A", "range", [0.5, 1], lo=0, hi=1), [0.25, 0.75], [0, 2]),
        (Setting("a", "A", "choice", "p", options=("p", "q")), "q", "r"),
        (Setting("a", "A", "multi-choice", ["p"], options=("p", "q")), ["q", "p"], []),
        (Setting("a", "A", "int-list", [1], lo=1, hi=9), [9, 1], [0]),
        (Setting("a", "A", "matrix", [[1]], lo=-2, hi=2), [[1, 2], [-2, 0]], [[1, 2], [3]]),
        (Setting("a", "A", "bool", False), True, 1),
    ],
)
def test_each_type_checks_its_values(setting, good, bad):
    setting.check(good)
    with pytest.raises(problems.ConfigError, match="^A: "):
        setting.check(bad)


@pytest.mark.parametrize("slug", list(problems.KINDS))
def test_display_declarations_fit_the_params(slug):
    """Givens name parameters; facets are declared, lower-case identifiers with text values;
    a plot marks one point per z the kind computes."""
    kind = problems.get(slug)
    assert set(kind.given_symbols) <= set(kind.param_names)
    assert all(re.fullmatch(r"[a-z][a-z0-9_]{0,39}", name) for name in kind.facet_labels)
    for seed in range(5):
        params = kind.generate(seed).params
        facets = kind.facets(params)
        assert set(facets) <= set(kind.facet_labels)
        assert all(isinstance(v, str) and v for v in facets.values())
        plot = kind.plot(params)
        assert plot is None or (plot.activation in problems.ACTIVATIONS and plot.zs)
