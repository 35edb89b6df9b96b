"""What instructors make: problem templates (their course's, and the shared library seen
from it) and assignments (settings, problem list, publishing, extensions). Each function
owns its transaction: it commits what it did, or raises a domain error (``errors``) before
anything is written. The pages in ``grader.instructor`` are thin routes over these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from ..models import (
    Assignment,
    AssignmentProblem,
    Course,
    Enrollment,
    Extension,
    ProblemTemplate,
    User,
    Variant,
)
from . import commit_keeping_state
from .access import template_in
from .assignment_spec import clone_template, has_started
from .errors import Conflict, Forbidden, NotFound
from .inputs import MAX_PROBLEMS

STARTED = (
    "Students have started this assignment: its problems can no longer be added, moved or removed."
)

# ---------------------------------------------------------------- templates


def course_templates(course: Course) -> tuple[list[ProblemTemplate], list[ProblemTemplate]]:
    """(the course's own templates, the shared library's), each by kind then title."""

    def of(where) -> list[ProblemTemplate]:
        return list(
            db.session.scalars(
                sa.select(ProblemTemplate)
                .where(where)
                .order_by(ProblemTemplate.kind, ProblemTemplate.title)
            )
        )

    return of(ProblemTemplate.course_id == course.id), of(ProblemTemplate.course_id.is_(None))


def editable_template(course_id: int, template_id: int) -> ProblemTemplate:
    """A template this course may change: NotFound if it is not seen from the course,
    Forbidden if it is the library's (shared by every course)."""
    t = template_in(course_id, template_id)
    if t.course_id is None:
        raise Forbidden(
            "Library templates are shared by every course: copy it into your course to change it."
        )
    return t


def create_template(
    course: Course, kind: str, title: str, config: dict, policy: dict, by: User
) -> ProblemTemplate:
    """A new template of the course (config and policy already checked by the engine)."""
    t = ProblemTemplate(
        course_id=course.id,
        kind=kind,
        title=title.strip(),
        config=config,
        policy=policy,
        created_by_id=by.id,
    )
    db.session.add(t)
    db.session.commit()
    return t


def update_template(t: ProblemTemplate, title: str, config: dict, policy: dict) -> int:
    """Save the template; returns how many assignment problems use it (they may need a
    regrade if the key or tolerance changed)."""
    t.title, t.config, t.policy = title.strip(), config, policy
    db.session.commit()
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AssignmentProblem)
        .where(AssignmentProblem.template_id == t.id)
    )


def copy_template(course: Course, t: ProblemTemplate, by: User) -> ProblemTemplate:
    """A copy of ``t`` in the course, ready to be edited there."""
    copy = clone_template(t, course.id, by_id=by.id)
    db.session.add(copy)
    db.session.commit()
    return copy


def students_of(course_id: int) -> list[tuple[int, str]]:
    """The course's students as (id, "Name <email>"), by name: for a choice field."""
    rows = db.session.execute(
        sa.select(User.id, User.name, User.email)
        .join(Enrollment)
        .where(Enrollment.course_id == course_id, Enrollment.role == "student")
        .order_by(User.name)
    )
    return [(uid, f"{name} <{email}>") for uid, name, email in rows]


def students_variant(course: Course, t: ProblemTemplate, student_id: int) -> Variant | None:
    """The student's latest variant of ``t`` in this course's assignments, or None. Only
    this course's: a library template is used by other courses too, and their students'
    numbers are not this course's staff's to see."""
    return db.session.scalar(
        sa.select(Variant)
        .join(AssignmentProblem)
        .join(Assignment)
        .where(
            AssignmentProblem.template_id == t.id,
            Variant.user_id == student_id,
            Assignment.course_id == course.id,
        )
        .order_by(Variant.id.desc())
        .limit(1)
    )


# ---------------------------------------------------------------- assignments


@dataclass
class Settings:
    """An assignment's settings as the builder's form gives them (dates aware, in UTC)."""

    title: str
    mode: str
    opens_at: datetime | None
    due_at: datetime | None
    closes_at: datetime | None
    late_penalty: float
    max_attempts: int | None
    retry_penalty: float
    time_limit_minutes: int | None
    solution_release: str
    score_policy: str


def _apply(a: Assignment, s: Settings) -> None:
    a.title = s.title.strip()
    a.mode = s.mode
    a.opens_at, a.due_at, a.closes_at = s.opens_at, s.due_at, s.closes_at
    a.late_penalty = float(s.late_penalty)
    a.max_attempts = s.max_attempts
    a.retry_penalty = float(s.retry_penalty)
    a.time_limit_minutes = s.time_limit_minutes if s.mode == "quiz" else None
    a.solution_release = s.solution_release
    a.score_policy = s.score_policy


def create_assignment(course: Course, settings: Settings) -> Assignment:
    """A new, unpublished assignment with no problems yet."""
    a = Assignment(course_id=course.id, published=False)
    _apply(a, settings)
    db.session.add(a)
    db.session.commit()
    return a


def update_assignment(a: Assignment, settings: Settings) -> None:
    _apply(a, settings)
    db.session.commit()


def template_choices(course_id: int) -> list[tuple[int, str]]:
    """(id, label) of every template the course may add: its own first, then the library."""
    rows = db.session.scalars(
        sa.select(ProblemTemplate)
        .where(sa.or_(ProblemTemplate.course_id == course_id, ProblemTemplate.course_id.is_(None)))
        .order_by(ProblemTemplate.course_id.is_(None), ProblemTemplate.title)
    )
    return [
        (t.id, f"{t.title} [{t.kind}]{' (library)' if t.course_id is None else ''}") for t in rows
    ]


def add_problem(a: Assignment, template_id: int, points: float, by: User) -> ProblemTemplate:
    """Append a problem made from the template (a library template is copied into the
    course first, so that editing the library changes no course). Conflict once students
    have started, or at MAX_PROBLEMS; NotFound for a template the course cannot see."""
    if has_started(a):
        raise Conflict(STARTED, error="started")
    if len(a.problems) >= MAX_PROBLEMS:
        raise Conflict(
            f"An assignment has at most {MAX_PROBLEMS} problems: split it into two assignments."
        )
    t = template_in(a.course_id, template_id)
    if t.course_id is None:
        t = clone_template(t, a.course_id, by_id=by.id)
    a.problems.append(AssignmentProblem(position=len(a.problems) + 1, points=points, template=t))
    db.session.commit()
    return t


def problem_of(a: Assignment, problem_id: int) -> AssignmentProblem:
    """The assignment's problem with this id; NotFound if it is another's."""
    ap = next((p for p in a.problems if p.id == problem_id), None)
    if ap is None:
        raise NotFound()
    return ap


def set_points(ap: AssignmentProblem, points: float) -> None:
    """Points may change at any time: totals use them at once."""
    ap.points = points
    db.session.commit()


MOVES = ("up", "down", "remove")


def move_problem(a: Assignment, ap: AssignmentProblem, action: str) -> None:
    """Move the problem up or down, or remove it; positions stay 1..n. Conflict once
    students have started (their variants hang on the problems)."""
    if action not in MOVES:
        raise NotFound()
    if has_started(a):
        raise Conflict(STARTED, error="started")
    order = list(a.problems)
    i = order.index(ap)
    if action == "remove":
        order.pop(i)
        a.problems.remove(ap)
    elif action == "up" and i > 0:
        order[i - 1], order[i] = order[i], order[i - 1]
    elif action == "down" and i < len(order) - 1:
        order[i + 1], order[i] = order[i], order[i + 1]
    # positions are unique: move everything out of the way first, then number 1..n
    for k, p in enumerate(order):
        p.position = 10000 + k
    db.session.flush()
    for k, p in enumerate(order, 1):
        p.position = k
    db.session.commit()


def toggle_published(a: Assignment) -> bool:
    """Publish or unpublish; returns the new state. Conflict when publishing an assignment
    with no problems."""
    if not a.published and not a.problems:
        raise Conflict("Add at least one problem before publishing.")
    a.published = not a.published
    db.session.commit()
    return a.published


def save_extension(
    a: Assignment,
    student_id: int,
    due_at: datetime | None,
    closes_at: datetime | None,
    excused: bool,
    by: User,
) -> Extension:
    """Create or replace the student's extension (dates aware, in UTC). The objects stay
    loaded after the commit: the answer is built from memory."""
    ext = db.session.scalar(
        sa.select(Extension).where(Extension.assignment_id == a.id, Extension.user_id == student_id)
    )
    ext = ext or Extension(assignment_id=a.id, user_id=student_id)
    ext.due_at, ext.closes_at = due_at, closes_at
    ext.excused, ext.granted_by_id = excused, by.id
    db.session.add(ext)
    commit_keeping_state()
    from . import lti_scores

    lti_scores.score_changed(student_id, a.id)  # an excusal changes the LMS's copy
    return ext


def extensions_of(a: Assignment) -> list[tuple[Extension, User]]:
    """The assignment's extensions with their students, by name."""
    return [
        (ext, user)
        for ext, user in db.session.execute(
            sa.select(Extension, User)
            .join(User, Extension.user_id == User.id)
            .where(Extension.assignment_id == a.id)
            .order_by(User.name)
        )
    ]
