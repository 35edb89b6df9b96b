"""Plain test helpers, imported by tests and by conftest.py: the test password, an app on a
given database, and a browser's way of posting forms (with the session's CSRF token)."""

from __future__ import annotations

import contextvars
import os
import re
import shutil
import tempfile

from flask.testing import FlaskClient

from grader import create_app
from grader.config import database_url

TEST_PASSWORD = "correct-horse"


def database_url_for_tests() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        os.environ["DATABASE_URL"] = url
        try:
            return database_url("")
        finally:
            del os.environ["DATABASE_URL"]
    return "sqlite:///" + os.path.join(_session_dir(), "test.sqlite")


_DIR: list[str] = []


def _session_dir() -> str:
    if not _DIR:
        _DIR.append(tempfile.mkdtemp(prefix="grader-tests-"))
    return _DIR[0]


class IsolatedClient(FlaskClient):
    """A test client whose every request gets its own app context (its own ``g`` and
    database session), as in production, even while the test holds one open."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)  # a streamed body is read inside the request's context
        return contextvars.Context().run(super().open, *args, **kwargs)


def make_app(url: str | None = None, **extra):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url or database_url_for_tests(),
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "JOBS_URL": "memory://",  # a queue per app; tests run it with jobs.run_pending()
        **extra,
    }
    app = create_app(config)
    app.test_client_class = IsolatedClient
    return app


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client) -> str:
    """The session's CSRF token, read from a page with a form as a browser would."""
    page = client.get("/login")
    if page.status_code == 302:
        page = client.get("/account")
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, "no CSRF token on the page"
    return match.group(1)


def post(client, url, data=None, **kwargs):
    """POST a form with the session's CSRF token, as the browser does."""
    data = dict(data or {})
    data.setdefault("csrf_token", csrf_token(client))
    return client.post(url, data=data, **kwargs)


def login(client, email, password=TEST_PASSWORD):
    return post(client, "/login", {"email": email, "password": password})


class StatementCounter:
    """The SQL statements sent to the database while it is active (``with counter:``):
    ``len(counter)`` and ``counter.statements`` (their text) to see what a request costs."""

    def __init__(self, engine):
        self.engine, self.statements = engine, []

    def _before(self, _conn, _cursor, statement, _params, _context, _executemany):
        self.statements.append(statement)

    def __enter__(self):
        self.statements = []
        import sqlalchemy as sa

        sa.event.listen(self.engine, "before_cursor_execute", self._before)
        return self

    def __exit__(self, *_exc):
        import sqlalchemy as sa

        sa.event.remove(self.engine, "before_cursor_execute", self._before)

    def __len__(self) -> int:
        return len(self.statements)


# Headless Chromium (Debian's package, driven by Playwright): never a browser download.
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def browser_login(page, base: str, email: str, password: str = TEST_PASSWORD) -> None:
    """Log in through the login form in a Playwright ``page`` and wait for the next page."""
    page.goto(base + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None. In CI (CI set) the caller fails."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (make test installs it)"
    if not os.path.exists(CHROMIUM):
        return "Debian's chromium is not installed (apt-get install -y chromium)"
    return None


def require_browser() -> None:
    import pytest

    missing = browser_missing()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"browser test cannot run in CI: {missing}")
        pytest.skip(missing)
