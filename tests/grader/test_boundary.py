"""The input boundary (issue 9, items 12-14 and 21), tested as classes: every route with an
id too large for the database, every form field and every JSON field with a control
character, every JSON or YAML input nested too deep, every download's caching, and the
Server header of the production server. Routes and forms are discovered from ``url_map`` and
from the pages themselves, so a new route or field is covered without editing this file."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import unicodedata
import urllib.request
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest
import sqlalchemy as sa

import problems
from grader import boundary
from grader.extensions import db
from grader.models import Assignment, AssignmentProblem, ProblemTemplate, User
from grader.services import inputs, jobs
from grader.services.inputs import (
    MAX_ID,
    MAX_JSON_DEPTH,
    MAX_PROBLEMS,
    MAX_YAML_DEPTH,
    BoundedSafeLoader,
    json_depth,
)
from grader.services.quiz import start_quiz
from grader.services.submissions import submit
from tests.helpers import TEST_PASSWORD, csrf_token, login

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INT_ARG = re.compile(r"<int:(\w+)>")
ANY_ARG = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")  # <name>, <int:name>, <any(a, b):name>
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Values for the routes' string arguments, so that a URL is one the route serves.
STRING_ARGS = {"action": "points", "name": "problems", "ext": "csv"}
TWO = {"m": [2, 2], "n": [2, 2]}  # dense_forward with z and y of 2 entries


@pytest.fixture
def world(app, make_user, make_course, enrol, make_assignment):
    """An admin, an instructor and a student in one course; a homework assignment nobody
    has started (``ids``: its pages show the builder's forms), a homework the student has
    answered with a stale score (its regrade page has a form), a practice assignment (its
    problem page has the new-variant form) and a library template. Plain ids and emails: the
    test's session is rolled back between checks."""
    admin = make_user(email="admin@example.edu", admin=True)
    teacher = make_user(email="teacher@example.edu")
    student = make_user(email="student@example.edu", name="Stu Dent")
    course = make_course(code="NN-B1", instructor=teacher)
    enrol(student, course)
    a = make_assignment(course, [("dense_forward", TWO, 2), ("activation_choice", {}, 1)])
    answered = make_assignment(course, [("dense_forward", TWO, 1)], title="Answered")
    practice = make_assignment(course, [("dense_forward", TWO, 1)], mode="practice")
    # timed quizzes: one not started (its start page has the Start form), one started (its
    # problem page has the "Save draft" button): pages the student sees, not the staff
    fresh, started = (
        make_assignment(
            course, [("dense_forward", TWO, 1)], title=t, mode="quiz", time_limit_minutes=20
        )
        for t in ("Quiz A", "Quiz B")
    )
    db.session.add(ProblemTemplate(course_id=None, kind="activation", title="Library ReLU"))
    db.session.commit()
    sub = submit(answered.problems[0], student, {"z": "1 2", "y": "1 2"}).submission
    sub.score = sub.raw_score = 0.5  # not what grading gives: the regrade page offers a change
    db.session.commit()
    start_quiz(started, student)
    ap = a.problems[0]
    job, _ = jobs.start("export_long", course, teacher)  # a finished job: its page and file
    jobs.run_pending()
    queued, _ = jobs.start(  # never run: its page has the cancel form
        "simulate_class", course, teacher, params={"students": 1, "assignments": 1, "seed": 1}
    )
    from grader.services import lti as lti_service

    registration = lti_service.register_platform(
        "https://lms.example.edu",
        "c1",
        ["d1"],
        "https://lms.example.edu/auth",
        "https://lms.example.edu/token",
        "https://lms.example.edu/jwks",
    )
    ids = {
        "registration_id": registration.id,
        "job_id": job.id,
        "course_id": course.id,
        "assignment_id": a.id,
        "problem_id": ap.id,
        "template_id": ap.template_id,
        "user_id": student.id,
    }
    extra_pages = [
        f"/courses/{course.id}/assignments/{answered.id}/regrade",
        f"/courses/{course.id}/jobs/{queued.id}",
        f"/assignments/{practice.id}/problems/{practice.problems[0].id}",
        f"/assignments/{a.id}/problems/{a.problems[1].id}",  # a choice, not numbers
    ]
    student_pages = [
        f"/assignments/{fresh.id}/start",
        f"/assignments/{started.id}/problems/{started.problems[0].id}",
    ]
    return {
        "ids": ids,
        "extra_pages": extra_pages,
        "student_pages": student_pages,
        "admin": admin.email,
        "teacher": teacher.email,
        "student": student.email,
    }


def url_of(rule, values: dict) -> str:
    return ANY_ARG.sub(lambda m: str(values[m.group(2)]), rule.rule)


def app_rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint != "static"]


def logged_in(app, email):
    c = app.test_client()
    assert login(c, email).status_code == 302
    return c


def bearer(app, email) -> dict:
    r = app.test_client().post("/api/v1/tokens", json={"email": email, "password": TEST_PASSWORD})
    assert r.status_code == 201
    return {"Authorization": f"Bearer {r.json['token']}"}


def snapshot() -> dict:
    """Every row of every table, to show that a refused request wrote nothing."""
    db.session.rollback()  # a fresh read: the test's own transaction would see a snapshot
    out = {
        t.name: sorted(map(repr, db.session.execute(sa.select(t)).all()))
        for t in db.metadata.sorted_tables
    }
    db.session.rollback()
    return out


# ---------------------------------------------------------------- item 12: ids out of range


HUGE_IDS = (MAX_ID + 1, 2**63)


def test_every_int_route_answers_404_to_an_id_the_database_cannot_hold(app, world):
    """Every rule with an <int:…> argument, every method it allows, each int argument in
    turn set to 2³¹ (PostgreSQL's limit) and 2⁶³ (SQLite's), the other arguments valid:
    404 (JSON under /api/) as an anonymous client and as an admin (web) or with the
    instructor's token (API); never 5xx, never 405.
    The same URL with the valid ids routes to the rule, so the huge id is what refuses it."""
    web = {"anonymous": (app.test_client(), {}), "admin": (logged_in(app, world["admin"]), {})}
    api = {
        "anonymous": (app.test_client(), {}),
        "token": (app.test_client(), bearer(app, world["teacher"])),
    }
    adapter = app.url_map.bind("localhost")
    valid = world["ids"] | STRING_ARGS
    checked = []
    for rule in app_rules(app):
        methods = sorted(set(rule.methods) & set(METHODS))
        for arg in INT_ARG.findall(rule.rule):
            assert adapter.match(url_of(rule, valid), method=methods[0])[0] == rule.endpoint
            for huge in HUGE_IDS:
                url = url_of(rule, valid | {arg: huge})
                for method in methods:
                    for who, (client, headers) in (api if url.startswith("/api/") else web).items():
                        r = client.open(url, method=method, headers=headers)
                        assert r.status_code == 404, (who, method, url, r.status_code)
                        if url.startswith("/api/"):
                            assert r.json["error"] == "not_found", (who, method, url)
            checked.append((rule.endpoint, arg))
    # every int argument of every route: 65 (route, argument) pairs on 41 routes as written
    assert len(checked) == sum(len(INT_ARG.findall(r.rule)) for r in app_rules(app)) >= 65


def test_the_largest_id_reaches_the_database_and_finds_nothing(app, world):
    """2³¹−1 still matches the routes (it is a valid integer everywhere): a plain 404."""
    client = logged_in(app, world["teacher"])
    assert client.get(f"/courses/{MAX_ID}").status_code == 404
    r = app.test_client().get(
        f"/api/v1/assignments/{MAX_ID}", headers=bearer(app, world["teacher"])
    )
    assert r.status_code == 404 and r.json["error"] == "not_found"
    # non-ASCII digits are not an id (int("٣") would be 3)
    assert client.get(f"/courses/{chr(0x663)}").status_code == 404
    r = app.test_client().get("/api/v1/assignments/27280910888668156")  # the request
    assert r.status_code == 404 and r.json["error"] == "not_found"


def test_int_query_parameters_out_of_range(app, world):
    """The int query parameters read by pages: a student id or seed out of range, a page
    number past any roster: no 5xx."""
    ids = world["ids"]
    client = logged_in(app, world["teacher"])
    preview = f"/courses/{ids['course_id']}/templates/{ids['template_id']}"
    for query in (f"student_id={2**63}", f"student_id={MAX_ID + 1}", "seed=-5", f"seed={2**70}"):
        r = client.get(f"{preview}?{query}")
        assert r.status_code == 200, query
        assert "seed 0" in r.get_data(as_text=True), query  # out of range reads as the default
    for page in (MAX_ID + 1, 2**63, 10**30):
        r = client.get(f"/courses/{ids['course_id']}/gradebook?page={page}")
        assert r.status_code == 200, page
        r = client.get(f"/courses/{ids['course_id']}/gradebook?page={page}&sort=total")
        assert r.status_code == 200, page


# ---------------------------------------------------------------- item 13: control characters


class Forms(HTMLParser):
    """The <form>s of a page: method, action and fields (name, kind, value)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        form = self.forms[-1] if self.forms else None
        if tag == "button" and form is not None and a.get("formaction"):
            # the same form sent elsewhere ("Save draft" beside "Submit answer")
            form.setdefault("formactions", []).append(a["formaction"])
            return
        if tag == "form":
            self.forms.append(
                {
                    "method": (a.get("method") or "get").lower(),
                    "action": a.get("action") or "",
                    "fields": {},
                    "enctype": a.get("enctype", ""),
                }
            )
        elif tag == "option" and form is not None and self._select:
            kind, value = form["fields"][self._select]
            if value is None or "selected" in a:
                form["fields"][self._select] = (kind, a.get("value", ""))
        elif form is None or not a.get("name"):
            return
        elif tag == "input":
            kind = a.get("type", "text")
            if kind in ("submit", "button", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                # as if ticked: the first option of a group nobody chose
                form["fields"].setdefault(a["name"], (kind, a.get("value", "on")))
                return
            form["fields"][a["name"]] = (kind, a.get("value", ""))
        elif tag == "textarea":
            self._textarea = a["name"]
            form["fields"][a["name"]] = ("textarea", "")
        elif tag == "select":
            self._select = a["name"]
            form["fields"][a["name"]] = ("select", None)

    def handle_data(self, data):
        if self._textarea and self.forms:
            kind, value = self.forms[-1]["fields"][self._textarea]
            self.forms[-1]["fields"][self._textarea] = (kind, value + data)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def page_forms(client, url: str) -> list[dict]:
    r = client.get(url)
    assert r.status_code == 200, (url, r.status_code)
    parser = Forms()
    parser.feed(r.get_data(as_text=True))
    forms = []
    for form in parser.forms:
        form["action"] = form["action"] or url
        forms.append(form)
        forms += [form | {"action": action} for action in form.pop("formactions", [])]
    return forms


ROSTER = "email,name,role,section\nnew.person@example.edu,New Person,student,A\n"


def upload_for(endpoint: str, spec_yaml: str) -> str:
    return ROSTER if endpoint == "courses.import_csv" else spec_yaml


def filled(form: dict) -> dict:
    """The form's values as a browser would send them, blanks given plausible text."""
    out = {}
    for name, (kind, value) in form["fields"].items():
        if value is None:  # an unchecked box
            continue
        if value == "" and kind in ("text", "email", "password", "textarea", "number"):
            value = "x@example.edu" if "email" in name else "1" if kind == "number" else "x"
        out[name] = value
    return out


# LTI endpoints the LMS drives (OIDC login, launch, the deep-linking pick that needs a
# launch in the session): tests/grader/test_lti.py posts them as a platform does.
LMS_DRIVEN = {"lti.login", "lti.launch", "lti.deep_link"}
ADMIN_PAGES = {"lti.registrations"}  # checked as the admin in the form test


def get_pages(app, world) -> list[str]:
    """Every page (GET route that renders HTML) of the web app with real ids, the new-
    template page of every kind and the world's extra pages; the instructor's pages first
    (a problem page, once opened, starts its assignment and hides the builder's forms)."""
    values = world["ids"] | STRING_ARGS
    urls = []
    for rule in app_rules(app):
        if "GET" not in rule.methods or rule.rule.startswith("/api/") or rule.rule == "/login":
            continue
        if rule.endpoint in LMS_DRIVEN or rule.endpoint in ADMIN_PAGES:
            continue  # reached from the LMS (test_lti.py), or by an admin (below)
        if re.search(r"\.(csv|svg|yaml|json|<[^>]*ext>)$", rule.rule):
            continue  # downloads and data, not pages
        if rule.endpoint == "student.start":
            continue  # a timed quiz's, seen as a student: world["student_pages"]
        urls.append(url_of(rule, values))
    course = world["ids"]["course_id"]
    urls += [f"/courses/{course}/templates/new?kind={k}" for k in problems.KINDS]
    urls += world["extra_pages"]
    return sorted(urls, key=lambda u: u.startswith("/assignments/"))


# Refused characters, with what the message calls them: a control character, and the
# bidi override that shows text reversed (an invisible format character).
REFUSED = pytest.mark.parametrize(
    "ch, called",
    [("\x00", "control character (U+0000)"), ("\u202e", "invisible formatting character (U+202E)")],
)


@REFUSED
def test_every_form_field_refuses_a_control_character(app, world, ch, called):
    """Every POST form on every page (read from the HTML: the instructor's view of every
    GET route, the new-template form of every kind, and the login page as an anonymous
    visitor): each field in turn (text, password, number, hidden, select, textarea, file)
    with a NUL byte added → 400 with a message, and no row written or changed. A form with no
    field but its CSRF token gets an extra field with a NUL. Every POST route of the web app
    must be reached by some form on some page; GET forms (preview, gradebook filters) are
    checked the same way through their query strings."""
    teacher = logged_in(app, world["teacher"])
    anonymous = app.test_client()
    spec_yaml = teacher.get(
        "/courses/{course_id}/assignments/{assignment_id}/export.yaml".format(**world["ids"])
    ).get_data(as_text=True)
    adapter = app.url_map.bind("localhost")
    student = logged_in(app, world["student"])
    admin = logged_in(app, world["admin"])
    pages = [(anonymous, "/login"), (admin, "/lti/registrations")]
    pages += [(teacher, u) for u in get_pages(app, world)]
    pages += [(student, u) for u in world["student_pages"]]
    forms, distinct = [], set()
    for client, url in pages:
        for form in page_forms(client, url):
            path = urlsplit(form["action"]).path
            endpoint = adapter.match(path, method=form["method"].upper())[0]
            key = (endpoint, form["method"], tuple(sorted(form["fields"])))
            if key not in distinct:  # e.g. the up/down/remove buttons of each problem
                distinct.add(key)
                forms.append((client, url, endpoint, form))
    covered, seen_fields = set(), set()
    requests = 0
    before = snapshot()
    for client, url, endpoint, form in forms:
        values = filled(form)
        for name in [n for n in values if n != "csrf_token"] or ["extra"]:
            data = dict(values)
            if form["method"] == "get":
                data[name] = data.get(name, "") + ch
                r = client.get(form["action"], query_string=data)
            elif form["fields"].get(name, ("",))[0] == "file":
                text = upload_for(endpoint, spec_yaml).replace("New Person", f"New{ch}Person")
                text = text.replace("title: ", f"title: {ch}", 1)
                data[name] = (io.BytesIO(text.encode()), "upload.txt")
                r = client.post(form["action"], data=data, content_type="multipart/form-data")
            else:
                data[name] = data.get(name, "") + ch
                r = client.post(form["action"], data=data)
            requests += 1
            assert r.status_code == 400, (url, endpoint, name, r.status_code)
            assert called in r.get_data(as_text=True), (endpoint, name)
            seen_fields.add((endpoint, name))
        if form["method"] == "post":
            assert "csrf_token" in values, endpoint  # so the 400 is the boundary's
            covered.add(endpoint)
    assert snapshot() == before
    web_posts = {
        r.endpoint for r in app_rules(app) if "POST" in r.methods and not r.rule.startswith("/api/")
    }
    assert web_posts - covered - LMS_DRIVEN == set(), "POST routes no page's form reaches"
    # the fields among them
    for field in [
        ("auth.login", "email"),
        ("auth.login", "password"),
        ("courses.enrol", "email"),
        ("courses.enrol", "name"),
        ("courses.new", "title"),
        ("courses.import_csv", "file"),
        ("instructor.new_assignment", "title"),
        ("instructor.import_assignment_page", "file"),
        ("instructor.new_template", "fixed"),
        ("instructor.override_score", "reason"),
        ("student.problem", "ans-z-0"),
    ]:
        assert field in seen_fields, field
    assert requests > 100


def api_bodies(app, world) -> dict:
    """A valid body for every API endpoint that takes one."""
    ids = world["ids"]
    spec = (
        app.test_client()
        .get(
            f"/api/v1/assignments/{ids['assignment_id']}/spec",
            headers=bearer(app, world["teacher"]),
        )
        .json
    )
    del spec["id"]
    return {
        "api.create_token": {"email": world["teacher"], "password": TEST_PASSWORD},
        "api.create_submission": {"answers": {"z": "[1, 2, 3]", "y": ["1", "2", "3"]}},
        "api.create_assignment": spec,
        "api.update_spec": spec,
        # no body is needed to start a quiz's clock; whatever is sent is checked all the same
        "api.start": {"client": "a script"},
    }


def string_paths(value, path=()):
    """Paths to every string value, and ("key", path) for every mapping key, in ``value``."""
    if isinstance(value, str):
        yield ("value", path)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield ("key", (*path, k))
            yield from string_paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from string_paths(v, (*path, i))


def with_nul(value, kind, path, ch="\x00"):
    value = json.loads(json.dumps(value))
    *parents, last = path
    target = value
    for p in parents:
        target = target[p]
    if kind == "key":
        target[last + ch] = target.pop(last)
    else:
        target[last] = target[last] + ch
    return value


# POSTs that read no body (the app's control-character check still reads any JSON sent).
NO_BODY = {"api.start_long_export"}


def api_routes(app) -> dict:
    """endpoint → (method, rule) for the API endpoints that take a body."""
    return {
        r.endpoint: (m, r)
        for r in app_rules(app)
        if r.rule.startswith("/api/") and r.endpoint not in NO_BODY
        for m in sorted(set(r.methods) & {"POST", "PUT", "PATCH"})
    }


@REFUSED
def test_every_api_json_field_refuses_a_control_character(app, world, ch, called):
    """Every API endpoint with a body (from url_map; each must have a sample body here),
    every string value and every key of its body in turn with a NUL: 400
    {"error": "bad_request"} naming the field, nothing written; with and without a token
    (the check comes before authentication). The issue's case is among them:
    POST /api/v1/tokens {"email": "a\\u0000@b.c"}."""
    bodies = api_bodies(app, world)
    routes = api_routes(app)
    assert set(routes) == set(bodies), "an API endpoint with a body has no sample here"
    values = world["ids"] | STRING_ARGS
    token = bearer(app, world["teacher"])
    client = app.test_client()
    before = snapshot()
    checked = 0
    for endpoint, (method, rule) in routes.items():
        paths = list(string_paths(bodies[endpoint]))
        assert paths, endpoint
        for kind, path in paths:
            for headers in (token, {}):
                body = with_nul(bodies[endpoint], kind, path, ch)
                r = client.open(url_of(rule, values), method=method, json=body, headers=headers)
                assert r.status_code == 400, (endpoint, kind, path, r.status_code)
                assert r.json["error"] == "bad_request", (endpoint, path)
                assert called in r.json["message"], (endpoint, path)
                checked += 1
    assert snapshot() == before
    assert checked > 40
    r = client.post("/api/v1/tokens", json={"email": "a\x00@b.c", "password": "x"})
    assert r.status_code == 400 and "“email”" in r.json["message"]


def test_control_characters_elsewhere_in_a_request(app, world):
    """Query strings, a path's string argument, the Idempotency-Key header (stored with the
    submission), a YAML body, a lone surrogate and a C1 control: 400, nothing written. Tab,
    newline and carriage return are text and pass (a multi-line answer)."""
    ids = world["ids"]
    token = bearer(app, world["teacher"])
    client = app.test_client()
    teacher = logged_in(app, world["teacher"])
    before = snapshot()
    sub_url = "/api/v1/assignments/{assignment_id}/problems/{problem_id}/submissions".format(**ids)
    cases = [
        client.get(
            f"/api/v1/courses/{ids['course_id']}/gradebook.csv?format=canvas%00", headers=token
        ),
        teacher.get(f"/courses/{ids['course_id']}/gradebook?section=A%01"),
        teacher.get(f"/courses/{ids['course_id']}/gradebook?sect%00ion=A"),
        teacher.get(
            "/courses/{course_id}/stats/assignments/{assignment_id}/pro%00blems.csv".format(**ids)
        ),
        client.post(
            sub_url, json={"answers": {"z": "1"}}, headers=token | {"Idempotency-Key": "k\x00"}
        ),
        client.post(sub_url, json={"answers": {"z": "1\ud800"}}, headers=token),
        client.post(sub_url, json={"answers": {"z": "1\x85"}}, headers=token),
        client.put(
            f"/api/v1/assignments/{ids['assignment_id']}/spec",
            data="title: a\x00b\n",
            content_type="application/yaml",
            headers=token,
        ),
    ]
    for r in cases:
        assert r.status_code == 400, r.request.url
        assert "control character" in (r.json or {}).get("message", r.get_data(as_text=True))
    assert snapshot() == before
    # the YAML escape "\0" makes a NUL only the parser sees: the spec's own 422, with its line
    r = client.put(
        f"/api/v1/assignments/{ids['assignment_id']}/spec",
        data='mode: homework\ntitle: "a\\0b"\n',
        content_type="application/yaml",
        headers=token,
    )
    assert r.status_code == 422 and r.json["errors"] == [
        {"line": 2, "message": "a control character (U+0000) is not allowed in text"}
    ]
    r = client.post(sub_url, json={"answers": {"z": "[1,\n 2]\r\n", "y": "0\t2"}}, headers=token)
    assert r.status_code == 201, r.json


def test_importers_refuse_control_characters_with_their_line(app, world, runner, tmp_path):
    """The CLI bypasses the HTTP check: the roster and assignment importers name the line,
    and create-course refuses the title; a JSON escape ("\\u0000") in the template form's
    pinned values is refused too."""
    ids = world["ids"]
    before = snapshot()
    roster = tmp_path / "roster.csv"
    roster.write_text("email,name\nok@example.edu,Ok\nbad@example.edu,Bad\x00Name\n")
    result = runner.invoke(args=["import-roster", "NN-B1", str(roster)])
    assert (
        result.exit_code != 0
        and "line 3: the name has a control character (U+0000)" in result.output
    )
    spec = tmp_path / "a.yaml"
    spec.write_text('title: ok\nproblems:\n  - kind: activation\n    title: "x\\x07"\n')
    result = runner.invoke(args=["import-assignment", "NN-B1", str(spec)])
    assert result.exit_code != 0 and "line 4" in result.output and "U+0007" in result.output
    args = ["create-course", "NN-B2", "Bad\x00title", "--instructor", world["teacher"]]
    result = runner.invoke(args=args)
    assert result.exit_code != 0 and "a title cannot hold control characters" in result.output
    for email, name in (("nul@example.edu", "Bad\x00name"), ("n\x00ul@example.edu", "Name")):
        args = ["create-user", email, "--name", name, "--password", "long-enough-pw"]
        result = runner.invoke(args=args)
        assert result.exit_code != 0 and "contains a control character (U+0000)" in result.output
    teacher = logged_in(app, world["teacher"])
    r = teacher.post(
        f"/courses/{ids['course_id']}/templates/new?kind=dense_forward",
        data={"csrf_token": csrf_token(teacher), "title": "t", "fixed": '{"W": "\\u0000"}'},
    )
    assert r.status_code == 400 and "control character (U+0000)" in r.get_data(as_text=True)
    assert snapshot() == before


# ---------------------------------------------------------------- item 14: deep nesting


# The API endpoints that read a YAML body (an assignment spec).
YAML_ENDPOINTS = {"api.create_assignment", "api.update_spec"}


def count_yaml_loaders(monkeypatch) -> list:
    """A list that grows by one for every YAML loader made from now on (a parse)."""
    made: list = []
    init = BoundedSafeLoader.__init__

    def counting(self, stream):
        made.append(len(stream))
        init(self, stream)

    monkeypatch.setattr(BoundedSafeLoader, "__init__", counting)
    return made


def nested(depth: int, inner: str = "1") -> str:
    return "[" * depth + inner + "]" * depth


def test_json_depth_is_counted_without_parsing():
    """Brackets in strings (with escaped quotes) do not count; the bound is what json.loads
    needs."""
    assert json_depth(b"{}") == 1 and json_depth(b'{"a": [[1], {"b": 2}]}') == 3
    assert json_depth(b'["[[[[", "\\"[[[", [2]]') == 2
    assert json_depth(nested(100_000)) == 100_000
    assert json_depth(nested(100_000), limit=MAX_JSON_DEPTH) == MAX_JSON_DEPTH + 1  # stops early
    assert json_depth(b"") == 0


def test_every_json_and_yaml_body_refuses_deep_nesting(app, world, monkeypatch):
    """Every API endpoint with a body, as JSON nested 100,000 levels (the issue's token
    request) and MAX_JSON_DEPTH + 1 levels: 400 with the depth in the message, with or
    without a token. As YAML nested 900 levels (1.8 KB, the issue's import): the two spec
    endpoints (the only ones that read YAML) answer 422 naming the depth to an instructor and
    401 to nobody, without parsing it; the others never parse it. Nothing written.
    MAX_JSON_DEPTH levels still reach the endpoint (its own answer)."""
    routes = api_routes(app)
    bodies = api_bodies(app, world)
    values = world["ids"] | STRING_ARGS
    token = bearer(app, world["teacher"])
    client = app.test_client()
    deep_yaml = "title: " + nested(900)
    assert len(deep_yaml) < 1900
    loaders = count_yaml_loaders(monkeypatch)
    before = snapshot()
    for endpoint, (method, rule) in routes.items():
        url = url_of(rule, values)
        for headers in (token, {}):
            for text in (
                nested(100_000),
                '{"answers": ' + nested(MAX_JSON_DEPTH) + "}",
                '{"answers": {"z": ' + nested(4998) + "}}",
            ):
                r = client.open(
                    url,
                    method=method,
                    data=text,
                    json=None,
                    headers=headers,
                    content_type="application/json",
                )
                assert r.status_code == 400, (endpoint, r.status_code)
                assert "nested" in r.json["message"], (endpoint, r.json)
            for text in (deep_yaml, "a:\n" + "- " * 900 + "x\n"):
                loaders.clear()
                r = client.open(
                    url, method=method, data=text, content_type="application/yaml", headers=headers
                )
                if endpoint not in YAML_ENDPOINTS:
                    assert 400 <= r.status_code < 500 and loaders == [], (endpoint, r.status_code)
                elif not headers:
                    assert (r.status_code, loaders) == (401, []), endpoint
                else:
                    assert (r.status_code, len(loaders)) == (422, 1), (endpoint, r.json)
                    assert any("nested" in e["message"] for e in r.json["errors"]), r.json
    assert snapshot() == before
    for endpoint, (method, rule) in routes.items():
        # just within the bound: the endpoint answers for itself (not about nesting)
        body = bodies[endpoint] | {"extra": json.loads(nested(MAX_JSON_DEPTH - 1))}
        r = client.open(url_of(rule, values), method=method, json=body, headers=token)
        assert r.status_code < 500 and "nested" not in json.dumps(r.json), endpoint


def test_deep_nesting_in_forms_files_and_the_cli(app, world, runner, tmp_path):
    """The web import (a 900-level YAML, a self-referencing alias), the template form's
    JSON field, an answer typed as 5,000 nested brackets, the CLI import: a message, never a
    5xx, nothing written."""
    ids = world["ids"]
    teacher = logged_in(app, world["teacher"])
    before = snapshot()
    url = f"/courses/{ids['course_id']}/assignments/import"
    for text in (
        "title: " + nested(900),
        "title: x\nproblems:\n" + "".join("  " * i + f"- k{i}:\n" for i in range(1, 200)),
        "title: x\nproblems: &p [*p]\n",
    ):
        r = teacher.post(
            url,
            data={"csrf_token": csrf_token(teacher), "file": (io.BytesIO(text.encode()), "a.yaml")},
            content_type="multipart/form-data",
        )
        assert r.status_code == 400, text[:40]
        assert f"nested more than {MAX_YAML_DEPTH} levels deep" in r.get_data(as_text=True)
    r = teacher.post(
        f"/courses/{ids['course_id']}/templates/new?kind=dense_forward",
        data={
            "csrf_token": csrf_token(teacher),
            "title": "t",
            "fixed": '{"W": ' + nested(100_000) + "}",
        },
    )
    assert r.status_code == 400
    assert f"nested more than {MAX_JSON_DEPTH} levels deep" in r.get_data(as_text=True)
    spec = tmp_path / "deep.yaml"
    spec.write_text("title: " + nested(900))
    result = runner.invoke(args=["import-assignment", "NN-B1", str(spec)])
    assert result.exit_code != 0 and "nested more than 64 levels" in result.output
    assert snapshot() == before
    # an answer is text: brackets 5,000 deep are a format error (422), no attempt used
    problem = "/assignments/{assignment_id}/problems/{problem_id}".format(**ids)
    teacher.get(problem)
    r = teacher.post(
        problem, data={"csrf_token": csrf_token(teacher), "ans-z-0": nested(5000), "ans-y-0": "1"}
    )
    assert r.status_code == 422


# ---------------------------------------------------------------- item 21


def spec_with(n: int) -> str:
    return "title: Big\nproblems:\n" + "  - kind: activation\n" * n


def test_an_assignment_has_at_most_200_problems(app, world, runner, tmp_path):
    """201 problems are refused with the count by the web import, the CLI and the API (JSON
    and YAML); 200 are accepted; the builder refuses a 201st problem."""
    ids = world["ids"]
    token = bearer(app, world["teacher"])
    teacher = logged_in(app, world["teacher"])
    message = f"an assignment has at most {MAX_PROBLEMS} problems; this one has 201"
    before = snapshot()
    r = teacher.post(
        f"/courses/{ids['course_id']}/assignments/import",
        data={
            "csrf_token": csrf_token(teacher),
            "file": (io.BytesIO(spec_with(201).encode()), "a.yaml"),
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 400 and message in r.get_data(as_text=True)
    path = tmp_path / "big.yaml"
    path.write_text(spec_with(201))
    result = runner.invoke(args=["import-assignment", "NN-B1", str(path)])
    assert result.exit_code != 0 and message in result.output
    api = app.test_client()
    for url, method in (
        (f"/api/v1/courses/{ids['course_id']}/assignments", "POST"),
        (f"/api/v1/assignments/{ids['assignment_id']}/spec", "PUT"),
    ):
        r = api.open(
            url, method=method, data=spec_with(201), content_type="application/yaml", headers=token
        )
        assert r.status_code == 422 and r.json["errors"][0]["message"] == message
        body = {"title": "Big", "problems": [{"kind": "activation"}] * 201}
        r = api.open(url, method=method, json=body, headers=token)
        assert r.status_code == 422 and r.json["errors"][0]["message"] == message
    assert snapshot() == before
    r = api.post(
        f"/api/v1/courses/{ids['course_id']}/assignments",
        data=spec_with(200),
        content_type="application/yaml",
        headers=token,
    )
    assert r.status_code == 201 and len(r.json["problems"]) == 200
    big = db.session.get(Assignment, r.json["id"])
    r = teacher.post(
        f"/courses/{ids['course_id']}/assignments/{big.id}/problems",
        data={"csrf_token": csrf_token(teacher), "template_id": ids["template_id"], "points": "1"},
        follow_redirects=True,
    )
    assert "at most 200 problems" in r.get_data(as_text=True)
    db.session.rollback()
    count = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AssignmentProblem)
        .where(AssignmentProblem.assignment_id == big.id)
    )
    assert count == 200


def test_every_download_and_page_is_not_stored_by_caches(app, world):
    """Every CSV route (rules ending in .csv or .<ext>, and every CSV link on the gradebook
    and statistics pages, which hold them) answers 200 text/csv with Cache-Control: no-store,
    on the web and the API; so do those pages and the API's answers. Static files stay
    cacheable."""
    ids = world["ids"]
    teacher = logged_in(app, world["teacher"])
    token = bearer(app, world["teacher"])
    client = app.test_client()
    values = ids | STRING_ARGS
    csv_urls, csv_rules = set(), set()
    for rule in app_rules(app):
        if re.search(r"\.(csv|<[^>]*ext>)$", rule.rule):
            csv_rules.add(rule.endpoint)
            csv_urls.add(url_of(rule, values))
    for url in [u for u in get_pages(app, world) if re.search(r"/(gradebook|stats)", u)]:
        page = teacher.get(url)
        assert page.headers.get("Cache-Control") == "no-store", url
        body = page.get_data(as_text=True)
        csv_urls |= {h.replace("&amp;", "&") for h in re.findall(r'href="([^"]+\.csv[^"]*)"', body)}
    adapter = app.url_map.bind("localhost")
    reached = set()
    for url in sorted(csv_urls):
        parts = urlsplit(url)
        reached.add(adapter.match(parts.path, method="GET")[0])
        api = parts.path.startswith("/api/")
        r = (client if api else teacher).get(
            parts.path, query_string=dict(parse_qsl(parts.query)), headers=token if api else {}
        )
        assert r.status_code == 200 and r.mimetype == "text/csv", (url, r.status_code)
        assert r.headers["Cache-Control"] == "no-store", url
    assert reached == csv_rules and len(csv_urls) >= 8, sorted(csv_urls)
    assert client.get("/api/v1/me", headers=token).headers["Cache-Control"] == "no-store"
    assert "no-store" not in teacher.get("/static/style.css").headers.get("Cache-Control", "")


def test_gunicorn_started_as_the_readme_says_does_not_name_itself(tmp_path):
    """gunicorn started in the repository's root without -c (so it reads gunicorn.conf.py,
    as the README's command does) on a free loopback port: the Server header is the neutral
    one. The app is a two-line WSGI app, since the header is gunicorn's (the grader sets
    none), and importing the grader would make the test slow."""
    (tmp_path / "hello.py").write_text(
        "def app(environ, start_response):\n"
        "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
        "    return [b'ok']\n"
    )
    env = dict(os.environ, XDG_RUNTIME_DIR=str(tmp_path))  # gunicorn's control socket, not ~
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    proc = subprocess.Popen(
        [gunicorn, "-w", "1", "-b", "127.0.0.1:0", "--pythonpath", str(tmp_path), "hello:app"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        port = None
        for line in proc.stderr:
            m = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", line)
            port = port or (int(m.group(1)) if m else None)
            if "Booting worker" in line:
                break
        assert port, "gunicorn did not start"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as r:
            assert r.read() == b"ok"
            assert r.headers.get_all("Server") == ["nn-grader"]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        proc.stderr.close()


def test_every_download_route_refuses_an_unknown_extension(app, world):
    """A route whose extension is a URL argument (statistics tables as CSV or SVG) answers
    200 for each extension it serves and 404 for any other, instead of an SVG by default."""
    teacher = logged_in(app, world["teacher"])
    rules = [r for r in app_rules(app) if "ext" in r.arguments]
    assert len(rules) >= 3
    for rule in rules:
        for ext, status in (("csv", 200), ("svg", 200), ("xlsx", 404), ("csv.bak", 404)):
            url = url_of(rule, world["ids"] | STRING_ARGS | {"ext": ext})
            assert teacher.get(url).status_code == status, url


# ------------------------------------------- the boundary's work is linear in the body size


def test_json_depth_reads_each_byte_once(monkeypatch):
    """Adversarial bodies (an unterminated string of escaped quotes, the review's: 10 s at
    40 KB with the earlier pattern; runs of quotes, backslashes, brackets): the scan's
    matches never overlap and move forward only, so no byte is read twice; the escaped
    quotes are one match from the first byte to the last."""
    spans: list[tuple[int, int]] = []
    real = inputs._JSON_TOKEN

    class Counting:
        def finditer(self, data):
            for m in real.finditer(data):
                spans.append(m.span())
                yield m

    monkeypatch.setattr(inputs, "_JSON_TOKEN", Counting())
    n = 100_000
    bodies = [b'"' + b'\\"' * n, b'"' * n, b"\\" * n, b'["' * n, b"[" * n + b"]" * n]
    for body in bodies:
        spans.clear()
        depth = json_depth(body)
        ends = [0] + [e for s, e in spans]
        assert all(s >= ends[i] and e > s for i, (s, e) in enumerate(spans)), body[:8]
        assert sum(e - s for s, e in spans) <= len(body)
    assert depth == n  # the last body: brackets only, every one a match of its own
    spans.clear()
    assert json_depth(bodies[0]) == 0 and spans == [(0, 2 * n + 1)]


def test_bodies_sent_to_no_route_are_not_read(app, world, monkeypatch):
    """An anonymous POST of a 900 KB YAML list (8 s of parsing before) or JSON body to an
    address no rule matches, or with a method its rule does not take: 404/405, and no YAML
    loader made, no JSON depth counted."""
    loaders = count_yaml_loaders(monkeypatch)
    depths: list[int] = []
    real = boundary.too_deep_json
    monkeypatch.setattr(boundary, "too_deep_json", lambda data: depths.append(1) or real(data))
    client = app.test_client()
    yaml_list = "a: [" + ", ".join(["1"] * 300_000) + "]\n"
    json_list = "[" + ", ".join(["[1]"] * 200_000) + "]"
    for url, code in (("/no/such/path", 404), ("/api/v1/nope", 404), ("/api/v1/me", 405)):
        for body, ctype in ((yaml_list, "application/yaml"), (json_list, "application/json")):
            r = client.post(url, data=body, content_type=ctype)
            assert r.status_code == code, (url, ctype, r.status_code)
    assert (loaders, depths) == ([], [])
    r = client.post("/api/v1/tokens", data=json_list, content_type="application/json")
    assert r.status_code == 400 and depths == [1]  # a route that takes a body: checked


def test_format_characters_refused_are_unicodes_but_zwnj_and_zwj():
    """Every format character (Cf) and line/paragraph separator of this Python's Unicode
    is refused, but ZWNJ and ZWJ; a byte-order mark only at the start of a file."""
    refused = {c for c in range(0x110000) if inputs.control_character(chr(c)) is not None}
    hiding = {c for c in range(0x110000) if unicodedata.category(chr(c)) in ("Cf", "Zl", "Zp")}
    assert hiding - {0x200C, 0x200D} <= refused
    assert {0x200C, 0x200D, 0x09, 0x0A, 0x0D} & refused == set()
    assert inputs.control_character("\ufeffname", bom=True) is None
    assert inputs.control_character("\ufeffname") == 0
    assert inputs.control_character("na\ufeffme", bom=True) == 2


NAMES = ["Zoë Ünal", "李小龙", "محمد", "नमस्ते", "می\u200cخواهم", "👩\u200d💻 Ada"]
HIDING = ["\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u200b", "\u202a", "\u200e"]
HIDING += ["\u200f", "\u2028", "\u2029", "\ufeff"]


def test_names_in_any_script_pass_and_hidden_formatting_is_refused(app, world):
    """Through the enrol form, the JSON API (a login's password) and an uploaded roster
    (with a leading BOM, which is the file's, not text): names in Latin, Chinese, Arabic,
    Devanagari, Persian with ZWNJ and an emoji with ZWJ are stored as sent; each bidi
    override/isolate, zero-width space, mark, separator or inner BOM is a 400 naming its
    code point, nothing written."""
    course_id = world["ids"]["course_id"]
    teacher = logged_in(app, world["teacher"])
    api = app.test_client()

    def enrol(i, name):
        data = {"email": f"n{i}@example.edu", "name": name, "role": "student"}
        return teacher.post(
            f"/courses/{course_id}/enrol", data=data | {"csrf_token": csrf_token(teacher)}
        )

    def upload(text):
        data = {"csrf_token": csrf_token(teacher), "file": (io.BytesIO(text.encode()), "r.csv")}
        return teacher.post(
            f"/courses/{course_id}/roster/import", data=data, content_type="multipart/form-data"
        )

    def token(password):
        return api.post("/api/v1/tokens", json={"email": world["teacher"], "password": password})

    for i, name in enumerate(NAMES):
        assert enrol(i, name).status_code == 200, name
        # past the boundary: a wrong password (or the throttle that counts them)
        assert token(name).status_code in (401, 429), name
    rows = "".join(f"r{i}@example.edu,{name},student\n" for i, name in enumerate(NAMES))
    assert upload("\ufeffemail,name,role\n" + rows).status_code == 200
    stored = dict(db.session.execute(sa.select(User.email, User.name)).all())
    for i, name in enumerate(NAMES):
        assert stored[f"n{i}@example.edu"] == name and stored[f"r{i}@example.edu"] == name
    before = snapshot()
    for ch in HIDING:
        hidden = f"Ada{ch}Lovelace"
        code = f"U+{ord(ch):04X}"
        for r in (
            enrol(99, hidden),
            token(hidden),
            upload(f"\ufeffemail,name,role\nx@example.edu,{hidden},student\n"),
        ):
            assert r.status_code == 400, (code, r.request.path)
            assert code in r.get_data(as_text=True), (code, r.request.path)
    assert snapshot() == before
