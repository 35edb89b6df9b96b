"""Answers a person clearly means are read in every entry mode: rows by line break or
semicolon, space-separated fractions, parentheses as brackets, a spaced sign. What is
ambiguous is still refused with a message."""

from __future__ import annotations

import pytest

from problems.grading import ENTRY_MODES, EntryError, parse_answer, parse_number


@pytest.mark.parametrize("mode", ENTRY_MODES)
@pytest.mark.parametrize(
    "text",
    ["1 2\n3 4", "1, 2\n3, 4", "[1 2; 3 4]", "1 2; 3 4", "[[1, 2],\n [3, 4]]", "1 2\n\n3 4\n"],
)
def test_a_matrix_by_rows(mode, text):
    assert parse_answer(text, [2, 2], mode, "W").tolist() == [[1, 2], [3, 4]]


@pytest.mark.parametrize("mode", ENTRY_MODES)
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3/4 1/2", [0.75, 0.5]),
        ("(1, 2)", [1, 2]),
        ("(1 2)", None),
        ("1 -2", [1, -2]),
        ("[1,\n 2]\r\n", [1, 2]),  # a line break after a comma continues the list
    ],
)
def test_a_vector(mode, text, expected):
    if expected is None:  # "(1 2)" has no separator: an expression, and not a readable one
        with pytest.raises(EntryError):
            parse_answer(text, [2], mode, "v")
    else:
        assert parse_answer(text, [2], mode, "v").tolist() == expected


@pytest.mark.parametrize("mode", ENTRY_MODES)
def test_a_spaced_sign(mode):
    assert parse_number("- 0.5", mode) == -0.5
    assert parse_answer("- 0.5", [], mode, "y").tolist() == -0.5


@pytest.mark.parametrize("mode", ENTRY_MODES)
@pytest.mark.parametrize(
    ("text", "shape"),
    [
        ("1 2\n3", [2, 2]),  # a short row
        ("1 2 3 4", [2, 2]),  # which entries make a row?
        ("1 2; 3 4", [4]),  # a matrix for a vector
        ("(1, 2)", []),  # two numbers for one
        ("3/4 1/2", []),
        ("1;;2", [2]),  # an empty entry
    ],
)
def test_ambiguous_answers_are_still_refused(mode, text, shape):
    with pytest.raises(EntryError):
        parse_answer(text, shape, mode, "a")


@pytest.mark.parametrize("mode", ENTRY_MODES)
def test_an_expression_in_parentheses_is_not_a_list(mode):
    if mode == "numbers":
        with pytest.raises(EntryError):
            parse_answer("(2*3 - 1)/4", [], mode, "y")
    else:
        assert parse_answer("(2*3 - 1)/4", [], mode, "y").tolist() == 1.25
