"""Objects of another course cannot be reached through a course's URLs (issue 9, item 19).

Two courses, A and B, each with an instructor, a student, a template, an assignment and a
problem; B's student has a submission. As A's instructor, every route of the app that takes
a user, assignment, problem or template id (found by walking ``app.url_map``, so a new route
is covered the day it is added) is requested with course A's ids except one, which is B's:
each method must answer 403 or 404 and write nothing. Ids that come in a form (the student
of an extension or a preview, the template added to an assignment) are checked the same way.
"""

import pytest
import sqlalchemy as sa

from grader.extensions import db
from grader.models import (
    AssignmentProblem,
    Extension,
    ProblemTemplate,
    ScoreOverride,
)
from grader.services import jobs
from grader.services.submissions import submit
from grader.services.variants import get_or_create_variant
from tests.helpers import TEST_PASSWORD, csrf_token, login, post

WORKED = {
    "fixed": {"W": [[1, -1], [0, 2], [3, 1]], "x": [1, 2], "b": [0, 1, -1], "activation": "relu"}
}
RIGHT = {"z": [-1, 5, 4], "y": [0, 5, 4]}
# Path arguments naming an object that must belong to the course in the URL.
OBJECT_IDS = ("user_id", "assignment_id", "problem_id", "template_id", "name", "job_id")
# Data that would pass every form and endpoint, so that only the ownership check can stop it.
FORM = {"score": "0.5", "reason": "matrix", "points": "1", "excused": "y", "title": "T"}
JSON = {"answers": RIGHT, "title": "T", "problems": [{"template": "x", "points": 1}]}


@pytest.fixture
def courses(make_user, make_course, enrol, make_assignment):
    ia, ib = make_user(email="ia@example.edu"), make_user(email="ib@example.edu")
    course_a, course_b = make_course("NN-A", instructor=ia), make_course("NN-B", instructor=ib)
    sa_, sb = make_user(email="sa@example.edu"), make_user(email="sb@example.edu")
    enrol(sa_, course_a)
    enrol(sb, course_b)
    enrol(make_user(email="ta@example.edu"), course_a, role="ta")
    make_user(email="admin@example.edu", admin=True)
    aa = make_assignment(course_a, [("dense_forward", WORKED, 10)])
    ab = make_assignment(course_b, [("dense_forward", WORKED, 10)])
    submit(ab.problems[0], sb, RIGHT)
    # a finished long CSV in each course (a page and a file), and a queued job in B
    job_a, _ = jobs.start("export_long", course_a, ia)
    job_b, _ = jobs.start("export_long", course_b, ib)
    jobs.run_pending()
    queued_b, _ = jobs.start("regrade_plan", course_b, ib, ab)
    own = {
        "job_id": job_a.id,
        "course_id": course_a.id,
        "user_id": sa_.id,
        "assignment_id": aa.id,
        "problem_id": aa.problems[0].id,
        "template_id": aa.problems[0].template_id,
        "name": "problems",
        "action": "points",
        "ext": "csv",
    }
    foreign = {
        "job_id": queued_b.id,  # its page, file and cancel form are B's
        "user_id": sb.id,
        "assignment_id": ab.id,
        "problem_id": ab.problems[0].id,
        "template_id": ab.problems[0].template_id,
        "name": f"hist-{ab.problems[0].id}",  # a problem id inside the table's name
    }
    return own, foreign, {"a": course_a, "b": course_b, "sa": sa_, "sb": sb, "aa": aa, "ab": ab}


def row_counts() -> dict[str, int]:
    db.session.expire_all()
    return {
        t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t))
        for t in db.metadata.sorted_tables
    }


def request(client, headers, url, method):
    if url.startswith("/api/"):
        return client.open(url, method=method, headers=headers, json=JSON)
    if method == "GET":
        return client.get(url)
    return client.open(url, method=method, data={**FORM, "csrf_token": csrf_token(client)})


# Who asks: course A's instructor, TA and student, an admin (who may see every course, but
# still not B's objects through A's URLs), and nobody (sent to log in, or 401 on the API).
IDENTITIES = {
    "ia@example.edu": (403, 404),
    "ta@example.edu": (403, 404),
    "sa@example.edu": (403, 404),
    "admin@example.edu": (403, 404),
    None: (302, 401, 403, 404),
}


@pytest.mark.parametrize("who", list(IDENTITIES), ids=lambda w: (w or "anonymous").split("@")[0])
def test_no_route_reaches_another_courses_objects(app, client, courses, who):
    own, foreign, _ = courses
    api = app.test_client()
    bearer = {}
    if who:
        login(client, who)
        r = api.post("/api/v1/tokens", json={"email": who, "password": TEST_PASSWORD})
        bearer = {"Authorization": f"Bearer {r.json['token']}"}
    tried: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if who == "admin@example.edu" and "course_id" not in rule.arguments:
            continue  # an admin may open any course's assignment by its own URL
        for arg in sorted(set(rule.arguments) & set(OBJECT_IDS)):
            values = {k: own[k] for k in rule.arguments} | {arg: foreign[arg]}
            url = rule.build(values, append_unknown=False)[1]
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                before = row_counts()
                r = request(client if not url.startswith("/api/") else api, bearer, url, method)
                assert r.status_code in IDENTITIES[who], (who, method, url, arg, r.status_code)
                assert row_counts() == before, (method, url, arg)
                tried.setdefault(rule.endpoint, set()).add(arg)
    # every route that names a user was tried with a user of the other course
    by_user = {r.endpoint for r in app.url_map.iter_rules() if "user_id" in r.arguments}
    assert by_user == {
        "instructor.student_grades",
        "instructor.override_score",
        "stats.student",
        "stats.student_table",
    }
    assert all("user_id" in tried[e] for e in by_user)
    assert len(tried) >= (17 if who == "admin@example.edu" else 25)


def test_override_for_someone_not_in_the_course_is_404(client, courses):
    own, foreign, objs = courses
    login(client, "ia@example.edu")
    base = f"/courses/{own['course_id']}/gradebook/students"
    data = {"points": "0.5", "reason": "regrade by hand"}
    r = post(client, f"{base}/{foreign['user_id']}/problems/{own['problem_id']}/override", data)
    assert r.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ScoreOverride)) == 0
    # the course's own student: saved (the check above can fail)
    r = post(client, f"{base}/{own['user_id']}/problems/{own['problem_id']}/override", data)
    assert r.status_code == 302
    assert db.session.scalars(sa.select(ScoreOverride.user_id)).all() == [objs["sa"].id]


def test_ids_in_forms_must_belong_to_the_course(client, courses):
    own, foreign, objs = courses
    login(client, "ia@example.edu")
    course, assignment = own["course_id"], own["assignment_id"]
    # an extension for B's student through A's assignment: refused, nothing written
    r = post(
        client,
        f"/courses/{course}/assignments/{assignment}/extensions",
        {"student_id": str(foreign["user_id"]), "excused": "y"},
    )
    assert r.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Extension)) == 0
    # B's template added to A's assignment: refused, nothing written
    post(
        client,
        f"/courses/{course}/assignments/{assignment}/problems",
        {"template_id": str(foreign["template_id"]), "points": "1"},
    )
    db.session.expire_all()
    assert db.session.scalars(
        sa.select(AssignmentProblem.template_id).where(
            AssignmentProblem.assignment_id == assignment
        )
    ).all() == [own["template_id"]]


def test_preview_as_a_student_of_another_course_shows_no_variant(client, courses):
    """A library template used by both courses: previewing it "as student" with B's student
    must not show that student's numbers to A's instructor."""
    own, foreign, objs = courses
    shared = ProblemTemplate(course_id=None, kind="activation", title="Shared", config={})
    for a in (objs["aa"], objs["ab"]):
        a.problems.append(AssignmentProblem(position=2, points=1, template=shared))
    db.session.commit()
    theirs = get_or_create_variant(objs["ab"].problems[1], objs["sb"])
    mine = get_or_create_variant(objs["aa"].problems[1], objs["sa"])
    login(client, "ia@example.edu")
    url = f"/courses/{own['course_id']}/templates/{shared.id}"
    page = client.get(f"{url}?student_id={foreign['user_id']}").get_data(as_text=True)
    assert "stored variant of the student" not in page and f"{theirs.seed}" not in page
    page = client.get(f"{url}?student_id={own['user_id']}").get_data(as_text=True)
    assert "stored variant of the student" in page and f"{mine.seed}" in page
