"""The layers: routes read input, call a service and render; services hold the queries and
the transaction and refuse with domain errors, which each layer maps to HTTP in one place."""

import re
from pathlib import Path

import pytest
from flask import Blueprint

from grader.services.access import course_for
from grader.services.errors import Conflict, DomainError, Forbidden, NotFound
from tests.helpers import login

ROOT = Path(__file__).resolve().parents[2]


def test_instructor_routes_have_no_queries():
    for path in sorted((ROOT / "grader" / "instructor").glob("*.py")):
        if path.name == "forms.py":
            continue
        text = path.read_text()
        assert "db.session" not in text, path.name
        assert not re.search(r"^import sqlalchemy|^from \.\.extensions import db", text, re.M)


def test_services_raise_domain_errors_not_abort():
    offenders = [
        p.name
        for p in sorted((ROOT / "grader" / "services").glob("*.py"))
        if re.search(r"\babort\(|from flask import .*\babort\b", p.read_text())
    ]
    assert offenders == []


def test_domain_errors_carry_their_status():
    assert [(e.status, e.error) for e in (NotFound(), Forbidden(), Conflict())] == [
        (404, "not_found"),
        (403, "forbidden"),
        (409, "conflict"),
    ]
    assert Conflict("no", error="started").error == "started"
    assert NotFound().text == "There is no such page." and NotFound("gone").text == "gone"


def test_a_service_refusal_works_without_a_request(app, make_user, make_course):
    course = make_course("NN-L")
    outsider = make_user()
    with pytest.raises(Forbidden):
        course_for(outsider, course.id)
    with pytest.raises(NotFound):
        course_for(outsider, course.id + 1000)


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [(NotFound(), 404, "not_found"), (Conflict("Taken.", error="started"), 409, "started")],
)
def test_one_mapping_per_layer(app, client, exc, status, code):
    """A domain error raised anywhere becomes the same status on a page and in the API;
    the API keeps the error's own code."""
    web, api = Blueprint("t_web", __name__), Blueprint("t_api", __name__, url_prefix="/api/v1")

    def boom():
        raise exc

    web.add_url_rule("/t-boom", "boom", boom)
    api.add_url_rule("/t-boom", "boom", boom)
    from grader.api.routes import refused

    api.register_error_handler(DomainError, refused)
    app.register_blueprint(web)
    app.register_blueprint(api)
    page = client.get("/t-boom")
    assert page.status_code == status and exc.text in page.get_data(as_text=True)
    r = client.get("/api/v1/t-boom")
    assert (r.status_code, r.json) == (status, {"error": code, "message": exc.text})


def test_a_library_template_is_not_edited_in_place(client, make_user, make_course):
    from grader.extensions import db
    from grader.models import ProblemTemplate

    teacher = make_user(email="t@example.edu")
    course = make_course("NN-L", instructor=teacher)
    t = ProblemTemplate(course_id=None, kind="param_count", title="Library one", config={})
    db.session.add(t)
    db.session.commit()
    login(client, "t@example.edu")
    r = client.get(f"/courses/{course.id}/templates/{t.id}/edit")
    assert r.status_code == 403
    assert "copy it into your course to change it" in r.get_data(as_text=True)


def test_tests_import_helpers_not_conftest():
    """conftest.py holds fixtures only; what tests import lives in tests/helpers.py."""
    importing = [
        str(p.relative_to(ROOT))
        for p in sorted((ROOT / "tests").rglob("*.py"))
        if re.search(
            r"^\s*(from tests\.conftest|import tests\.conftest|from \.+conftest)",
            p.read_text(),
            re.M,
        )
    ]
    assert importing == []
