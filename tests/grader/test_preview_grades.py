"""The preview grades (issue 12, item 8): the instructor types answers, or fills the boxes
with the key or a typical slip, and sees what a student would see (marks, score, the
slip named, the worked solution), with nothing stored."""

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

import problems
from grader.extensions import db
from grader.models import ProblemTemplate, Submission, User, Variant
from grader.services import render
from tests.helpers import login, post
from tests.problems.test_contract import configs

WORKED = {
    "fixed": {"W": [[1, -1], [0, 2], [3, 1]], "x": [1, 2], "b": [0, 1, -1], "activation": "relu"}
}


def _typed_back(kind, params, answers):
    fields = kind.answer_fields(params)
    return render.read_grid(fields, MultiDict(render.fill_grid(fields, answers)))


@pytest.mark.parametrize("slug", list(problems.KINDS))
def test_the_key_typed_into_the_boxes_scores_full_marks_and_each_slip_is_named(slug):
    kind = problems.get(slug)
    named = 0
    for cfg in configs(slug):
        for seed in range(5):
            params = kind.generate(seed, cfg).params
            key = kind.solve(params)
            grade = kind.grade(params, _typed_back(kind, params, key))
            assert grade.score == 1.0, (slug, seed, grade.format_errors, grade.feedback)
            for slip in kind.slips(params, key):
                answers = {**key, slip.answer: slip.value}
                grade = kind.grade(params, _typed_back(kind, params, answers))
                assert not grade.format_errors, (slug, slip.tag, grade.format_errors)
                if grade.score < 1:
                    assert grade.misconceptions, (slug, slip.tag)
                    named += slip.tag in grade.misconceptions
    assert named > 0


def test_numbers_are_shown_as_people_read_them():
    assert render.shown(-1.6099999999999999) == "-1.61"
    assert render.shown([[1.0, -0.5], [2, 3]]) == "[[1, -0.5], [2, 3]]"
    assert render.typed(-1.6099999999999999) == "-1.61"
    assert render.typed(1 / 3) == "0.333333333333"


@pytest.fixture
def course(make_course, make_user, enrol, make_assignment):
    teacher = make_user(email="t@example.edu")
    course = make_course("NN-P", instructor=teacher)
    enrol(make_user(email="s@example.edu"), course)
    a = make_assignment(course, [("dense_forward", WORKED)])
    return course, a.problems[0].template_id


def test_preview_grades_typed_answers_as_a_student_sees_them_and_stores_nothing(client, course):
    c, tid = course
    login(client, "t@example.edu")
    url = f"/courses/{c.id}/templates/{tid}"
    page = client.get(url).get_data(as_text=True)
    assert 'name="ans-y-0"' in page and "Fill with the key" in page
    # y = ReLU(z) of the lecture: z = [-1, 5, 4], y = [0, 5, 4]; y₁ given as -1 (no ReLU)
    form = {"seed": "0", "ans-z-0": "-1", "ans-z-1": "5", "ans-z-2": "4"}
    form |= {"ans-y-0": "-1", "ans-y-1": "5", "ans-y-2": "4"}
    r = post(client, url, form)
    body = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "Graded as a student would be: score 83 %" in body  # 5 of 6 entries
    assert "ReLU" in body  # the slip is named in words
    assert body.count('class="wrong"') == 1 and body.count('class="right"') == 5
    assert 'value="-1"' in body  # what was typed stays in the boxes
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Submission)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Variant)) == 0


def test_fill_with_the_key_and_with_a_slip(client, course):
    c, tid = course
    login(client, "t@example.edu")
    url = f"/courses/{c.id}/templates/{tid}"
    page = client.get(url + "?seed=0&fill=key").get_data(as_text=True)
    assert 'name="ans-y-0" value="0"' in page and 'name="ans-z-0" value="-1"' in page
    page = client.get(url + "?seed=0&fill=slip-0").get_data(as_text=True)
    assert "Filled with a typical slip:" in page
    r = client.get(url + "?seed=0&fill=slip-999")
    assert r.status_code == 200 and "No such slip" in r.get_data(as_text=True)


def test_the_key_is_shown_rounded_with_full_precision_beside_it(client, course):
    c, tid = course
    t = db.session.get(ProblemTemplate, tid)
    t.config = {"fixed": {"W": [[0.1, 0.2]], "x": [1, 1], "b": [0], "activation": "relu"}}
    db.session.commit()
    login(client, "t@example.edu")
    page = client.get(f"/courses/{c.id}/templates/{tid}?seed=0").get_data(as_text=True)
    # z = 0.1 · 1 + 0.2 · 1 + 0 = 0.3, which is 0.30000000000000004 in double precision
    assert "<td>[0.3]</td>" in page
    assert "<code>[0.30000000000000004]</code>" in page  # in the full-precision details


def test_a_student_cannot_post_to_the_preview(client, course):
    c, tid = course
    login(client, "s@example.edu")
    r = post(client, f"/courses/{c.id}/templates/{tid}", {"seed": "0", "ans-y-0": "1"})
    assert r.status_code == 403


def test_the_preview_plot_leaves_no_message_for_the_next_page(client, course):
    """The plot is an image: a student without a variant gives the page's message on the
    page that asked, never a flash that surfaces on the next page."""
    c, tid = course
    login(client, "t@example.edu")
    student = db.session.scalar(sa.select(User).where(User.email == "s@example.edu"))
    r = client.get(f"/courses/{c.id}/templates/{tid}/plot.svg?student_id={student.id}")
    assert r.status_code == 200  # the seed's plot instead
    page = client.get(f"/courses/{c.id}/templates").get_data(as_text=True)
    assert "has no variant of this template yet" not in page
    page = client.get(f"/courses/{c.id}/templates/{tid}?student_id={student.id}")
    assert "has no variant of this template yet" in page.get_data(as_text=True)
