"""Each rule has one definition, and the web pages and the JSON API that apply it agree:
"my courses", "has the assignment started?", the staff roles, "is it open yet?"."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from grader.extensions import db
from grader.models import STAFF_ROLES, Assignment, Variant, utcnow
from tests.helpers import TEST_PASSWORD, login, post

ROOT = Path(__file__).resolve().parents[2]
WORKED = {
    "fixed": {"W": [[1, -1], [0, 2], [3, 1]], "x": [1, 2], "b": [0, 1, -1], "activation": "relu"}
}


def token(client, email):
    r = client.post("/api/v1/tokens", json={"email": email, "password": TEST_PASSWORD})
    assert r.status_code == 201, r.json
    return {"Authorization": f"Bearer {r.json['token']}"}


def web_courses(client) -> list[tuple[str, str]]:
    # the list itself: with one course, "/" alone redirects to it
    page = client.get("/?all=1").get_data(as_text=True)
    return re.findall(r">(NN-[A-Z])</a></td>\s*<td>[^<]*</td><td>(\w+)</td>", page)


@pytest.mark.parametrize("admin", [False, True])
def test_my_courses_are_the_same_on_the_web_and_in_the_api(
    client, make_user, make_course, enrol, admin
):
    user = make_user(email="me@example.edu", admin=admin)
    make_course("NN-C")
    b = make_course("NN-B")
    make_course("NN-A")
    enrol(user, b, "ta")
    # an admin may act in every course, so both lists show every course; others their own
    expected = [("NN-A", "admin"), ("NN-B", "ta"), ("NN-C", "admin")] if admin else [("NN-B", "ta")]
    api = client.get("/api/v1/courses", headers=token(client, "me@example.edu")).json
    assert [(c["code"], c["role"]) for c in api] == expected
    login(client, "me@example.edu")
    assert web_courses(client) == expected


def test_started_is_one_rule_for_the_builder_and_the_spec_api(
    client, make_user, make_course, enrol, make_assignment
):
    teacher = make_user(email="t@example.edu")
    course = make_course("NN-S", instructor=teacher)
    student = make_user(email="s@example.edu")
    enrol(student, course)
    a = make_assignment(course, [("dense_forward", WORKED, 10)])
    h = token(client, "t@example.edu")
    spec = client.get(f"/api/v1/assignments/{a.id}/spec", headers=h).json
    spec.pop("id")
    login(client, "t@example.edu")
    template_id = a.problems[0].template_id

    def add_problem():
        return post(
            client,
            f"/courses/{course.id}/assignments/{a.id}/problems",
            {"template_id": template_id, "points": 3},
            follow_redirects=True,
        ).get_data(as_text=True)

    # not started: both paths may change the problem list
    assert "Problem “dense_forward #1” added." in add_problem()
    spec["problems"] = spec["problems"][:1]
    assert client.put(f"/api/v1/assignments/{a.id}/spec", headers=h, json=spec).status_code == 200
    assert len(db.session.get(Assignment, a.id).problems) == 1

    # a student opens it: one variant, and both paths refuse
    post(client, "/logout")
    login(client, "s@example.edu")
    db.session.expire_all()  # the API replaced the problems in its own request
    ap_id = db.session.get(Assignment, a.id).problems[0].id
    assert client.get(f"/assignments/{a.id}/problems/{ap_id}").status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Variant)) == 1
    post(client, "/logout")
    login(client, "t@example.edu")
    assert "Students have started this assignment" in add_problem()
    spec["problems"][0]["config"] = {"fixed": {**WORKED["fixed"], "activation": "tanh"}}
    r = client.put(f"/api/v1/assignments/{a.id}/spec", headers=h, json=spec)
    assert r.status_code == 409 and r.json["error"] == "started"
    assert len(db.session.get(Assignment, a.id).problems) == 1


def test_staff_roles_are_defined_once():
    """models.STAFF_ROLES is the only list of staff roles: no module restates it."""
    assert STAFF_ROLES == ("instructor", "ta")
    pattern = re.compile(
        r"""["']instructor["'],\s*["']ta["']\s*\)"""
    )  # a tuple or an argument list
    restated = [
        str(p.relative_to(ROOT))
        for p in sorted((ROOT / "grader").rglob("*.py"))
        if pattern.search(p.read_text()) and p.name != "models.py"
    ]
    assert restated == []


def test_a_ta_reads_the_gradebook_on_the_web_and_in_the_api(client, make_user, make_course, enrol):
    course = make_course("NN-G")
    ta = make_user(email="ta@example.edu")
    enrol(ta, course, "ta")
    h = token(client, "ta@example.edu")
    assert client.get(f"/api/v1/courses/{course.id}/gradebook", headers=h).status_code == 200
    login(client, "ta@example.edu")
    assert client.get(f"/courses/{course.id}/gradebook").status_code == 200
    assert client.get(f"/courses/{course.id}/stats").status_code == 200


def test_before_opening_neither_path_shows_the_numbers(
    client, make_user, make_course, enrol, make_assignment
):
    teacher = make_user(email="t@example.edu")
    course = make_course("NN-O", instructor=teacher)
    enrol(make_user(email="s@example.edu"), course)
    opens = (utcnow() + timedelta(days=1)).replace(second=0, microsecond=0)
    a = make_assignment(course, [("dense_forward", WORKED, 10)], opens_at=opens)
    ap_id = a.problems[0].id
    sentence = f"This assignment opens on {opens:%Y-%m-%d %H:%M} UTC."

    h = token(client, "s@example.edu")
    r = client.get(f"/api/v1/assignments/{a.id}", headers=h)
    assert (r.status_code, r.json) == (403, {"error": "not_open", "message": sentence})
    r = client.post(
        f"/api/v1/assignments/{a.id}/problems/{ap_id}/submissions",
        headers=h,
        json={"answers": {"z": [1, 2, 3], "y": [1, 2, 3]}},
    )
    assert (r.status_code, r.json["error"], r.json["message"]) == (409, "not_open", sentence)
    login(client, "s@example.edu")
    r = client.get(f"/assignments/{a.id}/problems/{ap_id}")
    assert r.status_code == 403 and sentence in r.get_data(as_text=True)
    # nobody was dealt numbers: the quiz clock and "started" are untouched
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Variant)) == 0

    # staff may look early on both paths
    post(client, "/logout")
    login(client, "t@example.edu")
    assert client.get(f"/assignments/{a.id}/problems/{ap_id}").status_code == 200
    r = client.get(f"/api/v1/assignments/{a.id}", headers=token(client, "t@example.edu"))
    assert r.status_code == 200
