"""Two app servers, one database (docs/deploy.md, "Several app machines"): two gunicorn
instances on different ports share the test database and the SECRET_KEY, as machines
behind a load balancer do, and a student's requests alternate between them. Sessions,
logout, login lockouts, Idempotency-Keys and attempt caps hold across the two, because all
their state is in the database or in the signed cookie, none in a process.

On PostgreSQL when TEST_DATABASE_URL is set (the scale path), else on the SQLite file."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
import sqlalchemy as sa

from grader.extensions import db
from grader.models import Submission
from tests.helpers import TEST_PASSWORD

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GUNICORN = os.path.join(os.path.dirname(sys.executable), "gunicorn")
WORKED = {
    "fixed": {"W": [[1, -1], [0, 2], [3, 1]], "x": [1, 2], "b": [0, 1, -1], "activation": "relu"}
}
RIGHT = {"z": [-1, 5, 4], "y": [0, 5, 4]}
WRONG = {"z": [-1, 5, 4], "y": [-1, 5, 4]}  # ReLU not applied: a wrong answer, still graded


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """A client that keeps its cookies across servers, as one browser behind a balancer."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def request(self, method, url, data=None, headers=None, body=None):
        headers = dict(headers or {})
        if data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        req = urllib.request.Request(url, data=body, method=method, headers=headers)
        try:
            with self.opener.open(req, timeout=30) as r:
                return r.status, r.headers, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read().decode()

    def csrf(self, url) -> str:
        status, _, page = self.request("GET", url)
        assert status == 200, (url, status)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)

    def login(self, server, email, password=TEST_PASSWORD):
        token = self.csrf(server + "/login")
        return self.request(
            "POST",
            server + "/login",
            {"csrf_token": token, "email": email, "password": password},
        )


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 is an answer to look at, as in the Flask test client


def api(server, method, path, token=None, payload=None, headers=None):
    headers = {"Content-Type": "application/json", **(headers or {})}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return Browser().request(
        method, server + path, headers=headers, body=json.dumps(payload).encode()
    )


@pytest.fixture(scope="module")
def gunicorns(_schema):
    """Two gunicorn instances (1 worker each) on the test database, started once for the
    module; each test's rows are emptied after it as usual (the servers keep none)."""
    from tests.helpers import database_url_for_tests

    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_tests(),
        "SECRET_KEY": "one-secret-for-every-instance",
        "LOGIN_MAX_FAILURES": "5",
    }
    procs, bases = [], []
    for _ in range(2):
        port = _free_port()
        procs.append(
            subprocess.Popen(
                [GUNICORN, "-w", "1", "-b", f"127.0.0.1:{port}", "grader:create_app()"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
        )
        bases.append(f"http://127.0.0.1:{port}")
    try:
        for proc, base in zip(procs, bases, strict=True):
            deadline = time.monotonic() + 60
            while True:
                assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
                try:
                    if Browser().request("GET", base + "/login")[0] == 200:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, f"{base} did not start"
                time.sleep(0.1)
        yield bases
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            proc.stderr.close()


@pytest.fixture
def servers(gunicorns, make_course, make_user, enrol, make_assignment):
    """The two servers' addresses and a class: one student, one problem of 3 attempts."""
    course = make_course("NN-TWO")
    student = make_user(email="ada@example.edu", name="Ada Two")
    enrol(student, course)
    a = make_assignment(course, [("dense_forward", WORKED)], max_attempts=3)
    return gunicorns, {"a": a.id, "p": a.problems[0].id}


def submissions_of(ids) -> list[Submission]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(Submission)
            .where(Submission.assignment_problem_id == ids["p"])
            .order_by(Submission.attempt)
        )
    )


def test_a_session_made_on_one_instance_works_on_the_other_and_logout_ends_both(servers):
    (a, b), ids = servers
    browser = Browser()
    status, headers, _ = browser.login(a, "ada@example.edu")
    assert status == 302, "the login on A is accepted"
    status, _, page = browser.request("GET", b + f"/assignments/{ids['a']}")
    assert status == 200 and "Ada Two" in page, "B knows the session A made"

    # A form drawn by B is accepted by A: the CSRF token is tied to the session, not a process.
    token = browser.csrf(b + f"/assignments/{ids['a']}/problems/{ids['p']}")
    status, headers, _ = browser.request(
        "POST",
        a + f"/assignments/{ids['a']}/problems/{ids['p']}",
        {"csrf_token": token}
        | {f"ans-{name}-{i}": str(v) for name, vals in RIGHT.items() for i, v in enumerate(vals)},
    )
    assert status == 302, "the answer is received"
    [sub] = submissions_of(ids)
    assert sub.score == 1.0

    # A second device logged in on B; logging out on A ends it too ("every device").
    other = Browser()
    assert other.login(b, "ada@example.edu")[0] == 302
    token = browser.csrf(a + "/account")
    assert browser.request("POST", a + "/logout", {"csrf_token": token})[0] == 302
    status, headers, _ = other.request("GET", b + f"/assignments/{ids['a']}")
    assert status == 302 and "/login" in headers["Location"]


def test_a_lockout_counts_failures_on_both_instances(servers):
    (a, b), _ids = servers
    browser = Browser()
    # LOGIN_MAX_FAILURES=5: failures 1–5 alternate between A and B ...
    for i in range(5):
        status, _, page = browser.login((a, b)[i % 2], "ada@example.edu", "wrong-password")
        assert status in (401, 429) or "Wrong email or password" in page
    # ... and then the right password is refused on either, for the lockout's minutes.
    for server in (a, b):
        status, headers, page = browser.login(server, "ada@example.edu")
        assert status == 429, server
        assert "Too many failed logins" in page and int(headers["Retry-After"]) > 0


def test_an_idempotency_key_replays_on_the_other_instance(servers):
    (a, b), ids = servers
    status, _, body = api(
        a, "POST", "/api/v1/tokens", payload={"email": "ada@example.edu", "password": TEST_PASSWORD}
    )
    assert status == 201
    token = json.loads(body)["token"]
    path = f"/api/v1/assignments/{ids['a']}/problems/{ids['p']}/submissions"
    key = {"Idempotency-Key": "deadline-night-1"}
    first = api(a, "POST", path, token, {"answers": RIGHT}, key)
    again = api(b, "POST", path, token, {"answers": RIGHT}, key)
    assert first[0] == 201 and again[0] == 201
    assert again[1]["Idempotent-Replayed"] == "true"
    assert json.loads(first[2])["id"] == json.loads(again[2])["id"]
    assert len(submissions_of(ids)) == 1, "stored once, though sent to two instances"


def test_the_attempt_cap_holds_across_instances(servers):
    (a, b), ids = servers
    status, _, body = api(
        b, "POST", "/api/v1/tokens", payload={"email": "ada@example.edu", "password": TEST_PASSWORD}
    )
    token = json.loads(body)["token"]
    path = f"/api/v1/assignments/{ids['a']}/problems/{ids['p']}/submissions"
    # three different wrong answers (the same answer again would cost no attempt)
    tries = [{**WRONG, "z": [-1, 5, k]} for k in (4, 3, 2)]
    answers = [
        api(s, "POST", path, token, {"answers": t}) for s, t in zip((a, b, a), tries, strict=True)
    ]
    assert [r[0] for r in answers] == [201, 201, 201]
    assert [json.loads(r[2])["attempts_left"] for r in answers] == [2, 1, 0]
    status, _, body = api(b, "POST", path, token, {"answers": RIGHT})
    assert status == 409, "the fourth attempt is refused, though it went to the other instance"
    assert [s.attempt for s in submissions_of(ids)] == [1, 2, 3]
    # y₁ is -1, not ReLU(-1) = 0, each time; z₃ is right only the first time: 5/6, 4/6, 4/6
    assert [round(s.raw_score, 6) for s in submissions_of(ids)] == [0.833333, 0.666667, 0.666667]
