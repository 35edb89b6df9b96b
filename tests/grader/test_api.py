"""The JSON API: tokens, the student's loop, errors as JSON, idempotency, the OpenAPI document."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from grader.extensions import db
from grader.models import ApiToken, Submission, utcnow
from tests.helpers import TEST_PASSWORD

WORKED = {
    "fixed": {"W": [[1, -1], [0, 2], [3, 1]], "x": [1, 2], "b": [0, 1, -1], "activation": "relu"}
}


@pytest.fixture
def setup(make_course, make_user, enrol, make_assignment):
    course = make_course("NN-W3")
    s1 = make_user(email="s1@example.edu", name="Student One")
    enrol(s1, course)
    enrol(make_user(email="s2@example.edu"), course)
    a = make_assignment(
        course, [("dense_forward", WORKED, 10)], max_attempts=2, solution_release="after_correct"
    )
    return course, a


def token(client, email="s1@example.edu", password=TEST_PASSWORD):
    r = client.post("/api/v1/tokens", json={"email": email, "password": password})
    assert r.status_code == 201, r.json
    return {"Authorization": f"Bearer {r.json['token']}"}


def test_tokens(client, setup):
    r = client.post("/api/v1/tokens", json={"email": "s1@example.edu", "password": "wrong"})
    assert r.status_code == 401 and r.json == {
        "error": "unauthorized",
        "message": "Wrong email or password.",
    }
    r = client.post("/api/v1/tokens", data="not json")
    assert r.status_code == 400 and r.json["error"] == "bad_json"
    h = token(client)
    assert client.get("/api/v1/me", headers=h).json["email"] == "s1@example.edu"
    raw = h["Authorization"].split()[1]
    stored = db.session.scalar(sa.select(ApiToken.token_hash))
    assert raw not in stored and len(stored) == 64  # only the hash is kept
    assert client.delete("/api/v1/tokens/current", headers=h).status_code == 204
    r = client.get("/api/v1/me", headers=h)
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
    h2 = token(client)
    db.session.execute(sa.update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert client.get("/api/v1/me", headers=h2).status_code == 401
    assert client.get("/api/v1/me").status_code == 401


def test_student_loop(client, setup):
    course, a = setup
    h = token(client)
    assert client.get("/api/v1/courses", headers=h).json == [
        {"id": course.id, "code": "NN-W3", "title": "Test course", "role": "student"}
    ]
    listed = client.get(f"/api/v1/courses/{course.id}/assignments", headers=h).json
    assert [x["title"] for x in listed] == ["Homework"] and listed[0]["status"] == "not started"
    got = client.get(f"/api/v1/assignments/{a.id}", headers=h).json
    p = got["problems"][0]
    assert p["params"]["W"] == [[1, -1], [0, 2], [3, 1]]
    assert [(f["name"], f["shape"], f["type"]) for f in p["answer_fields"]] == [
        ("z", [3], "number"),
        ("y", [3], "number"),
    ]
    assert (
        p["points"],
        p["attempts_used"],
        p["attempts_left"],
        p["best_score"],
        p["solution"],
    ) == (10, 0, 2, None, None)
    url = f"/api/v1/assignments/{a.id}/problems/{p['id']}/submissions"

    # wrong answer, tagged
    r = client.post(url, json={"answers": {"z": [-1, 5, 4], "y": [-1, 5, 4]}}, headers=h)
    assert r.status_code == 201
    assert r.json["misconceptions"] == ["no_activation"] and r.json["attempts_left"] == 1
    assert r.json["results"]["y"]["entries"] == [False, True, True]
    assert r.json["score"] == pytest.approx(5 / 6) and r.json["solution"] is None
    # format error: 422, no attempt used
    r = client.post(url, json={"answers": {"z": [-1, 5], "y": "[0, 5, 4]"}}, headers=h)
    assert r.status_code == 422
    assert r.json["format_errors"] == {"z": "expected 3 entries, got 2"}
    # right answer: solution released
    r = client.post(url, json={"answers": {"z": "[-1, 5, 4]", "y": ["0", "5", "4"]}}, headers=h)
    assert r.status_code == 201 and r.json["score"] == 1.0 and r.json["attempt"] == 2
    assert r.json["solution"][2]["title"] == "Multiply Wx"
    # attempts exhausted → 409
    r = client.post(url, json={"answers": {"z": [-1, 5, 4], "y": [0, 5, 4]}}, headers=h)
    assert r.status_code == 409 and r.json["error"] == "no_attempts_left"
    history = client.get(url, headers=h).json
    assert [(s["attempt"], s["score"]) for s in history] == [(1, pytest.approx(5 / 6)), (2, 1.0)]


def test_idempotency_key(client, setup):
    _course, a = setup
    h = token(client)
    p = client.get(f"/api/v1/assignments/{a.id}", headers=h).json["problems"][0]
    url = f"/api/v1/assignments/{a.id}/problems/{p['id']}/submissions"
    body = {"answers": {"z": [-1, 5, 4], "y": [0, 5, 4]}}
    first = client.post(url, json=body, headers=h | {"Idempotency-Key": "abc-1"})
    again = client.post(url, json=body, headers=h | {"Idempotency-Key": "abc-1"})
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and again.json["id"] == first.json["id"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Submission)) == 1
    r = client.post(url, json=body, headers=h | {"Idempotency-Key": "x" * 201})
    assert r.status_code == 400 and r.json["error"] == "bad_idempotency_key"


def test_other_students_and_courses(client, setup, make_course, make_assignment, make_user):
    course, a = setup
    other_course = make_course("NN-X")
    b = make_assignment(other_course, [("dense_forward", WORKED, 1)])
    hidden = make_assignment(course, [("dense_forward", WORKED, 1)], published=False)
    h1 = token(client)
    p = client.get(f"/api/v1/assignments/{a.id}", headers=h1).json["problems"][0]
    client.post(
        f"/api/v1/assignments/{a.id}/problems/{p['id']}/submissions",
        json={"answers": {"z": [0, 0, 0], "y": [0, 0, 0]}},
        headers=h1,
    )
    h2 = token(client, "s2@example.edu")
    # s2 sees only their own history, never s1's
    assert (
        client.get(f"/api/v1/assignments/{a.id}/problems/{p['id']}/submissions", headers=h2).json
        == []
    )
    r = client.get(f"/api/v1/assignments/{b.id}", headers=h2)
    assert r.status_code == 403 and r.json["error"] == "forbidden"
    assert (
        client.get(f"/api/v1/courses/{other_course.id}/assignments", headers=h2).status_code == 403
    )
    assert client.get(f"/api/v1/assignments/{hidden.id}", headers=h2).status_code == 404
    r = client.get("/api/v1/assignments/99999", headers=h2)
    assert r.status_code == 404 and r.json["error"] == "not_found"
    r = client.post(
        f"/api/v1/assignments/{a.id}/problems/{b.problems[0].id}/submissions",
        json={"answers": {}},
        headers=h2,
    )
    assert r.status_code == 404
    r = client.post(
        f"/api/v1/assignments/{a.id}/problems/{p['id']}/submissions", json={"x": 1}, headers=h2
    )
    assert r.status_code == 400 and r.json["message"].startswith('Send {"answers"')


def test_closed_is_409(client, setup, make_assignment):
    course, _a = setup
    closed = make_assignment(
        course, [("dense_forward", WORKED, 1)], closes_at=utcnow() - timedelta(days=1)
    )
    h = token(client)
    p = client.get(f"/api/v1/assignments/{closed.id}", headers=h).json["problems"][0]
    assert p["accepting"] is False
    r = client.post(
        f"/api/v1/assignments/{closed.id}/problems/{p['id']}/submissions",
        json={"answers": {"z": [-1, 5, 4], "y": [0, 5, 4]}},
        headers=h,
    )
    assert r.status_code == 409 and r.json["error"] == "closed"


def test_openapi_describes_every_route(client, app):
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.")
    routes = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule[len("/api/v1") :])
            routes.setdefault(path, set()).update(
                m.lower() for m in rule.methods - {"HEAD", "OPTIONS"}
            )
    assert len(routes) == 16  # 11, a timed quiz's start and clock, the long CSV job's three
    for path, methods in routes.items():
        assert path in doc["paths"], path
        assert methods == set(doc["paths"][path]), path
    refs = re.findall(r"#/components/schemas/(\w+)", str(doc))
    assert set(refs) <= set(doc["components"]["schemas"])


def test_api_needs_no_csrf_but_pages_do(client, setup):
    h = token(client)
    assert client.get("/api/v1/me", headers=h).status_code == 200
    assert (
        client.post(
            "/login", data={"email": "s1@example.edu", "password": TEST_PASSWORD}
        ).status_code
        == 400
    )


@pytest.mark.parametrize("policy, counted", [("best", 1.0), ("last", 5 / 6)])
def test_the_problem_score_follows_the_assignments_policy(
    client, make_course, make_user, enrol, make_assignment, policy, counted
):
    """Right (1.0), then wrong (y = z, no activation: 5 of 6 entries, 5/6): the problem's
    ``score`` is the best or the last attempt's, as the assignment says; ``best_score`` is
    the deprecated name of the same value."""
    course = make_course("NN-W3")
    enrol(make_user(email="s1@example.edu"), course)
    a = make_assignment(course, [("dense_forward", WORKED, 10)], score_policy=policy)
    h = token(client)
    pid = client.get(f"/api/v1/assignments/{a.id}", headers=h).json["problems"][0]["id"]
    url = f"/api/v1/assignments/{a.id}/problems/{pid}/submissions"
    right = client.post(url, json={"answers": {"z": [-1, 5, 4], "y": [0, 5, 4]}}, headers=h)
    assert right.json["score"] == 1.0 and right.json["problem_score"] == 1.0
    wrong = client.post(url, json={"answers": {"z": [-1, 5, 4], "y": [-1, 5, 4]}}, headers=h)
    assert wrong.json["score"] == pytest.approx(5 / 6)  # this attempt
    assert wrong.json["problem_score"] == pytest.approx(counted)
    assert wrong.json["best_score"] == wrong.json["problem_score"]
    p = client.get(f"/api/v1/assignments/{a.id}", headers=h).json["problems"][0]
    assert p["score"] == pytest.approx(counted) and p["best_score"] == p["score"]
