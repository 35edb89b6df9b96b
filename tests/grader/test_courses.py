"""Courses: my courses, course home, roles, creating courses, enrolling one person."""

import sqlalchemy as sa

from grader.extensions import db
from grader.models import Course, Enrollment, User
from tests.helpers import login, post


def test_my_courses_lists_only_mine(client, make_user, make_course, enrol):
    me = make_user(email="me@example.edu")
    mine = make_course("NN-A", "Mine")
    make_course("NN-B", "Not mine")
    enrol(me, mine, "student")
    login(client, "me@example.edu")
    body = client.get("/?all=1").get_data(as_text=True)
    assert "NN-A" in body and "NN-B" not in body
    # with one course, the home page is that course's page
    r = client.get("/")
    assert r.status_code == 302 and r.headers["Location"] == f"/courses/{mine.id}"


def test_roster_visible_to_staff_only(client, make_user, make_course, enrol):
    teacher = make_user(email="t@example.edu")
    course = make_course(instructor=teacher)
    ta = make_user(email="ta@example.edu")
    student = make_user(email="s@example.edu", name="Sam Student")
    enrol(ta, course, "ta")
    enrol(student, course, "student", "B")
    enrol(make_user(email="o@example.edu", name="Olga Other"), course, "student", "A")
    for email, sees_roster, sees_enrol in (
        ("t@example.edu", True, True),
        ("ta@example.edu", True, False),
        ("s@example.edu", False, False),
    ):
        c = client.application.test_client()
        login(c, email)
        r = c.get(f"/courses/{course.id}")
        assert r.status_code == 200
        body = r.get_data(as_text=True)
        assert ("Olga Other" in body) is sees_roster, email
        assert ("Enrol someone" in body) is sees_enrol, email


def test_outsider_gets_403_and_missing_course_404(client, make_user, make_course):
    course = make_course()
    make_user(email="out@example.edu")
    login(client, "out@example.edu")
    assert client.get(f"/courses/{course.id}").status_code == 403
    assert client.get("/courses/9999").status_code == 404
    assert client.get(f"/courses/{course.id}/roster/import").status_code == 403
    r = post(
        client,
        f"/courses/{course.id}/enrol",
        {"email": "x@example.edu", "name": "X", "role": "student"},
    )
    assert r.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 2


def test_ta_and_student_cannot_enrol(client, make_user, make_course, enrol):
    course = make_course()
    for role in ("ta", "student"):
        u = make_user(email=f"{role}@example.edu")
        enrol(u, course, role)
        c = client.application.test_client()
        login(c, u.email)
        r = post(
            c,
            f"/courses/{course.id}/enrol",
            {"email": "x@example.edu", "name": "X", "role": "student"},
        )
        assert r.status_code == 403


def test_instructor_enrols_a_new_person(client, make_user, make_course):
    teacher = make_user(email="t@example.edu")
    course = make_course(instructor=teacher)
    login(client, "t@example.edu")
    r = post(
        client,
        f"/courses/{course.id}/enrol",
        {"email": "New@Example.edu", "name": "New Person", "role": "ta", "section": "A"},
    )
    assert r.status_code == 200
    body = r.get_data(as_text=True)
    assert "1 new account" in body and "Initial passwords" in body
    e = db.session.scalar(sa.select(Enrollment).join(User).where(User.email == "new@example.edu"))
    assert (e.role, e.section, e.course_id) == ("ta", "A", course.id)
    r = post(
        client,
        f"/courses/{course.id}/enrol",
        {"email": "not-an-email", "name": "", "role": "student"},
    )
    assert r.status_code == 400 and "is not an email address" in r.get_data(as_text=True)


def test_create_course_by_instructors_only(client, make_user, make_course):
    teacher = make_user(email="t@example.edu")
    make_course("NN-A", instructor=teacher)
    make_user(email="s@example.edu")
    c = client.application.test_client()
    login(c, "s@example.edu")
    assert c.get("/courses/new").status_code == 403
    login(client, "t@example.edu")
    r = post(client, "/courses/new", {"code": "NN-A", "title": "Again"})
    assert r.status_code == 400 and "The course code NN-A is taken." in r.get_data(as_text=True)
    r = post(client, "/courses/new", {"code": "bad code!", "title": "X"})
    assert r.status_code == 400
    r = post(client, "/courses/new", {"code": "NN-W4", "title": "Week 4"})
    assert r.status_code == 302
    course = db.session.scalar(sa.select(Course).where(Course.code == "NN-W4"))
    assert [(e.user.email, e.role) for e in course.enrollments] == [("t@example.edu", "instructor")]


def test_admin_acts_as_instructor_everywhere(client, make_user, make_course):
    course = make_course("NN-A")
    make_user(email="admin@example.edu", admin=True)
    login(client, "admin@example.edu")
    assert "NN-A" in client.get("/").get_data(as_text=True)
    assert "Enrol someone" in client.get(f"/courses/{course.id}").get_data(as_text=True)
