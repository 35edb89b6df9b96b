"""Sessions end for good (issue 9, item 17): a copied session or remember-me cookie stops
working after logout and after a password change, and API tokens are revoked by a new
password. The remember-me cookie has the session cookie's flags and lives 14 days."""

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import sqlalchemy as sa

from grader.extensions import db
from grader.models import ApiToken
from grader.services.accounts import hash_password
from tests.helpers import TEST_PASSWORD, csrf_token, make_app, post

NEW = "new-password-1"


def log_in(client, email="ada@example.edu", password=TEST_PASSWORD, remember=True):
    data = {"email": email, "password": password, "csrf_token": csrf_token(client)}
    if remember:
        data["remember"] = "y"
    r = client.post("/login", data=data)
    assert r.status_code == 302
    return r


def copy_cookie(app, source, name):
    """A fresh client holding only ``name`` copied from ``source`` (a stolen cookie)."""
    cookie = source.get_cookie(name)
    assert cookie is not None, name
    thief = app.test_client()
    thief.set_cookie(name, cookie.value)
    return thief


def logged_in(client) -> bool:
    return client.get("/").status_code == 200


def test_remember_cookie_flags_follow_the_session_cookie(monkeypatch, make_user):
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "1")
    secure_app = make_app()
    with secure_app.app_context():
        make_user(email="ada@example.edu")
        r = log_in(secure_app.test_client())
        cookies = {c.split("=", 1)[0]: c for c in r.headers.getlist("Set-Cookie")}
        for name in ("session", "remember_token"):
            flags = [f.strip() for f in cookies[name].split(";")]
            assert {"Secure", "HttpOnly", "SameSite=Lax"} <= set(flags), name
        expires = next(f for f in cookies["remember_token"].split("; ") if f.startswith("Expires"))
        days = (parsedate_to_datetime(expires.split("=", 1)[1]) - datetime.now(UTC)).days
        assert days in (13, 14)  # 14 days, not 365
        assert secure_app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=14)
        db.session.remove()
        db.engine.dispose()  # this app's own pool: no connection left for the collector


def test_copied_cookies_stop_working_after_logout(app, client, make_user):
    make_user(email="ada@example.edu")
    log_in(client)
    session_copy = copy_cookie(app, client, "session")
    remember_copy = copy_cookie(app, client, "remember_token")
    assert logged_in(session_copy) and logged_in(remember_copy)  # the copies work until ...
    post(client, "/logout")
    # ... the logout: it ends every session of the user, copies included
    assert not logged_in(client)
    assert not logged_in(session_copy) and not logged_in(remember_copy)
    # logging in again works, with a new id
    log_in(client, remember=False)
    assert logged_in(client)


def test_copied_cookies_and_tokens_stop_working_after_a_password_change(app, make_user):
    make_user(email="ada@example.edu")
    laptop, phone = app.test_client(), app.test_client()
    log_in(laptop)
    log_in(phone)
    session_copy = copy_cookie(app, laptop, "session")
    remember_copy = copy_cookie(app, laptop, "remember_token")
    token = app.test_client().post(
        "/api/v1/tokens", json={"email": "ada@example.edu", "password": TEST_PASSWORD}
    )
    bearer = {"Authorization": f"Bearer {token.get_json()['token']}"}
    assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 200
    r = post(phone, "/account", {"current": TEST_PASSWORD, "new": NEW, "confirm": NEW})
    assert r.status_code == 302
    assert logged_in(phone)  # the device that changed it stays logged in
    remember_after = copy_cookie(app, phone, "remember_token")
    assert logged_in(remember_after)  # and its remember cookie was renewed
    for copy in (laptop, session_copy, remember_copy):
        assert not logged_in(copy)
    assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 401


def test_any_new_password_ends_sessions_and_revokes_tokens(app, client, make_user):
    """Whatever code sets a new password (the account page, a script, a future reset
    page), the user's sessions end and tokens are revoked: the rule is on the model."""
    user = make_user(email="ada@example.edu")
    log_in(client)
    api = app.test_client().post(
        "/api/v1/tokens", json={"email": "ada@example.edu", "password": TEST_PASSWORD}
    )
    assert api.status_code == 201
    version = user.session_version
    user.password_hash = hash_password(NEW)
    db.session.commit()
    assert user.session_version == version + 1
    assert not logged_in(client)
    assert db.session.scalar(sa.select(ApiToken.revoked_at)) is not None
    # a change of name only keeps the sessions
    log_in(client, password=NEW)
    user.name = "Ada King"
    db.session.commit()
    assert user.session_version == version + 1 and logged_in(client)


def test_cookies_from_before_session_versions_do_not_log_in(app, client, make_user):
    user = make_user(email="ada@example.edu")
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)  # the old cookie format: the id alone
        session["_fresh"] = True
    assert not logged_in(client)
