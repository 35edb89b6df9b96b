"""One numbering per question (issue 12, item 2): the boxes, the question, the parse errors
and the worked solution count entries from the same index. Softmax numbers classes from 0
as PyTorch does, so its boxes are p₀…, ∂L/∂z₀…; every other kind counts from 1."""

import re

import pytest

import problems
from grader.services import render
from tests.helpers import login
from tests.problems.test_contract import configs

SUBSCRIPTS = "₀₁₂₃₄₅₆₇₈₉"


def _index(label: str, symbol: str) -> int:
    return int(label[len(symbol) :].translate(str.maketrans(SUBSCRIPTS, "0123456789")))


@pytest.mark.parametrize("slug", list(problems.KINDS))
def test_boxes_count_from_the_index_the_question_uses(slug):
    kind = problems.get(slug)
    for cfg in configs(slug):
        params = kind.generate(1, cfg).params
        prompt = kind.prompt(params)
        zero_based = bool(re.search(r"numbered 0|from 0|index 0", prompt))
        for field in kind.answer_fields(params):
            if field["type"] != "number" or len(field["shape"]) != 1:
                continue
            labels = [row[0]["label"] for row in render.grid(field)]
            first = _index(labels[0], field["symbol"])
            assert first == (0 if zero_based else 1), (slug, field["name"], labels, prompt)
            assert [_index(lab, field["symbol"]) for lab in labels] == list(
                range(first, first + len(labels))
            )


def test_softmax_boxes_errors_and_solution_use_the_pytorch_numbering():
    kind = problems.get("softmax_cross_entropy")
    params = kind.generate(0, {"fixed": {"z": [2, 1, 0.5, -1], "target": 1}}).params
    assert "numbered 0 to 3 as in PyTorch" in kind.prompt(params)
    assert "The true class is 1" in kind.prompt(params)
    p = next(f for f in kind.answer_fields(params) if f["name"] == "p")
    assert [row[0]["label"] for row in render.grid(p)] == ["p₀", "p₁", "p₂", "p₃"]
    grade = kind.grade(params, {"p": ["0.1", "x", "0.2", "0.3"], "loss": "1", "dL_dz": [0] * 4})
    assert grade.format_errors["p"].startswith("p₁:")  # the second box, named as shown
    loss_step = next(s for s in kind.solution(params) if s.title == "The loss")
    assert "L = −ln p[1]" in loss_step.text and r"p_{1}" in loss_step.latex


def test_the_student_page_shows_p0_boxes(client, make_course, make_user, enrol, make_assignment):
    course = make_course()
    student = make_user(email="s@example.edu")
    enrol(student, course)
    fixed = {"fixed": {"z": [2, 1, 0.5, -1], "target": 1}}
    a = make_assignment(course, [("softmax_cross_entropy", fixed)])
    login(client, "s@example.edu")
    page = client.get(f"/assignments/{a.id}/problems/{a.problems[0].id}").get_data(as_text=True)
    assert "numbered 0 to 3 as in PyTorch" in page
    for label in ("p₀", "p₃", "∂L/∂z₀", "∂L/∂z₃"):
        assert label in page
    assert "p₄" not in page and "∂L/∂z₄" not in page
