"""A student's attempt: the rules in force (dates, extensions, quiz time, attempts), then
parse and grade with the problem's policy, and store raw values and result in one
transaction. Format errors are returned, not stored, and use no attempt."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

import problems

from ..extensions import db
from ..models import (
    Assignment,
    AssignmentProblem,
    Extension,
    Submission,
    SubmissionTag,
    User,
    Variant,
    utcnow,
)
from . import commit_keeping_state
from .variants import (  # SubmissionRefused lives there: a variant can be refused too
    SubmissionRefused,
    get_or_create_variant,
    grading_policy,
)

MAX_KEY = 200


class FormatErrors(Exception):
    """Entries that could not be read: nothing was graded, no attempt was used."""

    def __init__(self, errors: dict[str, str], feedback: list[str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors, self.feedback = errors, feedback


@dataclass
class Dates:
    opens_at: datetime | None
    due_at: datetime | None
    closes_at: datetime | None
    excused: bool = False


def dates_for(assignment: Assignment, user: User) -> Dates:
    """The assignment's dates with the student's extension (if any) applied."""
    ext = db.session.scalar(
        sa.select(Extension).where(
            Extension.assignment_id == assignment.id, Extension.user_id == user.id
        )
    )
    due, closes = assignment.due_at, assignment.closes_at
    if ext is not None:
        due = ext.due_at or due
        if ext.closes_at is not None:
            closes = ext.closes_at
        elif closes is not None and due is not None and due > closes:
            closes = due  # an extension past the closing date keeps it open until then
    return Dates(assignment.opens_at, due, closes, bool(ext and ext.excused))


def quiz_ends_at(assignment: Assignment, user: User) -> datetime | None:
    """For a timed quiz: the first view of any of its problems plus the time limit."""
    if assignment.mode != "quiz" or not assignment.time_limit_minutes:
        return None
    started = db.session.scalar(
        sa.select(sa.func.min(Variant.created_at))
        .join(AssignmentProblem, Variant.assignment_problem_id == AssignmentProblem.id)
        .where(AssignmentProblem.assignment_id == assignment.id, Variant.user_id == user.id)
    )
    if started is None:
        return None
    return started + timedelta(minutes=assignment.time_limit_minutes)


@dataclass
class Standing:
    """A student's dates on an assignment (extension applied) and, in a timed quiz, when
    their time ends: looked up once per assignment, shared by its problems."""

    dates: Dates
    ends_at: datetime | None


def standing_for(assignment: Assignment, user: User) -> Standing:
    return Standing(dates_for(assignment, user), quiz_ends_at(assignment, user))


@dataclass
class ProblemState:
    """Where a student stands on one problem: attempts, score, what is allowed now. Read
    from the variant's running summary; no submission is loaded."""

    ap: AssignmentProblem
    variant: Variant | None
    attempts_used: int = 0
    attempts_left: int | None = None  # None: unlimited
    score: float | None = None  # the credited score in [0, 1] (best or last), None if none
    correct: bool = False
    solution_released: bool = False
    refusal: SubmissionRefused | None = None
    late_now: bool = False
    ends_at: datetime | None = None


def fmt_time(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M UTC")


def problem_state(
    ap: AssignmentProblem,
    user: User,
    variant: Variant | None,
    now: datetime | None = None,
    staff: bool = False,
    standing: Standing | None = None,
) -> ProblemState:
    """The student's standing on ``ap`` with ``variant`` (their current one, or None).
    ``standing`` may be passed when known (one look-up per assignment, not per problem)."""
    now = now or utcnow()
    assignment = ap.assignment
    standing = standing or standing_for(assignment, user)
    dates = standing.dates
    state = ProblemState(ap=ap, variant=variant, ends_at=standing.ends_at)
    if variant is not None and variant.attempts:
        state.attempts_used = variant.attempts
        state.score = (
            variant.last_score if assignment.score_policy == "last" else variant.best_score
        )
        state.correct = variant.correct
    if assignment.max_attempts is not None:
        state.attempts_left = max(0, assignment.max_attempts - state.attempts_used)
    state.late_now = bool(dates.due_at and now > dates.due_at)
    if dates.opens_at and now < dates.opens_at:
        state.refusal = SubmissionRefused(
            409, "not_open", f"This assignment opens on {fmt_time(dates.opens_at)}."
        )
    elif dates.closes_at and now > dates.closes_at:
        state.refusal = SubmissionRefused(
            409, "closed", f"This assignment closed on {fmt_time(dates.closes_at)}."
        )
    elif state.ends_at and now > state.ends_at:
        state.refusal = SubmissionRefused(
            409,
            "time_up",
            f"Your time for this quiz ran out at {fmt_time(state.ends_at)}; answers are no longer accepted.",
        )
    elif state.attempts_left == 0:
        state.refusal = SubmissionRefused(
            409,
            "no_attempts_left",
            f"You have used all {assignment.max_attempts} attempts on this problem.",
        )
    release = assignment.solution_release
    state.solution_released = staff or (
        (release == "after_correct" and state.correct)
        or (release == "after_attempts" and (state.correct or state.attempts_left == 0))
        or (release == "after_due" and dates.due_at is not None and now > dates.due_at)
    )
    return state


@dataclass
class Submitted:
    """A stored attempt and what the answer to the student needs, all in memory (no query
    after the commit): ``replayed`` is True when an earlier request with the same
    Idempotency-Key stored it; ``standing`` gives ``problem_state`` the dates."""

    submission: Submission
    replayed: bool
    ap: AssignmentProblem
    user: User
    variant: Variant
    standing: Standing

    def state(self, staff: bool = False) -> ProblemState:
        """The student's standing on the problem after this attempt, with no query."""
        return problem_state(self.ap, self.user, self.variant, staff=staff, standing=self.standing)


def submit(
    ap: AssignmentProblem,
    user: User,
    answers: object,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Submitted:
    """Grade and store one attempt on the student's current variant.

    Returns the stored submission; when ``idempotency_key`` was used before, the first
    result with ``replayed`` True and no new attempt. Raises FormatErrors (no attempt used)
    or SubmissionRefused (dates, quiz time, attempts). Everything returned is loaded before
    the commit and kept after it, so a connection lost just after the commit cannot turn a
    stored attempt into an error for the client.
    """
    if idempotency_key is not None and (
        not idempotency_key.strip() or len(idempotency_key) > MAX_KEY
    ):
        raise SubmissionRefused(
            400, "bad_idempotency_key", f"An Idempotency-Key has 1 to {MAX_KEY} characters."
        )
    variant = get_or_create_variant(ap, user)
    if idempotency_key is not None:
        earlier = _replay(ap, user, variant, idempotency_key)
        if earlier is not None:
            return earlier
    kind = problems.get(variant.kind)
    grade = kind.grade(variant.params, answers, grading_policy(ap))
    if grade.format_errors:
        raise FormatErrors(grade.format_errors, grade.feedback)

    for _ in range(3):  # a concurrent attempt may take our attempt number: count again
        now_ = now or utcnow()
        db.session.refresh(variant)
        standing = standing_for(ap.assignment, user)
        state = problem_state(ap, user, variant, now_, standing=standing)
        if state.refusal is not None:
            raise state.refusal
        assignment = ap.assignment
        late = state.late_now
        score = grade.score
        if late:
            score *= 1.0 - assignment.late_penalty
        attempt = state.attempts_used + 1
        score *= max(0.0, 1.0 - assignment.retry_penalty * (attempt - 1))
        sub = Submission(
            variant_id=variant.id,
            attempt=attempt,
            raw=answers,
            parsed=grade.parsed,
            raw_score=grade.score,
            score=round(score, 12),
            results=grade.results,
            misconceptions=grade.misconceptions,
            feedback=grade.feedback,
            late=late,
            idempotency_key=idempotency_key,
            created_at=now_,
            normalised=normalise(grade.parsed),
            assignment_problem_id=ap.id,
            tags=[
                SubmissionTag(tag=t, assignment_problem_id=ap.id, user_id=user.id)
                for t in grade.misconceptions
            ],
        )
        db.session.add(sub)
        note_attempt(variant, sub)
        try:
            commit_keeping_state()  # the answer is built from these objects, no query
            return Submitted(sub, False, ap, user, variant, standing)
        except sa.exc.IntegrityError:
            db.session.rollback()
            if idempotency_key is not None:
                earlier = _replay(ap, user, variant, idempotency_key)
                if earlier is not None:
                    return earlier
    raise SubmissionRefused(
        409, "conflict", "Another submission was being saved at the same time; send it again."
    )


def note_attempt(variant: Variant, sub: Submission) -> None:
    """Fold a new attempt into the variant's running summary (same transaction)."""
    variant.attempts = sub.attempt
    variant.best_score = (
        sub.score if variant.best_score is None else max(variant.best_score, sub.score)
    )
    variant.last_score = sub.score
    right = sub.raw_score >= 1.0
    if sub.attempt == 1:
        variant.first_at = sub.created_at
        variant.first_correct = right
    if right and not variant.correct:
        variant.correct = True
        variant.first_correct_attempt = sub.attempt
        variant.first_correct_at = sub.created_at


def refresh_summary(variant: Variant) -> None:
    """Recompute the variant's summary from all its submissions (after a regrade)."""
    variant.attempts, variant.best_score, variant.last_score = 0, None, None
    variant.first_correct = variant.correct = False
    variant.first_correct_attempt = variant.first_at = variant.first_correct_at = None
    for sub in sorted(variant.submissions, key=lambda s: s.attempt):
        note_attempt(variant, sub)


def normalise(parsed: dict) -> str:
    """A parsed answer as canonical JSON with numbers to 4 significant figures, so that
    the same wrong answer typed differently ("0.50", "1/2") counts once."""

    def r(v):
        if isinstance(v, list):
            return [r(x) for x in v]
        if isinstance(v, float):
            return float(f"{v:.4g}") + 0.0  # + 0.0 turns -0.0 into 0.0
        return v

    return json.dumps({k: r(v) for k, v in parsed.items()}, sort_keys=True)


def _replay(ap: AssignmentProblem, user: User, variant: Variant, key: str) -> Submitted | None:
    """The attempt stored earlier under ``key`` on this variant, with the same answer."""
    earlier = db.session.scalar(
        sa.select(Submission).where(
            Submission.variant_id == variant.id, Submission.idempotency_key == key
        )
    )
    if earlier is None:
        return None
    return Submitted(earlier, True, ap, user, variant, standing_for(ap.assignment, user))
