"""A student's attempt: the rules in force (dates, extensions, quiz time, attempts), then
parse and grade with the problem's policy, and store raw values and result in one
transaction. Format errors are returned, not stored, and use no attempt."""

from __future__ import annotations

import functools
import json
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

import problems

from ..extensions import db
from ..models import (
    Assignment,
    AssignmentProblem,
    Enrollment,
    Extension,
    ProblemTemplate,
    QuizStart,
    Submission,
    SubmissionTag,
    User,
    Variant,
    utcnow,
)
from . import commit_keeping_state, lti_scores
from .access import is_staff
from .errors import Forbidden
from .variants import (  # SubmissionRefused lives there: a variant can be refused too
    SubmissionRefused,
    current_variant,
    get_or_create_variant,
    grading_policy,
)

MAX_KEY = 200
# The Idempotency-Key of an attempt graded from a draft when a timed quiz's time ended
# (grader/services/quiz.py): reserved, a client may not send it. Kept by the model, whose
# ``Submission.auto`` tells such attempts apart.
AUTO_KEY = Submission.AUTO_KEY


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

    def not_open(self, now: datetime) -> bool:
        """True before the assignment opens: the one rule for showing a problem's numbers
        and for accepting an attempt."""
        return self.opens_at is not None and now < self.opens_at

    def opening(self) -> str:
        return f"This assignment opens on {fmt_time(self.opens_at)}." if self.opens_at else ""


def dates_for(assignment: Assignment, user: User) -> Dates:
    """The assignment's dates with the student's extension (if any) applied."""
    ext = db.session.scalar(
        sa.select(Extension).where(
            Extension.assignment_id == assignment.id, Extension.user_id == user.id
        )
    )
    return _dates(assignment, ext)


def _dates(assignment: Assignment, ext: Extension | None) -> Dates:
    due, closes = assignment.due_at, assignment.closes_at
    if ext is not None:
        due = ext.due_at or due
        if ext.closes_at is not None:
            closes = ext.closes_at
        elif closes is not None and due is not None and due > closes:
            closes = due  # an extension past the closing date keeps it open until then
    return Dates(assignment.opens_at, due, closes, bool(ext and ext.excused))


def check_open(
    assignment: Assignment,
    user: User,
    staff: bool = False,
    now: datetime | None = None,
    dates: Dates | None = None,
) -> None:
    """Forbidden (code "not_open") if a student asks for a problem's numbers before the
    assignment opens (their extension does not move the opening); staff may look early.
    ``dates`` may be given when known."""
    dates = dates or dates_for(assignment, user)
    if not staff and dates.not_open(now or utcnow()):
        raise Forbidden(dates.opening(), error="not_open")


def is_timed(assignment: Assignment) -> bool:
    """A quiz with a time limit: its clock starts when the student presses Start."""
    return assignment.mode == "quiz" and bool(assignment.time_limit_minutes)


def quiz_start_of(assignment: Assignment, user: User) -> QuizStart | None:
    """The student's start of a timed quiz, or None (not timed, or not started)."""
    if not is_timed(assignment):
        return None
    return db.session.scalar(
        sa.select(QuizStart).where(
            QuizStart.assignment_id == assignment.id, QuizStart.user_id == user.id
        )
    )


def quiz_end(assignment: Assignment, started: datetime | None, dates: Dates) -> datetime | None:
    """When a timed quiz started at ``started`` ends: the start plus the time limit, or the
    closing date (with the student's extension) if that comes first. None if not timed or
    not started. The due date does not end it (answers after it are late, as elsewhere)."""
    if not is_timed(assignment) or started is None:
        return None
    end = started + timedelta(minutes=assignment.time_limit_minutes)
    if dates.closes_at is not None and dates.closes_at < end:
        end = dates.closes_at
    return end


@dataclass
class Standing:
    """A student's dates on an assignment (extension applied) and, in a timed quiz, when
    they pressed Start and when their time ends: looked up once per assignment, shared by
    its problems."""

    dates: Dates
    ends_at: datetime | None
    started_at: datetime | None = None
    finalized: bool = False  # their saved drafts were graded at the end (finalize_expired)

    def quiz_over(self, now: datetime) -> bool:
        return self.ends_at is not None and now > self.ends_at


def standing_for(assignment: Assignment, user: User) -> Standing:
    dates = dates_for(assignment, user)
    start = quiz_start_of(assignment, user)
    started = start.started_at if start else None
    return Standing(
        dates,
        quiz_end(assignment, started, dates),
        started,
        bool(start and start.finalized_at),
    )


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
    if dates.not_open(now):
        state.refusal = SubmissionRefused(409, "not_open", dates.opening())
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
    Idempotency-Key stored it, or (``same``) when the answer is the previous attempt's
    again; ``standing`` gives ``problem_state`` the dates."""

    submission: Submission
    replayed: bool
    ap: AssignmentProblem
    user: User
    variant: Variant
    standing: Standing
    same: bool = False  # the same answer as the previous attempt: nothing new was stored

    def state(self, staff: bool = False) -> ProblemState:
        """The student's standing on the problem after this attempt, with no query."""
        return problem_state(self.ap, self.user, self.variant, staff=staff, standing=self.standing)


@dataclass
class Target:
    """What one attempt needs, loaded for it: the assignment, its problem (with the
    template), the user's role in the course, their current variant (None before the first
    view), their standing, and the attempt stored earlier under the request's
    Idempotency-Key (if any)."""

    assignment: Assignment
    ap: AssignmentProblem
    role: str
    variant: Variant | None
    standing: Standing
    earlier: Submission | None = None
    previous: Previous | None = None


@dataclass
class Previous:
    """The variant's latest attempt as ``target_for`` found it: its number, id and parsed
    answer (enough to tell whether a new answer is the same again)."""

    attempt: int
    id: int
    parsed: Any


@functools.cache
def _target_query(keyed: bool) -> sa.Select:
    """The one query of ``target_for``, built once (with bind parameters ``user_id``,
    ``assignment_id``, ``problem_id`` and, if ``keyed``, ``key``): building a statement of
    this size costs about as much as running it."""
    user_id = sa.bindparam("user_id", type_=sa.Integer)
    quiz_started = (
        sa.select(QuizStart.started_at)
        .where(QuizStart.assignment_id == Assignment.id, QuizStart.user_id == user_id)
        .correlate(Assignment)
        .scalar_subquery()
    )
    previous = sa.orm.aliased(Submission, name="previous")
    query = (
        sa.select(
            AssignmentProblem,
            Enrollment.role,
            Extension,
            Variant,
            sa.case(
                (
                    (Assignment.mode == "quiz") & Assignment.time_limit_minutes.is_not(None),
                    quiz_started,
                ),
                else_=sa.null(),
            ),
            previous.id,
            previous.parsed,
        )
        .join(Assignment, AssignmentProblem.assignment_id == Assignment.id)
        .join(ProblemTemplate, AssignmentProblem.template_id == ProblemTemplate.id)
        .outerjoin(
            Enrollment,
            (Enrollment.course_id == Assignment.course_id) & (Enrollment.user_id == user_id),
        )
        .outerjoin(
            Extension, (Extension.assignment_id == Assignment.id) & (Extension.user_id == user_id)
        )
        .outerjoin(
            Variant,
            (Variant.assignment_problem_id == AssignmentProblem.id) & (Variant.user_id == user_id),
        )
        .outerjoin(
            previous, (previous.variant_id == Variant.id) & (previous.attempt == Variant.attempts)
        )
        .where(
            AssignmentProblem.id == sa.bindparam("problem_id", type_=sa.Integer),
            AssignmentProblem.assignment_id == sa.bindparam("assignment_id", type_=sa.Integer),
        )
        .options(
            sa.orm.contains_eager(AssignmentProblem.assignment),
            sa.orm.contains_eager(AssignmentProblem.template),
        )
        .order_by(Variant.number.desc())
        .limit(1)
    )
    if keyed:
        query = query.add_columns(Submission).outerjoin(
            Submission,
            (Submission.variant_id == Variant.id)
            & (Submission.idempotency_key == sa.bindparam("key", type_=sa.String)),
        )
    return query


def target_for(
    user: User, assignment_id: int, problem_id: int, idempotency_key: str | None = None
) -> Target:
    """The target of an attempt on ``problem_id`` of ``assignment_id``, in one query
    (assignment, problem, template, role, extension, current variant, quiz start, the
    variant's latest attempt's answer and the earlier attempt with this key). NotFound or
    Forbidden as ``assignment_for`` and ``problem_for`` say (a refusal is worked out again
    by them, so its reason is theirs)."""
    keyed = idempotency_key is not None and 0 < len(idempotency_key) <= MAX_KEY
    params = {"user_id": user.id, "assignment_id": assignment_id, "problem_id": problem_id}
    if keyed:
        params["key"] = idempotency_key
    row = db.session.execute(_target_query(keyed), params).first()
    role = None
    if row is not None:
        role = "instructor" if user.is_admin else row[1]
    if row is None or role is None or not (row[0].assignment.published or is_staff(role)):
        return _target_refused(user, assignment_id, problem_id)
    ap, _role, ext, variant, started, previous_id, previous_parsed = row[:7]
    dates = _dates(ap.assignment, ext)
    standing = Standing(dates, quiz_end(ap.assignment, started, dates), started)
    previous = None
    if variant is not None and previous_id is not None:
        previous = Previous(variant.attempts, previous_id, previous_parsed)
    return Target(ap.assignment, ap, role, variant, standing, row[7] if keyed else None, previous)


def _target_refused(user: User, assignment_id: int, problem_id: int) -> Target:
    """The refusal for a target the one query did not find, from the routes' own rules;
    if they find it after all (it was made meanwhile), the target looked up step by step."""
    from .assignments import assignment_for, problem_for  # they build on this module

    assignment, role = assignment_for(user, assignment_id)
    ap = problem_for(assignment, problem_id)
    return Target(assignment, ap, role, current_variant(ap, user), standing_for(assignment, user))


def submit(
    ap: AssignmentProblem,
    user: User,
    answers: object,
    idempotency_key: str | None = None,
    now: datetime | None = None,
    target: Target | None = None,
    auto: bool = False,
) -> Submitted:
    """Grade and store one attempt on the student's current variant.

    Returns the stored submission; when ``idempotency_key`` was used before, the first
    result with ``replayed`` True and no new attempt. Raises FormatErrors (no attempt used)
    or SubmissionRefused (dates, quiz time, attempts). Everything returned is loaded before
    the commit and kept after it, so a connection lost just after the commit cannot turn a
    stored attempt into an error for the client. ``target`` (from ``target_for``, in this
    transaction) saves looking up the variant, the standing and the earlier attempt again.
    ``auto``: graded from a draft at a timed quiz's end (``quiz.finalize_expired``). A
    student's first attempt on a timed quiz not yet started (through the API) starts it.
    """
    if idempotency_key is not None and (
        not idempotency_key.strip() or len(idempotency_key) > MAX_KEY
    ):
        raise SubmissionRefused(
            400, "bad_idempotency_key", f"An Idempotency-Key has 1 to {MAX_KEY} characters."
        )
    if idempotency_key == AUTO_KEY and not auto:
        raise SubmissionRefused(
            400,
            "bad_idempotency_key",
            f"The Idempotency-Key {AUTO_KEY!r} is reserved for answers graded at a quiz's "
            "time limit: use another.",
        )
    if target is None:
        dates, variant, standing = dates_for(ap.assignment, user), None, None
    else:
        dates, variant, standing = target.standing.dates, target.variant, target.standing
    if dates.not_open(now or utcnow()):  # before dealing numbers: no variant, no quiz clock
        raise SubmissionRefused(409, "not_open", dates.opening())
    if is_timed(ap.assignment) and not auto:
        started = standing.started_at if standing is not None else None
        if started is None and not _staff_in(ap.assignment, user, target):
            from .quiz import start_quiz  # it builds on this module

            if quiz_start_of(ap.assignment, user) is None:
                start_quiz(ap.assignment, user, now=now)
            standing = None  # looked up again below, with the start
    if variant is None:
        # Made here (and committed) on a first attempt without a view; the quiz clock
        # starts with it, so the standing is looked up again below.
        variant, standing = get_or_create_variant(ap, user), None
    if idempotency_key is not None:
        if target is not None and target.variant is variant:
            earlier = target.earlier  # looked up with the target
        else:
            earlier = _find_earlier(variant, idempotency_key)
        if earlier is not None:
            return Submitted(
                earlier, True, ap, user, variant, standing or standing_for(ap.assignment, user)
            )
    kind = problems.get(variant.kind)
    grade = kind.grade(variant.params, answers, grading_policy(ap))
    if grade.format_errors:
        raise FormatErrors(grade.format_errors, grade.feedback)

    for _ in range(3):  # a concurrent attempt may take our attempt number: count again
        now_ = now or utcnow()
        if standing is None:  # not loaded in this transaction: read the summary again
            db.session.refresh(variant)
            standing = standing_for(ap.assignment, user)
        state = problem_state(ap, user, variant, now_, standing=standing)
        if state.refusal is not None:
            raise state.refusal
        attempt, late = state.attempts_used + 1, state.late_now
        previous = state.attempts_used and _same_previous(
            variant, state.attempts_used, grade, target
        )
        if previous:
            # The very same answer again (read to the same numbers): it costs no attempt
            # and is not stored again; the student is told which attempt it is.
            return Submitted(previous, True, ap, user, variant, standing, same=True)
        row = submission_row(
            variant_id=variant.id,
            assignment_problem_id=ap.id,
            attempt=attempt,
            raw=answers,
            parsed=grade.parsed,
            raw_score=grade.score,
            score=credited_score(ap.assignment, grade.score, attempt, late),
            results=grade.results,
            misconceptions=grade.misconceptions,
            feedback=grade.feedback,
            late=late,
            created_at=now_,
            normalised=normalise(grade.parsed),
            idempotency_key=idempotency_key,
        )
        try:
            sub = _store(row, grade.misconceptions, user.id, variant)
            lti_scores.score_changed(user.id, ap.assignment_id)  # after the commit; no LMS wait
            return Submitted(sub, False, ap, user, variant, standing)
        except sa.exc.IntegrityError:
            db.session.rollback()
            standing = None
            if idempotency_key is not None:
                earlier = _find_earlier(variant, idempotency_key)
                if earlier is not None:
                    return Submitted(
                        earlier, True, ap, user, variant, standing_for(ap.assignment, user)
                    )
    raise SubmissionRefused(
        409, "conflict", "Another submission was being saved at the same time; send it again."
    )


def _store(row: dict[str, Any], tags: list[str], user_id: int, variant: Variant) -> Submission:
    """Write one graded attempt and commit: the submission and the variant's new summary
    (one statement on PostgreSQL, two elsewhere), then its misconception tags if any, as
    plain statements (no unit of work to work out). The
    variant in memory gets the summary as committed; the submission returned is built from
    ``row`` and its new id, detached, for the answer to the client (no query after the
    commit)."""
    summary = Summary(**{name: getattr(variant, name) for name in SUMMARY_FIELDS})
    note_attempt(summary, row["attempt"], row["score"], row["raw_score"], row["created_at"])
    values = asdict(summary)
    if db.engine.dialect.name == "postgresql":  # one round trip for both (a CTE)
        params = {f"new_{k}": v for k, v in row.items()}
        params |= {f"summary_{k}": v for k, v in values.items()}
        sub_id = db.session.execute(
            _insert_with_summary(), params | {"summary_variant_id": variant.id}
        ).scalar_one()
    else:
        sub_id = db.session.execute(_INSERT_SUBMISSION, row).scalar_one()
        db.session.execute(_UPDATE_SUMMARY, {"variant_id": variant.id, **values})
    if tags:
        db.session.execute(
            sa.insert(SubmissionTag.__table__),
            [
                {
                    "submission_id": sub_id,
                    "tag": t,
                    "assignment_problem_id": row["assignment_problem_id"],
                    "user_id": user_id,
                }
                for t in tags
            ],
        )
    commit_keeping_state()  # the answer is built from these objects, no query
    for name, value in values.items():  # as stored: nothing left for a flush to write
        sa.orm.attributes.set_committed_value(variant, name, value)
    return Submission(id=sub_id, **row)


def _staff_in(assignment: Assignment, user: User, target: Target | None) -> bool:
    """Staff try a quiz without a clock (their tries are previews)."""
    if target is not None:
        return is_staff(target.role)
    from .access import role_in

    return user.is_admin or is_staff(role_in(user, assignment.course_id))


def credited_score(assignment: Assignment, raw_score: float, attempt: int, late: bool) -> float:
    """The score an attempt is credited with: the late penalty if late, then the retry
    penalty per earlier attempt, rounded to 12 places (so sums compare exactly)."""
    score = raw_score
    if late:
        score *= 1.0 - assignment.late_penalty
    score *= max(0.0, 1.0 - assignment.retry_penalty * (attempt - 1))
    return round(score, 12)


def submission_row(
    *,
    variant_id: int,
    assignment_problem_id: int,
    attempt: int,
    raw: Any,
    parsed: Any,
    raw_score: float,
    score: float,
    results: Any,
    misconceptions: Any,
    feedback: Any,
    late: bool,
    created_at: datetime,
    normalised: str,
    idempotency_key: str | None = None,
) -> dict[str, Any]:
    """Every column of a submission row (but its id), by name: the one list that both
    ``submit`` and the bulk writer (``insert_submissions``) fill, so that a new column
    must be given on both paths or neither (a test checks it against the table)."""
    return {
        "variant_id": variant_id,
        "assignment_problem_id": assignment_problem_id,
        "attempt": attempt,
        "raw": raw,
        "parsed": parsed,
        "raw_score": raw_score,
        "score": score,
        "results": results,
        "misconceptions": misconceptions,
        "feedback": feedback,
        "late": late,
        "created_at": created_at,
        "normalised": normalised,
        "idempotency_key": idempotency_key,
    }


@dataclass
class Summary:
    """A variant's running summary of its attempts: the Variant columns that
    ``note_attempt`` keeps (a bulk writer folds attempts into one of these)."""

    attempts: int = 0
    best_score: float | None = None
    last_score: float | None = None
    first_at: datetime | None = None
    first_correct: bool = False
    correct: bool = False
    first_correct_attempt: int | None = None
    first_correct_at: datetime | None = None


SUMMARY_FIELDS = tuple(f.name for f in fields(Summary))
_INSERT_SUBMISSION = sa.insert(Submission.__table__).returning(Submission.__table__.c.id)
_UPDATE_SUMMARY = (
    sa.update(Variant.__table__)
    .where(Variant.__table__.c.id == sa.bindparam("variant_id"))
    .values({name: sa.bindparam(name) for name in SUMMARY_FIELDS})
)


@functools.cache
def _insert_with_summary() -> sa.Insert:
    """PostgreSQL: the attempt's insert with the variant's summary update in a
    data-modifying CTE, one statement and one round trip instead of two (bind parameters
    ``new_<column>``, ``summary_<field>`` and ``summary_variant_id``)."""
    sub, var = Submission.__table__, Variant.__table__
    summary = (
        sa.update(var)
        .where(var.c.id == sa.bindparam("summary_variant_id", type_=sa.Integer))
        .values({n: sa.bindparam(f"summary_{n}", type_=var.c[n].type) for n in SUMMARY_FIELDS})
        .cte("summary")
    )
    return (
        sa.insert(sub)
        .values(
            {
                c.name: sa.bindparam(f"new_{c.name}", type_=c.type)
                for c in sub.columns
                if c.name != "id"
            }
        )
        .returning(sub.c.id)
        .add_cte(summary)
    )


def note_attempt(
    summary: Variant | Summary, attempt: int, score: float, raw_score: float, at: datetime
) -> None:
    """Fold a new attempt into a variant's running summary (same transaction)."""
    summary.attempts = attempt
    summary.best_score = score if summary.best_score is None else max(summary.best_score, score)
    summary.last_score = score
    right = raw_score >= 1.0
    if attempt == 1:
        summary.first_at = at
        summary.first_correct = right
    if right and not summary.correct:
        summary.correct = True
        summary.first_correct_attempt = attempt
        summary.first_correct_at = at


def refresh_summary(variant: Variant) -> None:
    """Recompute the variant's summary from all its submissions (after a regrade)."""
    for name, value in asdict(Summary()).items():
        setattr(variant, name, value)
    for sub in sorted(variant.submissions, key=lambda s: s.attempt):
        note_attempt(variant, sub.attempt, sub.score, sub.raw_score, sub.created_at)


def _as_is(text: str) -> str:
    return text


class _JsonText(sa.types.TypeDecorator):
    """JSON already serialised, sent to PostgreSQL as JSONB as is."""

    impl = JSONB
    cache_ok = True

    def bind_processor(self, dialect):
        from psycopg.types.json import Jsonb

        return lambda value: None if value is None else Jsonb(value, dumps=_as_is)


def _bulk_submission_table(dialect: str) -> sa.Table:
    """The submission table, made from the model's own columns, with its JSON columns
    taking text: a bulk writer serialises each distinct value once, not once per row."""
    json_type = _JsonText() if dialect == "postgresql" else sa.Text()
    return sa.Table(
        Submission.__tablename__,
        sa.MetaData(),
        *(
            sa.Column(
                c.name,
                json_type if isinstance(c.type, sa.JSON) else c.type,
                primary_key=c.primary_key,
            )
            for c in Submission.__table__.columns
        ),
    )


def insert_submissions(
    rows: list[dict[str, Any]], tags: list[tuple[int, list[str]]]
) -> tuple[int, int]:
    """Bulk-insert graded attempts in the caller's transaction (no commit): ``rows`` are
    ``submission_row`` dicts whose JSON values are already serialised to text, ``tags``
    gives each row's (user id, misconception tags) in the same order. Returns (submissions,
    tags) written. For simulated classes and other bulk loads; a student's attempt goes
    through ``submit``."""
    if not rows:
        return 0, 0
    table = _bulk_submission_table(db.engine.dialect.name)
    ids = db.session.scalars(
        sa.insert(table).returning(table.c.id, sort_by_parameter_order=True), rows
    ).all()
    tag_rows = [
        {
            "submission_id": sid,
            "tag": tag,
            "assignment_problem_id": row["assignment_problem_id"],
            "user_id": uid,
        }
        for sid, row, (uid, names) in zip(ids, rows, tags, strict=True)
        for tag in names
    ]
    if tag_rows:
        db.session.execute(sa.insert(SubmissionTag), tag_rows)
    return len(ids), len(tag_rows)


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


def _same_previous(
    variant: Variant, attempt: int, grade, target: Target | None
) -> Submission | None:
    """The variant's attempt number ``attempt`` (its latest) if ``grade`` read the answer
    to the same numbers, else None: compared with what ``target_for`` loaded when that is
    the attempt it saw (the whole row is read only on a match), else read once here."""
    known = target.previous if target is not None and target.variant is variant else None
    if known is not None and known.attempt == attempt:
        return db.session.get(Submission, known.id) if known.parsed == grade.parsed else None
    previous = _previous(variant, attempt)
    return previous if previous is not None and previous.parsed == grade.parsed else None


def _previous(variant: Variant, attempt: int) -> Submission | None:
    """The variant's attempt number ``attempt`` (the latest), or None."""
    return db.session.scalar(
        sa.select(Submission).where(
            Submission.variant_id == variant.id, Submission.attempt == attempt
        )
    )


def _find_earlier(variant: Variant, key: str) -> Submission | None:
    """The attempt stored earlier under ``key`` on this variant, or None."""
    return db.session.scalar(
        sa.select(Submission).where(
            Submission.variant_id == variant.id, Submission.idempotency_key == key
        )
    )
