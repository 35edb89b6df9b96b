"""Every kind's question and worked solution reach the page: through the MathML path
(grader/services/render.py) for every kind × every activation it allows × 20 seeds, and
through the app (student page with the solution released, instructor preview) per kind."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from markupsafe import escape

import problems
from grader.extensions import db
from grader.models import ProblemTemplate, Variant, utcnow
from grader.services import render
from grader.services.plots import plot_for, plot_svg
from tests.helpers import login
from tests.problems.test_contract import configs

SEEDS = range(20)


@pytest.mark.parametrize("slug", list(problems.KINDS))
def test_question_and_every_step_render_as_mathml(slug):
    kind = problems.get(slug)
    for cfg in configs(slug):
        for seed in SEEDS:
            params = kind.generate(seed, cfg).params
            given = render.given(slug, params)
            assert all("<math" in m for m in given)
            shown = [key for key in kind.given_symbols if key in params]
            assert len(given) == len(shown)
            steps = render.steps(slug, params)
            assert len(steps) == len(kind.solution(params))
            for step in steps:
                assert all("<math" in m and "merror" not in m for m in step["math"]), step


def test_givens_are_the_kinds_symbols_with_their_numbers():
    params = problems.get("mlp_forward").generate(0, {"fixed": {"W1": [[1, -2]]}}).params
    lines = problems.get("mlp_forward").givens(params)
    assert lines[1] == r"W_1 = \begin{bmatrix} 1 & -2 \end{bmatrix}"
    assert [line.split(" = ")[0] for line in lines] == ["x", "W_1", "b_1", "W_2", "b_2"]
    assert "<msub><mi>W</mi><mn>1</mn></msub>" in render.given("mlp_forward", params)[1]
    dense = problems.get("dense_forward")
    params = dense.generate(0, {"fixed": {"W": [[1, 2]], "x": [3, -1], "b": [0.5]}}).params
    plot = dense.plot(params)
    assert plot.zs == (1.5,) and not plot.derivative  # z = 1·3 + 2·(−1) + 0.5


@pytest.mark.parametrize("slug", list(problems.KINDS))
def test_plots_of_every_kind_still_draw(slug):
    kind = problems.get(slug)
    for cfg in configs(slug)[:2]:
        args = plot_for(slug, kind.generate(3, cfg).params)
        if args is not None:
            assert plot_svg(args).startswith("<?xml")


@pytest.fixture
def released(make_course, make_user, enrol, make_assignment):
    """A course with every kind as a problem whose solution is released (the due date has
    passed), and three students who each get their own variant of each."""
    course = make_course("NN-R")
    students = [make_user(email=f"r{i}@example.edu") for i in range(3)]
    for s in students:
        enrol(s, course)
    specs = [
        (slug, (configs(slug)[i % len(configs(slug))] or {}), 1)
        for i, slug in enumerate(problems.KINDS)
    ]
    a = make_assignment(
        course, specs, solution_release="after_due", due_at=utcnow() - timedelta(hours=1)
    )
    return course, a, students


def test_student_page_shows_every_kinds_worked_solution(client, released):
    _course, a, students = released
    for s in students:
        c = client.application.test_client()
        login(c, s.email)
        for ap in a.problems:
            page = c.get(f"/assignments/{a.id}/problems/{ap.id}")
            assert page.status_code == 200, (ap.template.kind, page.status_code)
            body = page.get_data(as_text=True)
            assert "Worked solution" in body
            v = db.session.scalar(
                sa.select(Variant).where(
                    Variant.user_id == s.id, Variant.assignment_problem_id == ap.id
                )
            )
            for step in problems.get(ap.template.kind).solution(v.params):
                assert str(escape(step.title)) in body, (ap.template.kind, step.title)


def test_instructor_preview_shows_every_kinds_worked_solution(client, make_user, make_course):
    teacher = make_user(email="t@example.edu")
    course = make_course("NN-P", instructor=teacher)
    c = client.application.test_client()
    login(c, "t@example.edu")
    for slug in problems.KINDS:
        for cfg in configs(slug)[:3]:
            t = ProblemTemplate(course_id=course.id, kind=slug, title=slug, config=cfg or {})
            db.session.add(t)
            db.session.commit()
            for seed in (0, 1, 2):
                page = c.get(f"/courses/{course.id}/templates/{t.id}?seed={seed}")
                assert page.status_code == 200, (slug, cfg, seed)
                body = page.get_data(as_text=True)
                params = problems.get(slug).generate(seed, cfg).params
                for step in problems.get(slug).solution(params):
                    assert str(escape(step.title)) in body, (slug, step.title)
                # the plot the kind declares is on the preview too, and draws
                plot_url = f"/courses/{course.id}/templates/{t.id}/plot.svg?seed={seed}"
                if problems.get(slug).plot(params) is None:
                    assert plot_url not in body.replace("&amp;", "&")
                    assert c.get(plot_url).status_code == 404
                else:
                    assert plot_url in body.replace("&amp;", "&"), slug
                    img = c.get(plot_url)
                    assert img.status_code == 200 and img.mimetype == "image/svg+xml"
