"""Who may see what: roles per course, checked on every route."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort

from ..extensions import db
from ..models import STAFF_ROLES, Course, Enrollment, User


def role_in(user: User, course_id: int) -> str | None:
    """The user's role in the course ('instructor', 'ta', 'student') or None."""
    return db.session.scalar(
        sa.select(Enrollment.role).where(
            Enrollment.user_id == user.id, Enrollment.course_id == course_id
        )
    )


def course_for(user: User, course_id: int, *roles: str) -> tuple[Course, str]:
    """The course and the user's role in it; 404 if there is no such course, 403 if the
    user is not enrolled with one of ``roles`` (any role if none given). Admins act as
    instructors everywhere."""
    course = db.session.get(Course, course_id)
    if course is None:
        abort(404)
    role = "instructor" if user.is_admin else role_in(user, course_id)
    if role is None or (roles and role not in roles):
        abort(403)
    return course, role


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
    """The student's enrolment in the course; 404 if they are not a student of it."""
    e = db.session.scalar(
        sa.select(Enrollment).where(
            Enrollment.course_id == course_id,
            Enrollment.user_id == user_id,
            Enrollment.role == "student",
        )
    )
    if e is None:
        abort(404)
    return e
