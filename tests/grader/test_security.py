"""Security defaults: headers, cookies, password scheme, secret key, error pages."""

import pytest
from werkzeug.security import check_password_hash

from grader import create_app
from grader.services.accounts import hash_password
from tests.helpers import login


def test_security_headers(client):
    r = client.get("/login")
    csp = r.headers["Content-Security-Policy"]
    assert (
        "default-src 'self'" in csp
        and "frame-ancestors 'none'" in csp
        and "script-src 'self'" in csp
    )
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"


def test_session_cookie_flags(client, make_user):
    make_user(email="ada@example.edu")
    r = login(client, "ada@example.edu")
    cookie = [c for c in r.headers.getlist("Set-Cookie") if c.startswith("session=")][-1]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_default_password_scheme_is_scrypt(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "x")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.sqlite")
    app = create_app()
    assert app.config["PASSWORD_HASH_METHOD"] == "scrypt"
    with app.app_context():
        h = hash_password("correct-horse")
    assert h.startswith("scrypt:") and check_password_hash(h, "correct-horse")


def test_refuses_the_development_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.sqlite")
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        create_app()
    assert create_app({"TESTING": True}).testing


def test_postgres_url_gets_the_psycopg_driver(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "x")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db.example:5432/grader")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example:5432/grader"


def test_404_page_in_the_apps_look(client):
    r = client.get("/no/such/page")
    assert r.status_code == 404
    body = r.get_data(as_text=True)
    assert "404 — Not Found" in body and "style.css" in body


def test_pages_need_login(client):
    for url in ("/", "/account", "/courses/1", "/courses/new", "/courses/1/roster/import"):
        r = client.get(url)
        assert r.status_code == 302 and r.headers["Location"].startswith("/login"), url
