"""Timed quizzes, as PrairieLearn runs them: the clock starts when the student presses
Start (never by looking), what they type is kept as a draft per problem on the server, and
when their time is over each draft that differs from their last attempt is graded as a
final attempt, at the moment the time ended.

That grading is lazy and idempotent: ``finalize_expired`` is called by every page and API
read that shows a quiz's results (the student's pages, the gradebook, the exports, the
statistics), and does the work once. Each auto-submission goes through ``submit`` with the
reserved Idempotency-Key ``AUTO_KEY``, so two finalizers at once (two workers, two tabs)
store one attempt: the second finds the first's (the unique key of the submission table),
on SQLite and PostgreSQL alike."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

import problems

from ..extensions import db
from ..models import (
    Assignment,
    AssignmentProblem,
    Course,
    Draft,
    Extension,
    QuizStart,
    Submission,
    User,
    Variant,
    utcnow,
)
from . import render
from .submissions import (
    AUTO_KEY,
    FormatErrors,
    Standing,
    SubmissionRefused,
    _dates,
    fmt_time,
    is_timed,
    quiz_end,
    standing_for,
    submit,
)
from .variants import ProblemUnavailable, current_variants

MAX_DRAFT_FIELDS = 400
MAX_DRAFT_VALUE = 500


@dataclass
class Clock:
    """A student's clock on a timed quiz, as the pages and the API show it."""

    started_at: datetime | None
    ends_at: datetime | None
    seconds_left: int | None  # None: not started (or not timed)
    over: bool

    def to_dict(self) -> dict:
        return {
            "started": self.started_at is not None,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "ends_at": self.ends_at.isoformat() if self.ends_at else None,
            "seconds_left": self.seconds_left,
            "over": self.over,
        }


def clock(standing: Standing, now: datetime | None = None) -> Clock:
    """Where the student's clock stands ``now``: the server's time is the truth."""
    now = now or utcnow()
    if standing.ends_at is None:
        return Clock(standing.started_at, None, None, False)
    left = max(0, math.ceil((standing.ends_at - now).total_seconds()))
    return Clock(standing.started_at, standing.ends_at, left, now > standing.ends_at)


def start_quiz(assignment: Assignment, user: User, now: datetime | None = None) -> QuizStart:
    """Start the student's clock on a timed quiz (commits); pressing twice starts once (the
    first start is returned). SubmissionRefused (409) before it opens or after it closes."""
    now = now or utcnow()
    if not is_timed(assignment):
        raise SubmissionRefused(409, "not_timed", "This assignment has no time limit to start.")
    existing = _start_row(assignment, user)
    if existing is not None:
        return existing
    standing = standing_for(assignment, user)
    dates = standing.dates
    if dates.not_open(now):
        raise SubmissionRefused(409, "not_open", dates.opening())
    if dates.closes_at is not None and now >= dates.closes_at:
        raise SubmissionRefused(
            409, "closed", f"This quiz closed on {fmt_time(dates.closes_at)}; it cannot be started."
        )
    row = QuizStart(assignment_id=assignment.id, user_id=user.id, started_at=now)
    db.session.add(row)
    try:
        db.session.commit()
    except sa.exc.IntegrityError:  # pressed twice at once: the other press started it
        db.session.rollback()
        row = _start_row(assignment, user)
        if row is None:
            raise
        return row
    from .jobs import schedule_quiz_end  # the queue's module builds on the services

    schedule_quiz_end(assignment.id, user.id, quiz_end(assignment, now, dates))
    return row


def _start_row(assignment: Assignment, user: User) -> QuizStart | None:
    return db.session.scalar(
        sa.select(QuizStart).where(
            QuizStart.assignment_id == assignment.id, QuizStart.user_id == user.id
        )
    )


def draft_of(variant: Variant | None) -> Draft | None:
    if variant is None:
        return None
    return db.session.scalar(sa.select(Draft).where(Draft.variant_id == variant.id))


def live_draft(variant: Variant | None) -> Draft | None:
    """The variant's draft if it was saved after the last attempt (else that attempt is
    what the student has in the boxes), and not yet graded at the time limit."""
    draft = draft_of(variant)
    if draft is None or draft.outcome is not None:
        return None
    last = variant.submissions[-1] if variant.attempts else None
    if last is not None and draft.updated_at <= last.created_at:
        return None
    return draft


def save_draft(
    ap: AssignmentProblem, user: User, variant: Variant, form, now: datetime | None = None
) -> Draft:
    """Keep what the student typed into the problem's boxes (the form's ``ans-…`` values)
    as their draft (commits). Costs no attempt and is not graded now. SubmissionRefused: not
    a timed quiz, not started, or the time is over (409); too much data (413)."""
    now = now or utcnow()
    assignment = ap.assignment
    if not is_timed(assignment):
        raise SubmissionRefused(409, "not_timed", "Drafts are kept for timed quizzes only.")
    raw = {k: form.get(k, "") for k in form if k.startswith("ans-")}
    if len(raw) > MAX_DRAFT_FIELDS or any(len(v) > MAX_DRAFT_VALUE for v in raw.values()):
        raise SubmissionRefused(413, "too_large", "That draft is too large to keep.")
    standing = standing_for(assignment, user)
    if standing.started_at is None:
        raise SubmissionRefused(409, "not_started", "Start the quiz before answering.")
    if standing.quiz_over(now):
        raise SubmissionRefused(
            409,
            "time_up",
            f"The quiz ended at {fmt_time(standing.ends_at)}: this answer was not saved. "
            "Your answers saved before then were graded.",
        )
    for _ in range(2):
        draft = draft_of(variant)
        if draft is None:
            draft = Draft(variant_id=variant.id)
            db.session.add(draft)
        draft.raw, draft.updated_at = raw, now
        try:
            db.session.commit()
            return draft
        except sa.exc.IntegrityError:  # a save from another tab made the row first
            db.session.rollback()
    raise SubmissionRefused(409, "conflict", "Another save was under way; type again.")


def finalize_expired(
    assignment: Assignment, user: User | None = None, now: datetime | None = None
) -> int:
    """Grade the saved drafts of every student (or only ``user``) whose time on this timed
    quiz is over and who has not been finalized yet; returns the attempts stored. Each
    draft saved after the student's last attempt, with attempts left and entries that can
    be read, becomes an attempt graded as any other, stored at the moment their time ended
    (late only if that moment was after the due date). Safe to call at any time, from any
    number of processes at once: each student's drafts are graded once."""
    if not is_timed(assignment):
        return 0
    now = now or utcnow()
    query = sa.select(QuizStart).where(
        QuizStart.assignment_id == assignment.id, QuizStart.finalized_at.is_(None)
    )
    if user is not None:
        query = query.where(QuizStart.user_id == user.id)
    starts = list(db.session.scalars(query))
    if not starts:
        return 0
    extensions = {
        e.user_id: e
        for e in db.session.scalars(
            sa.select(Extension).where(
                Extension.assignment_id == assignment.id,
                Extension.user_id.in_([s.user_id for s in starts]),
            )
        )
    }
    stored = 0
    for start in starts:
        end = quiz_end(
            assignment, start.started_at, _dates(assignment, extensions.get(start.user_id))
        )
        if end is None or now <= end:
            continue
        student = user if user is not None else db.session.get(User, start.user_id)
        stored += _finalize_one(assignment, student, start.id, end, now)
    return stored


def finalize_course(course: Course, now: datetime | None = None) -> int:
    """``finalize_expired`` for every timed quiz of the course (one query when none)."""
    quizzes = db.session.scalars(
        sa.select(Assignment).where(
            Assignment.course_id == course.id,
            Assignment.mode == "quiz",
            Assignment.time_limit_minutes.is_not(None),
        )
    ).all()
    return sum(finalize_expired(a, now=now) for a in quizzes)


def _finalize_one(
    assignment: Assignment, user: User, start_id: int, end: datetime, now: datetime
) -> int:
    stored = 0
    variants = current_variants(assignment.problems, user)
    for ap in assignment.problems:
        variant = variants.get(ap.id)
        draft = live_draft(variant)
        if draft is None:
            continue
        outcome, submission_id, new = _grade_draft(ap, user, variant, draft, end)
        stored += new
        # Another finalizer may have written the same outcome meanwhile: the same values.
        db.session.execute(
            sa.update(Draft)
            .where(Draft.id == draft.id, Draft.outcome.is_(None))
            .values(outcome=outcome, submission_id=submission_id)
        )
        db.session.commit()
    db.session.execute(
        sa.update(QuizStart)
        .where(QuizStart.id == start_id, QuizStart.finalized_at.is_(None))
        .values(finalized_at=now)
    )
    db.session.commit()
    return stored


def _grade_draft(
    ap: AssignmentProblem, user: User, variant: Variant, draft: Draft, end: datetime
) -> tuple[str | None, int | None, bool]:
    """Grade one draft as an attempt at ``end``: (outcome, submission id, whether it was
    stored now: False when another finalizer stored it first)."""
    fields = problems.get(variant.kind).answer_fields(variant.params)
    answers = render.read_grid(fields, draft.raw)
    if all(v in ("", None) for v in answers.values()):
        return None, None, False  # the boxes were emptied: nothing to grade
    last = variant.submissions[-1] if variant.attempts else None
    if last is not None and last.raw == answers:
        return "same", None, False
    try:
        done = submit(ap, user, answers, AUTO_KEY, now=end, auto=True)
    except FormatErrors:
        return "unreadable", None, False
    except SubmissionRefused as exc:
        if exc.error == "no_attempts_left":
            return "no_attempts_left", None, False
        return None, None, False  # e.g. not open: nothing a student could have sent either
    except ProblemUnavailable:
        return None, None, False
    if done.same:
        return "same", None, False
    return "submitted", done.submission.id, not done.replayed


@dataclass
class Graded:
    """What counts on one problem of a quiz that is over, in words."""

    ap: AssignmentProblem
    text: str


def graded_report(assignment: Assignment, user: User) -> list[Graded]:
    """Per problem, what was graded once the quiz is over: "attempt 2 (submitted)",
    "from your saved answer at the time limit (attempt 3)", "nothing submitted", and a
    draft that could not be read."""
    variants = current_variants(assignment.problems, user)
    ids = [v.id for v in variants.values()]
    drafts = (
        {
            d.variant_id: d
            for d in db.session.scalars(sa.select(Draft).where(Draft.variant_id.in_(ids)))
        }
        if ids
        else {}
    )
    last_subs = (
        {
            s.variant_id: s
            for s in db.session.scalars(
                sa.select(Submission).where(
                    Submission.variant_id.in_(ids),
                    Submission.attempt == Variant.attempts,
                    Submission.variant_id == Variant.id,
                )
            )
        }
        if ids
        else {}
    )
    report = []
    for ap in assignment.problems:
        v = variants.get(ap.id)
        draft = drafts.get(v.id) if v else None
        last = last_subs.get(v.id) if v else None
        if last is None:
            text = "nothing submitted"
        elif last.idempotency_key == AUTO_KEY:
            text = f"attempt {last.attempt}, graded from your saved answer at the time limit"
        else:
            text = f"attempt {last.attempt} (submitted)"
        if draft is not None and draft.outcome == "unreadable":
            text += "; your saved answer was not submitted: it could not be read"
        elif draft is not None and draft.outcome == "no_attempts_left":
            text += "; your saved answer was not submitted: no attempts were left"
        if last is not None:
            score = v.last_score if assignment.score_policy == "last" else v.best_score
            text += f" · {score * ap.points:.2f} / {ap.points:g}"
        report.append(Graded(ap, text))
    return report
