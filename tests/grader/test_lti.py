"""LTI 1.3 against an independent platform implementation (tests/grader/lti_platform.py,
built on ``lti1p3platform``, served over HTTP on 127.0.0.1): real OIDC logins, id_tokens
signed with the platform's key and checked against its JWKS, AGS scores and NRPS rosters
over HTTP. The test client is the browser on the tool's side.

The assignment: the lecture's dense layer (W = [[1, -1], [0, 2], [3, 1]], x = [1, 2],
b = [0, 1, -1], ReLU: z = [-1, 5, 4], y = [0, 5, 4]) worth 10 points: a right answer
scores 10 of 10, and that is the scoreGiven the platform must receive."""

from __future__ import annotations

from urllib.parse import urlsplit

import jwt
import pytest
import requests
import sqlalchemy as sa

from grader.extensions import db
from grader.lti.models import LtiContext, LtiResourceLink, LtiScoreOutbox, LtiUser
from grader.models import Course, Enrollment, User
from grader.services import jobs, lti_scores
from grader.services import lti as lti_service
from tests.grader.lti_platform import (
    ADMIN,
    INSTRUCTOR,
    LEARNER,
    TA,
    LmsPlatform,
    form_fields,
    new_key,
)
from tests.helpers import post

WORKED = {
    "fixed": {"W": [[1, -1], [0, 2], [3, 1]], "x": [1, 2], "b": [0, 1, -1], "activation": "relu"}
}
RIGHT_FORM = {
    "ans-z-0": "-1",
    "ans-z-1": "5",
    "ans-z-2": "4",
    "ans-y-0": "0",
    "ans-y-1": "5",
    "ans-y-2": "4",
}


@pytest.fixture
def platform(app):
    p = LmsPlatform("http://localhost", lti_service.public_jwks())
    values = p.tool_registration_values()
    lti_service.register_platform(**values)
    yield p
    p.stop()


def start(client, platform, sub, roles, **launch):
    """The OIDC login and the platform's auth answer: the auto-submitted form's fields
    (id_token, state), not yet posted to the tool."""
    login_url = platform.login_url(sub, roles, **launch)
    parts = urlsplit(login_url)
    r = client.get(f"{parts.path}?{parts.query}")
    assert r.status_code == 302, r.get_data(as_text=True)
    auth = r.headers["Location"]
    assert auth.startswith(platform.url + "/auth?")
    page = requests.get(auth, timeout=10)
    assert page.status_code == 200, page.text
    action, fields = form_fields(page.text)
    assert urlsplit(action).path == "/lti/launch"
    return fields


def launch(client, platform, sub, roles, **kw):
    fields = start(client, platform, sub, roles, **kw)
    return client.post("/lti/launch", data=fields), fields


def learner_launch(client, platform, a, sub="s-1"):
    """A learner's launch from the link "rl-1" to assignment ``a``, whose line item is "1"."""
    return launch(
        client,
        platform,
        sub,
        LEARNER,
        resource_link_id="rl-1",
        custom={"assignment_id": str(a.id)},
        lineitem="1",
    )


@pytest.fixture
def linked(app, client, platform, make_assignment):
    """An instructor's first launch made the course; it has the 10-point assignment."""
    teacher = app.test_client()
    r, _ = launch(
        teacher, platform, "t-1", INSTRUCTOR, name="Tess Teacher", email="tess@lms.example.edu"
    )
    assert r.status_code == 302
    course = db.session.scalar(sa.select(Course))
    a = make_assignment(course, [("dense_forward", WORKED, 10)])
    platform.lineitems["1"] = {
        "id": platform.url + "/lineitems/1",
        "scoreMaximum": 10,
        "label": a.title,
    }
    return {"course": course, "a": a, "teacher": teacher}


def test_the_tool_publishes_its_key_and_canvas_configuration(client):
    keys = client.get("/lti/jwks").json["keys"]
    assert len(keys) == 1 and keys[0]["kty"] == "RSA" and keys[0]["alg"] == "RS256"
    assert "d" not in keys[0]  # the public half only
    again = client.get("/lti/jwks").json["keys"]
    assert again == keys  # made once, kept
    config = client.get("/lti/config.json").json
    assert config["oidc_initiation_url"] == "http://localhost/lti/login"
    assert config["target_link_uri"] == "http://localhost/lti/launch"
    assert config["public_jwk_url"] == "http://localhost/lti/jwks"


def test_an_instructors_first_launch_makes_the_course_and_links_it(app, client, platform):
    r, _ = launch(
        client,
        platform,
        "t-1",
        INSTRUCTOR,
        name="Tess Teacher",
        email="tess@lms.example.edu",
        context_title="Neural networks 101",
        context_label="NN101",
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    course = db.session.scalar(sa.select(Course))
    assert (course.code, course.title) == ("NN101", "Neural networks 101")
    assert r.headers["Location"] == f"/courses/{course.id}"
    ctx = db.session.scalar(sa.select(LtiContext))
    assert (ctx.context_id, ctx.course_id) == ("ctx-1", course.id)
    assert ctx.memberships_url == platform.url + "/contexts/ctx-1/memberships"
    tess = db.session.scalar(sa.select(User).where(User.name == "Tess Teacher"))
    assert tess.email == "tess@lms.example.edu" and tess.password_hash is None and not tess.is_admin
    role = db.session.scalar(sa.select(Enrollment.role).where(Enrollment.user_id == tess.id))
    assert role == "instructor"
    assert client.get(r.headers["Location"]).status_code == 200  # logged in
    # a second launch links to the same course, no new one
    r2, _ = launch(app.test_client(), platform, "t-1", INSTRUCTOR)
    assert r2.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Course)) == 1


def test_a_learner_lands_on_the_assignment_the_link_points_at(app, client, platform, linked):
    a = linked["a"]
    r, _ = launch(
        client,
        platform,
        "s-1",
        LEARNER,
        name="Sam Student",
        resource_link_id="rl-1",
        custom={"assignment_id": str(a.id)},
        lineitem="1",
    )
    assert r.status_code == 302
    assert r.headers["Location"] == f"/assignments/{a.id}"
    page = client.get(r.headers["Location"])
    assert page.status_code == 200 and a.title in page.get_data(as_text=True)
    link = db.session.scalar(sa.select(LtiResourceLink))
    assert (link.resource_link_id, link.assignment_id) == ("rl-1", a.id)
    assert link.lineitem_url == platform.url + "/lineitems/1"
    sam = db.session.scalar(sa.select(LtiUser).where(LtiUser.sub == "s-1")).user
    assert sam.name == "Sam Student" and sam.email.endswith("@lms.example.edu.invalid")
    # the target link URI can name the assignment too (?assignment=<id>)
    r, _ = launch(
        app.test_client(),
        platform,
        "s-2",
        LEARNER,
        resource_link_id="rl-2",
        target=f"http://localhost/lti/launch?assignment={a.id}",
    )
    assert r.headers["Location"] == f"/assignments/{a.id}"


def test_roles_ta_and_platform_admin(app, platform, linked):
    r, _ = launch(app.test_client(), platform, "ta-1", TA)
    ta = db.session.scalar(sa.select(LtiUser).where(LtiUser.sub == "ta-1")).user
    assert db.session.scalar(sa.select(Enrollment.role).where(Enrollment.user_id == ta.id)) == "ta"
    # a platform administrator with no course role has no access here (and is no admin)
    r, _ = launch(app.test_client(), platform, "adm-1", ADMIN)
    assert r.status_code == 403
    assert db.session.scalar(sa.select(User).where(User.is_admin.is_(True))) is None


def test_a_learner_before_the_instructor_gets_a_clear_refusal(client, platform):
    r, _ = launch(client, platform, "s-1", LEARNER, context_id="ctx-new")
    assert r.status_code == 403
    assert "your instructor must open the tool" in r.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Course)) == 0


def test_a_replayed_launch_is_refused(app, client, platform, linked):
    r, fields = launch(
        client, platform, "s-1", LEARNER, custom={"assignment_id": str(linked["a"].id)}
    )
    assert r.status_code == 302
    again = client.post("/lti/launch", data=fields)
    assert again.status_code == 400
    assert "Invalid Nonce" in again.get_data(as_text=True)
    # the same token from another browser (no state cookie) is refused as well
    other = app.test_client().post("/lti/launch", data=fields)
    assert other.status_code == 400


def _resign(token: str, private_pem: str, **changes) -> str:
    header = jwt.get_unverified_header(token)
    body = jwt.decode(token, options={"verify_signature": False}) | changes
    return jwt.encode(body, private_pem, algorithm="RS256", headers={"kid": header["kid"]})


def test_a_forged_signature_is_refused(client, platform, linked):
    fields = start(client, platform, "s-1", LEARNER)
    forger_key, _ = new_key()  # right kid, wrong key: the signature cannot verify
    fields["id_token"] = _resign(fields["id_token"], forger_key, sub="t-1")
    r = client.post("/lti/launch", data=fields)
    assert r.status_code == 400
    assert "Signature verification failed" in r.get_data(as_text=True)


def test_an_expired_token_is_refused(client, platform, linked):
    fields = start(client, platform, "s-1", LEARNER)
    body = jwt.decode(fields["id_token"], options={"verify_signature": False})
    fields["id_token"] = _resign(fields["id_token"], platform.private_pem, exp=body["iat"] - 600)
    r = client.post("/lti/launch", data=fields)
    assert r.status_code == 400
    assert "expired" in r.get_data(as_text=True)


def test_a_token_for_another_tool_or_without_state_is_refused(client, platform, linked):
    fields = start(client, platform, "s-1", LEARNER)
    wrong_aud = dict(
        fields, id_token=_resign(fields["id_token"], platform.private_pem, aud="other-tool")
    )
    assert client.post("/lti/launch", data=wrong_aud).status_code == 400
    fields = start(client, platform, "s-1", LEARNER)
    assert client.post("/lti/launch", data={"id_token": fields["id_token"]}).status_code == 400
    assert (
        client.post("/lti/launch", data={"state": "x", "id_token": "not.a.jwt"}).status_code == 400
    )
    assert client.post("/lti/launch").status_code == 400


def test_a_right_answer_reaches_the_platform_as_score_given(client, platform, linked):
    a = linked["a"]
    r, _ = learner_launch(client, platform, a)
    jobs.run_pending()
    platform.scores.clear()  # the launch's own "not started" (no scoreGiven)
    ap = a.problems[0]
    r = post(client, f"/assignments/{a.id}/problems/{ap.id}", RIGHT_FORM)
    assert r.status_code in (200, 302, 303)
    assert jobs.run_pending() >= 1
    assert len(platform.scores) == 1
    score = platform.scores[0]
    assert score["scoreGiven"] == 10 and score["scoreMaximum"] == 10
    assert score["activityProgress"] == "Completed" and score["gradingProgress"] == "FullyGraded"
    assert score["userId"] == "s-1" and score["timestamp"]
    row = db.session.scalar(sa.select(LtiScoreOutbox))
    assert not row.pending and row.sent_score == 10


def test_with_the_platform_down_the_score_is_sent_once_it_is_back(client, platform, linked):
    a = linked["a"]
    learner_launch(client, platform, a)
    jobs.run_pending()
    platform.scores.clear()
    platform.down = True
    ap = a.problems[0]
    r = post(client, f"/assignments/{a.id}/problems/{ap.id}", RIGHT_FORM)
    assert r.status_code in (200, 302, 303)  # the submission did not wait on the LMS
    jobs.run_pending()
    row = db.session.scalar(sa.select(LtiScoreOutbox))
    db.session.refresh(row)
    assert row.pending and row.attempts == 1 and "503" in (row.last_error or "")
    assert platform.scores == []
    book = f"/courses/{linked['course'].id}/gradebook"
    assert "waiting to be sent" in linked["teacher"].get(book).get_data(as_text=True)
    platform.down = False
    db.session.execute(sa.update(LtiScoreOutbox).values(next_attempt_at=row.changed_at))  # due now
    db.session.commit()
    assert lti_scores.send_pending() == (1, 0)
    assert [s["scoreGiven"] for s in platform.scores] == [10]
    page = linked["teacher"].get(book).get_data(as_text=True)
    assert "In the LMS" in page and "up to date" in page and "waiting to be sent" not in page


def test_nrps_sync_adds_and_drops_students(app, client, platform, linked, runner):
    course = linked["course"]
    launch(app.test_client(), platform, "old-1", LEARNER, name="Olga Old")
    platform.members = [
        {"user_id": "t-1", "roles": INSTRUCTOR, "name": "Tess Teacher"},
        {"user_id": "s-1", "roles": LEARNER, "name": "Ann New", "email": "ann@lms.example.edu"},
        {"user_id": "s-2", "roles": LEARNER, "name": "Ben New"},
        {"user_id": "s-3", "roles": LEARNER, "name": "Cat Gone", "status": "Inactive"},
    ]
    r = post(linked["teacher"], f"/lti/courses/{course.id}/sync-roster")
    assert r.status_code == 200
    text = r.get_data(as_text=True)
    assert "2 newly enrolled" in text and "1 dropped" in text and "1 unchanged" in text
    students = db.session.scalars(
        sa.select(User.name)
        .join(Enrollment)
        .where(Enrollment.course_id == course.id, Enrollment.role == "student")
        .order_by(User.name)
    ).all()
    assert students == ["Ann New", "Ben New"]
    # the CLI gives the same summary; nothing changed since
    out = runner.invoke(args=["lti-sync-roster", str(course.id)])
    assert out.exit_code == 0, out.output
    assert (
        "0 newly enrolled" in out.output
        and "3 unchanged" in out.output
        and "0 dropped" in out.output
    )


def test_deep_linking_returns_the_assignment_with_its_points(app, client, platform, linked):
    a = linked["a"]
    teacher = app.test_client()
    r, _ = launch(teacher, platform, "t-1", INSTRUCTOR, deep_link=True)
    assert r.status_code == 302 and r.headers["Location"] == "/lti/deep-link"
    page = teacher.get("/lti/deep-link")
    assert page.status_code == 200 and a.title in page.get_data(as_text=True)
    html = page.get_data(as_text=True)
    import re

    launch_id = re.search(r'name="launch_id" type="hidden" value="([^"]+)"', html) or re.search(
        r'id="launch_id" name="launch_id" type="hidden" value="([^"]+)"', html
    )
    r = post(teacher, "/lti/deep-link", {"assignment_id": a.id, "launch_id": launch_id.group(1)})
    assert r.status_code == 200, r.get_data(as_text=True)
    action, fields = form_fields(r.get_data(as_text=True))
    assert action == platform.url + "/deep-link-return"
    assert platform.url in r.headers["Content-Security-Policy"]
    back = requests.post(action, data=fields, timeout=10)
    assert back.status_code == 200 and back.text == "placed 1 item(s)"
    item = platform.deep_link_items[0]
    assert item["type"] == "ltiResourceLink" and item["custom"] == {"assignment_id": str(a.id)}
    assert item["lineItem"]["scoreMaximum"] == 10


def test_a_learner_cannot_deep_link(client, platform, linked):
    r, _ = launch(client, platform, "s-1", LEARNER, deep_link=True)
    assert r.status_code == 403


def test_registrations_page_is_for_admins_only(app, client, make_user, platform):
    from tests.helpers import login

    make_user(email="plain@example.edu")
    make_user(email="root@example.edu", admin=True)
    login(client, "plain@example.edu")
    assert client.get("/lti/registrations").status_code == 403
    admin = app.test_client()
    login(admin, "root@example.edu")
    page = admin.get("/lti/registrations")
    assert page.status_code == 200 and "https://lms.example.edu" in page.get_data(as_text=True)
    r = post(
        admin,
        "/lti/registrations",
        {
            "issuer": "https://moodle.example.edu",
            "client_id": "abc",
            "deployment_ids": "1, 2",
            "auth_login_url": "https://moodle.example.edu/mod/lti/auth.php",
            "auth_token_url": "https://moodle.example.edu/mod/lti/token.php",
            "key_set_url": "https://moodle.example.edu/mod/lti/certs.php",
        },
    )
    assert r.status_code == 302
    bad = post(
        admin,
        "/lti/registrations",
        {
            "issuer": "https://moodle.example.edu",
            "client_id": "abc",
            "deployment_ids": "1",
            "auth_login_url": "https://x/a",
            "auth_token_url": "https://x/t",
            "key_set_url": "https://x/k",
        },
    )
    assert bad.status_code == 400 and "registered already" in bad.get_data(as_text=True)
    rows = lti_service.list_registrations()
    assert [(r.issuer, r.deployment_ids) for r in rows] == [
        ("https://lms.example.edu", ["deployment-1"]),
        ("https://moodle.example.edu", ["1", "2"]),
    ]
    assert admin.post(f"/lti/registrations/{rows[1].id}/delete").status_code == 400  # no CSRF token
    assert post(admin, f"/lti/registrations/{rows[1].id}/delete").status_code == 302
    assert len(lti_service.list_registrations()) == 1
    assert post(client, f"/lti/registrations/{rows[0].id}/delete").status_code == 403


def test_cli_register_and_list(runner):
    args = [
        "lti-register",
        "--issuer",
        "https://canvas.instructure.com",
        "--client-id",
        "1000",
        "--deployment-id",
        "d1",
        "--deployment-id",
        "d2",
        "--auth-login-url",
        "https://sso.canvaslms.com/api/lti/authorize_redirect",
        "--auth-token-url",
        "https://sso.canvaslms.com/login/oauth2/token",
        "--key-set-url",
        "https://sso.canvaslms.com/api/lti/security/jwks",
    ]
    out = runner.invoke(args=args)
    assert out.exit_code == 0 and "registration 1" in out.output
    again = runner.invoke(args=args)
    assert again.exit_code == 1 and "registered already" in again.output
    listed = runner.invoke(args=["lti-list"]).output
    assert "https://canvas.instructure.com\t1000\td1,d2" in listed


def test_an_override_is_sent_and_staff_can_send_all_scores_again(client, platform, linked):
    from grader.services.gradebook import override

    a = linked["a"]
    learner_launch(client, platform, a)
    jobs.run_pending()
    sam = db.session.scalar(sa.select(LtiUser).where(LtiUser.sub == "s-1")).user
    teacher = db.session.scalar(sa.select(LtiUser).where(LtiUser.sub == "t-1")).user
    platform.scores.clear()
    override(a.problems[0], sam, 0.5, "half credit, checked by hand", teacher)
    jobs.run_pending()
    assert [(s["scoreGiven"], s["scoreMaximum"]) for s in platform.scores] == [(5, 10)]
    page = (
        linked["teacher"].get(f"/lti/courses/{linked['course'].id}/scores").get_data(as_text=True)
    )
    assert "Yes" in page and "5 / 10" in page
    platform.scores.clear()
    r = post(linked["teacher"], f"/lti/courses/{linked['course'].id}/scores/resend")
    assert r.status_code == 302
    jobs.run_pending()
    assert [s["scoreGiven"] for s in platform.scores] == [5]
    # a student may not see the page nor press the button
    assert client.get(f"/lti/courses/{linked['course'].id}/scores").status_code == 403
    assert post(client, f"/lti/courses/{linked['course'].id}/scores/resend").status_code == 403
    assert post(client, f"/lti/courses/{linked['course'].id}/sync-roster").status_code == 403


def test_the_course_page_offers_the_lms_actions_to_its_instructor(platform, linked):
    page = linked["teacher"].get(f"/courses/{linked['course'].id}").get_data(as_text=True)
    assert "Sync roster from the LMS" in page and "Scores in the LMS" in page


def test_framing_is_allowed_only_for_the_configured_lms_origins(client):
    assert client.get("/login").headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in client.get("/login").headers["Content-Security-Policy"]
    from tests.helpers import make_app

    framed = make_app(
        LTI_FRAME_ANCESTORS=["https://school.instructure.com", "http://insecure.example"]
    )
    with framed.app_context():
        r = framed.test_client().get("/login")
        assert "X-Frame-Options" not in r.headers
        assert (
            "frame-ancestors 'self' https://school.instructure.com;"
            in r.headers["Content-Security-Policy"]
        )
        assert "insecure" not in r.headers["Content-Security-Policy"]  # https origins only
        cookie = r.headers.get("Set-Cookie", "")
        assert "SameSite=None" in cookie and "Secure" in cookie
        db.session.remove()
        db.engine.dispose()  # this second app's pool: closed, not left to the collector


def test_an_unknown_platform_cannot_start_a_login(client):
    r = client.get("/lti/login?iss=https://unknown.example&login_hint=u1&target_link_uri=x")
    assert r.status_code == 400 and "registration" in r.get_data(as_text=True)
    assert client.post("/lti/login", data={"login_hint": "u1"}).status_code == 400


def test_a_rotated_platform_key_is_fetched_again(app, client, platform, linked):
    r, _ = launch(app.test_client(), platform, "s-1", LEARNER)
    assert r.status_code == 302  # the platform's key set is now cached
    platform.private_pem, platform.public_pem = new_key()  # the platform rotates its key
    r, _ = launch(app.test_client(), platform, "s-1", LEARNER)
    assert r.status_code == 302, r.get_data(as_text=True)


def test_a_dropped_student_s_lms_grade_is_left_alone(client, platform, linked):
    a = linked["a"]
    learner_launch(client, platform, a)
    sam = db.session.scalar(sa.select(LtiUser).where(LtiUser.sub == "s-1")).user
    db.session.execute(sa.delete(Enrollment).where(Enrollment.user_id == sam.id))
    db.session.commit()
    platform.scores.clear()
    jobs.run_pending()
    assert platform.scores == []
    row = db.session.scalar(sa.select(LtiScoreOutbox))
    assert not row.pending and "not a student" in row.last_error


def test_a_regrade_job_and_an_excusal_reach_the_platform(client, platform, linked):
    """Sam answers y₃ = 4.01 with z right: under the default tolerance (0.0045) 5/6 of 10
    points = 8.333…; with atol = rtol = 0.01 the regrade gives 10. Excused: no score."""
    from grader.services.authoring import save_extension
    from grader.services.submissions import submit

    a, course = linked["a"], linked["course"]
    learner_launch(client, platform, a)
    sam = db.session.scalar(sa.select(LtiUser).where(LtiUser.sub == "s-1")).user
    teacher = db.session.scalar(sa.select(LtiUser).where(LtiUser.sub == "t-1")).user
    submit(a.problems[0], sam, {"z": [-1, 5, 4], "y": [0, 5, 4.01]})
    jobs.run_pending()
    assert platform.scores[-1]["scoreGiven"] == pytest.approx(25 / 3)
    platform.scores.clear()
    a.problems[0].template.policy = {"rtol": 0.01, "atol": 0.01}
    db.session.commit()
    jobs.start("regrade_apply", course, teacher, a)
    jobs.run_pending()
    assert [s["scoreGiven"] for s in platform.scores] == [10]
    platform.scores.clear()
    save_extension(a, sam.id, None, None, True, teacher)
    jobs.run_pending()
    assert len(platform.scores) == 1 and "scoreGiven" not in platform.scores[0]
    assert platform.scores[0]["gradingProgress"] == "NotReady"


def test_launch_cookies_are_samesite_none_and_secure_over_https(client, platform):
    login_url = platform.login_url("t-1", INSTRUCTOR)
    parts = urlsplit(login_url)
    r = client.get(f"{parts.path}?{parts.query}", base_url="https://localhost")
    assert r.status_code == 302
    cookies = r.headers.getlist("Set-Cookie")
    state = [c for c in cookies if c.startswith("lti1p3-state-")]
    session_id = [c for c in cookies if c.startswith("lti1p3-session-id=")]
    assert len(state) == 1 and len(session_id) == 1
    for c in state + session_id:
        assert "Secure" in c and "SameSite=None" in c and "HttpOnly" in c


def test_an_lti_account_cannot_log_in_with_a_password(app, client, platform):
    launch(client, platform, "t-1", INSTRUCTOR, email="tess@lms.example.edu")
    other = app.test_client()
    for password in ("", "x", "correct-horse"):
        r = post(other, "/login", {"email": "tess@lms.example.edu", "password": password})
        assert r.status_code in (400, 401, 403, 429)
    assert other.get("/account").status_code == 302  # still logged out


def test_a_platform_clock_30_s_ahead_is_tolerated_but_a_token_without_exp_is_not(
    client, platform, linked
):
    fields = start(client, platform, "s-1", LEARNER)
    body = jwt.decode(fields["id_token"], options={"verify_signature": False})
    ahead = _resign(fields["id_token"], platform.private_pem, iat=body["iat"] + 30)
    assert client.post("/lti/launch", data=dict(fields, id_token=ahead)).status_code == 302
    fields = start(client, platform, "s-1", LEARNER)
    header = jwt.get_unverified_header(fields["id_token"])
    body = jwt.decode(fields["id_token"], options={"verify_signature": False})
    del body["exp"]
    no_exp = jwt.encode(body, platform.private_pem, algorithm="RS256", headers=header)
    r = client.post("/lti/launch", data=dict(fields, id_token=no_exp))
    assert r.status_code == 400 and "exp" in r.get_data(as_text=True)


def test_a_link_placed_without_a_line_item_gets_one_with_the_assignment_s_points(
    client, platform, linked
):
    a = linked["a"]
    launch(
        client,
        platform,
        "s-1",
        LEARNER,
        resource_link_id="rl-9",
        custom={"assignment_id": str(a.id)},
    )  # no lineitem in the AGS claim
    assert db.session.scalar(sa.select(LtiResourceLink)).lineitem_url is None
    post(client, f"/assignments/{a.id}/problems/{a.problems[0].id}", RIGHT_FORM)
    jobs.run_pending()
    made = [li for li in platform.lineitems.values() if li.get("resourceLinkId") == "rl-9"]
    assert len(made) == 1 and made[0]["scoreMaximum"] == 10 and made[0]["label"] == a.title
    assert [s["scoreGiven"] for s in platform.scores if s["lineitem"] != "1"] == [10]
    link = db.session.scalar(sa.select(LtiResourceLink))
    db.session.refresh(link)
    assert link.lineitem_url == made[0]["id"]
