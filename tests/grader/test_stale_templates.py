"""Templates stored before the engine checked what it now checks (a pinned value with more
digits than shown, α = 0.1234567, policy weights naming an answer the kind lacks, all-zero
weights) never give a 500. New variants: a 409 'problem_unavailable' and nothing created.
Existing variants keep their stored params and key. Weights of unknown answers never had an
effect, so they are ignored and grading is unchanged; any other refused policy is a 409.
The instructor's template list, preview and regrade name the engine's message."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa

from grader.extensions import db
from grader.models import Job, ProblemTemplate, Submission, Variant
from tests.helpers import TEST_PASSWORD, login, post

WORKED = {"fixed": {"W": [[1, -1], [0, 2], [3, 1]], "x": [1, 2], "b": [0, 1, -1]}}
KEY = {"z": [-1, 5, 4], "y": [0, 5, 4]}  # relu: z = Wx + b = [-1, 5, 4], y = [0, 5, 4]
STALE_CONFIGS = [
    {"activations": ["elu"], "alpha": 0.1234567},
    {"fixed": {"x": [0.00123456789, 1]}},
]


@pytest.fixture
def world(make_user, make_course, enrol, make_assignment):
    teacher = make_user(email="t@example.edu")
    course = make_course("NN-S", instructor=teacher)
    enrol(make_user(email="s@example.edu"), course, "student")
    a = make_assignment(course, [("dense_forward", {**WORKED, "activations": ["relu"]}, 1.0)])
    return course, a, a.problems[0]


def _stale(template_id: int, config=None, policy=None):
    """Write the row as an older release did: straight to the database, no checks."""
    t = db.session.get(ProblemTemplate, template_id)
    if config is not None:
        t.config = config
    if policy is not None:
        t.policy = policy
    db.session.commit()


def _api(client, email):
    r = client.post("/api/v1/tokens", json={"email": email, "password": TEST_PASSWORD})
    return {"Authorization": f"Bearer {r.json['token']}"}


def _count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.mark.parametrize("config", STALE_CONFIGS)
def test_a_stale_config_is_a_409_for_a_new_variant_and_creates_nothing(client, world, config):
    _course, a, ap = world
    _stale(ap.template_id, config=config)
    w = client.application.test_client()
    login(w, "s@example.edu")
    r = w.get(f"/assignments/{a.id}/problems/{ap.id}")
    assert r.status_code == 409
    assert "needs fixing by the instructor" in r.get_data(as_text=True)
    h = _api(client, "s@example.edu")
    url = f"/api/v1/assignments/{a.id}/problems/{ap.id}/submissions"
    r = client.post(url, json={"answers": KEY}, headers=h)
    assert r.status_code == 409 and r.json["error"] == "problem_unavailable", r.json
    assert client.get(f"/api/v1/assignments/{a.id}", headers=h).status_code == 409
    assert _count(Variant) == 0 and _count(Submission) == 0


@pytest.mark.parametrize("config", STALE_CONFIGS)
def test_an_existing_variant_stays_gradeable_with_its_stored_key(client, world, config):
    _course, a, ap = world
    h = _api(client, "s@example.edu")
    assert client.get(f"/api/v1/assignments/{a.id}", headers=h).status_code == 200  # made
    _stale(ap.template_id, config=config)
    url = f"/api/v1/assignments/{a.id}/problems/{ap.id}/submissions"
    r = client.post(url, json={"answers": KEY}, headers=h)
    assert r.status_code == 201 and r.json["score"] == 1.0, r.json
    w = client.application.test_client()
    login(w, "s@example.edu")
    assert w.get(f"/assignments/{a.id}/problems/{ap.id}").status_code == 200


def test_weights_of_an_unknown_answer_are_ignored_with_a_warning(
    client, world, caplog, monkeypatch
):
    _course, a, ap = world
    # Alembic's fileConfig (the test schema is made by migrations) disables existing loggers
    monkeypatch.setattr(logging.getLogger("grader.services.variants"), "disabled", False)
    _stale(ap.template_id, policy={"weights": {"zz": 1, "y": 3}})
    h = _api(client, "s@example.edu")
    url = f"/api/v1/assignments/{a.id}/problems/{ap.id}/submissions"
    with caplog.at_level(logging.WARNING, logger="grader.services.variants"):
        # z right, y wrong: (1·1 + 3·0) / (1 + 3) = 0.25; zz weighs nothing, as it always did
        r = client.post(url, json={"answers": {"z": KEY["z"], "y": [9, 9, 9]}}, headers=h)
    assert r.status_code == 201 and r.json["raw_score"] == 0.25, r.json
    assert "zz" in caplog.text
    w = client.application.test_client()
    login(w, "s@example.edu")
    assert w.get(f"/assignments/{a.id}/problems/{ap.id}").status_code == 200


def test_all_zero_weights_are_a_409_and_no_attempt(client, world):
    _course, a, ap = world
    _stale(ap.template_id, policy={"weights": {"z": 0, "y": 0}})
    h = _api(client, "s@example.edu")
    url = f"/api/v1/assignments/{a.id}/problems/{ap.id}/submissions"
    r = client.post(url, json={"answers": KEY}, headers=h)
    assert r.status_code == 409 and "weights are all 0" in r.json["message"], r.json
    assert _count(Submission) == 0
    w = client.application.test_client()
    login(w, "s@example.edu")
    page = w.get(f"/assignments/{a.id}/problems/{ap.id}")
    assert page.status_code == 200 and "needs fixing" in page.get_data(as_text=True)


def test_the_instructor_sees_the_engines_message_and_regrade_refuses(client, world):
    course, a, ap = world
    h = _api(client, "s@example.edu")
    client.post(
        f"/api/v1/assignments/{a.id}/problems/{ap.id}/submissions", json={"answers": KEY}, headers=h
    )
    _stale(ap.template_id, config=STALE_CONFIGS[0], policy={"weights": {"z": 0, "y": 0}})
    w = client.application.test_client()
    login(w, "t@example.edu")
    listing = w.get(f"/courses/{course.id}/templates").get_data(as_text=True)
    assert "Needs fixing" in listing and "0.1234567" in listing
    preview = w.get(f"/courses/{course.id}/templates/{ap.template_id}")
    assert preview.status_code == 200
    assert "weights are all 0" in preview.get_data(as_text=True)
    url = f"/courses/{course.id}/assignments/{a.id}/regrade"
    r = post(w, url, {"action": "plan"}, follow_redirects=True)
    assert r.status_code == 200 and "Cannot regrade" in r.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0  # none queued
    score = db.session.scalar(sa.select(Submission.score))
    assert score == 1.0
