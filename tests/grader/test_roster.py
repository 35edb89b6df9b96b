"""Roster import from CSV: all or nothing, every bad row with its line number."""

import io

import sqlalchemy as sa

from grader.extensions import db
from grader.models import Enrollment, User
from tests.helpers import login, post

GOOD = """email,name,role,section
alice@example.edu,Alice Adams,student,A
bob@example.edu,Bob Brown,,B
carol@example.edu,Carol Chen,ta,
"""


def upload(client, course, text, name="roster.csv"):
    data = {"file": (io.BytesIO(text.encode("utf-8")), name)}
    return post(
        client, f"/courses/{course.id}/roster/import", data, content_type="multipart/form-data"
    )


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_good_file(client, make_user, make_course):
    teacher = make_user(email="t@example.edu")
    course = make_course(instructor=teacher)
    make_user(email="bob@example.edu", name="Bob Brown")  # exists already: enrolled, not re-created
    login(client, "t@example.edu")
    r = upload(client, course, "\ufeff" + GOOD)  # Excel's BOM is fine
    assert r.status_code == 200
    body = r.get_data(as_text=True)
    assert "2 new accounts" in body and "3 newly enrolled" in body
    assert "alice@example.edu" in body and "carol@example.edu" in body  # initial passwords shown
    rows = db.session.execute(
        sa.select(User.email, Enrollment.role, Enrollment.section)
        .join(Enrollment)
        .where(Enrollment.course_id == course.id)
        .order_by(User.email)
    ).all()
    assert rows == [
        ("alice@example.edu", "student", "A"),
        ("bob@example.edu", "student", "B"),
        ("carol@example.edu", "ta", ""),
        ("t@example.edu", "instructor", ""),
    ]
    # importing again with a changed section updates, and reports it
    r = upload(client, course, GOOD.replace("Bob Brown,,B", "Bob Brown,,C"))
    assert "1 with a new role or section" in r.get_data(as_text=True)


def test_bad_rows_are_all_reported_and_nothing_is_imported(client, make_user, make_course):
    teacher = make_user(email="t@example.edu")
    course = make_course(instructor=teacher)
    login(client, "t@example.edu")
    users_before, enrolments_before = count(User), count(Enrollment)
    text = (
        "email,name,role,section\n"
        "alice@example.edu,Alice Adams,student,A\n"  # line 2: fine
        "not-an-email,Bob,student,A\n"  # line 3
        "carol@example.edu,Carol,professor,A\n"  # line 4
        "ALICE@example.edu,Alice Again,student,B\n"  # line 5: duplicate of line 2
        "dave@example.edu,,student,A\n"  # line 6: new account needs a name
    )
    r = upload(client, course, text)
    assert r.status_code == 400
    body = r.get_data(as_text=True)
    assert "Nothing was imported: 4 problems." in body
    assert "Line 3: &#39;not-an-email&#39; is not an email address" in body
    assert "Line 4: role &#39;professor&#39; is not one of instructor, ta, student" in body
    assert "Line 5: alice@example.edu is listed twice (also on line 2)" in body
    assert "Line 6: dave@example.edu has no account yet, so a name is needed" in body
    assert (count(User), count(Enrollment)) == (users_before, enrolments_before)


def test_bad_files(client, make_user, make_course):
    teacher = make_user(email="t@example.edu")
    course = make_course(instructor=teacher)
    login(client, "t@example.edu")
    r = upload(client, course, "mail,fullname\nx@example.edu,X\n")
    assert r.status_code == 400 and "Line 1: the header lacks email, name" in r.get_data(
        as_text=True
    )
    r = upload(client, course, "")
    assert r.status_code == 400 and "the file is empty" in r.get_data(as_text=True)
    r = upload(client, course, "email,name\n")
    assert r.status_code == 400 and "has a header but no rows" in r.get_data(as_text=True)
    data = {"file": (io.BytesIO("email,name\nx@example.edu,Jos\xe9\n".encode("latin-1")), "r.csv")}
    r = post(
        client, f"/courses/{course.id}/roster/import", data, content_type="multipart/form-data"
    )
    assert r.status_code == 400 and "not UTF-8" in r.get_data(as_text=True)
    r = post(client, f"/courses/{course.id}/roster/import", {}, content_type="multipart/form-data")
    assert r.status_code == 400 and "Choose a CSV file." in r.get_data(as_text=True)
    assert count(Enrollment) == 1


def test_instructor_cannot_demote_themself(client, make_user, make_course):
    teacher = make_user(email="t@example.edu")
    course = make_course(instructor=teacher)
    login(client, "t@example.edu")
    r = upload(client, course, "email,name,role\nt@example.edu,T,student\n")
    assert r.status_code == 400 and "cannot change your own role" in r.get_data(as_text=True)
