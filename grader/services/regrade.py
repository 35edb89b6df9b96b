"""Regrade: every stored submission of an assignment's problems graded again from its raw
values with the problem's current policy (and the key recomputed from the stored params).
First a summary of what would change; applying keeps the old results in GradeChange.

Both run as background jobs (``regrade_plan`` and ``regrade_apply``, see jobs.py): at
10,000 students the plan alone grades ~300,000 submissions again. Applying plans again
(the grades may have moved since the plan was shown) and writes every change in **one
transaction**, committed with the job's ``done``: all or nothing, so a failed or stopped
apply leaves every grade as it was, and pressing Apply again starts from scratch."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

import problems

from ..extensions import db
from ..models import (
    Assignment,
    AssignmentProblem,
    GradeChange,
    Submission,
    SubmissionTag,
    User,
    Variant,
    utcnow,
)
from .submissions import normalise, refresh_summary
from .variants import grading_policy


@dataclass
class Change:
    submission_id: int
    variant_id: int
    user_id: int
    problem_id: int
    old_score: float
    new_score: float
    new_raw: float
    results: dict
    misconceptions: list
    feedback: list
    parsed: dict


@dataclass
class RegradeSummary:
    submissions: int = 0
    changes: list[Change] = field(default_factory=list)
    new_keys: dict[int, dict] = field(default_factory=dict)  # variant id → the engine's key now

    @property
    def keys_changed(self) -> int:
        """Variants whose stored key differs from the one the engine computes now."""
        return len(self.new_keys)

    @property
    def students(self) -> int:
        return len({c.user_id for c in self.changes})

    @property
    def raised(self) -> int:
        return sum(c.new_score > c.old_score for c in self.changes)

    @property
    def lowered(self) -> int:
        return sum(c.new_score < c.old_score for c in self.changes)

    @property
    def largest(self) -> float:
        return max((abs(c.new_score - c.old_score) for c in self.changes), default=0.0)

    @property
    def net(self) -> float:
        return sum(c.new_score - c.old_score for c in self.changes)

    def as_result(self, shown: int = 500) -> dict:
        """The figures the regrade page shows, and the first ``shown`` changes (JSON)."""
        return {
            "submissions": self.submissions,
            "changed": len(self.changes),
            "students": self.students,
            "raised": self.raised,
            "lowered": self.lowered,
            "largest": self.largest,
            "net": self.net,
            "keys_changed": self.keys_changed,
            "changes": [
                {
                    "submission_id": c.submission_id,
                    "user_id": c.user_id,
                    "old_score": c.old_score,
                    "new_score": c.new_score,
                }
                for c in self.changes[:shown]
            ],
        }


def students_of(result: dict | None) -> dict[int, User]:
    """The students a regrade's shown changes concern (user id → User), in one query, so
    that the page names them rather than giving their ids."""
    ids = {c["user_id"] for c in (result or {}).get("changes") or [] if "user_id" in c}
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}


def _penalised(a: Assignment, sub: Submission, raw_score: float) -> float:
    score = raw_score * ((1.0 - a.late_penalty) if sub.late else 1.0)
    return round(score * max(0.0, 1.0 - a.retry_penalty * (sub.attempt - 1)), 12)


def plan(a: Assignment, progress: Callable[[int], None] | None = None) -> RegradeSummary:
    """What a regrade would change; nothing is written."""
    summary = RegradeSummary()
    for ap in a.problems:
        policy = grading_policy(ap)  # ProblemUnavailable if the engine refuses it
        kind = problems.get(ap.template.kind)
        for variant in db.session.scalars(
            sa.select(Variant).where(Variant.assignment_problem_id == ap.id)
        ):
            key = kind.solve(variant.params)
            if key != variant.answers:
                summary.new_keys[variant.id] = key
        rows = db.session.execute(
            sa.select(Submission, Variant)
            .join(Variant, Submission.variant_id == Variant.id)
            .where(Variant.assignment_problem_id == ap.id)
            .order_by(Submission.id)
        ).all()
        for sub, variant in rows:
            summary.submissions += 1
            grade = kind.grade(variant.params, sub.raw, policy)
            new_raw = 0.0 if grade.format_errors else grade.score
            feedback = grade.feedback
            new_score = _penalised(a, sub, new_raw)
            if abs(new_score - sub.score) > 1e-12 or grade.results != sub.results:
                summary.changes.append(
                    Change(
                        sub.id,
                        variant.id,
                        variant.user_id,
                        ap.id,
                        sub.score,
                        new_score,
                        new_raw,
                        grade.results,
                        grade.misconceptions,
                        feedback,
                        grade.parsed,
                    )
                )
            if progress:
                progress(1)
    return summary


WRITE_CHUNK = 1000  # submissions (and then variants) loaded per query while writing


def apply(
    a: Assignment,
    by: User | None,
    progress: Callable[[int], None] | None = None,
    commit: bool = True,
    before_writing: Callable[[RegradeSummary], None] | None = None,
    heartbeat: Callable[[], None] | None = None,
) -> RegradeSummary:
    """Regrade and store the new results in one transaction, each old one in GradeChange.
    With ``commit=False`` the writes are left in the session for the caller to commit
    (the job commits them with its status); on an error everything is rolled back.
    ``before_writing(summary)`` is called between planning and the first write;
    ``heartbeat()`` after each chunk of writes (the job says it is alive: on PostgreSQL
    another connection may write while this transaction is open).

    The writes load the changed submissions (with their tags) and then their variants (with
    their submissions) ``WRITE_CHUNK`` at a time, and flush and forget each chunk, so that
    a regrade of 10,000 students takes a few queries per thousand changes and bounded
    memory, all in the one transaction."""
    summary = plan(a, progress)
    if before_writing:
        before_writing(summary)
    try:
        changes = {c.submission_id: c for c in summary.changes}
        now = utcnow()
        for chunk in _in_chunks(Submission, sorted(changes), Submission.tags, heartbeat):
            for sub in chunk:
                _write_change(sub, changes[sub.id], by, now)
        changed = {c.variant_id for c in summary.changes}
        variant_ids = sorted(changed | set(summary.new_keys))
        for chunk in _in_chunks(Variant, variant_ids, Variant.submissions, heartbeat):
            for variant in chunk:
                if variant.id in changed:
                    refresh_summary(variant)
                if variant.id in summary.new_keys:
                    variant.answers = summary.new_keys[variant.id]
        if commit:
            db.session.commit()
        else:
            db.session.flush()
    except Exception:
        db.session.rollback()
        raise
    return summary


def _in_chunks(model, ids: list[int], related, heartbeat: Callable[[], None] | None):
    """Rows of ``model`` with these ids, ``WRITE_CHUNK`` at a time with ``related`` loaded;
    after the caller changes a chunk it is flushed (same transaction) and forgotten."""
    for start in range(0, len(ids), WRITE_CHUNK):
        rows = db.session.scalars(
            sa.select(model)
            .where(model.id.in_(ids[start : start + WRITE_CHUNK]))
            .options(selectinload(related))
        ).all()
        yield rows
        db.session.flush()
        for row in rows:
            db.session.expunge(row)
        if heartbeat:
            heartbeat()


def _write_change(sub: Submission, c: Change, by: User | None, now) -> None:
    """One submission regraded: its old result kept in a GradeChange, the new one stored,
    its misconception tags made to match."""
    db.session.add(
        GradeChange(
            submission_id=sub.id,
            source="regrade",
            old_score=sub.score,
            new_score=c.new_score,
            old_results={
                "raw_score": sub.raw_score,
                "results": sub.results,
                "misconceptions": sub.misconceptions,
                "feedback": sub.feedback,
            },
            reason="regrade with the problem's current policy and key",
            changed_by_id=by.id if by else None,
            changed_at=now,
        )
    )
    sub.raw_score, sub.score, sub.results = c.new_raw, c.new_score, c.results
    sub.misconceptions, sub.feedback, sub.parsed = c.misconceptions, c.feedback, c.parsed
    sub.normalised = normalise(c.parsed)
    keep = set(c.misconceptions)
    for row in [t for t in sub.tags if t.tag not in keep]:
        sub.tags.remove(row)
    have = {t.tag for t in sub.tags}
    sub.tags.extend(
        SubmissionTag(tag=t, assignment_problem_id=c.problem_id, user_id=c.user_id)
        for t in c.misconceptions
        if t not in have
    )


def submission_count(a: Assignment) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Submission)
        .join(Variant)
        .join(AssignmentProblem)
        .where(AssignmentProblem.assignment_id == a.id)
    )


# ---------------------------------------------------------------- as background jobs


def plan_job(job, report) -> dict:
    """The ``regrade_plan`` job: the summary, nothing written."""
    a = db.session.get(Assignment, job.assignment_id)
    report.set_total(submission_count(a))
    report.line(f"planning the regrade of {report.total} submissions of “{a.title}”")
    summary = plan(a, progress=report.advance)
    report.flush()
    report.line(
        f"{len(summary.changes)} of {summary.submissions} submissions would change "
        f"for {summary.students} student(s)"
    )
    return summary.as_result()


def apply_job(job, report) -> dict:
    """The ``regrade_apply`` job: plan again, then write every change; the runner commits
    the writes with the job's status (one transaction)."""
    a = db.session.get(Assignment, job.assignment_id)
    by = db.session.get(User, job.created_by_id) if job.created_by_id else None
    report.set_total(submission_count(a))
    report.line(f"regrading {report.total} submissions of “{a.title}”")

    def writing(summary: RegradeSummary) -> None:
        # The last report before the writes: on SQLite the job's transaction then holds
        # the write lock until it commits.
        report.flush()
        report.line(
            f"writing {len(summary.changes)} changed submission(s) and "
            f"{summary.keys_changed} key(s) in one transaction"
        )

    # On PostgreSQL the job's own short transactions can report while this one is open; on
    # SQLite this transaction holds the write lock until it commits, so no heartbeat then.
    beat = report.flush if db.engine.dialect.name == "postgresql" else None
    summary = apply(
        a, by, progress=report.advance, commit=False, before_writing=writing, heartbeat=beat
    )
    return summary.as_result()
