"""While the database cannot be reached (issue 9, item 16): every route that needs it
answers 503 with Retry-After (JSON under /api/, a page elsewhere), never a 500, and never
says "nothing was saved". Apps pointed at a PostgreSQL port nobody listens on and at an
SQLite file that cannot be opened."""

import pytest

from grader.extensions import db
from tests.helpers import login, make_app

UNREACHABLE = {
    "postgresql": "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2",
    "sqlite": "sqlite:////nonexistent-directory/grader.sqlite",
}
# Routes that never touch the database: served as usual.
WITHOUT_DATABASE = {"static", "api.openapi", "lti.canvas_config"}  # LTI: the JSON for Canvas


@pytest.fixture(params=sorted(UNREACHABLE))
def down_app(request):
    app = make_app(UNREACHABLE[request.param], WTF_CSRF_ENABLED=False)
    yield app
    with app.app_context():
        db.engine.dispose()


def logged_in(app):
    """A client whose session names user 1 (the cookie a logged-in browser holds)."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1:0"
        session["_fresh"] = True
    return client


def assert_unavailable(r, api: bool):
    assert r.status_code == 503, (r.request.path, r.status_code)
    assert r.headers["Retry-After"] == "30"
    if api:
        body = r.get_json()
        assert body["error"] == "unavailable" and "try again in 30 seconds" in body["message"]
    else:
        text = r.get_data(as_text=True)
        assert "503 — Service unavailable" in text and "try again in a minute" in text
        assert "nothing was saved" not in text


def test_login_and_token_answer_503(down_app):
    client = down_app.test_client()
    r = client.post("/login", data={"email": "ada@example.edu", "password": "correct-horse"})
    assert_unavailable(r, api=False)
    r = client.post("/api/v1/tokens", json={"email": "ada@example.edu", "password": "x"})
    assert_unavailable(r, api=True)
    r = client.get("/api/v1/me", headers={"Authorization": "Bearer nng_x"})
    assert_unavailable(r, api=True)


def test_every_route_answers_503_not_500(down_app):
    """Every rule of the app, with each of its methods, as a logged-in user (API routes
    with a bearer token): 503 unless it never needs the database."""
    seen = 0
    for rule in down_app.url_map.iter_rules():
        if rule.endpoint in WITHOUT_DATABASE:
            continue
        values = {name: 1 for name in rule.arguments}
        if "action" in values:
            values["action"] = "points"
        if "ext" in values:
            values["ext"] = "csv"
        url = rule.build(values, append_unknown=False)[1]
        api = url.startswith("/api/")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            client = logged_in(down_app)
            headers = {"Authorization": "Bearer nng_x"} if api else {}
            kwargs = {"json": {"email": "a@b.c", "password": "x"}} if api else {}
            r = client.open(url, method=method, headers=headers, **kwargs)
            assert_unavailable(r, api)
            seen += 1
    assert seen >= 60  # every route was tried


def test_routes_without_the_database_still_work(down_app):
    assert down_app.test_client().get("/api/v1/openapi.json").status_code == 200
    assert down_app.test_client().get("/login").status_code == 200  # a visitor's form


def test_a_logged_in_user_gets_no_500_from_an_error_page(app, make_user, down_app):
    """A real session cookie (a login while the database was up), CSRF on, then the database
    gone: a form without its token, an unknown page, a wrong method, an id out of range, a
    control character in the query, an unknown API address: every error page is drawn
    without the database (it would name the user in its header): 503, never 500."""
    make_user(email="ada@example.edu")
    up = app.test_client()
    assert login(up, "ada@example.edu").status_code == 302
    cookie = up.get_cookie("session").value
    down_app.config["WTF_CSRF_ENABLED"] = True
    requests = [
        ("POST", "/logout", {}),  # no CSRF token: a 400 page
        ("POST", "/account", {"data": {"name": "x", "csrf_token": "stale"}}),
        ("GET", "/no-such-page", {}),  # 404
        ("DELETE", "/account", {}),  # 405
        ("GET", "/assignments/99999999999", {}),  # an id beyond MAX_ID: 404
        ("GET", "/account?x=%00", {}),  # the boundary's 400
        ("GET", "/account?x=%E2%80%AE", {}),  # U+202E: the boundary's 400
        ("POST", "/no/such/path", {"data": "{}", "content_type": "application/json"}),
    ]
    for method, url, kwargs in requests:
        client = down_app.test_client()
        client.set_cookie("session", cookie)
        r = client.open(url, method=method, **kwargs)
        assert_unavailable(r, api=False)
    for method, url in (("GET", "/api/v1/nope"), ("DELETE", "/api/v1/me"), ("GET", "/api/v1/me")):
        client = down_app.test_client()
        r = client.open(url, method=method, headers={"Authorization": "Bearer nng_x"})
        assert r.status_code in (404, 405, 503), (url, r.status_code)
        assert r.is_json and r.status_code != 500


def test_the_health_check_says_whether_this_process_reaches_the_database(app, down_app):
    up = app.test_client().get("/healthz")
    assert up.status_code == 200 and up.get_json()["status"] == "ok"
    down = down_app.test_client().get("/healthz")  # a load balancer: no session, no cookie
    assert down.status_code == 503 and int(down.headers["Retry-After"]) > 0
