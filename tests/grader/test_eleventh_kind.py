"""The extension story: an 11th kind registered in a fixture, with no other code, gets a
template form with its settings, preview, a student page showing its givens as MathML,
grading, a worked solution, statistics with its facets and a YAML round trip."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

import problems
from grader.extensions import db
from grader.models import ProblemTemplate, Submission, User, Variant
from grader.services import render, stats
from grader.services.assignment_spec import export_yaml, import_assignment
from tests.extension.weight_slope import WeightSlopeKind
from tests.helpers import login, post


@pytest.fixture
def slope_kind(monkeypatch):
    kind = WeightSlopeKind()
    monkeypatch.setitem(problems.KINDS, kind.slug, kind)
    return kind


@pytest.fixture
def course(make_user, make_course, enrol):
    teacher = make_user(email="t@example.edu")
    course = make_course("NN-11", instructor=teacher)
    for i in range(2):
        enrol(make_user(email=f"s{i}@example.edu"), course)
    return course


def as_user(client, email):
    c = client.application.test_client()
    login(c, email)
    return c


def test_the_engine_contract_holds(slope_kind):
    v = slope_kind.generate(4, {"fixed": {"w": 2, "x": 3, "t": 1}})
    # c = 1.5, squared: 2 · 1.5 · (2·3 − 1) · 3 = 45
    assert v.answers == {"dL_dw": 45.0}
    assert slope_kind.grade(v.params, {"dL_dw": "45"}).score == 1.0
    step = slope_kind.solution(v.params)[0]
    assert slope_kind.grade(v.params, step.answers).score == 1.0


def test_template_form_preview_and_errors(client, course, slope_kind):
    c = as_user(client, "t@example.edu")
    url = f"/courses/{course.id}/templates/new?kind=weight_slope"
    page = c.get(url).get_data(as_text=True)
    for label in ("Values of w, x, t: from", "Decimals", "Loss forms", "Scale c"):
        assert label in page
    assert 'name="cfg_scale"' in page and 'value="1.5"' in page  # a float, not a whole number
    good = {
        "title": "Slope",
        "cfg_values_lo": "-2",
        "cfg_values_hi": "2",
        "cfg_decimals": "0",
        "cfg_forms": ["squared", "half_squared"],
        "cfg_scale": "0.5",
        "tolerance": "rtol_atol",
        "rtol": "0.001",
        "atol": "0.0005",
        "entry": "numbers",
        "partial_credit": "entries",
        "fixed": "",
    }
    r = post(c, url, good | {"cfg_values_lo": "3", "cfg_scale": "20", "title": "Bad"})
    body = r.get_data(as_text=True)
    assert r.status_code == 400
    assert "Values of w, x, t: from must not be above to (got 3 to 2)." in body
    assert "Scale c: must be a number above 0 and at most 10, got 20.0." in body
    assert post(c, url, good).status_code == 302
    t = db.session.scalar(sa.select(ProblemTemplate).where(ProblemTemplate.title == "Slope"))
    assert t.config == {"values": [-2.0, 2.0], "forms": ["squared", "half_squared"], "scale": 0.5}
    preview = c.get(f"/courses/{course.id}/templates/{t.id}?seed=5").get_data(as_text=True)
    v = slope_kind.generate(5, t.config)
    for math in render.given("weight_slope", v.params):  # w, x, t, c with their numbers
        assert str(math) in preview
    assert len(render.given("weight_slope", v.params)) == 4
    assert slope_kind.prompt(v.params) in preview and "Chain rule" in preview


def test_student_page_grading_solution_statistics_and_yaml(
    client, course, slope_kind, make_assignment
):
    a = make_assignment(
        course,
        [("weight_slope", {"forms": ["squared", "half_squared"]}, 4)],
        solution_release="after_correct",
    )
    ap = a.problems[0]
    for i, answer_is_right in enumerate((True, False)):
        c = as_user(client, f"s{i}@example.edu")
        page = c.get(f"/assignments/{a.id}/problems/{ap.id}").get_data(as_text=True)
        user = db.session.scalar(sa.select(User).where(User.email == f"s{i}@example.edu"))
        v = db.session.scalar(sa.select(Variant).where(Variant.user_id == user.id))
        for math in render.given("weight_slope", v.params):  # w, x, t and c as MathML
            assert str(math) in page
        key = v.answers["dL_dw"]
        r = post(
            c,
            f"/assignments/{a.id}/problems/{ap.id}",
            {"ans-dL_dw": repr(key if answer_is_right else key + 100)},
        )
        body = (r if r.status_code == 200 else c.get(r.headers["Location"])).get_data(as_text=True)
        assert ("Worked solution" in body) == answer_is_right
        scores = db.session.scalars(
            sa.select(Submission.score).where(Submission.variant_id == v.id)
        )
        assert scores.all() == [1.0 if answer_is_right else 0.0]
        assert v.facets == {"loss_form": v.params["form"]}
    rows = stats.overall_facet_table(a, "loss_form").rows
    assert sum(row[1] for row in rows) == 2  # two students, each under their variant's form
    stats_page = as_user(client, "t@example.edu").get(
        f"/courses/{course.id}/stats/assignments/{a.id}"
    )
    assert stats_page.status_code == 200 and "Loss form" in stats_page.get_data(as_text=True)
    first = export_yaml(a)
    assert "kind: weight_slope" in first
    assert export_yaml(import_assignment(course, first)) == first
