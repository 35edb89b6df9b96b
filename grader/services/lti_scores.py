"""Scores back to the LMS (LTI Assignment and Grade Services), through an outbox.

``score_changed(user_id, assignment_id)`` is called after a student's score may have
changed (a submission, a regrade, an override, an excusal). It marks the student's row in
``lti_score_outbox`` pending for every LMS link of the assignment and queues a send; it
never talks to the LMS, so a submission never waits on it. ``send_pending`` (a background
task; also ``flask lti-send-scores``) reads each pending student's score *at sending
time* and posts it to the line item; a failure keeps the row pending with a growing
delay, so an LMS that is down loses no grade: the next send after it is back delivers it.

While no platform is registered, ``score_changed`` costs no query: whether LTI is in use
is kept per process (looked up when the app starts, then at most once a minute).
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context

from ..extensions import db
from ..lti.models import LtiContext, LtiRegistration, LtiResourceLink, LtiScoreOutbox, LtiUser
from ..models import Assignment, AssignmentProblem, User, Variant, utcnow
from . import commit_keeping_state

log = logging.getLogger(__name__)

SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
TASK_NAME = "grader.lti_send_scores"
CHANGED_TASK_NAME = "grader.lti_scores_changed"
CHANGED_CHUNK = 1000
ACTIVE_RECHECK_SECONDS = 60
MAX_DELAY_SECONDS = 3600


def lti_in_use() -> bool:
    """Whether any LMS is registered: kept per process, looked up at most once a minute
    (a registration made in this process counts at once)."""
    app = current_app
    active, checked_at = app.extensions.get("lti_active", (None, 0.0))
    if active and checked_at == 0.0:
        return True
    if active is not None and time.monotonic() - checked_at < ACTIVE_RECHECK_SECONDS:
        return active
    active = db.session.scalar(sa.select(LtiRegistration.id).limit(1)) is not None
    app.extensions["lti_active"] = (active, time.monotonic())
    return active


def prime(app: Flask) -> None:
    """Look up once, at start, whether any platform is registered (a database without the
    LTI tables yet counts as none until the next look)."""
    # A connection of its own, closed at once: nothing is left in the app's pool (a test
    # or a forked worker never inherits it).
    engine = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            found = conn.execute(sa.select(LtiRegistration.id).limit(1)).first() is not None
        app.extensions["lti_active"] = (found, time.monotonic())
    except Exception:  # no table yet (before `db upgrade`), or no database now
        app.extensions["lti_active"] = (None, 0.0)
    finally:
        engine.dispose()


def score_changed(user_id: int, assignment_id: int) -> int:
    """Mark the student's score on the assignment as to be sent to every LMS line item
    linked to it, and queue a send. Returns how many rows were marked (0 when the
    assignment is in no LMS). Commits its own rows; call it after the score's commit."""
    try:
        return _score_changed(user_id, assignment_id)
    except Exception:  # the score is stored already: never turn it into an error
        log.exception(
            "LTI score change of user %s on assignment %s not queued", user_id, assignment_id
        )
        db.session.rollback()
        return 0


def _score_changed(user_id: int, assignment_id: int) -> int:
    if not lti_in_use():
        return 0
    links = db.session.scalars(
        sa.select(LtiResourceLink.id)
        .join(LtiContext, LtiResourceLink.lti_context_id == LtiContext.id)
        .join(LtiUser, sa.and_(LtiUser.issuer == LtiContext.issuer, LtiUser.user_id == user_id))
        .where(LtiResourceLink.assignment_id == assignment_id)
    ).all()
    if not links:
        return 0
    mark(links, [user_id])
    enqueue()
    return len(links)


def mark(link_ids: list[int], user_ids: list[int]) -> None:
    """Pending rows for these (link, user) pairs, made where missing; commits."""
    now = utcnow()
    existing = {
        (r.resource_link_id, r.user_id): r
        for r in db.session.scalars(
            sa.select(LtiScoreOutbox).where(
                LtiScoreOutbox.resource_link_id.in_(link_ids), LtiScoreOutbox.user_id.in_(user_ids)
            )
        )
    }
    for link_id in link_ids:
        for user_id in user_ids:
            row = existing.get((link_id, user_id))
            if row is None:
                db.session.add(
                    LtiScoreOutbox(
                        resource_link_id=link_id,
                        user_id=user_id,
                        changed_at=now,
                        next_attempt_at=now,
                    )
                )
            else:
                row.pending, row.changed_at, row.next_attempt_at = True, now, now
    try:
        commit_keeping_state()  # the caller's objects (a submission's answer) stay loaded
    except sa.exc.IntegrityError:  # a concurrent mark made the row: it is pending already
        db.session.rollback()


def enqueue(delay: int | None = None) -> None:
    """Queue a send (the outbox keeps the work should the queue be down)."""
    task = current_app.extensions.get(TASK_NAME)
    if task is None:
        return
    try:
        if delay:
            task.schedule(delay=delay)
        else:
            task()
    except Exception as exc:  # Redis down: the rows stay pending for the next send
        log.warning("LTI score send not queued (%s); the outbox keeps it", exc)


def resend_course(course_id: int) -> int:
    """Mark every LTI student's score of every linked assignment of the course pending
    ("send all scores again"); returns the number of rows marked."""
    from ..models import Enrollment

    pairs = db.session.execute(
        sa.select(LtiResourceLink.id, LtiUser.user_id)
        .join(LtiContext, LtiResourceLink.lti_context_id == LtiContext.id)
        .join(LtiUser, LtiUser.issuer == LtiContext.issuer)
        .join(
            Enrollment,
            sa.and_(
                Enrollment.user_id == LtiUser.user_id,
                Enrollment.course_id == LtiContext.course_id,
                Enrollment.role == "student",
            ),
        )
        .where(LtiContext.course_id == course_id)
    ).all()
    for link_id, user_id in pairs:
        mark([link_id], [user_id])
    if pairs:
        enqueue()
    return len(pairs)


def current_score(assignment: Assignment, user: User) -> tuple[float | None, float, str, str]:
    """(points earned or None when nothing was submitted, points possible,
    activityProgress, gradingProgress), as the gradebook counts them (overrides and
    the score policy included)."""
    from .gradebook import iter_grades, possible

    maximum = possible(assignment)
    grades = next(iter(iter_grades(assignment.course, [assignment], user_id=user.id)), None)
    if grades is None:
        raise NotAStudent("not a student of the course (dropped?): nothing sent")
    if assignment.id in grades.excused:
        return None, maximum, "Initialized", "NotReady"
    earned = grades.points(assignment)
    if earned is None:
        return None, maximum, "Initialized", "NotReady"
    done = all(ap.id in grades.scores for ap in assignment.problems)
    return earned, maximum, "Completed" if done else "InProgress", "FullyGraded"


class NotAStudent(Exception):
    """The row's user is no longer a student of the course: their LMS grade is left as
    it is (sending "no score" would clear it)."""


def _delay(attempts: int) -> int:
    return min(MAX_DELAY_SECONDS, 30 * 2 ** max(0, attempts - 1))


def send_pending(limit: int = 500) -> tuple[int, int]:
    """Send every pending score that is due (at most ``limit``); returns (sent, failed).
    Each row commits on its own; a failed one is tried again after 30 s, 60 s, … up to an
    hour (a send is queued for then)."""
    from pylti1p3.assignments_grades import AssignmentsGradesService
    from pylti1p3.grade import Grade
    from pylti1p3.service_connector import ServiceConnector

    from .lti import as_pylti_registration, http_session

    now = utcnow()
    rows = db.session.scalars(
        sa.select(LtiScoreOutbox)
        .where(LtiScoreOutbox.pending.is_(True), LtiScoreOutbox.next_attempt_at <= now)
        .order_by(LtiScoreOutbox.next_attempt_at, LtiScoreOutbox.id)
        .limit(limit)
    ).all()
    sent = failed = 0
    connectors: dict[int, ServiceConnector] = {}
    retry_in: int | None = None
    for row in rows:
        row_id, changed_at = row.id, row.changed_at
        link = row.link
        ctx = link.context
        try:
            if ctx.registration_id not in connectors:
                connectors[ctx.registration_id] = ServiceConnector(
                    as_pylti_registration(ctx.registration), http_session()
                )
            if not link.lineitem_url:
                link.lineitem_url = _find_or_create_lineitem(connectors[ctx.registration_id], link)
                commit_keeping_state()
            sub = db.session.scalar(
                sa.select(LtiUser.sub).where(
                    LtiUser.issuer == ctx.issuer, LtiUser.user_id == row.user_id
                )
            )
            earned, maximum, activity, grading = current_score(link.assignment, row.user)
            grade = (
                Grade()
                .set_score_maximum(maximum)
                .set_activity_progress(activity)
                .set_grading_progress(grading)
                .set_timestamp(utcnow().isoformat(timespec="milliseconds"))
                .set_user_id(sub)
            )
            if earned is not None:
                grade.set_score_given(round(earned, 6))
            ags = AssignmentsGradesService(
                connectors[ctx.registration_id],
                {"scope": [SCORE_SCOPE], "lineitem": link.lineitem_url},
            )
            ags.put_grade(grade)
        except NotAStudent as exc:
            db.session.rollback()
            db.session.execute(
                sa.update(LtiScoreOutbox)
                .where(LtiScoreOutbox.id == row_id)
                .values(pending=False, last_error=str(exc))
            )
            db.session.commit()
            continue
        except Exception as exc:  # the LMS down, refusing, or a link without a line item
            db.session.rollback()
            attempts = (row.attempts or 0) + 1
            delay = _delay(attempts)
            db.session.execute(
                sa.update(LtiScoreOutbox)
                .where(LtiScoreOutbox.id == row_id)
                .values(
                    attempts=attempts,
                    last_error=str(exc)[:1000],
                    next_attempt_at=utcnow() + timedelta(seconds=delay),
                )
            )
            db.session.commit()
            failed += 1
            retry_in = delay if retry_in is None else min(retry_in, delay)
            log.warning("LTI score for outbox row %s not sent: %s", row_id, exc)
            continue
        # Sent: no longer pending unless the score changed again while we sent it.
        db.session.execute(
            sa.update(LtiScoreOutbox)
            .where(LtiScoreOutbox.id == row_id)
            .values(
                sent_at=utcnow(),
                sent_score=earned,
                sent_maximum=maximum,
                attempts=0,
                last_error=None,
                pending=sa.case((LtiScoreOutbox.changed_at == changed_at, False), else_=True),
            )
        )
        db.session.commit()
        sent += 1
    if retry_in is not None:
        enqueue(delay=retry_in)
    return sent, failed


LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"


def _find_or_create_lineitem(connector, link: LtiResourceLink) -> str:
    """The line item of a link the LMS placed without one (a link made by hand, not by
    deep linking): found by its resource link id in the context's line items, or made
    with the assignment's points as maximum, when the LMS grants the lineitem scope."""
    from pylti1p3.assignments_grades import AssignmentsGradesService
    from pylti1p3.lineitem import LineItem

    from .gradebook import possible

    ctx = link.context
    if not ctx.lineitems_url or LINEITEM_SCOPE not in (ctx.ags_scopes or []):
        raise RuntimeError("the LMS gave no line item for this link and lets the tool make none")
    a = link.assignment
    ags = AssignmentsGradesService(
        connector, {"scope": list(ctx.ags_scopes), "lineitems": ctx.lineitems_url}
    )
    wanted = (
        LineItem()
        .set_label(a.title)
        .set_score_maximum(possible(a))
        .set_resource_link_id(link.resource_link_id)
        .set_resource_id(f"assignment-{a.id}")
        .set_tag(f"assignment-{a.id}")
    )
    found = ags.find_or_create_lineitem(wanted, find_by="resource_link_id")
    if not found.get_id():
        raise RuntimeError("the LMS made a line item without an id")
    return found.get_id()


def course_status(course_id: int) -> list[dict]:
    """Per LTI student and linked assignment: whether the LMS has their latest score."""
    rows = db.session.execute(
        sa.select(LtiScoreOutbox, LtiResourceLink, User)
        .join(LtiResourceLink, LtiScoreOutbox.resource_link_id == LtiResourceLink.id)
        .join(LtiContext, LtiResourceLink.lti_context_id == LtiContext.id)
        .join(User, LtiScoreOutbox.user_id == User.id)
        .where(LtiContext.course_id == course_id)
        .order_by(User.name, LtiResourceLink.assignment_id)
    ).all()
    return [
        {
            "user": u,
            "assignment": link.assignment,
            "pending": row.pending,
            "sent_score": row.sent_score,
            "sent_maximum": row.sent_maximum,
            "sent_at": row.sent_at,
            "attempts": row.attempts,
            "last_error": row.last_error,
        }
        for row, link, u in rows
    ]


def lms_state(course_id: int, user_ids: list[int]) -> dict[int, str]:
    """For the gradebook: per student of ``user_ids`` whose scores go to an LMS, "sent"
    when the LMS has all their latest scores, else "pending". Empty (and no query) while
    no LMS is registered; one query otherwise, whatever the class."""
    if not user_ids or not lti_in_use():
        return {}
    rows = db.session.execute(
        sa.select(
            LtiScoreOutbox.user_id,
            sa.func.max(sa.case((LtiScoreOutbox.pending, 1), else_=0)),
        )
        .join(LtiResourceLink, LtiScoreOutbox.resource_link_id == LtiResourceLink.id)
        .join(LtiContext, LtiResourceLink.lti_context_id == LtiContext.id)
        .where(LtiContext.course_id == course_id, LtiScoreOutbox.user_id.in_(user_ids))
        .group_by(LtiScoreOutbox.user_id)
    ).all()
    return {uid: "pending" if waiting else "sent" for uid, waiting in rows}


# ---------------------------------------------------------------- regrades

# A regrade (a job, or the regrade command) rewrites variants' running summaries through
# the ORM, in a transaction that another module commits. Those summaries are noted at
# flush and, once committed, handed to the queue: a task then marks the students' rows.


@sa.event.listens_for(sa.orm.Session, "before_flush")
def _note_changed_summaries(session, _flush_context, _instances) -> None:
    for obj in session.dirty:
        if isinstance(obj, Variant):
            attrs = sa.inspect(obj).attrs
            if attrs.best_score.history.has_changes() or attrs.last_score.history.has_changes():
                session.info.setdefault("lti_changed", set()).add(
                    (obj.user_id, obj.assignment_problem_id)
                )


@sa.event.listens_for(sa.orm.Session, "after_commit")
def _queue_changed_summaries(session) -> None:
    pairs = session.info.pop("lti_changed", None)
    if not pairs or not has_app_context():
        return
    if current_app.extensions.get("lti_active", (None, 0.0))[0] is False:
        return  # no LMS registered (as of the last look): nothing to send
    task = current_app.extensions.get(CHANGED_TASK_NAME)
    if task is None:
        return
    ordered = sorted(pairs)
    for i in range(0, len(ordered), CHANGED_CHUNK):
        try:
            task([list(p) for p in ordered[i : i + CHANGED_CHUNK]])
        except Exception as exc:  # the queue is down: "send all scores again" mends it
            log.warning("LTI regraded scores not queued (%s)", exc)
            return


@sa.event.listens_for(sa.orm.Session, "after_rollback")
def _forget_changed_summaries(session) -> None:
    session.info.pop("lti_changed", None)


def summaries_changed(pairs: list[list[int]]) -> int:
    """(user id, assignment problem id) pairs whose scores a regrade changed: each
    student's row of each linked assignment marked; returns how many were marked."""
    ap_ids = sorted({ap for _u, ap in pairs})
    assignment_of = dict(
        db.session.execute(
            sa.select(AssignmentProblem.id, AssignmentProblem.assignment_id).where(
                AssignmentProblem.id.in_(ap_ids)
            )
        ).all()
    )
    done = set()
    marked = 0
    for user_id, ap_id in pairs:
        key = (user_id, assignment_of.get(ap_id))
        if key[1] is not None and key not in done:
            done.add(key)
            marked += score_changed(*key)
    return marked


def register_task(app: Flask) -> None:
    """The send task on the app's job queue (huey), kept in app.extensions."""
    huey = app.extensions.get("huey")
    if huey is None:
        return

    @huey.task(name=CHANGED_TASK_NAME)
    def lti_scores_changed_task(pairs: list[list[int]]) -> None:
        with app.app_context():
            summaries_changed(pairs)

    app.extensions[CHANGED_TASK_NAME] = lti_scores_changed_task

    @huey.task(name=TASK_NAME)
    def lti_send_scores_task() -> None:
        with app.app_context():
            send_pending()

    app.extensions[TASK_NAME] = lti_send_scores_task
