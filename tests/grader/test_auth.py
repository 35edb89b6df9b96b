"""Login, logout, lockout, password change, CSRF."""

from tests.helpers import TEST_PASSWORD, csrf_token, login, post


def test_login_success_and_logout(client, make_user):
    make_user(email="ada@example.edu", name="Ada Lovelace")
    r = login(client, "ADA@example.edu ", TEST_PASSWORD)
    assert r.status_code == 302 and r.headers["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200 and "Ada Lovelace" in page.get_data(as_text=True)
    r = post(client, "/logout")
    assert r.status_code == 302
    assert client.get("/").status_code == 302  # back to login


def test_login_failure_says_so_without_telling_which(client, make_user):
    make_user(email="ada@example.edu")
    for email, pw in (("ada@example.edu", "wrong-password"), ("nobody@example.edu", TEST_PASSWORD)):
        r = login(client, email, pw)
        assert r.status_code == 401
        assert "Wrong email or password." in r.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_post_without_csrf_token_is_rejected(client, make_user):
    make_user(email="ada@example.edu")
    r = client.post("/login", data={"email": "ada@example.edu", "password": TEST_PASSWORD})
    assert r.status_code == 400
    assert "security token is missing" in r.get_data(as_text=True)
    r = client.post(
        "/login",
        data={"email": "ada@example.edu", "password": TEST_PASSWORD, "csrf_token": "forged"},
    )
    assert r.status_code == 400
    assert client.get("/").status_code == 302  # not logged in


def test_logout_needs_csrf(client, make_user):
    make_user(email="ada@example.edu")
    login(client, "ada@example.edu")
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200  # still logged in


def test_change_password(client, make_user):
    make_user(email="ada@example.edu")
    login(client, "ada@example.edu")
    r = post(
        client,
        "/account",
        {"current": "nope", "new": "new-password-1", "confirm": "new-password-1"},
    )
    assert r.status_code == 400 and "The current password is not right." in r.get_data(as_text=True)
    r = post(client, "/account", {"current": TEST_PASSWORD, "new": "short", "confirm": "short"})
    assert r.status_code == 400 and "Use 8 to 200 characters." in r.get_data(as_text=True)
    r = post(
        client,
        "/account",
        {"current": TEST_PASSWORD, "new": "new-password-1", "confirm": "other-password"},
    )
    assert r.status_code == 400 and "The two new passwords differ." in r.get_data(as_text=True)
    r = post(
        client,
        "/account",
        {"current": TEST_PASSWORD, "new": "new-password-1", "confirm": "new-password-1"},
    )
    assert r.status_code == 302
    post(client, "/logout")
    assert login(client, "ada@example.edu", TEST_PASSWORD).status_code == 401
    assert login(client, "ada@example.edu", "new-password-1").status_code == 302


def test_next_parameter_only_goes_to_this_site(client, make_user):
    make_user(email="ada@example.edu")
    token = csrf_token(client)
    r = client.post(
        "/login?next=https://evil.example/",
        data={"email": "ada@example.edu", "password": TEST_PASSWORD, "csrf_token": token},
    )
    assert r.headers["Location"] == "/"
    post(client, "/logout")
    r = post(
        client, "/login?next=/account", {"email": "ada@example.edu", "password": TEST_PASSWORD}
    )
    assert r.headers["Location"] == "/account"
