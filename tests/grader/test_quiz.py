"""Timed quizzes (issue 12, item 1): the clock starts with "Start quiz", never by looking;
drafts are kept as the student types and graded once at the time limit; a quiz that is
over says what was graded. Times are hand-checkable: a start at 10:00 with a 20-minute
limit ends at 10:20."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from grader.extensions import db
from grader.models import Draft, Extension, QuizStart, Submission, Variant, utcnow
from grader.services.quiz import clock, finalize_expired, save_draft, start_quiz
from grader.services.submissions import AUTO_KEY, SubmissionRefused, standing_for, submit
from grader.services.variants import get_or_create_variant
from tests.grader.test_migrations import scratch_app  # noqa: F401 (a fixture)
from tests.helpers import TEST_PASSWORD, login, post

WORKED = {
    "fixed": {"W": [[1, -1], [0, 2], [3, 1]], "x": [1, 2], "b": [0, 1, -1], "activation": "relu"}
}
T0 = datetime(2030, 1, 7, 10, 0, tzinfo=UTC)  # 10:00
Z = ["-1", "5", "4"]


def draft_form(z, y) -> MultiDict:
    """The boxes as the page sends them: z = Wx + b and y = ReLU(z)."""
    return MultiDict(
        {f"ans-z-{k}": v for k, v in enumerate(z)} | {f"ans-y-{k}": v for k, v in enumerate(y)}
    )


@pytest.fixture
def people(make_course, make_user, enrol):
    teacher = make_user(email="t@example.edu", name="Teacher")
    course = make_course("NN-Q", instructor=teacher)
    ada = make_user(email="ada@example.edu", name="Ada Lovelace")
    alan = make_user(email="alan@example.edu", name="Alan Turing")
    enrol(ada, course)
    enrol(alan, course)
    return course, teacher, ada, alan


def timed_quiz(make_assignment, course, **settings):
    """ "Quiz 1": three 10-point dense layers (the lecture's W, x, b), 20 minutes, 2 attempts."""
    return make_assignment(
        course,
        [("dense_forward", WORKED, 10)] * 3,
        title="Quiz 1",
        mode="quiz",
        time_limit_minutes=20,
        max_attempts=2,
        **settings,
    )


@pytest.fixture
def quiz(people, make_assignment):
    return timed_quiz(make_assignment, people[0], retry_penalty=0.1)


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def url(a, i=None, tail=""):
    base = f"/assignments/{a.id}"
    return base + (f"/problems/{a.problems[i].id}" if i is not None else "") + tail


# ------------------------------------------------------------------ the start


def test_looking_does_not_start_the_clock_and_start_starts_it_once(client, people, quiz):
    login(client, "ada@example.edu")
    page = client.get(url(quiz)).get_data(as_text=True)
    assert "This quiz has 3 problems and a 20-minute limit." in page
    assert "Start quiz" in page and "not started" in page
    # a problem sends the student to the start page, deals no numbers and starts nothing
    r = client.get(url(quiz, 1))
    assert r.status_code == 302 and r.headers["Location"].endswith(url(quiz, tail="/start"))
    assert client.get(url(quiz, tail="/start")).status_code == 200
    assert (count(Variant), count(QuizStart)) == (0, 0)

    r = post(client, url(quiz, tail="/start"))
    assert r.status_code == 302 and r.headers["Location"].endswith(url(quiz, 0))
    first = db.session.scalar(sa.select(QuizStart.started_at))
    post(client, url(quiz, tail="/start"))  # pressed twice: started once
    assert count(QuizStart) == 1
    assert db.session.scalar(sa.select(QuizStart.started_at)) == first

    page = client.get(url(quiz)).get_data(as_text=True)
    assert "in progress, 20 min left" in page and "not started" not in page
    assert 'id="quiz-clock"' in page
    clock_json = client.get(url(quiz, tail="/clock.json")).json
    assert clock_json["started"] and 1190 <= clock_json["seconds_left"] <= 1200
    assert not clock_json["over"]


def test_the_end_is_start_plus_limit_or_the_closing_date(people, quiz):
    _course, _t, ada, alan = people
    start_quiz(quiz, ada, now=T0)
    assert standing_for(quiz, ada).ends_at == T0 + timedelta(minutes=20)  # 10:20
    assert clock(standing_for(quiz, ada), now=T0 + timedelta(minutes=5)).seconds_left == 900
    # the quiz closes at 10:10: Ada's time ends then; Alan's extension to 11:00 gives him
    # his full 20 minutes (10:20), not more
    quiz.closes_at = T0 + timedelta(minutes=10)
    db.session.add(
        Extension(assignment_id=quiz.id, user_id=alan.id, closes_at=T0 + timedelta(hours=1))
    )
    db.session.commit()
    start_quiz(quiz, alan, now=T0)
    assert standing_for(quiz, ada).ends_at == T0 + timedelta(minutes=10)
    assert standing_for(quiz, alan).ends_at == T0 + timedelta(minutes=20)
    with pytest.raises(SubmissionRefused) as refused:  # too late to start
        start_quiz(quiz, people[1], now=T0 + timedelta(minutes=11))
    assert refused.value.error == "closed"


def test_staff_preview_without_a_clock(client, people, quiz):
    login(client, "t@example.edu")
    r = client.get(url(quiz, 0))
    assert r.status_code == 200 and 'id="quiz-clock"' not in r.get_data(as_text=True)
    assert "Students see this page before they start" in client.get(
        url(quiz, tail="/start")
    ).get_data(as_text=True)
    assert post(client, url(quiz, tail="/start")).status_code == 403
    assert count(QuizStart) == 0


# ------------------------------------------------------------------ drafts


def test_a_draft_is_kept_costs_nothing_and_refills_the_boxes(client, people, quiz):
    login(client, "ada@example.edu")
    post(client, url(quiz, tail="/start"))
    client.get(url(quiz, 0))
    r = post(client, url(quiz, 0, "/draft"), dict(draft_form(Z, ["0", "5", "4.5"])))
    assert r.status_code == 303
    draft = db.session.scalar(sa.select(Draft))
    assert draft.raw["ans-y-2"] == "4.5" and draft.outcome is None
    assert (count(Submission), db.session.scalar(sa.select(Variant.attempts))) == (0, 0)
    page = client.get(url(quiz, 0)).get_data(as_text=True)
    assert 'name="ans-y-2" value="4.5"' in page and "Draft saved at" in page
    assert "Attempts: 0 used, <strong>2 left</strong>" in page
    # the page's script: a JSON answer
    r = post(
        client,
        url(quiz, 0, "/draft"),
        dict(draft_form(Z, ["0", "5", "4"])),
        headers={"Accept": "application/json"},
    )
    assert r.status_code == 200 and r.json["saved_at"]
    assert db.session.scalar(sa.select(Draft.raw))["ans-y-2"] == "4"
    assert count(Draft) == 1


def test_a_draft_after_the_end_is_refused(client, people, quiz):
    login(client, "ada@example.edu")
    post(client, url(quiz, tail="/start"))
    client.get(url(quiz, 0))
    post(client, url(quiz, 0, "/draft"), dict(draft_form(Z, ["0", "5", "4"])))
    db.session.execute(sa.update(QuizStart).values(started_at=utcnow() - timedelta(minutes=21)))
    db.session.commit()
    r = post(
        client,
        url(quiz, 0, "/draft"),
        dict(draft_form(Z, ["9", "9", "9"])),
        headers={"Accept": "application/json"},
    )
    assert r.status_code == 409 and r.json["error"] == "time_up"
    assert "this answer was not saved" in r.json["message"]
    r = post(client, url(quiz, 0, "/draft"), dict(draft_form(Z, ["9", "9", "9"])))
    assert r.status_code == 409 and "this answer was not saved" in r.get_data(as_text=True)
    assert db.session.scalar(sa.select(Draft.raw))["ans-y-0"] == "0"


# ------------------------------------------------------------------ the end


def test_drafts_are_graded_at_the_time_limit_once(people, quiz):
    """Ada: problem 1 attempt 1 with y = z (y₁ wrong: (1 + 2/3) / 2 = 0.8333), then a draft
    y = [0, 5, 4.5] (y₃ wrong: 0.8333 again), graded as attempt 2 with the 10 % retry
    penalty: 0.75, stored at 10:20. Problem 2: an unreadable draft, not submitted."""
    _c, _t, ada, _alan = people
    p1, p2, _p3 = quiz.problems
    start_quiz(quiz, ada, now=T0)
    v1, v2 = get_or_create_variant(p1, ada), get_or_create_variant(p2, ada)
    first = submit(p1, ada, {"z": Z, "y": Z}, now=T0 + timedelta(minutes=2))
    assert round(first.submission.score, 4) == 0.8333  # z right, y 2 of 3: (1 + 2/3) / 2
    save_draft(p1, ada, v1, draft_form(Z, ["0", "5", "4.5"]), now=T0 + timedelta(minutes=5))
    save_draft(p2, ada, v2, draft_form(Z, ["0", "five", "4"]), now=T0 + timedelta(minutes=6))

    assert finalize_expired(quiz, now=T0 + timedelta(minutes=19)) == 0  # not over yet
    assert finalize_expired(quiz, now=T0 + timedelta(minutes=21)) == 1
    auto = db.session.scalar(sa.select(Submission).where(Submission.attempt == 2))
    assert auto.created_at == T0 + timedelta(minutes=20)  # 10:20, the end
    assert auto.idempotency_key == AUTO_KEY and not auto.late
    assert round(auto.raw_score, 4) == 0.8333 and round(auto.score, 4) == 0.75  # × 0.9
    drafts = {d.variant_id: d for d in db.session.scalars(sa.select(Draft))}
    assert (drafts[v1.id].outcome, drafts[v1.id].submission_id) == ("submitted", auto.id)
    assert drafts[v2.id].outcome == "unreadable"
    assert count(Submission) == 2
    # again; and as a second process that read the draft before the first one stored its
    # attempt: the reserved key finds the stored attempt, nothing is graded twice
    assert finalize_expired(quiz, now=T0 + timedelta(minutes=22)) == 0
    answers = {"z": Z, "y": ["0", "5", "4.5"]}
    late = submit(p1, ada, answers, AUTO_KEY, now=T0 + timedelta(minutes=20), auto=True)
    assert (late.replayed, late.submission.id) == (True, auto.id)
    assert count(Submission) == 2
    assert db.session.scalar(sa.select(Variant.attempts).where(Variant.id == v1.id)) == 2


def test_the_same_answer_or_no_attempts_left_is_not_resubmitted(people, quiz):
    _c, _t, ada, _alan = people
    p1, p2, _p3 = quiz.problems
    start_quiz(quiz, ada, now=T0)
    v1, v2 = get_or_create_variant(p1, ada), get_or_create_variant(p2, ada)
    submit(p1, ada, {"z": Z, "y": ["0", "5", "4"]}, now=T0 + timedelta(minutes=1))
    save_draft(p1, ada, v1, draft_form(Z, ["0", "5", "4"]), now=T0 + timedelta(minutes=2))
    submit(p2, ada, {"z": Z, "y": Z}, now=T0 + timedelta(minutes=1))
    submit(p2, ada, {"z": Z, "y": ["0", "0", "0"]}, now=T0 + timedelta(minutes=2))
    save_draft(p2, ada, v2, draft_form(Z, ["0", "5", "4"]), now=T0 + timedelta(minutes=3))
    assert finalize_expired(quiz, now=T0 + timedelta(minutes=25)) == 0
    outcomes = {d.variant_id: d.outcome for d in db.session.scalars(sa.select(Draft))}
    assert outcomes == {v1.id: "same", v2.id: "no_attempts_left"}
    assert count(Submission) == 3


def test_a_late_end_is_penalised_as_a_submission_then_would_be(people, make_assignment):
    course, _t, ada, _alan = people
    a = make_assignment(
        course,
        [("dense_forward", WORKED, 10)],
        mode="quiz",
        time_limit_minutes=20,
        due_at=T0 + timedelta(minutes=15),  # due 10:15, the time ends 10:20
        late_penalty=0.5,
    )
    start_quiz(a, ada, now=T0)
    v = get_or_create_variant(a.problems[0], ada)
    save_draft(a.problems[0], ada, v, draft_form(Z, ["0", "5", "4"]), now=T0)
    assert finalize_expired(a, now=T0 + timedelta(hours=1)) == 1
    sub = db.session.scalar(sa.select(Submission))
    assert (sub.late, sub.raw_score, sub.score) == (True, 1.0, 0.5)


def test_a_quiz_that_is_over_says_what_was_graded(client, people, quiz):
    login(client, "ada@example.edu")
    post(client, url(quiz, tail="/start"))
    client.get(url(quiz, 0))
    client.get(url(quiz, 1))
    data = dict(draft_form(Z, ["0", "5", "4"]))
    assert post(client, url(quiz, 0), data).status_code == 302  # attempt 1, all right
    post(client, url(quiz, 1, "/draft"), dict(draft_form(Z, ["0", "5", "4"])))
    db.session.execute(sa.update(QuizStart).values(started_at=utcnow() - timedelta(minutes=21)))
    db.session.commit()

    page = client.get(url(quiz)).get_data(as_text=True)  # reading it grades the drafts
    assert "This quiz is over" in page
    assert "Problem 1 (dense_forward #1): attempt 1 (submitted) · 10.00 / 10" in page
    assert (
        "Problem 2 (dense_forward #2): attempt 1, graded from your saved answer at the time "
        "limit · 10.00 / 10" in page
    )
    assert "Problem 3 (dense_forward #3): nothing submitted" in page
    assert "Score: <strong>20.00 / 30</strong>" in page
    assert count(Submission) == 2
    problem = client.get(url(quiz, 1)).get_data(as_text=True)
    assert "This quiz is over" in problem
    assert "graded from your saved answer at the time limit" in problem
    for gone in ("left</strong>", "Time left", "Submit answer", "Save draft"):
        assert gone not in problem
    nothing = client.get(url(quiz, 2))  # never opened: the summary, no numbers dealt
    assert "nothing submitted" in nothing.get_data(as_text=True)


def test_the_gradebook_sees_the_graded_drafts(client, people, quiz):
    _c, _t, ada, _alan = people
    start_quiz(quiz, ada, now=utcnow() - timedelta(minutes=30))
    v = get_or_create_variant(quiz.problems[0], ada)
    db.session.add(Draft(variant_id=v.id, raw=dict(draft_form(Z, ["0", "5", "4"]))))
    db.session.commit()
    r = client.post("/api/v1/tokens", json={"email": "t@example.edu", "password": TEST_PASSWORD})
    h = {"Authorization": f"Bearer {r.json['token']}"}
    book = client.get(f"/api/v1/courses/{quiz.course_id}/gradebook", headers=h).json
    ada_row = next(s for s in book["students"] if s["name"] == "Ada Lovelace")
    assert ada_row["assignments"][str(quiz.id)] == 10.0
    assert count(Submission) == 1


def test_the_drill_down_flags_the_attempt_graded_at_the_time_limit(client, people, quiz):
    """The instructor's record of Ada: problem 1's draft y = [0, 5, 4] graded at the end as
    attempt 1 (10.00 / 10 pts), flagged as such; nothing else is flagged."""
    course, _t, ada, _alan = people
    start_quiz(quiz, ada, now=utcnow() - timedelta(minutes=30))
    v = get_or_create_variant(quiz.problems[0], ada)
    db.session.add(Draft(variant_id=v.id, raw=dict(draft_form(Z, ["0", "5", "4"]))))
    db.session.commit()
    login(client, "t@example.edu")
    page = client.get(f"/courses/{course.id}/gradebook/students/{ada.id}").get_data(as_text=True)
    assert page.count("auto-submitted at the time limit") == 1
    assert "<strong>10.00 / 10 pts</strong>" in page
    (sub,) = db.session.scalars(sa.select(Submission)).all()
    assert sub.auto and sub.idempotency_key == AUTO_KEY


# ------------------------------------------------------------------ the API


def test_the_api_starts_and_reads_the_clock(client, people, quiz):
    r = client.post("/api/v1/tokens", json={"email": "ada@example.edu", "password": TEST_PASSWORD})
    h = {"Authorization": f"Bearer {r.json['token']}"}
    r = client.get(
        url(quiz, tail="/clock").replace("/assignments", "/api/v1/assignments"), headers=h
    )
    assert r.json == {
        "started": False,
        "started_at": None,
        "ends_at": None,
        "seconds_left": None,
        "over": False,
    }
    r = client.post(f"/api/v1/assignments/{quiz.id}/start", headers=h)
    assert r.status_code == 201 and 1190 <= r.json["seconds_left"] <= 1200
    assert client.post(f"/api/v1/assignments/{quiz.id}/start", headers=h).status_code == 200
    r = client.get(f"/api/v1/assignments/{quiz.id}", headers=h)
    assert r.json["quiz"]["started"] and len(r.json["problems"]) == 3
    assert count(QuizStart) == 1


def test_an_api_client_that_never_pressed_start_still_works(client, people, quiz):
    """Clients written before the start page: the first GET shows the numbers and so starts
    the clock, as it always did."""
    r = client.post("/api/v1/tokens", json={"email": "ada@example.edu", "password": TEST_PASSWORD})
    h = {"Authorization": f"Bearer {r.json['token']}"}
    r = client.post(
        f"/api/v1/assignments/{quiz.id}/problems/{quiz.problems[0].id}/submissions",
        headers=h,
        json={"answers": {"z": [-1, 5, 4], "y": [0, 5, 4]}},
    )
    assert r.status_code == 201 and r.json["score"] == 1.0
    assert count(QuizStart) == 1
    r = client.post(
        f"/api/v1/assignments/{quiz.id}/problems/{quiz.problems[0].id}/submissions",
        headers=h | {"Idempotency-Key": AUTO_KEY},
        json={"answers": {"z": [-1, 5, 4], "y": [0, 5, 4]}},
    )
    assert (r.status_code, r.json["error"]) == (400, "bad_idempotency_key")


def test_many_readers_at_the_end_grade_a_draft_once(app, people, quiz):
    """Eight tabs (or workers) read the quiz at once after its end: one attempt is stored
    (on PostgreSQL with TEST_DATABASE_URL, truly concurrent transactions)."""
    _c, _t, ada, _alan = people
    start_quiz(quiz, ada, now=utcnow() - timedelta(minutes=30))
    v = get_or_create_variant(quiz.problems[0], ada)
    db.session.add(Draft(variant_id=v.id, raw=dict(draft_form(Z, ["0", "5", "4"]))))
    db.session.commit()
    clients = []
    for _ in range(8):
        c = app.test_client()
        login(c, "ada@example.edu")
        clients.append(c)
    barrier = threading.Barrier(len(clients))
    statuses, page = [], url(quiz)

    def read(c) -> None:
        barrier.wait()
        statuses.append(c.get(page).status_code)

    threads = [threading.Thread(target=read, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 8
    db.session.expire_all()
    assert count(Submission) == 1
    assert db.session.scalar(sa.select(Draft.outcome)) == "submitted"
    assert db.session.scalar(sa.select(QuizStart.finalized_at)) is not None


def test_quizzes_under_way_keep_their_clock_through_the_migration(scratch_app):  # noqa: F811
    """Before quiz_start, a timed quiz's clock started at the first view of any of its
    problems: the migration copies that moment (the earliest variant) as the start, for
    timed quizzes only, so nobody's time moves."""
    from flask_migrate import upgrade

    with scratch_app.app_context():
        upgrade(revision="a7c3e9d41f20")
        rows = [
            "INSERT INTO user (id, email, name, is_admin, created_at, session_version) "
            "VALUES (1, 'ada@example.edu', 'Ada', 0, '2030-01-01', 0)",
            "INSERT INTO course (id, code, title, created_at) VALUES (1, 'NN', 'NN', '2030-01-01')",
            "INSERT INTO problem_template (id, kind, title, config, policy, created_at, "
            "updated_at) VALUES (1, 'dense_forward', 't', '{}', '{}', '2030-01-01', '2030-01-01')",
        ]
        for aid, mode, limit in ((1, "quiz", 20), (2, "quiz", None), (3, "homework", None)):
            rows.append(
                "INSERT INTO assignment (id, course_id, title, mode, late_penalty, "
                "time_limit_minutes, retry_penalty, solution_release, score_policy, published, "
                f"created_at) VALUES ({aid}, 1, 'a', '{mode}', 0, {limit or 'NULL'}, 0, "
                "'never', 'best', 1, '2030-01-01')"
            )
            for pos in (1, 2):
                ap = aid * 10 + pos
                rows.append(
                    "INSERT INTO assignment_problem (id, assignment_id, position, points, "
                    f"template_id) VALUES ({ap}, {aid}, {pos}, 1, 1)"
                )
                rows.append(
                    "INSERT INTO variant (assignment_problem_id, user_id, number, kind, seed, "
                    "facets, attempts, first_correct, correct, config, params, answers, "
                    f"created_at) VALUES ({ap}, 1, 1, 'dense_forward', 1, '{{}}', 0, "
                    f"{'false' if 'postgresql' in str(db.engine.url) else 0}, "
                    f"{'false' if 'postgresql' in str(db.engine.url) else 0}, '{{}}', '{{}}', "
                    f"'{{}}', '2030-01-07 10:0{pos}:00')"
                )
        with db.engine.begin() as conn:
            for sql in rows:
                if "postgresql" in str(db.engine.url):
                    sql = sql.replace("INSERT INTO user ", 'INSERT INTO "user" ')
                    sql = sql.replace(", 0, '2030-01-01', 0)", ", false, '2030-01-01', 0)")
                    sql = sql.replace("'best', 1, ", "'best', true, ")
                conn.execute(sa.text(sql))
        upgrade()
        starts = db.session.execute(sa.select(QuizStart.assignment_id, QuizStart.started_at)).all()
    assert starts == [(1, T0 + timedelta(minutes=1))]  # 10:01, the first of 10:01 and 10:02


def test_a_worker_grades_the_drafts_at_the_end(app, people, quiz):
    """Starting schedules a task at the end (+2 s); run then, it grades the drafts (the
    lazy path on every read is the guarantee, this only spares the wait)."""
    from grader.services import jobs

    _c, _t, ada, _alan = people
    start = start_quiz(quiz, ada, now=T0)  # 10:00 in 2030: its end is far ahead
    (task,) = app.extensions["huey"].pending()
    assert (task.name, task.args) == ("grader.finalize_quiz", (quiz.id, ada.id))
    assert task.eta == datetime(2030, 1, 7, 10, 20, 2)  # 10:20:02 UTC (huey keeps it naive)
    jobs.run_pending()  # not due: it waits in the schedule, nothing is graded
    assert len(app.extensions["huey"].scheduled()) == 1
    # 30 minutes after the start, the worker runs it
    db.session.execute(sa.update(QuizStart).values(started_at=utcnow() - timedelta(minutes=30)))
    v = get_or_create_variant(quiz.problems[0], ada)
    db.session.add(Draft(variant_id=v.id, raw=dict(draft_form(Z, ["0", "5", "4"]))))
    db.session.commit()
    app.extensions["grader.finalize_quiz"].call_local(quiz.id, ada.id)
    db.session.expire_all()
    assert count(Submission) == 1 and db.session.get(QuizStart, start.id).finalized_at


def test_a_closed_quiz_cannot_be_started(client, people, make_assignment):
    course = people[0]
    closed = make_assignment(
        course,
        [("dense_forward", WORKED, 10)],
        mode="quiz",
        time_limit_minutes=20,
        closes_at=datetime(2026, 1, 5, 12, 0, tzinfo=UTC),
    )
    login(client, "ada@example.edu")
    page = client.get(url(closed, tail="/start")).get_data(as_text=True)
    assert "This quiz closed on 2026-01-05 12:00 UTC; it can no longer be started." in page
    assert "Start quiz</button>" not in page
    r = post(client, url(closed, tail="/start"), follow_redirects=True)
    assert "This quiz closed on 2026-01-05 12:00 UTC; it cannot be started." in r.get_data(
        as_text=True
    )
    assert count(QuizStart) == 0
