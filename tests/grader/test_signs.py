"""A negative number's minus is drawn as a sign (issue 12, item 6): "(1)(−3)", not
"(1)( − 3)". In MathML a minus is a prefix sign only as the first child of its row, so
elsewhere the app marks it form="prefix" when no operand precedes it."""

import re

import pytest

import problems
from grader.services import render
from tests.problems.test_contract import configs

MINUS = "<mo>&#x02212;</mo>"
PREFIX = '<mo form="prefix">&#x02212;</mo>'
# A minus right after an opening bracket, a relation or a product sign, inside the same row:
# MathML would space it as a subtraction.
INFIX_AFTER = re.compile(
    r"<mo[^>]*>(&#x00028;|&#x0003D;|&#x022C5;|&#x000D7;|&#x0002C;)</mo>" + re.escape(MINUS)
)


def test_a_factor_in_parentheses_keeps_its_sign_with_it():
    html = render.mathml("(1)(-3) = -3")
    assert INFIX_AFTER.search(html) is None
    assert html.count(f"{PREFIX}<mn>3</mn>") == 2
    # a subtraction stays one: a − 3
    assert f"<mi>a</mi>{MINUS}<mn>3</mn>" in render.mathml("a - 3")


@pytest.mark.parametrize("slug", list(problems.KINDS))
def test_no_worked_solution_draws_a_sign_as_a_subtraction(slug):
    kind = problems.get(slug)
    for cfg in configs(slug):
        for seed in range(8):
            params = kind.generate(seed, cfg).params
            lines = [m for step in render.steps(slug, params) for m in step["math"]]
            lines += render.given(slug, params)
            for html in lines:
                assert INFIX_AFTER.search(html) is None, (slug, seed, html[:400])


def test_the_lectures_worked_example_writes_its_negative_factors_as_signs():
    fixed = {"W": [[1, -1], [0, 2], [3, 1]], "x": [1, 2], "b": [0, 1, -1], "activation": "relu"}
    params = problems.get("dense_forward").generate(0, {"fixed": fixed}).params
    html = "".join(m for step in render.steps("dense_forward", params) for m in step["math"])
    # z₁ = (1)(1) + (−1)(2) + 0 = −1: the factor (−1) and the result −1 carry signs
    assert html.count(PREFIX) >= 2
    assert INFIX_AFTER.search(html) is None
