"""The instructors' API: gradebook (JSON and CSV) and assignments through the spec."""

import sqlalchemy as sa

from grader.extensions import db
from grader.models import Assignment
from grader.services.submissions import submit
from tests.helpers import TEST_PASSWORD

WORKED = {
    "fixed": {"W": [[1, -1], [0, 2], [3, 1]], "x": [1, 2], "b": [0, 1, -1], "activation": "relu"}
}
SPEC = {
    "title": "Homework 4",
    "mode": "homework",
    "due_at": "2026-12-01T23:59:00Z",
    "max_attempts": 3,
    "published": True,
    "problems": [
        {"title": "Worked example", "kind": "dense_forward", "points": 10, "config": WORKED},
        {"kind": "param_count", "points": 5, "config": {"fixed": {"layers": [784, 128, 64, 10]}}},
    ],
}


def token(client, email):
    r = client.post("/api/v1/tokens", json={"email": email, "password": TEST_PASSWORD})
    return {"Authorization": f"Bearer {r.json['token']}"}


def setup(make_user, make_course, enrol):
    teacher = make_user(email="t@example.edu")
    course = make_course("NN-W3", instructor=teacher)
    ta = make_user(email="ta@example.edu")
    enrol(ta, course, "ta")
    student = make_user(email="s@example.edu", name="Sam Student")
    enrol(student, course, "student", "A")
    return course, student


def test_create_read_update_assignment(client, make_user, make_course, enrol):
    course, student = setup(make_user, make_course, enrol)
    h = token(client, "t@example.edu")
    r = client.post(f"/api/v1/courses/{course.id}/assignments", json=SPEC, headers=h)
    assert r.status_code == 201, r.json
    aid = r.json["id"]
    assert (
        r.json["problems"][1]["title"] == "param_count"
        and r.json["due_at"] == "2026-12-01T23:59:00Z"
    )
    spec = client.get(f"/api/v1/assignments/{aid}/spec", headers=h).json
    assert spec["max_attempts"] == 3 and [p["points"] for p in spec["problems"]] == [10.0, 5.0]
    yaml_text = client.get(f"/api/v1/assignments/{aid}/spec?format=yaml", headers=h).get_data(
        as_text=True
    )
    r = client.post(
        f"/api/v1/courses/{course.id}/assignments",
        data=yaml_text,
        headers=h | {"Content-Type": "application/yaml"},
    )
    assert r.status_code == 201 and r.json["title"] == "Homework 4"
    # bad spec: every error with its line (YAML) or field (JSON); nothing written
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Assignment))
    bad = "title: X\nmode: exam\nproblems:\n  - kind: dense\n"
    r = client.post(
        f"/api/v1/courses/{course.id}/assignments",
        data=bad,
        headers=h | {"Content-Type": "application/yaml"},
    )
    assert r.status_code == 422 and r.json["error"] == "invalid_spec"
    assert [e["line"] for e in r.json["errors"]] == [2, 4]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assignment)) == before
    # update before anyone started: problems may change
    changed = dict(SPEC, title="Homework 4b", problems=SPEC["problems"][:1])
    r = client.put(f"/api/v1/assignments/{aid}/spec", json=changed, headers=h)
    assert (
        r.status_code == 200 and r.json["title"] == "Homework 4b" and len(r.json["problems"]) == 1
    )
    # once a student has a variant, kinds and configs are fixed but points may change
    a = db.session.get(Assignment, aid)
    submit(a.problems[0], student, {"z": [-1, 5, 4], "y": [0, 5, 4]})
    r = client.put(f"/api/v1/assignments/{aid}/spec", json=SPEC, headers=h)
    assert r.status_code == 409 and r.json["error"] == "started"
    more_points = dict(changed, problems=[dict(SPEC["problems"][0], points=20)])
    r = client.put(f"/api/v1/assignments/{aid}/spec", json=more_points, headers=h)
    assert r.status_code == 200 and r.json["problems"][0]["points"] == 20.0


def test_gradebook_json_and_csv(client, make_user, make_course, enrol):
    course, student = setup(make_user, make_course, enrol)
    h = token(client, "ta@example.edu")
    t = token(client, "t@example.edu")
    aid = client.post(f"/api/v1/courses/{course.id}/assignments", json=SPEC, headers=t).json["id"]
    a = db.session.get(Assignment, aid)
    submit(a.problems[0], student, {"z": [-1, 5, 4], "y": [-1, 5, 4]})  # 5/6 of 10 points
    book = client.get(f"/api/v1/courses/{course.id}/gradebook", headers=h).json
    assert book["assignments"] == [{"id": aid, "title": "Homework 4", "points": 15.0}]
    (row,) = book["students"]
    assert row["email"] == "s@example.edu" and row["section"] == "A"
    assert (
        abs(row["assignments"][str(aid)] - 10 * 5 / 6) < 1e-9 and abs(row["total"] - 25 / 3) < 1e-9
    )
    r = client.get(f"/api/v1/courses/{course.id}/gradebook.csv?format=canvas", headers=h)
    assert r.status_code == 200
    lines = r.get_data(as_text=True).splitlines()
    assert lines[1] == "Points Possible,,,,,15.00"
    assert lines[2] == '"Student, Sam",,,s@example.edu,A,8.33'
    r = client.get(f"/api/v1/courses/{course.id}/gradebook.csv?format=pdf", headers=h)
    assert r.status_code == 400 and r.json["error"] == "bad_format"


def test_students_and_tas_cannot_manage(client, make_user, make_course, enrol):
    course, _student = setup(make_user, make_course, enrol)
    s = token(client, "s@example.edu")
    ta = token(client, "ta@example.edu")
    assert client.get(f"/api/v1/courses/{course.id}/gradebook", headers=s).status_code == 403
    assert client.get(f"/api/v1/courses/{course.id}/gradebook.csv", headers=s).status_code == 403
    assert (
        client.post(f"/api/v1/courses/{course.id}/assignments", json=SPEC, headers=ta).status_code
        == 403
    )
    t = token(client, "t@example.edu")
    aid = client.post(f"/api/v1/courses/{course.id}/assignments", json=SPEC, headers=t).json["id"]
    assert client.get(f"/api/v1/assignments/{aid}/spec", headers=ta).status_code == 403
    assert client.put(f"/api/v1/assignments/{aid}/spec", json=SPEC, headers=s).status_code == 403
    make_course("NN-X", instructor=make_user(email="other@example.edu"))
    o = token(client, "other@example.edu")
    assert client.get(f"/api/v1/courses/{course.id}/gradebook", headers=o).status_code == 403
    assert client.get(f"/api/v1/assignments/{aid}/spec", headers=o).status_code == 403


def test_long_csv_as_a_job_through_the_api(client, app, make_user, make_course, enrol):
    """POST …/exports/long → 202 and the job's url; GET it until done; GET its file: the
    same bytes as the streamed export. Sam's one attempt (5/6 of 10) makes 1 row."""
    from grader.services import jobs
    from grader.services.exports import export_lines

    course, student = setup(make_user, make_course, enrol)
    t = token(client, "t@example.edu")
    aid = client.post(f"/api/v1/courses/{course.id}/assignments", json=SPEC, headers=t).json["id"]
    submit(db.session.get(Assignment, aid).problems[0], student, {"z": [-1, 5, 4], "y": [-1, 5, 4]})
    h = token(client, "ta@example.edu")  # TAs may export
    r = client.post(f"/api/v1/courses/{course.id}/exports/long", headers=h)
    assert r.status_code == 202 and r.json["status"] == "queued" and r.json["created"] is True
    url = r.json["url"]
    assert r.headers["Location"] == url == f"/api/v1/courses/{course.id}/jobs/{r.json['id']}"
    assert r.json["file_url"] is None and r.json["file_expired"] is False
    again = client.post(f"/api/v1/courses/{course.id}/exports/long", headers=h)
    assert again.status_code == 202 and again.json["created"] is False
    assert again.json["id"] == r.json["id"]  # pressed twice: one job
    assert client.get(f"{url}/file", headers=h).status_code == 404  # not done yet
    assert jobs.run_pending() == 1  # the second press queued nothing
    done = client.get(url, headers=h).json
    assert (done["status"], done["progress_done"], done["progress_total"]) == ("done", 1, 1)
    assert done["result"]["rows"] == 1 and done["file_url"] == f"{url}/file"
    body = client.get(done["file_url"], headers=h)
    assert body.status_code == 200 and body.mimetype == "text/csv"
    assert body.headers["Content-Disposition"] == 'attachment; filename="NN-W3-grades-long.csv"'
    assert body.get_data(as_text=True) == "".join(export_lines(course, "long"))
    assert body.get_data(as_text=True).count("\r\n") == 2
    assert ",0.8333,8.33," in body.get_data(as_text=True)  # 5/6, of 10 points
    # students and other courses' staff see nothing of it
    s = token(client, "s@example.edu")
    assert client.post(f"/api/v1/courses/{course.id}/exports/long", headers=s).status_code == 403
    assert client.get(url, headers=s).status_code == 403
    make_course("NN-Y", instructor=make_user(email="other@example.edu"))
    o = token(client, "other@example.edu")
    assert client.get(url, headers=o).status_code == 403
    assert client.get(f"/api/v1/courses/{course.id}/jobs/999999", headers=h).status_code == 404


def test_the_streamed_long_csv_is_bounded(client, app, make_user, make_course, enrol):
    """Up to LONG_CSV_STREAM_MAX_ROWS rows the API streams the long CSV; past it, 409 with
    the URL of the export job. Two attempts: a limit of 2 streams, a limit of 1 refuses."""
    course, student = setup(make_user, make_course, enrol)
    t = token(client, "t@example.edu")
    aid = client.post(f"/api/v1/courses/{course.id}/assignments", json=SPEC, headers=t).json["id"]
    p1 = db.session.get(Assignment, aid).problems[0]
    submit(p1, student, {"z": [-1, 5, 4], "y": [-1, 5, 4]})
    submit(p1, student, {"z": [-1, 5, 4], "y": [0, 5, 4]})
    url = f"/api/v1/courses/{course.id}/gradebook.csv?format=long"
    app.config["LONG_CSV_STREAM_MAX_ROWS"] = 2
    r = client.get(url, headers=t)
    assert r.status_code == 200 and r.get_data(as_text=True).count("\r\n") == 3
    app.config["LONG_CSV_STREAM_MAX_ROWS"] = 1
    r = client.get(url, headers=t)
    assert r.status_code == 409 and r.json["error"] == "use_export_job"
    assert r.json["export_job"] == f"/api/v1/courses/{course.id}/exports/long"
    assert "has 2 rows, more than the 1 streamed" in r.json["message"]
    # the other formats are not limited
    assert client.get(url.replace("long", "wide"), headers=t).status_code == 200
