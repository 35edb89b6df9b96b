"""The OpenAPI document is true: schemathesis fuzzes every /api/v1 operation in-process
with a student's and an instructor's token (a fixed seed, derandomized, bounded), and every
response must be no 5xx and match the document (status, media type, schema, headers);
requests the document forbids must get a 4xx. Also: every example in the document is
accepted by its endpoint on the demo course, and every error code the code can send is
listed."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig

import grader
import problems
from grader.api.openapi import ERROR_CODES_BY_STATUS
from grader.extensions import db
from grader.models import Assignment, Course, User
from grader.services import jobs
from grader.services.demo import DEMO_CODE, DEMO_PASSWORD, seed_demo
from grader.services.library import WORKED_EXAMPLE
from grader.services.tokens import issue_token

MAX_EXAMPLES = 20  # per operation and token: 16 operations × 2 tokens, about 520 cases

CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 20261129,
        "generation": {
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "database": "none",
            "with-security-parameters": False,
        },
        "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
        "checks": {
            # A schema-valid request may still be refused by state the document cannot
            # express (another course's id, no attempts left): these are not 2xx by design.
            "positive_data_acceptance": {"enabled": False},
        },
    }
)


@pytest.fixture
def world(app, make_user, make_course, enrol, make_assignment):
    """A course with an instructor, a TA and a student; a published homework (the worked
    example, 3 attempts, and a second kind), an unpublished one and a practice one; another
    course with its own assignment; a bearer token per role."""
    instructor = make_user(email="prof@example.edu")
    ta = make_user(email="ta@example.edu")
    student = make_user(email="s1@example.edu")
    course = make_course("NN-S1", instructor=instructor)
    enrol(ta, course, "ta")
    enrol(student, course, section="A")
    homework = make_assignment(
        course,
        [("dense_forward", {"fixed": WORKED_EXAMPLE}, 10), ("softmax_cross_entropy", {}, 5)],
        max_attempts=3,
    )
    hidden = make_assignment(course, [("activation", {}, 1)], title="Draft", published=False)
    practice = make_assignment(course, [("shape_check", {}, 1)], title="Practice", mode="practice")
    other = make_course("NN-S2")
    elsewhere = make_assignment(other, [("param_count", {}, 1)], title="Elsewhere")
    tokens = {
        role: issue_token(user)[0]
        for role, user in [("student", student), ("instructor", instructor)]
    }
    assignments = [homework, hidden, practice, elsewhere]
    export, _ = jobs.start("export_long", course, instructor)  # a finished job with its file
    jobs.run_pending()
    return {
        "jobs": [(course.id, export.id)],
        "tokens": tokens,
        "users": {"student": student.id, "instructor": instructor.id},
        "course_id": [course.id, other.id],
        "assignment_id": [a.id for a in assignments],
        "problems": [(a.id, ap.id) for a in assignments for ap in a.problems],
    }


@pytest.fixture(params=["student", "instructor"])
def role(request):
    return request.param


def load(app, world):
    """The served document as schemathesis reads it; half the generated path ids are the
    world's own (a random id is nearly always a 404)."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=CONFIG)

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        if not path_parameters:
            return st.just(path_parameters)
        if "problem_id" in path_parameters:
            real = st.sampled_from(world["problems"]).map(
                lambda p: {"assignment_id": p[0], "problem_id": p[1]}
            )
        elif "job_id" in path_parameters:
            real = st.sampled_from(world["jobs"]).map(lambda p: {"course_id": p[0], "job_id": p[1]})
        else:
            (name,) = path_parameters
            real = st.sampled_from(world[name]).map(lambda v: {name: v})
        return st.one_of(st.just(path_parameters), real)

    return schema


@pytest.fixture
def api_schema(app, world, role):
    """``role`` is here so that the test runs once per token."""
    schema = load(app, world)

    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
def test_every_operation_conforms(case, app, world, role):
    token = world["tokens"][role]
    if case.operation.label == "DELETE /tokens/current":  # it revokes the token it is sent with
        token = issue_token(db.session.get(User, world["users"][role]))[0]
    case.call_and_validate(session=app.test_client(), headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("media_type", ["application/json", "application/yaml"])
@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_every_spec_the_schema_allows_is_accepted(app, world, method, media_type):
    """The other half of "the document is true": a spec the request schema allows is one the
    endpoint accepts (the schema states minItems, bounds, enums and unknown fields as the
    validation does). Two things the schema cannot state are set aside: a kind's config and
    policy are checked by the engine (so they are sent empty), and closes_at may not be
    before due_at."""
    schema = load(app, world)
    course_id, _ = world["course_id"]
    unstarted = world["assignment_id"][1]  # the draft: no student has a variant
    if method == "POST":
        operation = schema["/courses/{course_id}/assignments"]["POST"]
        path, expected = {"course_id": course_id}, 201
    else:
        operation = schema["/assignments/{assignment_id}/spec"]["PUT"]
        path, expected = {"assignment_id": unstarted}, 200
    headers = {"Authorization": f"Bearer {world['tokens']['instructor']}"}
    client = app.test_client()

    @settings(max_examples=15, derandomize=True, database=None, deadline=None)
    @given(case=operation.as_strategy(path_parameters=path, media_type=media_type))
    def accepted(case):
        for problem in case.body["problems"]:
            problem.update(config={}, policy={})
        due, closes = (_when(case.body.get(k)) for k in ("due_at", "closes_at"))
        assume(not (due and closes and closes < due))
        response = case.call(session=client, headers=headers)
        assert response.status_code == expected, response.text

    accepted()
    # and what the schema refuses, the endpoint refuses
    bad = {"title": "T", "problems": []}
    url = f"/api/v1{operation.path.format(**path)}"
    r = client.open(url, method=method, json=bad, headers=headers)
    assert r.status_code == 422 and r.json["errors"] == [
        {"line": None, "message": "problems must be a non-empty list"}
    ]


def _when(value):
    if isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value


def test_wrong_method_is_405_with_allow(app, client):
    """Every route of the app (the API's and the pages'), asked with a method it does not
    take, answers 405 with an Allow header listing the methods it does take; under /api/ the
    body is the JSON error."""
    allowed: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        allowed.setdefault(rule.rule, set()).update(rule.methods)
    assert len(allowed) > 40
    checked = 0
    for rule, methods in allowed.items():
        url = re.sub(r"<int:\w+>", "1", rule)
        url = re.sub(r"<any\(([^,)]+)[^)]*\):\w+>", r"\1", url)  # <any(csv, svg):ext> → csv
        url = re.sub(r"<(?:\w+:)?\w+>", "x", url)
        for method in sorted({"GET", "POST", "PUT", "PATCH", "DELETE"} - methods):
            r = client.open(url, method=method)
            assert r.status_code == 405, (method, url, r.status_code)
            assert set(r.headers["Allow"].split(", ")) == methods | {"OPTIONS"}, (method, url)
            if url.startswith("/api/"):
                assert r.json == {
                    "error": "method_not_allowed",
                    "message": "This address does not accept that method.",
                }
            checked += 1
    assert checked > 150


def test_the_documents_examples_are_accepted_on_the_demo(app, client):
    """Every request-body example in the document, sent where it says it belongs in the demo
    course, is accepted: the submission example answers the lecture's worked example
    (practice problem 1) with full marks, the spec example creates and replaces an
    assignment."""
    seed_demo()
    doc = client.get("/api/v1/openapi.json").json
    schemas = doc["components"]["schemas"]
    course = db.session.scalar(sa.select(Course).where(Course.code == DEMO_CODE))
    practice, homework = (
        db.session.scalar(
            sa.select(Assignment).where(Assignment.course_id == course.id, Assignment.title == t)
        )
        for t in ("Practice: the lecture's examples", "Homework 3: dense layers (problems A, B, C)")
    )
    places = {
        "/assignments/{assignment_id}/problems/{problem_id}/submissions": (
            {"assignment_id": practice.id, "problem_id": practice.problems[0].id},
            "student1@example.edu",
        ),
        "/courses/{course_id}/assignments": ({"course_id": course.id}, "instructor@example.edu"),
        "/assignments/{assignment_id}/spec": (
            {"assignment_id": homework.id},
            "instructor@example.edu",
        ),
    }
    sent = 0
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            content = operation.get("requestBody", {}).get("content", {})
            media = content.get("application/json")
            if media is None:
                continue
            examples = [e["value"] for e in media.get("examples", {}).values()]
            ref = media["schema"].get("$ref", "").rsplit("/", 1)[-1]
            if "example" in schemas.get(ref, {}):
                examples.append(schemas[ref]["example"])
            if path == "/tokens":
                continue  # logging in is exercised by every other request here
            assert path in places, f"{method} {path}: say where in the demo its examples go"
            ids, email = places[path]
            token = client.post(
                "/api/v1/tokens", json={"email": email, "password": DEMO_PASSWORD}
            ).json["token"]
            for example in examples:
                r = client.open(
                    "/api/v1" + path.format(**ids),
                    method=method.upper(),
                    json=example,
                    headers={"Authorization": f"Bearer {token}"},
                )
                assert r.status_code in (200, 201), (method, path, r.json)
                if "answers" in example:
                    assert (r.json["score"], r.json["feedback"]) == (1.0, ["All correct."])
                sent += 1
    assert sent == 3


def test_every_error_code_is_documented(client):
    """Each "error" code the code base can send under /api/ (an ApiError, a refused
    submission, the app's error handlers) is in the document's enum, listed with its status;
    a code added without the document fails here, not in a client."""
    from grader import ERROR_CODES as HANDLER_CODES

    doc = client.get("/api/v1/openapi.json").json
    documented = set(doc["components"]["schemas"]["Error"]["properties"]["error"]["enum"])
    source = "\n".join(p.read_text() for p in Path(grader.__file__).parent.rglob("*.py"))
    raised = set(re.findall(r"(?:ApiError|SubmissionRefused)\(\s*(\d{3}),\s*\"(\w+)\"", source)) | {
        (str(status), code) for status, code in HANDLER_CODES.items()
    }
    assert {code for _, code in raised} >= {"conflict", "started", "bad_format", "not_found"}
    for status, code in raised:
        assert code in documented, code
        assert code in ERROR_CODES_BY_STATUS[status], (status, code)
    # every error response of every operation is the error body (schemathesis checks that
    # the responses match it) and names its codes
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    schema = response["content"]["application/json"]["schema"]["$ref"]
                    assert schema.rsplit("/", 1)[-1] in ("Error", "SpecErrors"), (path, method)
                    named = set(re.findall(r"`(\w+)`", response["description"]))
                    assert named and named <= set(ERROR_CODES_BY_STATUS[status]), (path, method)
    conflict = doc["paths"]["/assignments/{assignment_id}/problems/{problem_id}/submissions"]
    assert "`conflict`" in conflict["post"]["responses"]["409"]["description"]


def test_every_query_enum_is_enforced(app, client, world):
    """A query parameter the document restricts to some values: each value is answered with
    200, any other value with 400 `bad_format` (not silently with the default)."""
    doc = client.get("/api/v1/openapi.json").json
    headers = {"Authorization": f"Bearer {world['tokens']['instructor']}"}
    ids = {"course_id": world["course_id"][0], "assignment_id": world["assignment_id"][0]}
    checked = 0
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] != "query" or "enum" not in parameter["schema"]:
                    continue
                url = "/api/v1" + path.format(**ids)
                name = parameter["name"]
                for value in parameter["schema"]["enum"]:
                    r = client.open(url, method=method, query_string={name: value}, headers=headers)
                    assert r.status_code == 200, (path, value)
                    assert r.mimetype in operation["responses"]["200"]["content"]
                r = client.open(url, method=method, query_string={name: "nope"}, headers=headers)
                assert r.status_code == 400 and r.json["error"] == "bad_format", (path, r.json)
                checked += 1
    assert checked == 2  # gradebook.csv?format= and spec?format=


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("0002-01-01T01:00:00Z", "0002-01-01T01:00:00Z"),  # strftime wrote "2-01-01…"
        ("2026-12-01T10:00:00+02:00", "2026-12-01T08:00:00Z"),
        ("0001-01-01T00:00:00+05:00", None),  # before year 1 in UTC: was a 500
        ("9999-12-31T23:59:59-05:00", None),  # after 9999 in UTC: was a 500
    ],
)
def test_spec_dates_at_the_edges(client, world, sent, stored):
    """Any date-time the document allows is stored and exported as four-digit-year UTC that
    imports again, or refused with 422 when it has no UTC time in years 1 to 9999."""
    headers = {"Authorization": f"Bearer {world['tokens']['instructor']}"}
    url = f"/api/v1/courses/{world['course_id'][0]}/assignments"
    spec = {"title": "Dates", "due_at": sent, "problems": [{"kind": "param_count"}]}
    r = client.post(url, json=spec, headers=headers)
    if stored is None:
        assert r.status_code == 422 and r.json["errors"] == [
            {
                "line": None,
                "message": "due_at is out of range: a date and time from year 1 to 9999 in UTC",
            }
        ]
        return
    assert r.status_code == 201 and r.json["due_at"] == stored
    exported = client.get(f"/api/v1/assignments/{r.json['id']}/spec?format=yaml", headers=headers)
    again = client.post(
        url, data=exported.data, headers={**headers, "Content-Type": "application/yaml"}
    )
    assert again.status_code == 201 and again.json["due_at"] == stored


def test_each_kinds_config_schema_is_its_declared_settings(app, world):
    """A spec's problem is chosen by its kind, and its config's schema is the kind's declared
    settings (plus ``fixed``): the document names exactly them, and a config giving every
    setting its declared default, posted for every kind, is accepted (201); an unknown
    setting is refused by the document and by the endpoint (422)."""
    doc = app.test_client().get("/api/v1/openapi.json").json
    schemas = doc["components"]["schemas"]
    mapping = schemas["SpecProblemInput"]["discriminator"]["mapping"]
    assert set(mapping) == set(problems.KINDS)
    headers = {"Authorization": f"Bearer {world['tokens']['instructor']}"}
    client = app.test_client()
    course_id, _ = world["course_id"]
    for slug, kind in problems.KINDS.items():
        config_schema = schemas[f"Config_{slug}"]
        assert set(config_schema["properties"]) == {s.name for s in kind.settings} | {"fixed"}
        assert config_schema["additionalProperties"] is False
        defaults = {s.name: s.default for s in kind.settings}
        body = {"title": f"All defaults: {slug}", "problems": [{"kind": slug, "config": defaults}]}
        r = client.post(f"/api/v1/courses/{course_id}/assignments", json=body, headers=headers)
        assert r.status_code == 201, (slug, r.json)
        body["problems"][0]["config"] = {"no_such_setting": 1}
        r = client.post(f"/api/v1/courses/{course_id}/assignments", json=body, headers=headers)
        assert r.status_code == 422, (slug, r.json)
