"""The data model of the whole service: people, courses, problem templates, assignments,
each student's variant, and the append-only record of submissions.

Times are stored in UTC (``UTCDateTime`` hands back aware datetimes on every database).
JSON columns hold plain data: a template's config and grading policy, a variant's params
and answer key, a submission's raw values and per-entry results.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db

ROLES = ("instructor", "ta", "student")
STAFF_ROLES = ("instructor", "ta")
MODES = ("homework", "quiz", "practice")
SOLUTION_RELEASES = ("after_correct", "after_attempts", "after_due", "never")
SCORE_POLICIES = ("best", "last")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp stored as naive UTC and returned as an aware UTC datetime, so SQLite
    (which keeps no time zone) and PostgreSQL behave alike."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: give times in UTC with a time zone")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=UTC)


JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str | None] = mapped_column(sa.String(256))
    is_admin: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Part of every login's id (session and remember cookies): raising it ends every
    # session of the user at once, on logout and when the password changes.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    enrollments: Mapped[list[Enrollment]] = relationship(back_populates="user")

    def __repr__(self) -> str:
        return f"<User {self.email}>"

    def get_id(self) -> str:
        """Flask-Login's id for the cookies: "<user id>:<session version>"; a cookie made
        before the version was raised no longer names a logged-in user."""
        return f"{self.id}:{self.session_version}"

    @property
    def sortable_name(self) -> str:
        """'Last, First' when the name has a space (Canvas's Student column)."""
        parts = self.name.strip().rsplit(" ", 1)
        return f"{parts[1]}, {parts[0]}" if len(parts) == 2 else self.name


class Course(db.Model):
    __tablename__ = "course"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    enrollments: Mapped[list[Enrollment]] = relationship(back_populates="course")
    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="course", order_by="Assignment.id"
    )


class Enrollment(db.Model):
    __tablename__ = "enrollment"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "course_id"),
        sa.CheckConstraint(f"role IN {ROLES}", name="role"),
        sa.Index("ix_enrollment_course_role", "course_id", "role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(sa.String(20))
    section: Mapped[str] = mapped_column(sa.String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="enrollments")
    course: Mapped[Course] = relationship(back_populates="enrollments")


class ProblemTemplate(db.Model):
    """A kind of the engine with a config and a grading policy; in a course or, with no
    course, in the shared library available to every course."""

    __tablename__ = "problem_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("course.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(40))
    title: Mapped[str] = mapped_column(sa.String(200))
    config: Mapped[dict] = mapped_column(JSONType, default=dict)
    policy: Mapped[dict] = mapped_column(JSONType, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    course: Mapped[Course | None] = relationship()


class Assignment(db.Model):
    __tablename__ = "assignment"
    __table_args__ = (
        sa.CheckConstraint(f"mode IN {MODES}", name="mode"),
        sa.CheckConstraint(f"solution_release IN {SOLUTION_RELEASES}", name="solution_release"),
        sa.CheckConstraint(f"score_policy IN {SCORE_POLICIES}", name="score_policy"),
        sa.CheckConstraint("late_penalty >= 0 AND late_penalty <= 1", name="late_penalty"),
        sa.CheckConstraint("retry_penalty >= 0 AND retry_penalty <= 1", name="retry_penalty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("course.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    mode: Mapped[str] = mapped_column(sa.String(20), default="homework")
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    late_penalty: Mapped[float] = mapped_column(default=0.0)  # fraction of the score lost if late
    time_limit_minutes: Mapped[int | None] = mapped_column()
    max_attempts: Mapped[int | None] = mapped_column()  # None: unlimited
    retry_penalty: Mapped[float] = mapped_column(default=0.0)  # fraction lost per earlier attempt
    solution_release: Mapped[str] = mapped_column(sa.String(20), default="after_correct")
    score_policy: Mapped[str] = mapped_column(sa.String(10), default="best")
    published: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course: Mapped[Course] = relationship(back_populates="assignments")
    problems: Mapped[list[AssignmentProblem]] = relationship(
        back_populates="assignment",
        order_by="AssignmentProblem.position",
        cascade="all, delete-orphan",
    )


class AssignmentProblem(db.Model):
    __tablename__ = "assignment_problem"
    __table_args__ = (sa.UniqueConstraint("assignment_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignment.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column()
    points: Mapped[float] = mapped_column(default=1.0)
    template_id: Mapped[int] = mapped_column(
        sa.ForeignKey("problem_template.id", ondelete="RESTRICT")
    )

    assignment: Mapped[Assignment] = relationship(back_populates="problems")
    # Joined: every page that lists problems shows their titles (no query per problem).
    template: Mapped[ProblemTemplate] = relationship(lazy="joined", innerjoin=True)


class Extension(db.Model):
    """A student's own dates for an assignment, or an excusal."""

    __tablename__ = "extension"
    __table_args__ = (sa.UniqueConstraint("assignment_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignment.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    excused: Mapped[bool] = mapped_column(default=False)
    granted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Variant(db.Model):
    """One student's numbers for one assignment problem, stored once with the key; never
    regenerated silently."""

    __tablename__ = "variant"
    __table_args__ = (sa.UniqueConstraint("assignment_problem_id", "user_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # 1 for graded work; practice mode's "new variant" adds 2, 3, … (older ones stay, with
    # their submissions: nothing is regenerated in place).
    number: Mapped[int] = mapped_column(default=1, server_default="1")
    assignment_problem_id: Mapped[int] = mapped_column(
        sa.ForeignKey("assignment_problem.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    seed: Mapped[int] = mapped_column(sa.BigInteger)
    # What statistics break scores down by (facet name → value, as the kind's ``facets``
    # reads them from params when the variant is made): a new kind's facet needs no column.
    facets: Mapped[dict] = mapped_column(JSONType, default=dict, server_default=sa.text("'{}'"))
    # A running summary of the variant's submissions, kept in step by every write that adds
    # or regrades one, so that statistics aggregate one row per student and problem.
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    best_score: Mapped[float | None] = mapped_column()
    last_score: Mapped[float | None] = mapped_column()
    first_correct: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    correct: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    first_correct_attempt: Mapped[int | None] = mapped_column()
    first_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_correct_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    config: Mapped[dict] = mapped_column(JSONType, default=dict)
    params: Mapped[dict] = mapped_column(JSONType)
    answers: Mapped[dict] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # first view

    assignment_problem: Mapped[AssignmentProblem] = relationship()
    user: Mapped[User] = relationship()
    submissions: Mapped[list[Submission]] = relationship(
        back_populates="variant", order_by="Submission.attempt"
    )


class QuizStart(db.Model):
    """When a student pressed "Start quiz" on a timed quiz: their clock runs from
    ``started_at`` (one row per student and quiz, so pressing twice starts once). Viewing a
    problem never starts it. ``finalized_at`` is set once their time is over and their saved
    drafts have been graded (``finalize_expired``): set once, it spares the work."""

    __tablename__ = "quiz_start"
    __table_args__ = (sa.UniqueConstraint("assignment_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignment.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finalized_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


DRAFT_OUTCOMES = ("submitted", "unreadable", "same", "no_attempts_left")


class Draft(db.Model):
    """What a student has typed into a problem's boxes of a timed quiz and not submitted:
    the raw form values (input name → text), saved as they type. Costs no attempt. At the
    time limit it is graded as a final attempt; ``outcome`` then says what became of it
    ("submitted": graded as ``submission_id``; "unreadable": its entries could not be read;
    "same": the last attempt already had these numbers; "no_attempts_left")."""

    __tablename__ = "draft"
    __table_args__ = (sa.CheckConstraint(f"outcome IN {DRAFT_OUTCOMES}", name="outcome"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    variant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("variant.id", ondelete="CASCADE"), unique=True
    )
    raw: Mapped[dict] = mapped_column(JSONType, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[str | None] = mapped_column(sa.String(20))
    submission_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("submission.id", ondelete="SET NULL")
    )


class Submission(db.Model):
    """One graded attempt. What the student sent (raw, attempt, created_at, late,
    idempotency_key) is never changed. A regrade rewrites the grading in place (parsed,
    raw_score, score, results, misconceptions, feedback, normalised, tags) and writes a
    GradeChange row with the old score and results; a manual override does not touch the
    submission at all (it is a ScoreOverride on the student's problem)."""

    __tablename__ = "submission"
    __table_args__ = (
        sa.UniqueConstraint("variant_id", "attempt"),
        sa.UniqueConstraint("variant_id", "idempotency_key"),
        # "Most common wrong answers" reads this index alone (an index-only scan on
        # PostgreSQL): 70 ms instead of 600 ms for 10,000 students' 300,000 submissions.
        sa.Index(
            "ix_submission_wrong_answers",
            "assignment_problem_id",
            "normalised",
            "variant_id",
            postgresql_where=sa.text("raw_score < 1"),
            sqlite_where=sa.text("raw_score < 1"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    variant_id: Mapped[int] = mapped_column(sa.ForeignKey("variant.id", ondelete="CASCADE"))
    # The variant's problem, copied here so that per-problem counts need no join.
    assignment_problem_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("assignment_problem.id", ondelete="CASCADE"), index=True
    )
    attempt: Mapped[int] = mapped_column()
    raw: Mapped[dict] = mapped_column(JSONType)
    parsed: Mapped[dict] = mapped_column(JSONType, default=dict)
    raw_score: Mapped[float] = mapped_column()  # the engine's score in [0, 1]
    score: Mapped[float] = mapped_column()  # after late and retry penalties, in [0, 1]
    results: Mapped[dict] = mapped_column(JSONType, default=dict)
    misconceptions: Mapped[list] = mapped_column(JSONType, default=list)
    feedback: Mapped[list] = mapped_column(JSONType, default=list)
    # The parsed answer with numbers to 4 significant figures: equal wrong answers group.
    normalised: Mapped[str | None] = mapped_column(sa.Text)
    late: Mapped[bool] = mapped_column(default=False)
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    variant: Mapped[Variant] = relationship(back_populates="submissions")
    tags: Mapped[list[SubmissionTag]] = relationship(cascade="all, delete-orphan")

    # the reserved key of an attempt graded from a timed quiz's draft at its time limit
    AUTO_KEY = "quiz-time-limit"

    @property
    def auto(self) -> bool:
        """Graded from the student's saved draft when a timed quiz's time ended."""
        return self.idempotency_key == self.AUTO_KEY


class SubmissionTag(db.Model):
    """One misconception tag of a submission, a row each so that counts are a GROUP BY."""

    __tablename__ = "submission_tag"

    submission_id: Mapped[int] = mapped_column(
        sa.ForeignKey("submission.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    # Copied from the submission's variant: tag counts per problem and student need no join.
    assignment_problem_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("assignment_problem.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))


class GradeChange(db.Model):
    """History of a submission's score: one row per regrade that changed it (the old and
    new score, the old results), with who and why."""

    __tablename__ = "grade_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        sa.ForeignKey("submission.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[str] = mapped_column(sa.String(20))  # "regrade": the only writer
    old_score: Mapped[float] = mapped_column()
    new_score: Mapped[float] = mapped_column()
    old_results: Mapped[dict] = mapped_column(JSONType, default=dict)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApiToken(db.Model):
    """A bearer token, stored as its SHA-256 hash; expiring and revocable."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class LoginThrottle(db.Model):
    """Login attempts counted for one key: an (email, client address) pair, a client
    address alone, or a trusted device (its device cookie's nonce), stored as a SHA-256
    hash (typed emails are not kept). ``failures`` counts attempts (each before its
    password check; a right password resets it) within the window that began at
    ``window_started_at``; at the limit the key is locked until ``locked_until``. In the
    database so that every worker sees it."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ScoreOverride(db.Model):
    """A manual score for one student on one assignment problem, with its reason. Rows are
    only added: the newest is in force (``score`` None removes the override)."""

    __tablename__ = "score_override"
    __table_args__ = (
        sa.Index("ix_score_override_problem_user", "assignment_problem_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_problem_id: Mapped[int] = mapped_column(
        sa.ForeignKey("assignment_problem.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    score: Mapped[float | None] = mapped_column()  # fraction of the problem's points, 0 to 1
    reason: Mapped[str] = mapped_column(sa.Text)
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


JOB_STATUSES = ("queued", "running", "done", "failed")
ACTIVE_JOB_STATUSES = ("queued", "running")


class Job(db.Model):
    """Long work done by a background worker (grader/services/jobs.py): what staff see of
    it. The queue (huey) carries only the job's id; this row holds who started it, for
    which course or assignment, its status, progress, log lines and result. At most one
    active job per ``dedupe_key`` (kind + target): a partial unique index, so a second
    press finds the first job instead of starting another."""

    __tablename__ = "job"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {JOB_STATUSES}", name="status"),
        sa.Index(
            "uq_job_active_dedupe_key",
            "dedupe_key",
            unique=True,
            sqlite_where=sa.text("status IN ('queued', 'running')"),
            postgresql_where=sa.text("status IN ('queued', 'running')"),
        ),
        sa.Index("ix_job_course_created", "course_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id", ondelete="CASCADE"))
    assignment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("assignment.id", ondelete="CASCADE")
    )
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    dedupe_key: Mapped[str] = mapped_column(sa.String(120))
    params: Mapped[dict] = mapped_column(JSONType, default=dict)
    status: Mapped[str] = mapped_column(sa.String(10), default="queued")
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int | None] = mapped_column()
    log: Mapped[str] = mapped_column(sa.Text, default="")
    result: Mapped[dict | None] = mapped_column(JSONType)
    error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Written with every progress report: a running job whose heartbeat is older than
    # JOBS_STALE_SECONDS has lost its worker and is shown (and stored) as failed.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    course: Mapped[Course] = relationship()
    assignment: Mapped[Assignment | None] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_JOB_STATUSES


class JobFileChunk(db.Model):
    """A job's output file (the long CSV), zlib-compressed in pieces of at most 1 MiB of
    text: written as it is made and read back a piece at a time (constant memory), from
    any web worker on any machine, and deleted with its job."""

    __tablename__ = "job_file_chunk"

    job_id: Mapped[int] = mapped_column(
        sa.ForeignKey("job.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)


@sa.event.listens_for(sa.orm.Session, "before_flush")
def _new_password_ends_sessions(session, _flush_context, _instances) -> None:
    """A new password for an existing account ends every session of it (cookies of any
    device) and revokes its API tokens, whichever code sets the password: someone who
    learnt the old one keeps no way in."""
    for obj in session.dirty:
        if isinstance(obj, User) and sa.inspect(obj).attrs.password_hash.history.has_changes():
            obj.session_version = User.session_version + 1
            session.execute(
                sa.update(ApiToken.__table__)
                .where(ApiToken.user_id == obj.id, ApiToken.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )
