"""Answer entry (issue 12, item 5): a list typed into the first box is spread across the
boxes; each entry shows how it was read when that differs from what was typed; the same
answer as the previous attempt costs no attempt and says which attempt it repeats."""

import pytest
import sqlalchemy as sa

from grader.extensions import db
from grader.models import Submission
from tests.helpers import TEST_PASSWORD, login, post

WORKED = {
    "fixed": {"W": [[1, -1], [0, 2], [3, 1]], "x": [1, 2], "b": [0, 1, -1], "activation": "relu"}
}


@pytest.fixture
def problem(make_course, make_user, enrol, make_assignment):
    course = make_course("NN-E")
    enrol(make_user(email="e@example.edu"), course)
    a = make_assignment(course, [("dense_forward", WORKED)], max_attempts=3)
    return a, a.problems[0]


def _attempts() -> list[int]:
    db.session.expire_all()
    return [s.attempt for s in db.session.scalars(sa.select(Submission).order_by(Submission.id))]


def test_a_list_in_the_first_box_is_spread_and_entries_say_how_they_were_read(client, problem):
    a, ap = problem
    url = f"/assignments/{a.id}/problems/{ap.id}"
    login(client, "e@example.edu")
    client.get(url)
    # z pasted as a list into its first box; y typed entry by entry, one as a fraction
    form = {"ans-z-0": "[-1, 5, 4]", "ans-y-0": "0", "ans-y-1": "10/2", "ans-y-2": "4"}
    r = post(client, url, form)
    assert r.status_code == 302
    page = client.get(url).get_data(as_text=True)
    for name, value in (("ans-z-0", "-1"), ("ans-z-1", "5"), ("ans-z-2", "4")):
        assert f'name="{name}" value="{value}"' in page, name
    assert page.count("read as") == 1 and "read as 5" in page  # 10/2 → 5; the rest as typed
    assert "Attempt 1: score 100 %" in page


def test_the_same_answer_again_costs_no_attempt(client, problem):
    a, ap = problem
    url = f"/assignments/{a.id}/problems/{ap.id}"
    login(client, "e@example.edu")
    client.get(url)
    wrong = {"ans-z-0": "-1", "ans-z-1": "5", "ans-z-2": "4"}
    wrong |= {"ans-y-0": "-1", "ans-y-1": "5", "ans-y-2": "4"}
    post(client, url, wrong)
    # the same numbers typed differently ("5.0", "8/2") are the same answer
    again = wrong | {"ans-y-1": "5.0", "ans-y-2": "8/2"}
    r = post(client, url, again, follow_redirects=True)
    body = r.get_data(as_text=True)
    assert "The same answer as attempt 1: no attempt was used." in body
    assert _attempts() == [1]
    assert "2 attempts left" in body
    # a changed entry is a new attempt
    post(client, url, wrong | {"ans-y-0": "0"})
    assert _attempts() == [1, 2]


def test_the_api_answers_200_with_the_attempt_it_repeats(client, problem):
    a, ap = problem
    token = client.post(
        "/api/v1/tokens", json={"email": "e@example.edu", "password": TEST_PASSWORD}
    ).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/assignments/{a.id}/problems/{ap.id}/submissions"
    answers = {"z": [-1, 5, 4], "y": [-1, 5, 4]}
    first = client.post(url, json={"answers": answers}, headers=headers)
    assert first.status_code == 201 and first.json["attempts_left"] == 2
    same = client.post(url, json={"answers": {"z": "[-1, 5, 4]", "y": "-1 5 4"}}, headers=headers)
    assert same.status_code == 200
    assert same.json["same_as_attempt"] == 1 and same.json["id"] == first.json["id"]
    assert same.json["attempts_left"] == 2
    assert _attempts() == [1]
