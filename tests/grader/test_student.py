"""The student's loop through the pages: variant on first view, grading, feedback,
attempts, format errors, solution release, practice and quiz modes, privacy."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from grader.extensions import db
from grader.models import QuizStart, Submission, Variant, utcnow
from grader.services.variants import derive_seed
from tests.helpers import login, post

WORKED = {
    "fixed": {"W": [[1, -1], [0, 2], [3, 1]], "x": [1, 2], "b": [0, 1, -1], "activation": "relu"}
}


@pytest.fixture
def course(make_course, make_user, enrol):
    course = make_course("NN-W3")
    for i in (1, 2):
        enrol(make_user(email=f"s{i}@example.edu", name=f"Student {i}"), course, "student")
    return course


def problem_url(a, i=0):
    return f"/assignments/{a.id}/problems/{a.problems[i].id}"


def answer(client, a, z, y, i=0):
    data = {f"ans-z-{k}": v for k, v in enumerate(z)} | {f"ans-y-{k}": v for k, v in enumerate(y)}
    return post(client, problem_url(a, i), data)


def test_worked_example_loop(client, course, make_assignment):
    a = make_assignment(
        course, [("dense_forward", WORKED, 10)], max_attempts=3, solution_release="after_correct"
    )
    login(client, "s1@example.edu")
    page = client.get(problem_url(a))
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "<math" in body and "f = ReLU" in body
    assert "Round to 3 decimals or give 4 significant figures" in body
    assert "3 left" in body and "Worked solution" not in body
    # the variant was created on first view, with the lecture's numbers and key
    v = db.session.scalar(sa.select(Variant))
    assert v.answers == {"z": [-1.0, 5.0, 4.0], "y": [0.0, 5.0, 4.0]}
    assert v.seed == derive_seed(a.problems[0].id, v.user_id)

    # wrong: no activation → tagged, 1 attempt used, z right and y 2 of 3
    r = answer(client, a, ["-1", "5", "4"], ["-1", "5", "4"])
    assert r.status_code == 302
    body = client.get(problem_url(a)).get_data(as_text=True)
    assert "Attempt 1: score 83 %" in body  # (1 + 2/3) / 2
    assert "You added the bias but did not apply ReLU" in body
    assert "2 attempts left." in body and "Worked solution" not in body
    sub = db.session.scalar(sa.select(Submission))
    assert sub.misconceptions == ["no_activation"] and sub.raw["y"] == ["-1", "5", "4"]

    # format error: no attempt used, message next to the entry
    r = answer(client, a, ["-1", "5", "4"], ["0", "five", "4"])
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert "y₂: could not read &#39;five&#39; as a number" in body and "no attempt was used" in body
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Submission)) == 1

    # right: full score, solution with the plot
    r = answer(client, a, ["-1", "5", "4"], ["0", "5", "4.0004"])
    body = client.get(problem_url(a)).get_data(as_text=True)
    assert "Attempt 2: score 100 %" in body and "All correct." in body
    assert "Worked solution" in body and "Multiply Wx" in body and "Wx = [-1, 4, 5]" in body
    plot = client.get(problem_url(a) + "/plot.svg")
    assert plot.status_code == 200 and plot.mimetype == "image/svg+xml" and b"<svg" in plot.data


def test_revisit_shows_the_same_numbers_and_students_differ(client, course, make_assignment):
    a = make_assignment(course, [("dense_forward", {}, 1)])
    login(client, "s1@example.edu")
    first = client.get(problem_url(a)).get_data(as_text=True)
    again = client.get(problem_url(a)).get_data(as_text=True)
    other = client.application.test_client()
    login(other, "s2@example.edu")
    other.get(problem_url(a))
    variants = db.session.scalars(sa.select(Variant).order_by(Variant.user_id)).all()
    assert len(variants) == 2 and variants[0].params != variants[1].params
    prompt = [line for line in first.splitlines() if "A dense layer has" in line]
    assert prompt and prompt[0] in again


def test_thirty_students_get_distinct_dense_layers(app, make_course, make_user, make_assignment):
    from grader.services.variants import get_or_create_variant

    course = make_course()
    a = make_assignment(course, [("dense_forward", {}, 1)])
    params = set()
    for _ in range(30):
        v = get_or_create_variant(a.problems[0], make_user(password=None))
        params.add(repr(v.params))
    assert len(params) >= 27  # at least 90 % distinct


def test_attempts_run_out(client, course, make_assignment):
    a = make_assignment(
        course, [("dense_forward", WORKED, 1)], max_attempts=2, solution_release="after_attempts"
    )
    login(client, "s1@example.edu")
    client.get(problem_url(a))
    for y in ("0", "1"):  # two different wrong answers (the same one again would be free)
        assert answer(client, a, ["0", "0", "0"], [y, "0", "0"]).status_code == 302
    r = answer(client, a, ["-1", "5", "4"], ["0", "5", "4"])
    assert r.status_code == 409
    assert "You have used all 2 attempts on this problem." in r.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Submission)) == 2
    assert "Worked solution" in client.get(problem_url(a)).get_data(as_text=True)


@pytest.mark.parametrize(
    ("release", "shown"), [("never", False), ("after_due", True), ("after_correct", False)]
)
def test_solution_release_policies(client, course, make_assignment, release, shown):
    a = make_assignment(
        course,
        [("dense_forward", WORKED, 1)],
        solution_release=release,
        due_at=utcnow() - timedelta(hours=1),
    )
    login(client, "s1@example.edu")
    assert ("Worked solution" in client.get(problem_url(a)).get_data(as_text=True)) is shown
    assert (client.get(problem_url(a) + "/plot.svg").status_code == 200) is shown


def test_late_penalty_and_retry_penalty(client, course, make_assignment):
    a = make_assignment(
        course,
        [("dense_forward", WORKED, 1)],
        due_at=utcnow() - timedelta(hours=1),
        late_penalty=0.25,
        retry_penalty=0.1,
    )
    login(client, "s1@example.edu")
    client.get(problem_url(a))
    answer(client, a, ["0", "0", "0"], ["0", "0", "0"])
    answer(client, a, ["-1", "5", "4"], ["0", "5", "4"])
    subs = db.session.scalars(sa.select(Submission).order_by(Submission.attempt)).all()
    assert [s.late for s in subs] == [True, True]
    assert subs[1].raw_score == 1.0
    assert subs[1].score == pytest.approx(1.0 * 0.75 * 0.9)  # late 25 %, second attempt 10 %


def test_closed_and_not_yet_open(client, course, make_assignment):
    closed = make_assignment(
        course, [("dense_forward", WORKED, 1)], closes_at=utcnow() - timedelta(minutes=1)
    )
    later = make_assignment(
        course, [("dense_forward", WORKED, 1)], opens_at=utcnow() + timedelta(days=1)
    )
    login(client, "s1@example.edu")
    r = answer(client, closed, ["-1", "5", "4"], ["0", "5", "4"])
    assert r.status_code == 409 and "This assignment closed on" in r.get_data(as_text=True)
    assert client.get(problem_url(later)).status_code == 403


def test_practice_new_variant_keeps_the_old_one(client, course, make_assignment):
    a = make_assignment(course, [("dense_forward", {}, 1)], mode="practice")
    login(client, "s1@example.edu")
    client.get(problem_url(a))
    assert post(client, problem_url(a) + "/new-variant").status_code == 302
    numbers = db.session.execute(
        sa.select(Variant.number, Variant.seed).order_by(Variant.number)
    ).all()
    assert [n for n, _ in numbers] == [1, 2] and numbers[0][1] != numbers[1][1]
    homework = make_assignment(course, [("dense_forward", {}, 1)])
    assert post(client, problem_url(homework) + "/new-variant").status_code == 403


def test_quiz_time_limit(client, course, make_assignment):
    a = make_assignment(course, [("dense_forward", WORKED, 1)], mode="quiz", time_limit_minutes=10)
    login(client, "s1@example.edu")
    # looking is not starting: the problem sends the student to the start page
    r = client.get(problem_url(a))
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/assignments/{a.id}/start")
    assert post(client, f"/assignments/{a.id}/start").status_code == 302
    body = client.get(problem_url(a)).get_data(as_text=True)
    assert 'Time left: <span id="quiz-left">10 min 00 s</span>' in body
    assert answer(client, a, ["-1", "5", "4"], ["0", "5", "4"]).status_code == 302
    # the start was 11 minutes ago: time is up
    db.session.execute(sa.update(QuizStart).values(started_at=utcnow() - timedelta(minutes=11)))
    db.session.commit()
    r = answer(client, a, ["-1", "5", "4"], ["0", "5", "4"])
    assert r.status_code == 409 and "This quiz is over" in r.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Submission)) == 1


def test_other_students_and_outsiders(client, course, make_assignment, make_user, make_course):
    a = make_assignment(course, [("dense_forward", WORKED, 1)])
    hidden = make_assignment(course, [("dense_forward", WORKED, 1)], published=False)
    make_user(email="out@example.edu")
    login(client, "out@example.edu")
    assert client.get(problem_url(a)).status_code == 403
    other = client.application.test_client()
    login(other, "s2@example.edu")
    assert other.get(problem_url(hidden)).status_code == 404
    assert other.get(f"/assignments/{a.id}/problems/99999").status_code == 404


def test_pasted_list_and_radio_answers(client, course, make_assignment):
    a = make_assignment(
        course,
        [
            ("dense_forward", WORKED, 1),
            (
                "shape_check",
                {"fixed": {"a_shape": [1, 2], "b_shape": [3, 2], "product": "x·W (x a row)"}},
                1,
            ),
        ],
    )
    login(client, "s1@example.edu")
    client.get(problem_url(a))
    r = post(client, problem_url(a), {"ans-z-0": "[-1, 5, 4]", "ans-y-0": "[0, 5, 4]"})
    assert r.status_code == 302
    assert db.session.scalar(sa.select(Submission.raw_score)) == 1.0
    client.get(problem_url(a, 1))
    r = post(client, problem_url(a, 1), {"ans-valid": "false", "ans-shape": "none"})
    assert r.status_code == 302
    scores = db.session.scalars(sa.select(Submission.raw_score).order_by(Submission.id)).all()
    assert scores == [1.0, 1.0]


def test_course_home_lists_my_assignments(client, course, make_assignment):
    a = make_assignment(course, [("dense_forward", WORKED, 10)], title="Homework 3")
    make_assignment(course, [("dense_forward", WORKED, 1)], title="Draft", published=False)
    login(client, "s1@example.edu")
    client.get(problem_url(a))
    answer(client, a, ["-1", "5", "4"], ["0", "5", "4"])
    body = client.get(f"/courses/{course.id}").get_data(as_text=True)
    assert "Homework 3" in body and "Draft" not in body
    assert "10.00 / 10" in body and "done" in body


def test_a_pinned_practice_problem_offers_no_new_variant(
    client, make_course, make_user, enrol, make_assignment
):
    """Issue 12, item 3: "New variant (new numbers)" only where the numbers can change."""
    course = make_course("NN-PIN")
    enrol(make_user(email="p@example.edu"), course)
    pinned = {
        "fixed": {
            "W": [[1, -1], [0, 2], [3, 1]],
            "x": [1, 2],
            "b": [0, 1, -1],
            "activation": "relu",
        }
    }
    a = make_assignment(
        course, [("dense_forward", pinned), ("dense_forward", {"m": 2, "n": 2})], mode="practice"
    )
    fixed, drawn = a.problems
    login(client, "p@example.edu")
    page = client.get(f"/assignments/{a.id}/problems/{fixed.id}").get_data(as_text=True)
    assert "New variant" not in page and "fixed numbers (a lecture example)" in page
    r = post(client, f"/assignments/{a.id}/problems/{fixed.id}/new-variant", follow_redirects=True)
    assert "there is no new variant" in r.get_data(as_text=True)
    assert "Here is a new variant with new numbers" not in r.get_data(as_text=True)
    count = sa.select(sa.func.count()).select_from(Variant)
    assert db.session.scalar(count.where(Variant.assignment_problem_id == fixed.id)) == 1

    page = client.get(f"/assignments/{a.id}/problems/{drawn.id}").get_data(as_text=True)
    assert "New variant (new numbers)" in page
    first = db.session.scalar(sa.select(Variant).where(Variant.assignment_problem_id == drawn.id))
    old_params = dict(first.params)
    r = post(client, f"/assignments/{a.id}/problems/{drawn.id}/new-variant", follow_redirects=True)
    assert "Here is a new variant with new numbers" in r.get_data(as_text=True)
    newest = db.session.scalar(
        sa.select(Variant)
        .where(Variant.assignment_problem_id == drawn.id)
        .order_by(Variant.number.desc())
    )
    assert newest.number == 2 and newest.params != old_params
