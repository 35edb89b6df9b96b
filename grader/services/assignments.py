"""What a student sees of a course's assignments: each with its status, score and attempts."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ..extensions import db
from ..models import Assignment, AssignmentProblem, Course, User, utcnow
from .access import course_for, is_staff
from .errors import NotFound
from .submissions import ProblemState, Standing, problem_state, standing_for
from .variants import current_variants


def assignment_for(user: User, assignment_id: int) -> tuple[Assignment, str]:
    """The assignment and the user's role in its course; NotFound if missing or (for a
    student) unpublished, Forbidden if not in the course."""
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None:
        raise NotFound()
    _course, role = course_for(user, assignment.course_id)
    if not assignment.published and not is_staff(role):
        raise NotFound()
    return assignment, role


def problem_for(assignment: Assignment, problem_id: int) -> AssignmentProblem:
    """The assignment's problem with this id; NotFound if it is another's."""
    ap = db.session.get(AssignmentProblem, problem_id)
    if ap is None or ap.assignment_id != assignment.id:
        raise NotFound()
    return ap


@dataclass
class AssignmentSummary:
    assignment: Assignment
    states: list[ProblemState]
    standing: Standing

    @property
    def points(self) -> float:
        return sum(s.ap.points for s in self.states)

    @property
    def earned(self) -> float:
        return sum(s.ap.points * (s.score or 0.0) for s in self.states)

    @property
    def attempts(self) -> int:
        return sum(s.attempts_used for s in self.states)

    @property
    def status(self) -> str:
        if self.standing.ends_at is not None:  # a timed quiz the student has started
            return "done" if self.standing.quiz_over(utcnow()) else "in progress"
        if not any(s.attempts_used for s in self.states):
            return "not started"
        finished = all(s.correct or s.refusal is not None for s in self.states)
        return "done" if finished else "in progress"


def summarise(assignment: Assignment, user: User, staff: bool = False) -> AssignmentSummary:
    """Every problem's state for the user (no variant is created by looking). A timed quiz
    whose time is over has the user's drafts graded first (``quiz.finalize_expired``)."""
    standing = standing_for(assignment, user)
    if standing.started_at is not None and not standing.finalized and standing.quiz_over(utcnow()):
        from .quiz import finalize_expired  # it builds on this module's neighbours

        finalize_expired(assignment, user)
        standing = standing_for(assignment, user)
    variants = current_variants(assignment.problems, user)  # one query for all problems
    return AssignmentSummary(
        assignment,
        [
            problem_state(ap, user, variants.get(ap.id), staff=staff, standing=standing)
            for ap in assignment.problems
        ],
        standing,
    )


def course_assignments(course: Course, user: User, role: str) -> list[AssignmentSummary]:
    """The assignments a user sees in a course (students: published only), in order."""
    query = (
        sa.select(Assignment)
        .where(Assignment.course_id == course.id)
        .order_by(Assignment.due_at.is_(None), Assignment.due_at, Assignment.id)
    )
    if not is_staff(role):
        query = query.where(Assignment.published.is_(True))
    return [summarise(a, user, is_staff(role)) for a in db.session.scalars(query)]
