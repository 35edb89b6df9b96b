"""A write that was stored is reported as stored (issue 9, item 15): when the database
connection drops right after the commit, every query after it fails, and the answer to
the client must come from memory: 201 with the grade on the API, the redirect with
"received" on the web, "saved" for an override or extension; the row stored exactly once.
When the acknowledgement itself is lost, the client hears 503 "may have been saved" and a
resend with the same Idempotency-Key returns the stored attempt."""

import contextlib

import pytest
import sqlalchemy as sa

from grader.extensions import db
from grader.models import Extension, ScoreOverride, Submission
from grader.services import submissions
from tests.helpers import TEST_PASSWORD, login, post

WORKED = {
    "fixed": {"W": [[1, -1], [0, 2], [3, 1]], "x": [1, 2], "b": [0, 1, -1], "activation": "relu"}
}
RIGHT = {"z": [-1, 5, 4], "y": [0, 5, 4]}


@contextlib.contextmanager
def connection_drops_after(insert_into: str):
    """Once a transaction that ran ``INSERT INTO <table>`` commits, every later statement
    raises OperationalError, as when PostgreSQL restarts just after the commit."""
    state = {"armed": False, "down": False, "refused": 0}

    def before(conn, cursor, statement, params, context, executemany):
        if state["down"]:
            state["refused"] += 1
            raise sa.exc.OperationalError(
                statement, params, Exception("server closed the connection unexpectedly")
            )
        if statement.lstrip().upper().startswith(f"INSERT INTO {insert_into.upper()} "):
            state["armed"] = True

    def commit(conn):
        if state["armed"]:
            state["down"] = True

    sa.event.listen(db.engine, "before_cursor_execute", before)
    sa.event.listen(db.engine, "commit", commit)
    try:
        yield state
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)
        sa.event.remove(db.engine, "commit", commit)


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def setup(make_course, make_user, enrol, make_assignment):
    course = make_course("NN-W3")
    s1 = make_user(email="s1@example.edu")
    enrol(s1, course)
    a = make_assignment(course, [("dense_forward", WORKED, 10)], max_attempts=3)
    return course, a, s1


def api_url(a):
    return f"/api/v1/assignments/{a.id}/problems/{a.problems[0].id}/submissions"


def bearer(client):
    r = client.post("/api/v1/tokens", json={"email": "s1@example.edu", "password": TEST_PASSWORD})
    return {"Authorization": f"Bearer {r.json['token']}"}


def test_api_submission_saved_before_the_drop_answers_201(client, setup):
    _course, a, _s1 = setup
    h = bearer(client)
    client.get(f"/api/v1/assignments/{a.id}", headers=h)  # the first view makes the variant
    with connection_drops_after("submission") as db_state:
        r = client.post(api_url(a), json={"answers": RIGHT}, headers=h)
        assert db_state["down"]  # the drop happened after the commit ...
        assert db_state["refused"] == 0  # ... and the answer needed no query
    assert r.status_code == 201
    assert (r.json["attempt"], r.json["score"], r.json["attempts_left"]) == (1, 1.0, 2)
    assert r.json["best_score"] == 1.0 and r.json["solution"]  # released: correct
    assert count(Submission) == 1


def test_web_submission_saved_before_the_drop_says_received(client, setup):
    _course, a, _s1 = setup
    login(client, "s1@example.edu")
    page = f"/assignments/{a.id}/problems/{a.problems[0].id}"
    client.get(page)  # the variant exists
    form = {f"ans-{name}-{i}": str(v) for name, vals in RIGHT.items() for i, v in enumerate(vals)}
    with connection_drops_after("submission") as db_state:
        r = post(client, page, form)
        assert db_state["down"] and db_state["refused"] == 0
        with client.session_transaction() as session:
            flashes = session.get("_flashes", [])
        assert ("info", "Attempt 1 received and graded.") in flashes
        # the page it leads to needs the database: 503, not "nothing was saved"
        later = client.get(page)
        assert later.status_code == 503 and "may have been saved" in later.get_data(as_text=True)
    assert r.status_code == 302 and r.headers["Location"] == page + "#result"
    assert count(Submission) == 1
    assert "Attempt 1" in client.get(page).get_data(as_text=True)


def test_lost_acknowledgement_then_resend_with_the_same_key_is_replayed(client, setup, monkeypatch):
    _course, a, _s1 = setup
    h = bearer(client) | {"Idempotency-Key": "attempt-1"}
    real = submissions.commit_keeping_state

    def commit_then_lose_the_answer():
        real()
        raise sa.exc.OperationalError("COMMIT", {}, Exception("connection lost"))

    monkeypatch.setattr(submissions, "commit_keeping_state", commit_then_lose_the_answer)
    r = client.post(api_url(a), json={"answers": RIGHT}, headers=h)
    assert r.status_code == 503 and r.headers["Retry-After"] == "30"
    assert "may have been saved" in r.json["message"] and "Idempotency-Key" in r.json["message"]
    monkeypatch.undo()
    with connection_drops_after("submission") as db_state:  # the replay writes nothing
        again = client.post(api_url(a), json={"answers": RIGHT}, headers=h)
        assert not db_state["down"]
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert (again.json["attempt"], again.json["score"], again.json["attempts_left"]) == (1, 1.0, 2)
    assert count(Submission) == 1


def test_override_saved_before_the_drop_says_saved(client, setup):
    course, a, s1 = setup
    instructor_email = "user1@example.edu"  # make_course's instructor
    login(client, instructor_email)
    url = f"/courses/{course.id}/gradebook/students/{s1.id}/problems/{a.problems[0].id}/override"
    with connection_drops_after("score_override") as db_state:
        r = post(client, url, {"points": "5", "reason": "partial credit for the method"})
        assert db_state["down"] and db_state["refused"] == 0
        with client.session_transaction() as session:
            assert ("info", "Override saved.") in session.get("_flashes", [])
    assert r.status_code == 302
    assert r.headers["Location"].endswith(f"/students/{s1.id}#p{a.problems[0].id}")
    assert count(ScoreOverride) == 1


def test_extension_saved_before_the_drop_says_saved(client, setup):
    course, a, s1 = setup
    login(client, "user1@example.edu")
    url = f"/courses/{course.id}/assignments/{a.id}/extensions"
    with connection_drops_after("extension") as db_state:
        r = post(client, url, {"student_id": str(s1.id), "excused": "y"})
        assert db_state["down"] and db_state["refused"] == 0
    assert r.status_code == 302 and r.headers["Location"] == url
    assert count(Extension) == 1
