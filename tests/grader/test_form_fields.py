"""Forms are drawn by the WTForms macro (``_forms.html``), with each error next to its
field: the builder's points, a student's override, the preview's seed and student."""

import re
from pathlib import Path

import sqlalchemy as sa

from grader.extensions import db
from grader.models import AssignmentProblem, ScoreOverride
from tests.helpers import login, post

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
WORKED = {
    "fixed": {"W": [[1, -1], [0, 2], [3, 1]], "x": [1, 2], "b": [0, 1, -1], "activation": "relu"}
}
# Controls drawn by hand on purpose: the answer grid is built per problem from the engine's
# answer fields; the gradebook's filter is a GET form with no WTForms class (yet).
BY_HAND = {"student/_grid.html", "instructor/gradebook.html"}


def field_html(page: str, field_id: str) -> str:
    """The macro's <div class="field"> that holds the control with this id."""
    m = re.search(
        rf'<div class="field[^"]*">(?:(?!<div class="field).)*?id="{field_id}".*?</div>',
        page,
        re.S,
    )
    assert m, f"no field {field_id}"
    return m.group(0)


def assert_unique_ids(page: str) -> None:
    """One form per row must not repeat an id (labels would point at the wrong field)."""
    ids = re.findall(r'\bid="([^"]*)"', page)
    assert len(ids) == len(set(ids)) and "None" not in ids, sorted(ids)


def test_no_page_draws_a_form_field_by_hand():
    drawn = sorted(
        str(p.relative_to(TEMPLATES))
        for p in TEMPLATES.rglob("*.html")
        if re.search(r"<(input|select|textarea)\b(?![^>]*name=\"csrf_token\")", p.read_text())
    )
    assert set(drawn) <= BY_HAND, drawn


def setup(make_user, make_course, enrol, make_assignment):
    teacher = make_user(email="t@example.edu")
    course = make_course("NN-F", instructor=teacher)
    student = make_user(email="s@example.edu", name="Sam Student")
    enrol(student, course)
    a = make_assignment(course, [("dense_forward", WORKED, 10), ("param_count", {}, 2)])
    return course, student, a


def test_points_errors_sit_next_to_the_points_field(
    client, make_user, make_course, enrol, make_assignment
):
    course, _student, a = setup(make_user, make_course, enrol, make_assignment)
    first, second = a.problems
    login(client, "t@example.edu")
    page = client.get(f"/courses/{course.id}/assignments/{a.id}/edit").get_data(as_text=True)
    assert f'for="points-{second.id}"' in page and 'value="2.0"' in field_html(
        page, f"points-{second.id}"
    )
    url = f"/courses/{course.id}/assignments/{a.id}/problems/{second.id}/points"
    r = post(client, url, {"points": "-3"})
    assert r.status_code == 400
    page = r.get_data(as_text=True)
    assert_unique_ids(page)
    bad = field_html(page, f"points-{second.id}")
    assert "has-error" in bad and "Number must be between 0 and 10000." in bad
    assert "has-error" not in field_html(page, f"points-{first.id}")
    db.session.expire_all()
    assert db.session.get(AssignmentProblem, second.id).points == 2.0
    r = post(client, url, {"points": "3.5"})
    db.session.expire_all()
    assert r.status_code == 302 and db.session.get(AssignmentProblem, second.id).points == 3.5


def test_override_errors_sit_next_to_their_fields(
    client, make_user, make_course, enrol, make_assignment
):
    course, student, a = setup(make_user, make_course, enrol, make_assignment)
    first, second = a.problems
    login(client, "t@example.edu")
    base = f"/courses/{course.id}/gradebook/students/{student.id}"
    r = post(client, f"{base}/problems/{first.id}/override", {"points": "11", "reason": ""})
    assert r.status_code == 400
    page = r.get_data(as_text=True)
    assert_unique_ids(page)
    points, reason = field_html(page, f"points-{first.id}"), field_html(page, f"reason-{first.id}")
    assert "At most 10 points" in points and 'value="11"' in points
    assert "This field is required." in reason
    assert "has-error" not in field_html(page, f"points-{second.id}")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ScoreOverride)) == 0
    r = post(client, f"{base}/problems/{first.id}/override", {"points": "5", "reason": "method"})
    assert r.status_code == 302
    assert db.session.scalar(sa.select(ScoreOverride.score)) == 0.5


def test_preview_shows_a_bad_seed_next_to_its_field(
    client, make_user, make_course, enrol, make_assignment
):
    course, _student, a = setup(make_user, make_course, enrol, make_assignment)
    t = a.problems[0].template_id
    login(client, "t@example.edu")
    page = client.get(f"/courses/{course.id}/templates/{t}?seed=abc").get_data(as_text=True)
    assert "Not a valid integer value." in field_html(page, "seed")
    assert "Showing: seed 0." in page
    page = client.get(f"/courses/{course.id}/templates/{t}?seed=17").get_data(as_text=True)
    assert 'value="17"' in field_html(page, "seed") and "has-error" not in field_html(page, "seed")
