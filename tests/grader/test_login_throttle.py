"""Failed logins (issue 9, item 18): counted per (email, client address) and per address,
in the database; a lock never stops the same person at another address; unknown and known
emails get the same answers. The same rules on the web login and on POST /api/v1/tokens."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from grader.extensions import db
from grader.models import LoginThrottle, utcnow
from grader.services import accounts
from tests.conftest import TEST_PASSWORD, csrf_token, make_app

LOCKED = "Too many failed logins: try again in 15 minutes."


def web_login(client, email, password, address):
    r = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(client)},
        environ_base={"REMOTE_ADDR": address},
    )
    text = r.get_data(as_text=True)
    message = next(
        (m for m in ("Wrong email or password.", LOCKED) if m in text),
        "logged in" if r.status_code == 302 else text,
    )
    return r.status_code, message, r.headers.get("Retry-After")


def api_login(client, email, password, address):
    r = client.post(
        "/api/v1/tokens",
        json={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )
    body = r.get_json()
    return (
        r.status_code,
        body.get("message", "token" in body and "logged in"),
        r.headers.get("Retry-After"),
    )


LOGINS = {"web": web_login, "api": api_login}
OK = {"web": 302, "api": 201}


@pytest.mark.parametrize("via", LOGINS)
def test_five_failures_lock_the_pair_not_the_student_elsewhere(via, app, make_user):
    login = LOGINS[via]
    make_user(email="ada@example.edu")
    attacker, student = app.test_client(), app.test_client()
    answers = [login(attacker, "ada@example.edu", "guess", "203.0.113.9") for _ in range(5)]
    assert answers[:4] == [(401, "Wrong email or password.", None)] * 4
    assert answers[4] == (429, LOCKED, "900")  # 15 minutes
    # the right password from the attacker's address is refused while locked ...
    assert login(attacker, "ada@example.edu", TEST_PASSWORD, "203.0.113.9")[0] == 429
    # ... but Ada at her own address logs in: nobody can lock a student out before a quiz
    assert login(student, "ada@example.edu", TEST_PASSWORD, "198.51.100.7")[0] == OK[via]


@pytest.mark.parametrize("via", LOGINS)
def test_unknown_and_known_emails_get_the_same_answers(via, app, make_user, monkeypatch):
    login = LOGINS[via]
    make_user(email="ada@example.edu")
    checked = []
    real = accounts.check_password_hash
    monkeypatch.setattr(
        accounts, "check_password_hash", lambda h, p: checked.append(1) or real(h, p)
    )
    seen = {}
    for email, address in (("ada@example.edu", "192.0.2.1"), ("nobody@example.edu", "192.0.2.2")):
        checked.clear()
        client = app.test_client()
        seen[email] = [login(client, email, "guess", address) for _ in range(6)]
        # the same work: one hash checked per unlocked attempt (a dummy one when unknown)
        assert len(checked) == 5
    assert seen["ada@example.edu"] == seen["nobody@example.edu"]
    assert [s for s, _m, _r in seen["nobody@example.edu"]] == [401, 401, 401, 401, 429, 429]


def test_an_address_failing_across_many_emails_is_throttled_as_a_whole(app, make_user):
    make_user(email="ada@example.edu")
    client = app.test_client()
    # 49 guesses, each at a different email: no (email, address) pair reaches 5 ...
    for i in range(49):
        assert web_login(client, f"s{i}@example.edu", "guess", "203.0.113.50")[0] == 401
    # ... the 50th failure from the address locks the address for 15 minutes
    assert web_login(client, "s49@example.edu", "guess", "203.0.113.50") == (429, LOCKED, "900")
    assert web_login(client, "ada@example.edu", TEST_PASSWORD, "203.0.113.50")[0] == 429
    assert api_login(client, "ada@example.edu", TEST_PASSWORD, "203.0.113.50")[0] == 429
    assert web_login(client, "ada@example.edu", TEST_PASSWORD, "203.0.113.51")[0] == 302
    # typed emails are not kept: 50 pair rows and 1 address row, keyed by hashes
    keys = db.session.scalars(sa.select(LoginThrottle.key)).all()
    assert len(keys) == 51 and all(len(k) == 64 and "@" not in k for k in keys)


def test_a_right_password_resets_the_pair_and_locks_expire(app, make_user):
    make_user(email="ada@example.edu")
    client = app.test_client()
    for _ in range(4):
        web_login(client, "ada@example.edu", "guess", "192.0.2.9")
    assert web_login(client, "ada@example.edu", TEST_PASSWORD, "192.0.2.9")[0] == 302
    client = app.test_client()
    for _ in range(4):  # a fresh count: four more wrong ones do not lock
        assert web_login(client, "ada@example.edu", "guess", "192.0.2.9")[0] == 401
    assert web_login(client, "ada@example.edu", "guess", "192.0.2.9")[0] == 429
    # another worker sees the lock (it is in the database); once it ends, the password works
    assert web_login(app.test_client(), "ada@example.edu", TEST_PASSWORD, "192.0.2.9")[0] == 429
    db.session.execute(
        sa.update(LoginThrottle).values(locked_until=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    assert web_login(app.test_client(), "ada@example.edu", TEST_PASSWORD, "192.0.2.9")[0] == 302


def test_failures_older_than_the_window_start_a_new_count(app, make_user):
    make_user(email="ada@example.edu")
    client = app.test_client()
    for _ in range(4):
        web_login(client, "ada@example.edu", "guess", "192.0.2.10")
    db.session.execute(
        sa.update(LoginThrottle).values(window_started_at=utcnow() - timedelta(minutes=16))
    )
    db.session.commit()
    # the 4 old failures are forgotten: this is failure 1 of a new window, not the 5th
    assert web_login(client, "ada@example.edu", "guess", "192.0.2.10")[0] == 401
    assert sorted(db.session.scalars(sa.select(LoginThrottle.failures)).all()) == [1, 1]


def failures_from(client, forwarded_for: str, times: int) -> list[int]:
    return [
        client.post(
            "/api/v1/tokens",
            json={"email": "ada@example.edu", "password": "guess"},
            headers={"X-Forwarded-For": forwarded_for},
            environ_base={"REMOTE_ADDR": "10.0.0.2"},  # the load balancer
        ).status_code
        for _ in range(times)
    ]


def test_forwarded_addresses_count_only_behind_trusted_proxies(app, make_user):
    make_user(email="ada@example.edu")
    # by default X-Forwarded-For is ignored: a client cannot pick a new address per guess
    assert failures_from(app.test_client(), "198.51.100.1", 3) == [401] * 3
    assert failures_from(app.test_client(), "198.51.100.2", 2) == [401, 429]
    db.session.execute(sa.delete(LoginThrottle))
    db.session.commit()
    # behind one trusted proxy its X-Forwarded-For is the client: the attacker's five
    # failures lock their own address only, and the student elsewhere logs in
    proxied = make_app(TRUSTED_PROXIES=1)
    assert failures_from(proxied.test_client(), "203.0.113.66", 5)[-1] == 429
    r = proxied.test_client().post(
        "/api/v1/tokens",
        json={"email": "ada@example.edu", "password": TEST_PASSWORD},
        headers={"X-Forwarded-For": "198.51.100.3"},
        environ_base={"REMOTE_ADDR": "10.0.0.2"},
    )
    assert r.status_code == 201
    with proxied.app_context():
        db.engine.dispose()  # this app's own pool
