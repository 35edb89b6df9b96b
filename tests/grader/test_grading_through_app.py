"""The engine's grading rules as the app's users meet them: odd answers are a 422 that uses
no attempt, and policy weights the engine refuses are a message on the import, not a 500."""

import io

import pytest
import sqlalchemy as sa

from grader.extensions import db
from grader.models import Assignment, Submission
from tests.helpers import TEST_PASSWORD, login, post

WORKED = {
    "fixed": {"W": [[1, -1], [0, 2], [3, 1]], "x": [1, 2], "b": [0, 1, -1], "activation": "relu"}
}


@pytest.fixture
def course(make_course, make_user, enrol):
    teacher = make_user(email="t@example.edu")
    course = make_course("NN-W3", instructor=teacher)
    enrol(make_user(email="s1@example.edu"), course)
    return course


def token(client, email):
    r = client.post("/api/v1/tokens", json={"email": email, "password": TEST_PASSWORD})
    assert r.status_code == 201, r.json
    return {"Authorization": f"Bearer {r.json['token']}"}


def submissions() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Submission))


ODD_ANSWERS = [
    (10**400, "expected a list of 3 entries, got a single value"),
    ([1, 10**400, 2], "z₂: this number is too large (the limit is 1e100)"),
    ({"a": 1}, "expected a list of 3 entries, got a single value"),
    ([{"a": 1}, 5, 4], "z₁: expected a number, got a mapping"),
    (True, "expected a list of 3 entries, got a single value"),
    ([True, 5, 4], "z₁: expected a number, got true/false"),
    (None, "no answer given"),
    ([None, 5, 4], "z₁: expected a number, got nothing (null)"),
    ("-1,,5,4", "entry 2 is empty (nothing between the commas)"),
    ("0x10, 5, 4", "z₁: '0x10': write numbers in decimal (0x, 0o and 0b are not accepted)"),
]


def test_odd_answers_are_422_and_use_no_attempt(client, course, make_assignment):
    a = make_assignment(course, [("dense_forward", WORKED, 10)], max_attempts=1)
    h = token(client, "s1@example.edu")
    p = client.get(f"/api/v1/assignments/{a.id}", headers=h).json["problems"][0]
    url = f"/api/v1/assignments/{a.id}/problems/{p['id']}/submissions"
    for z, message in ODD_ANSWERS:
        r = client.post(url, json={"answers": {"z": z, "y": [0, 5, 4]}}, headers=h)
        assert r.status_code == 422, r.json
        assert r.json["error"] == "format_errors" and r.json["format_errors"] == {"z": message}
    assert submissions() == 0
    # the one attempt is still there: z = Wx + b = [-1, 5, 4], y = relu(z) = [0, 5, 4]
    r = client.post(url, json={"answers": {"z": [-1, 5, 4], "y": [0, 5, 4]}}, headers=h)
    assert r.status_code == 201 and r.json["score"] == 1.0 and r.json["attempts_left"] == 0


def test_a_number_json_cannot_hold_is_not_a_server_error(client, course, make_assignment):
    # 5,000 nines: Python's JSON reader refuses ints over 4,300 digits
    a = make_assignment(course, [("dense_forward", WORKED, 10)])
    h = token(client, "s1@example.edu")
    p = client.get(f"/api/v1/assignments/{a.id}", headers=h).json["problems"][0]
    url = f"/api/v1/assignments/{a.id}/problems/{p['id']}/submissions"
    data = '{"answers": {"z": ' + "9" * 5000 + ', "y": [0, 5, 4]}}'
    r = client.post(url, data=data, headers=h | {"Content-Type": "application/json"})
    assert r.status_code in (400, 422) and r.json["error"], r.json
    assert submissions() == 0


BAD_WEIGHTS = [
    ({"q": 1}, "policy weights name unknown answer(s) q; answers: z, y"),
    ({"z": 0, "y": 0}, "policy weights are all 0: at least one answer needs a weight above 0"),
    ({"z": -1}, "policy weights: the weight of z must be a number from 0 to 1e+06, got -1"),
]


def test_bad_weights_are_refused_on_the_api_and_the_import_form(client, course):
    h = token(client, "t@example.edu")
    c = client.application.test_client()
    login(c, "t@example.edu")
    for weights, message in BAD_WEIGHTS:
        spec = {
            "title": "Homework",
            "problems": [
                {"kind": "dense_forward", "config": WORKED, "policy": {"weights": weights}}
            ],
        }
        r = client.post(f"/api/v1/courses/{course.id}/assignments", json=spec, headers=h)
        assert r.status_code == 422 and r.json["error"] == "invalid_spec"
        assert [e["message"] for e in r.json["errors"]] == [f"problem 1: {message}"]

        pairs = ", ".join(f"{k}: {v}" for k, v in weights.items())
        text = (
            "title: Homework\nproblems:\n  - kind: dense_forward\n"
            f"    policy:\n      weights: {{{pairs}}}\n"
        )
        data = {"file": (io.BytesIO(text.encode()), "a.yaml")}
        url = f"/courses/{course.id}/assignments/import"
        r = post(c, url, data, content_type="multipart/form-data")
        assert r.status_code == 400
        page = r.get_data(as_text=True).replace("&#39;", "'")
        assert f"Line 5: problem 1: {message}" in page, page  # the line of the weights
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assignment)) == 0
