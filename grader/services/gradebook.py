"""Grades: each student's credited score per assignment problem (best or last attempt, or
an instructor's override), assignment totals with excusals, computed with SQL aggregates
and read in chunks of students so that a large course never sits whole in memory."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

import sqlalchemy as sa
import sqlalchemy.orm

from ..extensions import db
from ..models import (
    Assignment,
    AssignmentProblem,
    Course,
    Enrollment,
    Extension,
    GradeChange,
    ScoreOverride,
    Submission,
    User,
    Variant,
    utcnow,
)
from . import commit_keeping_state
from .errors import NotFound
from .natural import natural_key

CHUNK = 500


def graded_assignments(course: Course) -> list[Assignment]:
    """Published homework and quizzes, in due order; practice never enters the gradebook.
    Every reader of grades starts here, so timed quizzes whose time is over have their
    saved drafts graded first (``quiz.finalize_expired``: once, then one query per quiz)."""
    from .quiz import finalize_course

    finalize_course(course)
    return list(
        db.session.scalars(
            sa.select(Assignment)
            .where(
                Assignment.course_id == course.id,
                Assignment.published.is_(True),
                Assignment.mode != "practice",
            )
            .order_by(Assignment.due_at.is_(None), Assignment.due_at, Assignment.id)
        )
    )


@dataclass
class StudentGrades:
    """One student's row: problem scores (fractions), overrides in force, excusals."""

    user: User
    section: str
    scores: dict[int, float] = field(default_factory=dict)  # assignment problem id → 0..1
    overridden: set[int] = field(default_factory=set)
    excused: set[int] = field(default_factory=set)  # assignment ids

    def points(self, a: Assignment) -> float | None:
        """Points earned on ``a``; None when nothing was submitted (blank in a CSV)."""
        if not any(ap.id in self.scores for ap in a.problems):
            return None
        return sum(ap.points * self.scores.get(ap.id, 0.0) for ap in a.problems)

    def total(self, assignments: list[Assignment]) -> float:
        return sum(self.points(a) or 0.0 for a in assignments if a.id not in self.excused)


def possible(a: Assignment) -> float:
    return sum(ap.points for ap in a.problems)


def students_query(
    course: Course, section: str | None = None, user_id: int | None = None, by_section: bool = False
):
    """The course's students (with their enrolment), by name, or by section then name."""
    order = (Enrollment.section, User.name, User.id) if by_section else (User.name, User.id)
    q = (
        sa.select(Enrollment, User)
        .join(User, Enrollment.user_id == User.id)
        .where(Enrollment.course_id == course.id, Enrollment.role == "student")
        .order_by(*order)
    )
    if section is not None:
        q = q.where(Enrollment.section == section)
    if user_id is not None:
        q = q.where(Enrollment.user_id == user_id)
    return q


def credited_scores(
    ap_ids: list[int], user_ids: list[int], policies: dict[int, str]
) -> dict[tuple[int, int], float]:
    """(user id, assignment problem id) → credited score of the first variant: the best
    attempt, or the last where the assignment says so (read from the variant's running
    summary); overrides are not applied here."""
    if not ap_ids or not user_ids:
        return {}
    last = [ap for ap in ap_ids if policies.get(ap) == "last"]
    score = (
        sa.case(
            (Variant.assignment_problem_id.in_(last), Variant.last_score), else_=Variant.best_score
        )
        if last
        else Variant.best_score
    )
    rows = db.session.execute(
        sa.select(Variant.user_id, Variant.assignment_problem_id, score).where(
            Variant.assignment_problem_id.in_(ap_ids),
            Variant.user_id.in_(user_ids),
            Variant.number == 1,
            Variant.attempts > 0,
        )
    )
    return {(u, ap): s for u, ap, s in rows}


def overrides_in_force(
    ap_ids: list[int], user_ids: list[int]
) -> dict[tuple[int, int], float | None]:
    """(user id, assignment problem id) → the newest override's score (None: removed)."""
    if not ap_ids or not user_ids:
        return {}
    newest = (
        sa.select(sa.func.max(ScoreOverride.id))
        .where(ScoreOverride.assignment_problem_id.in_(ap_ids), ScoreOverride.user_id.in_(user_ids))
        .group_by(ScoreOverride.assignment_problem_id, ScoreOverride.user_id)
    )
    rows = db.session.execute(
        sa.select(
            ScoreOverride.user_id, ScoreOverride.assignment_problem_id, ScoreOverride.score
        ).where(ScoreOverride.id.in_(newest))
    )
    return {(u, ap): s for u, ap, s in rows}


def _grades_of(rows: list, assignments: list[Assignment]) -> Iterator[StudentGrades]:
    """The grades of these (enrolment, user) rows, in their order: three queries."""
    ap_ids = [ap.id for a in assignments for ap in a.problems]
    policies = {ap.id: a.score_policy for a in assignments for ap in a.problems}
    a_ids = [a.id for a in assignments]
    user_ids = [u.id for _e, u in rows]
    scores = credited_scores(ap_ids, user_ids, policies)
    overrides = overrides_in_force(ap_ids, user_ids)
    excused = set()
    if a_ids:
        excused = set(
            db.session.execute(
                sa.select(Extension.user_id, Extension.assignment_id).where(
                    Extension.assignment_id.in_(a_ids),
                    Extension.user_id.in_(user_ids),
                    Extension.excused.is_(True),
                )
            ).all()
        )
    for e, u in rows:
        g = StudentGrades(u, e.section)
        for ap_id in ap_ids:
            if (u.id, ap_id) in overrides and overrides[(u.id, ap_id)] is not None:
                g.scores[ap_id] = overrides[(u.id, ap_id)]
                g.overridden.add(ap_id)
            elif (u.id, ap_id) in scores:
                g.scores[ap_id] = scores[(u.id, ap_id)]
        g.excused = {a for (uid, a) in excused if uid == u.id}
        yield g


def iter_grades(
    course: Course,
    assignments: list[Assignment],
    section: str | None = None,
    user_id: int | None = None,
    chunk: int = CHUNK,
    by_section: bool = False,
    start: int = 0,
    stop: int | None = None,
) -> Iterator[StudentGrades]:
    """Every student's grades (of a section, or one student), in name order (or by
    section), read ``chunk`` students at a time; ``start``/``stop`` take a slice of them
    in the database (a gradebook page)."""
    offset = start
    while stop is None or offset < stop:
        size = chunk if stop is None else min(chunk, stop - offset)
        rows = db.session.execute(
            students_query(course, section, user_id, by_section).limit(size).offset(offset)
        ).all()
        if not rows:
            return
        offset += chunk
        yield from _grades_of(rows, assignments)
        if len(rows) < size:
            return


def student_count(course: Course, section: str | None = None) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(students_query(course, section).subquery())
    )


def sections(course: Course) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(Enrollment.section)
            .where(Enrollment.course_id == course.id, Enrollment.role == "student")
            .distinct()
            .order_by(Enrollment.section)
        )
    )


def override(
    ap: AssignmentProblem, student: User, score: float | None, reason: str, by: User
) -> ScoreOverride:
    """Set (or, with None, remove) a manual score for a student's problem; kept in history."""
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("give a reason for the override (it is kept in the history)")
    if score is not None and not 0 <= score <= 1:
        raise ValueError("an override is a fraction of the problem's points, from 0 to 1")
    row = ScoreOverride(
        assignment_problem_id=ap.id,
        user_id=student.id,
        score=score,
        reason=reason,
        changed_by_id=by.id,
        changed_at=utcnow(),
    )
    db.session.add(row)
    commit_keeping_state()  # the route answers from memory, even if the connection drops now
    from . import lti_scores

    lti_scores.score_changed(student.id, ap.assignment_id)  # the LMS's copy, if linked
    return row


PAGE = 200
MAX_PAGE = 100_000  # 20 million students: a larger page number is past the end, not an OFFSET


@dataclass
class GradebookPage:
    """One page of the gradebook: ``rows`` of ``count`` students (of ``everyone``), page
    ``page`` of ``pages``, in the order of ``sort`` and ``direction``, searched for ``q``."""

    assignments: list[Assignment]
    rows: list[StudentGrades]
    count: int  # the students shown (those matching the search)
    page: int
    pages: int
    everyone: int = 0  # the students of the section, searched or not
    sort: str = "name"
    direction: str = "asc"
    q: str = ""


def _overrides_in_force(ap_ids: list[int]):
    """(user_id, assignment_problem_id, score) of each newest override with a score (an
    override set back to None gives the credited score back)."""
    newest = (
        sa.select(sa.func.max(ScoreOverride.id))
        .where(ScoreOverride.assignment_problem_id.in_(ap_ids))
        .group_by(ScoreOverride.assignment_problem_id, ScoreOverride.user_id)
    )
    return (
        sa.select(ScoreOverride.user_id, ScoreOverride.assignment_problem_id, ScoreOverride.score)
        .where(ScoreOverride.id.in_(newest), ScoreOverride.score.is_not(None))
        .subquery("overridden")
    )


def course_totals(assignments: list[Assignment]):
    """A subquery of (user_id, total): each student's total over ``assignments`` as
    ``StudentGrades.total`` counts it (credited scores of first variants, overrides in
    force instead where there are some, excused assignments left out), summed in SQL.

    For speed the big side is one pass over the variants summed per student; the few
    overrides then add their difference from the credited score, and the few excusals
    take away what the excused assignment had counted."""
    ap_ids = [ap.id for a in assignments for ap in a.problems]
    last = [ap.id for a in assignments for ap in a.problems if a.score_policy == "last"]

    def credit(v):
        if not last:
            return v.best_score
        return sa.case((v.assignment_problem_id.in_(last), v.last_score), else_=v.best_score)

    credited = (
        sa.select(
            Variant.user_id.label("user_id"),
            sa.func.sum(AssignmentProblem.points * credit(Variant)).label("pts"),
        )
        .join(AssignmentProblem, AssignmentProblem.id == Variant.assignment_problem_id)
        .where(Variant.assignment_problem_id.in_(ap_ids), Variant.number == 1, Variant.attempts > 0)
        .group_by(Variant.user_id)
    )
    over = _overrides_in_force(ap_ids)
    v = sa.orm.aliased(Variant)
    first = sa.and_(v.number == 1, v.attempts > 0)
    corrections = (
        sa.select(
            over.c.user_id,
            AssignmentProblem.points * (over.c.score - sa.func.coalesce(credit(v), 0.0)),
        )
        .join(AssignmentProblem, AssignmentProblem.id == over.c.assignment_problem_id)
        .outerjoin(
            v,
            sa.and_(
                v.user_id == over.c.user_id,
                v.assignment_problem_id == over.c.assignment_problem_id,
                first,
            ),
        )
    )
    e_over = _overrides_in_force(ap_ids)
    excused = (
        sa.select(
            Extension.user_id,
            -sa.func.sum(
                AssignmentProblem.points * sa.func.coalesce(e_over.c.score, credit(v), 0.0)
            ),
        )
        .join(AssignmentProblem, AssignmentProblem.assignment_id == Extension.assignment_id)
        .outerjoin(
            v,
            sa.and_(
                v.user_id == Extension.user_id,
                v.assignment_problem_id == AssignmentProblem.id,
                first,
            ),
        )
        .outerjoin(
            e_over,
            sa.and_(
                e_over.c.user_id == Extension.user_id,
                e_over.c.assignment_problem_id == AssignmentProblem.id,
            ),
        )
        .where(Extension.excused.is_(True), AssignmentProblem.id.in_(ap_ids))
        .group_by(Extension.user_id)
    )
    parts = sa.union_all(credited, corrections, excused).subquery("points")
    return (
        sa.select(parts.c.user_id, sa.func.sum(parts.c.pts).label("total"))
        .group_by(parts.c.user_id)
        .subquery("totals")
    )


def search_condition(q: str):
    """Students whose name or email contains ``q``, in any case (``%`` and ``_`` are
    letters here, not wildcards)."""
    text = q.strip().lower()
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return sa.or_(
        sa.func.lower(User.name).like(pattern, escape="\\"),
        sa.func.lower(User.email).like(pattern, escape="\\"),
    )


def _students(course: Course, section: str | None, q: str):
    """(enrolment, user) of the course's students, of a section, matching a search."""
    query = (
        sa.select(Enrollment, User)
        .join(User, Enrollment.user_id == User.id)
        .where(Enrollment.course_id == course.id, Enrollment.role == "student")
    )
    if section is not None:
        query = query.where(Enrollment.section == section)
    if q.strip():
        query = query.where(search_condition(q))
    return query


def by_points(
    course: Course,
    assignments: list[Assignment],
    section: str | None,
    start: int,
    stop: int,
    descending: bool = True,
    q: str = "",
) -> list:
    """(enrolment, user) rows ``start``..``stop`` of the course's students by their points
    over ``assignments`` (all of them: the total; one: that assignment's column), highest
    first unless ``descending`` is False (equal points by name): the database sums, sorts
    and hands over just the page. Points are compared to 6 decimals, so that the order of
    a float sum cannot split a tie."""
    query = _students(course, section, q)
    order: tuple = ()
    if any(a.problems for a in assignments):
        totals = course_totals(assignments)
        rounded = sa.func.round(sa.cast(sa.func.coalesce(totals.c.total, 0.0), sa.Numeric), 6)
        order = (rounded.desc() if descending else rounded.asc(),)
        query = query.outerjoin(totals, totals.c.user_id == User.id)
    return db.session.execute(
        query.order_by(*order, User.name, User.id).limit(stop - start).offset(start)
    ).all()


def by_total(
    course: Course, assignments: list[Assignment], section: str | None, start: int, stop: int
) -> list:
    """Rows ``start``..``stop`` of the students by total, highest first (see by_points)."""
    return by_points(course, assignments, section, start, stop)


def by_text(
    course: Course, section: str | None, start: int, stop: int, column: str, reverse: bool, q: str
) -> list:
    """(enrolment, user) rows ``start``..``stop`` in natural order of ``column`` (name,
    email or section, then name): "Student 2" before "Student 10". Databases sort text
    letter by letter, so the ids and sort keys of the (filtered) students are read in one
    light query and sorted here; then the page's students are read."""
    keyed = db.session.execute(
        _students(course, section, q).with_only_columns(
            User.id, User.name, User.email, Enrollment.section
        )
    ).all()

    def key(row):
        uid, name, email, sec = row
        if column == "name":
            return (natural_key(name), uid)
        return (natural_key(email if column == "email" else sec), natural_key(name), uid)

    keyed.sort(key=key, reverse=reverse)
    ids = [row[0] for row in keyed[start:stop]]
    if not ids:
        return []
    found = {
        u.id: (e, u)
        for e, u in db.session.execute(_students(course, section, "").where(User.id.in_(ids))).all()
    }
    return [found[i] for i in ids if i in found]


TEXT_COLUMNS = ("name", "email", "section")


def sort_columns(assignments: list[Assignment]) -> dict[str, Assignment | None]:
    """The gradebook's sortable columns: name, email, section, ``a<id>`` for each
    assignment's points and total (None stands for every assignment)."""
    return {
        **{c: None for c in TEXT_COLUMNS},
        **{f"a{a.id}": a for a in assignments},
        "total": None,
    }


def default_direction(column: str) -> str:
    """Text from A to Z; points from the highest."""
    return "asc" if column in TEXT_COLUMNS else "desc"


def gradebook_page(
    course: Course,
    section: str | None = None,
    sort: str = "name",
    page: int = 1,
    direction: str | None = None,
    q: str = "",
) -> GradebookPage:
    """A page of PAGE students whose name or email contains ``q`` (all when blank), sorted
    by name, email or section (natural order), an assignment's points or the total
    (``sort_columns``), ``direction`` "asc" or "desc" (else the column's default). Either
    way the database hands over just the page's students (by points it sums every
    student's points in one aggregate and sorts them). An unknown column sorts by name."""
    assignments = graded_assignments(course)
    columns = sort_columns(assignments)
    if sort not in columns:
        sort = "name"
    if direction not in ("asc", "desc"):
        direction = default_direction(sort)
    page = min(max(1, page), MAX_PAGE)
    q = (q or "").strip()[:200]
    everyone = student_count(course, section)
    count = (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(_students(course, section, q).subquery())
        )
        if q
        else everyone
    )
    start, stop = (page - 1) * PAGE, page * PAGE
    if sort in TEXT_COLUMNS:
        rows = by_text(course, section, start, stop, sort, direction == "desc", q)
    else:
        counted = assignments if sort == "total" else [columns[sort]]
        rows = by_points(course, counted, section, start, stop, direction == "desc", q)
    return GradebookPage(
        assignments,
        list(_grades_of(rows, assignments)),
        count,
        page,
        max(1, -(-count // PAGE)),
        everyone=everyone,
        sort=sort,
        direction=direction,
        q=q,
    )


class ProblemHistory(NamedTuple):
    """One problem of a student's record: each variant they were given with its attempts
    (oldest first), the overrides and the regrade changes, oldest first."""

    assignment: Assignment
    ap: AssignmentProblem
    variants: list[tuple[Variant, list[Submission]]]
    overrides: list[ScoreOverride]
    changes: list[GradeChange]

    @property
    def submissions(self) -> list[Submission]:
        return [s for _v, subs in self.variants for s in subs]


def student_record(
    course: Course, student: User
) -> tuple[list[Assignment], StudentGrades, list[ProblemHistory]]:
    """A student's grades and, per graded problem, their history: four queries for the
    whole record (variants, attempts, overrides, regrade changes), grouped in Python."""
    assignments = graded_assignments(course)
    grades = next(iter_grades(course, assignments, user_id=student.id))
    ap_ids = [ap.id for a in assignments for ap in a.problems]
    variants_by, subs_by = defaultdict(list), defaultdict(list)
    history_by, changes_by = defaultdict(list), defaultdict(list)
    variants = list(
        db.session.scalars(
            sa.select(Variant)
            .where(Variant.assignment_problem_id.in_(ap_ids), Variant.user_id == student.id)
            .order_by(Variant.number)
        )
    )
    if variants:
        for sub in db.session.scalars(
            sa.select(Submission)
            .where(Submission.variant_id.in_([v.id for v in variants]))
            .order_by(Submission.attempt)
        ):
            subs_by[sub.variant_id].append(sub)
    for v in variants:
        variants_by[v.assignment_problem_id].append((v, subs_by[v.id]))
    for o in db.session.scalars(
        sa.select(ScoreOverride)
        .where(ScoreOverride.assignment_problem_id.in_(ap_ids), ScoreOverride.user_id == student.id)
        .order_by(ScoreOverride.id)
    ):
        history_by[o.assignment_problem_id].append(o)
    problem_of = {sub.id: v.assignment_problem_id for v in variants for sub in subs_by[v.id]}
    if problem_of:
        for c in db.session.scalars(
            sa.select(GradeChange)
            .where(GradeChange.submission_id.in_(list(problem_of)))
            .order_by(GradeChange.id)
        ):
            changes_by[problem_of[c.submission_id]].append(c)
    detail = [
        ProblemHistory(a, ap, variants_by[ap.id], history_by[ap.id], changes_by[ap.id])
        for a in assignments
        for ap in a.problems
    ]
    return assignments, grades, detail


def overrides_of(a: Assignment) -> list[tuple[ScoreOverride, AssignmentProblem, User]]:
    """The overrides in force on ``a``'s problems (the newest of each student's problem,
    unless it removed the override), by student name then problem: one query."""
    ap_ids = [ap.id for ap in a.problems]
    if not ap_ids:
        return []
    newest = (
        sa.select(sa.func.max(ScoreOverride.id))
        .where(ScoreOverride.assignment_problem_id.in_(ap_ids))
        .group_by(ScoreOverride.assignment_problem_id, ScoreOverride.user_id)
    )
    by_id = {ap.id: ap for ap in a.problems}
    rows = db.session.execute(
        sa.select(ScoreOverride, User)
        .join(User, ScoreOverride.user_id == User.id)
        .where(ScoreOverride.id.in_(newest), ScoreOverride.score.is_not(None))
    ).all()
    out = [(o, by_id[o.assignment_problem_id], u) for o, u in rows]
    out.sort(key=lambda r: (natural_key(r[2].name), r[2].id, r[1].position))
    return out


def course_problem(course_id: int, problem_id: int) -> AssignmentProblem:
    """An assignment problem of this course; NotFound otherwise."""
    ap = db.session.get(AssignmentProblem, problem_id)
    if ap is None or ap.assignment.course_id != course_id:
        raise NotFound()
    return ap
