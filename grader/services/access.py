"""Who may see what: roles per course, checked on every route, and the objects of a course
as seen from it. Refusals are domain errors (``services.errors``): NotFound for what does
not exist or is not this course's, Forbidden for a role that may not act."""

from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..models import STAFF_ROLES, Assignment, Course, Enrollment, ProblemTemplate, User
from .errors import Forbidden, NotFound


def role_in(user: User, course_id: int) -> str | None:
    """The user's role in the course ('instructor', 'ta', 'student') or None."""
    return db.session.scalar(
        sa.select(Enrollment.role).where(
            Enrollment.user_id == user.id, Enrollment.course_id == course_id
        )
    )


def course_for(user: User, course_id: int, *roles: str) -> tuple[Course, str]:
    """The course and the user's role in it; NotFound if there is no such course, Forbidden
    if the user is not enrolled with one of ``roles`` (any role if none given). Admins act
    as instructors everywhere."""
    course = db.session.get(Course, course_id)
    if course is None:
        raise NotFound()
    role = "instructor" if user.is_admin else role_in(user, course_id)
    if role is None or (roles and role not in roles):
        raise Forbidden()
    return course, role


def my_courses(user: User) -> list[tuple[Course, str]]:
    """The courses the user may open, by code, with their role in each: their enrolments,
    and for an admin every other course too, with the role "admin" (an admin may act in
    any course, so both the web list and the API list show them all)."""
    rows = [
        (c, role)
        for c, role in db.session.execute(
            sa.select(Course, Enrollment.role)
            .join(Enrollment)
            .where(Enrollment.user_id == user.id)
            .order_by(Course.code)
        )
    ]
    if user.is_admin:
        mine = {c.id for c, _ in rows}
        rows += [
            (c, "admin")
            for c in db.session.scalars(sa.select(Course).order_by(Course.code))
            if c.id not in mine
        ]
        rows.sort(key=lambda row: row[0].code)
    return rows


def is_staff(role: str | None) -> bool:
    return role in STAFF_ROLES


def can_create_courses(user: User) -> bool:
    """Admins, and anyone who teaches a course already, may open new courses."""
    if user.is_admin:
        return True
    return (
        db.session.scalar(
            sa.select(Enrollment.id)
            .where(Enrollment.user_id == user.id, Enrollment.role == "instructor")
            .limit(1)
        )
        is not None
    )


def student_in(course_id: int, user_id: int) -> Enrollment:
    """The student's enrolment in the course; NotFound if they are not a student of it."""
    e = db.session.scalar(
        sa.select(Enrollment).where(
            Enrollment.course_id == course_id,
            Enrollment.user_id == user_id,
            Enrollment.role == "student",
        )
    )
    if e is None:
        raise NotFound()
    return e


def template_in(course_id: int, template_id: int) -> ProblemTemplate:
    """A course template or a library one, as seen from this course; NotFound otherwise
    (another course's template is not this course's to know of)."""
    t = db.session.get(ProblemTemplate, template_id)
    if t is None or t.course_id not in (None, course_id):
        raise NotFound()
    return t


def assignment_in(course_id: int, assignment_id: int) -> Assignment:
    """An assignment of this course; NotFound otherwise."""
    a = db.session.get(Assignment, assignment_id)
    if a is None or a.course_id != course_id:
        raise NotFound()
    return a
