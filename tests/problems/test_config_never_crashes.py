"""Any JSON-like config (numbers of any size from JSON or YAML, inf, NaN, booleans, text,
nesting) gives a variant or a ConfigError, never another exception: the web layer turns a
ConfigError into a 4xx message and anything else would be a 500."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import problems

BAD = [10**400, -(10**400), math.inf, -math.inf, math.nan, True]


def _shapes(bad):
    """``bad`` alone and where a number sits in a pair, a list and a matrix."""
    return [bad, [bad, 1], [0, bad], [bad], [[bad, 1], [1, 1]]]


@pytest.mark.parametrize("slug", list(problems.KINDS))
def test_every_setting_refuses_huge_infinite_nan_and_boolean_numbers(slug):
    kind = problems.get(slug)
    for s in kind.settings:
        for bad in BAD:
            for value in _shapes(bad):
                if s.type == "bool" and value is True:
                    continue  # True is a valid boolean setting
                with pytest.raises(problems.ConfigError) as info:
                    kind.generate(0, {s.name: value})
                assert info.value.errors, (slug, s.name, value)


@pytest.mark.parametrize("slug", list(problems.KINDS))
def test_every_pinned_parameter_refuses_huge_infinite_and_nan_numbers(slug):
    kind = problems.get(slug)
    for name in kind.param_names:
        for bad in BAD:
            for value in _shapes(bad):
                with pytest.raises(problems.ConfigError) as info:
                    kind.generate(0, {"fixed": {name: value}})
                assert info.value.setting == "fixed", (slug, name, value)


@pytest.mark.parametrize("slug", list(problems.KINDS))
def test_every_policy_number_refuses_huge_infinite_and_nan_numbers(slug):
    kind = problems.get(slug)
    names = kind.answer_names()
    for bad in BAD:
        for policy in (
            {"rtol": bad},
            {"atol": bad},
            {"sigfigs": bad},
            {"decimals": bad},
            {"weights": {names[0]: bad}},
        ):
            with pytest.raises(problems.ConfigError) as info:
                kind.policy(policy)
            assert info.value.setting == "policy"


_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from([10**400, -(10**400), 2**63, 10**20])
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=5)
)
_json = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=12,
)


def _configs(kind):
    keys = [s.name for s in kind.settings] + ["unknown"]
    fixed = st.dictionaries(st.sampled_from(list(kind.param_names)), _json, max_size=2)
    return st.dictionaries(st.sampled_from(keys), _json, max_size=3) | st.builds(
        lambda c, f: {**c, "fixed": f},
        st.dictionaries(st.sampled_from(keys[:-1]), _json, max_size=2),
        fixed | _json,
    )


@pytest.mark.parametrize("slug", list(problems.KINDS))
def test_any_json_like_config_gives_a_variant_or_a_config_error(slug):
    kind = problems.get(slug)

    @settings(
        max_examples=80,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(_configs(kind), _json)
    def check(config, policy):
        try:
            kind.generate(0, config)
        except problems.ConfigError as exc:
            assert exc.errors
        try:
            kind.policy(policy if isinstance(policy, dict) else {"weights": policy})
        except problems.ConfigError as exc:
            assert exc.setting == "policy"

    check()
