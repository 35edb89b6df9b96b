"""Background jobs: long work (regrade plan and apply, the long CSV, simulated classes) runs
in a worker process, never in a web request.

The queue is huey's (``JOBS_URL``): by default a SQLite file in the instance folder
(``SqliteHuey``: no server; ``make run`` starts a worker beside the web server), on the scale
path Redis (``redis://host:6379/N`` → ``RedisHuey``, workers on any machine). ``memory://``
is an in-process queue for tests. A queue message carries only a job's id: what staff see
lives in the ``job`` table (kind, target, who, status, progress, log lines, result, error),
so a job outlives the web worker that started it, and any web worker shows it.

Rules:
- **Once per target.** A job's ``dedupe_key`` (kind family + target) is unique among active
  (queued or running) jobs, by a partial unique index: a second press returns the job
  already queued or running. A worker claims a job with ``UPDATE … WHERE status='queued'``,
  so a message delivered twice (or re-enqueued at worker start) runs the job once.
- **Progress and log** are written on their own short transactions (a separate connection),
  so the page shows them while the job's own transaction is still open; each also sets
  ``heartbeat_at``.
- **A lost worker.** A running job whose heartbeat is older than ``JOBS_STALE_SECONDS``
  (default 600) is marked failed ("the worker stopped reporting") when anyone looks at
  jobs or starts one; a worker stopped with Ctrl-C or SIGTERM marks its jobs failed at
  once. A job's work commits in the same transaction as its ``done`` status, and only if
  it is still running then, so a job declared lost writes nothing.
- **Lost messages.** ``jobs worker`` enqueues every queued job again when it starts (the
  claim makes duplicates harmless), so a job committed just before a crash still runs.
- **Old files.** A job's output file is deleted ``EXPORT_RETENTION_DAYS`` (default 7) after
  the job finished, by ``prune_files`` (a periodic huey task, every hour at :17, run by the
  worker; and ``flask --app grader jobs prune``). The job and its log stay; its page says
  the file expired and offers to run it again.
"""

from __future__ import annotations

import logging
import os
import time
import traceback
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask, current_app

from ..extensions import db
from ..models import (
    ACTIVE_JOB_STATUSES,
    STAFF_ROLES,
    Assignment,
    Course,
    Job,
    JobFileChunk,
    User,
    utcnow,
)
from .errors import Conflict, NotFound

log = logging.getLogger(__name__)

TASK_NAME = "grader.run_job"
FINALIZE_TASK_NAME = "grader.finalize_quiz"
PROGRESS_EVERY_SECONDS = 0.5
CHUNK_CHARS = 1 << 20  # a file chunk holds at most 1 MiB of text before compression


# ---------------------------------------------------------------- the queue


def make_huey(app: Flask):
    """The app's huey instance for ``JOBS_URL``, with the one task that runs a job by id
    (registered on it), kept in ``app.extensions["huey"]``."""
    from huey import MemoryHuey, RedisHuey, SqliteHuey, crontab
    from huey.signals import SIGNAL_INTERRUPTED

    url = app.config["JOBS_URL"]
    name = app.config.get("JOBS_NAME", "grader")
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///") :]
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        huey = SqliteHuey(name, filename=path, results=False)
    elif url.startswith(("redis://", "rediss://", "unix://")):
        huey = RedisHuey(name, url=url, results=False)
    elif url == "memory://":
        huey = MemoryHuey(name, results=False)
    else:
        raise RuntimeError(
            f"JOBS_URL must be sqlite:///PATH, redis://HOST:PORT/DB or memory://, not {url!r}"
        )

    @huey.task(name=TASK_NAME)
    def run_job_task(job_id: int) -> None:
        with app.app_context():
            run_job(job_id)

    @huey.task(name=FINALIZE_TASK_NAME)
    def finalize_quiz_task(assignment_id: int, user_id: int) -> None:
        # At a student's end of a timed quiz: their drafts are graded without waiting for
        # someone to read the quiz (that read would do it too: this is not the guarantee).
        from .quiz import finalize_expired

        with app.app_context():
            assignment, user = (
                db.session.get(Assignment, assignment_id),
                db.session.get(User, user_id),
            )
            if assignment is not None and user is not None:
                finalize_expired(assignment, user)

    @huey.periodic_task(crontab(minute="17"), name="grader.prune_job_files")
    def prune_task() -> None:
        with app.app_context():
            try:
                n = prune_files()
                if n:
                    log.info("deleted the files of %s job(s) past EXPORT_RETENTION_DAYS", n)
            finally:
                db.session.remove()

    @huey.signal(SIGNAL_INTERRUPTED)
    def interrupted(_signal, task, *_args) -> None:
        # The worker is stopping now (Ctrl-C, SIGTERM): its job will not finish.
        if task.name != TASK_NAME:
            return
        with app.app_context():
            _fail(task.args[0], "the worker was stopped while the job ran; start it again")

    register_kinds()
    app.extensions["huey"] = huey
    app.extensions["grader.run_job"] = run_job_task
    app.extensions[FINALIZE_TASK_NAME] = finalize_quiz_task
    return huey


def queue():
    return current_app.extensions["huey"]


def enqueue(job_id: int) -> None:
    current_app.extensions["grader.run_job"](job_id)


def schedule_quiz_end(assignment_id: int, user_id: int, ends_at) -> None:
    """Ask a worker to grade the student's drafts just after their quiz time ends. Best
    effort: a queue that cannot be reached loses nothing, the next read of the quiz grades
    them (``quiz.finalize_expired``)."""
    task = current_app.extensions.get(FINALIZE_TASK_NAME)
    if task is None:
        return
    try:
        task.schedule(args=(assignment_id, user_id), eta=ends_at + timedelta(seconds=2))
    except Exception:  # the queue is down: the lazy path still grades them
        log.warning("could not schedule the end of quiz %s for user %s", assignment_id, user_id)


def run_pending(app: Flask | None = None, limit: int | None = None) -> int:
    """Run the queued messages in this process, one after another, until the queue is
    empty (or ``limit`` ran): what a worker does, synchronously (tests, ``jobs run-pending``).
    Returns how many messages were taken."""
    huey = (app or current_app).extensions["huey"]
    taken = 0
    while limit is None or taken < limit:
        task = huey.dequeue()
        if task is None:
            break
        huey.execute(task)
        taken += 1
    return taken


def requeue_queued() -> int:
    """Enqueue every queued job again (a worker starting: messages may have been lost)."""
    ids = db.session.scalars(sa.select(Job.id).where(Job.status == "queued").order_by(Job.id))
    count = 0
    for job_id in ids.all():
        enqueue(job_id)
        count += 1
    return count


# ---------------------------------------------------------------- kinds


@dataclass(frozen=True)
class JobKind:
    """What a job of this kind is: its label, who may start it, its dedupe family (kinds
    of one family share a target's slot) and the function that does the work.

    ``run(job, report)`` returns the result (plain JSON data). It may write in
    ``db.session`` without committing: the runner commits its writes together with the
    job's ``done`` status (all or nothing)."""

    label: str
    roles: tuple[str, ...]
    family: str
    run: Callable[[Job, Reporter], dict]


KINDS: dict[str, JobKind] = {}


def register(kind: str, job_kind: JobKind) -> None:
    KINDS[kind] = job_kind


def register_kinds() -> None:
    """The app's job kinds. A regrade's plan and apply share one slot per assignment (an
    apply while the plan runs would be planned twice)."""
    from .exports import long_job
    from .regrade import apply_job, plan_job
    from .simulate import simulate_job

    register("regrade_plan", JobKind("Regrade plan", ("instructor",), "regrade", plan_job))
    register("regrade_apply", JobKind("Regrade", ("instructor",), "regrade", apply_job))
    register("export_long", JobKind("Long CSV export", STAFF_ROLES, "export_long", long_job))
    register(
        "simulate_class",
        JobKind("Simulated class", ("instructor",), "simulate_class", simulate_job),
    )


def dedupe_key(kind: str, course: Course, assignment: Assignment | None) -> str:
    family = KINDS[kind].family
    return f"{family}:assignment:{assignment.id}" if assignment else f"{family}:course:{course.id}"


# ---------------------------------------------------------------- starting and finding


def start(
    kind: str,
    course: Course,
    by: User | None,
    assignment: Assignment | None = None,
    params: dict | None = None,
) -> tuple[Job, bool]:
    """Queue a job of ``kind`` on the course (or one of its assignments), or find the one
    already active for the same target. Returns (job, created). Commits."""
    if kind not in KINDS:
        raise NotFound(f"no job kind {kind}")
    sweep_stale()
    key = dedupe_key(kind, course, assignment)
    job = Job(
        kind=kind,
        course_id=course.id,
        assignment_id=assignment.id if assignment else None,
        created_by_id=by.id if by else None,
        dedupe_key=key,
        params=params or {},
        status="queued",
        log="",
        progress_done=0,
    )
    db.session.add(job)
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()
        running = db.session.scalar(
            sa.select(Job).where(Job.dedupe_key == key, Job.status.in_(ACTIVE_JOB_STATUSES))
        )
        if running is None:  # it finished between our insert and this look: try once more
            return start(kind, course, by, assignment, params)
        return running, False
    try:
        enqueue(job.id)
    except Exception as exc:  # the queue (Redis) cannot be reached: say so, keep nothing active
        _fail(job.id, f"the job queue cannot be reached: {exc}")
        db.session.expire_all()
        raise Conflict("The job queue cannot be reached just now; try again in a minute.") from exc
    return job, True


def course_job(course: Course, job_id: int) -> Job:
    """The course's job with this id (NotFound for another course's or none)."""
    sweep_stale()
    job = db.session.get(Job, job_id)
    if job is None or job.course_id != course.id:
        raise NotFound("There is no such job in this course.")
    return job


def course_jobs(course: Course, limit: int = 100) -> list[Job]:
    """The course's jobs, newest first."""
    sweep_stale()
    return list(
        db.session.scalars(
            sa.select(Job)
            .where(Job.course_id == course.id)
            .order_by(Job.created_at.desc(), Job.id.desc())
            .limit(limit)
        )
    )


def latest(assignment: Assignment, kinds: Iterable[str]) -> Job | None:
    """The assignment's newest job of one of these kinds."""
    sweep_stale()
    return db.session.scalar(
        sa.select(Job)
        .where(Job.assignment_id == assignment.id, Job.kind.in_(list(kinds)))
        .order_by(Job.created_at.desc(), Job.id.desc())
        .limit(1)
    )


def latest_of_course(course: Course, kind: str) -> Job | None:
    sweep_stale()
    return db.session.scalar(
        sa.select(Job)
        .where(Job.course_id == course.id, Job.kind == kind)
        .order_by(Job.created_at.desc(), Job.id.desc())
        .limit(1)
    )


def cancel(job: Job, by: User) -> bool:
    """Cancel a queued job (one running cannot be stopped from the web). Returns whether
    it was still queued."""
    with db.engine.begin() as conn:
        n = conn.execute(
            sa.update(Job)
            .where(Job.id == job.id, Job.status == "queued")
            .values(
                status="failed",
                error=f"cancelled by {by.name} before it started",
                finished_at=utcnow(),
            )
        ).rowcount
    db.session.expire_all()
    return n == 1


def sweep_stale() -> int:
    """Mark failed every running job whose worker stopped reporting (heartbeat older than
    JOBS_STALE_SECONDS). Returns how many."""
    limit = utcnow() - timedelta(seconds=current_app.config["JOBS_STALE_SECONDS"])
    with db.engine.begin() as conn:
        n = conn.execute(
            sa.update(Job)
            .where(Job.status == "running", Job.heartbeat_at < limit)
            .values(
                status="failed",
                error="the worker stopped reporting (it was stopped or crashed); start the job again",
                finished_at=utcnow(),
            )
        ).rowcount
    if n:
        db.session.expire_all()
    return n


# ---------------------------------------------------------------- running


class Reporter:
    """Progress, log lines and output file of a running job, each written on a short
    transaction of its own (so the page sees them while the job works)."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.done = 0
        self.total: int | None = None
        self._last = 0.0
        self._chunks = 0

    def _update(self, **values) -> None:
        with db.engine.begin() as conn:
            conn.execute(
                sa.update(Job).where(Job.id == self.job_id).values(heartbeat_at=utcnow(), **values)
            )

    def line(self, text: str) -> None:
        """Append a line to the job's log (kept in the database)."""
        stamp = utcnow().strftime("%H:%M:%S")
        self._update(log=Job.log + f"{stamp} {text}\n")

    def set_total(self, total: int) -> None:
        self.total = total
        self._update(progress_total=total, progress_done=self.done)

    def advance(self, n: int = 1) -> None:
        """Count ``n`` more items done; written at most every half second."""
        self.done += n
        now = time.monotonic()
        if now - self._last >= PROGRESS_EVERY_SECONDS or self.done == self.total:
            self._last = now
            self._update(progress_done=self.done)

    def flush(self) -> None:
        self._update(progress_done=self.done)

    def write_file(self, pieces: Iterator[str]) -> tuple[int, int]:
        """Store text (given in pieces) as the job's file, compressed in chunks of at most
        CHUNK_CHARS characters. Returns (characters, stored bytes)."""
        buf: list[str] = []
        size = chars = stored = 0
        for piece in pieces:
            buf.append(piece)
            size += len(piece)
            if size >= CHUNK_CHARS:
                stored += self._store("".join(buf))
                chars += size
                buf, size = [], 0
        if buf or self._chunks == 0:
            stored += self._store("".join(buf))
            chars += size
        return chars, stored

    def _store(self, text: str) -> int:
        data = zlib.compress(text.encode("utf-8"), 1)
        with db.engine.begin() as conn:
            conn.execute(
                sa.insert(JobFileChunk).values(job_id=self.job_id, seq=self._chunks, data=data)
            )
            conn.execute(
                sa.update(Job)
                .where(Job.id == self.job_id)
                .values(heartbeat_at=utcnow(), progress_done=self.done)
            )
        self._chunks += 1
        return len(data)


def claim(job_id: int) -> bool:
    """Take a queued job for this worker (atomically: only one worker gets it)."""
    now = utcnow()
    with db.engine.begin() as conn:
        return (
            conn.execute(
                sa.update(Job)
                .where(Job.id == job_id, Job.status == "queued")
                .values(status="running", started_at=now, heartbeat_at=now)
            ).rowcount
            == 1
        )


def run_job(job_id: int) -> str:
    """Claim and run one job; returns its final status ("skipped" if it was not queued:
    already taken, done, or cancelled)."""
    if not claim(job_id):
        log.info("job %s is not queued (already run or taken): skipped", job_id)
        return "skipped"
    job = db.session.get(Job, job_id)
    report = Reporter(job_id)
    kind = KINDS.get(job.kind)
    try:
        if kind is None:
            raise RuntimeError(f"no job kind {job.kind!r} in this version of the app")
        report.line(f"{kind.label}: started")
        result = kind.run(job, report)
        finished = db.session.execute(
            sa.update(Job)
            .where(Job.id == job_id, Job.status == "running")
            .values(
                status="done",
                result=result,
                progress_done=report.done,
                progress_total=report.total if report.total is not None else report.done,
                finished_at=utcnow(),
                heartbeat_at=utcnow(),
                log=Job.log + f"{utcnow().strftime('%H:%M:%S')} done\n",
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        if finished != 1:  # declared lost meanwhile: its work is not kept
            db.session.rollback()
            _delete_file(job_id)
            return "failed"
        db.session.commit()
        return "done"
    except Exception as exc:
        db.session.rollback()
        log.exception("job %s failed", job_id)
        _delete_file(job_id)
        _fail(job_id, _message(exc), traceback.format_exc(limit=5))
        return "failed"
    finally:
        db.session.remove()


def _message(exc: Exception) -> str:
    from .variants import ProblemUnavailable

    if isinstance(exc, ProblemUnavailable):
        return f"cannot regrade: {exc.reason}; fix the template. Nothing was changed."
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}. Nothing was changed."


def _fail(job_id: int, message: str, detail: str | None = None) -> None:
    now = utcnow()
    line = f"{now.strftime('%H:%M:%S')} failed: {message}\n" + (detail or "")
    with db.engine.begin() as conn:
        conn.execute(
            sa.update(Job)
            .where(Job.id == job_id, Job.status.in_(ACTIVE_JOB_STATUSES))
            .values(status="failed", error=message, finished_at=now, log=Job.log + line)
        )


def _delete_file(job_id: int) -> None:
    with db.engine.begin() as conn:
        conn.execute(sa.delete(JobFileChunk).where(JobFileChunk.job_id == job_id))


# ---------------------------------------------------------------- output files


def prune_files(now=None) -> int:
    """Delete the output files of jobs that finished more than EXPORT_RETENTION_DAYS ago
    (the job and its log are kept, with a line saying so). Returns how many jobs lost
    their file."""
    days = current_app.config["EXPORT_RETENTION_DAYS"]
    cutoff = (now or utcnow()) - timedelta(days=days)
    old = (
        sa.select(JobFileChunk.job_id)
        .join(Job, Job.id == JobFileChunk.job_id)
        .where(Job.finished_at < cutoff)
        .distinct()
    )
    stamp = (now or utcnow()).strftime("%H:%M:%S")
    with db.engine.begin() as conn:
        ids = list(conn.scalars(old))
        if ids:
            conn.execute(sa.delete(JobFileChunk).where(JobFileChunk.job_id.in_(ids)))
            conn.execute(
                sa.update(Job)
                .where(Job.id.in_(ids))
                .values(log=Job.log + f"{stamp} file deleted: kept {days} days\n")
            )
    if ids:
        db.session.expire_all()
    return len(ids)


def file_expired(job: Job) -> bool:
    """Whether the job made a file that has since been deleted (``prune_files``)."""
    return job.status == "done" and bool((job.result or {}).get("filename")) and not has_file(job)


def has_file(job: Job) -> bool:
    return (
        db.session.scalar(sa.select(JobFileChunk.seq).where(JobFileChunk.job_id == job.id).limit(1))
        is not None
    )


def file_text(job: Job) -> Iterator[str]:
    """The job's file, a chunk at a time (constant memory)."""
    seq = 0
    while True:
        data = db.session.scalar(
            sa.select(JobFileChunk.data).where(
                JobFileChunk.job_id == job.id, JobFileChunk.seq == seq
            )
        )
        if data is None:
            return
        yield zlib.decompress(data).decode("utf-8")
        seq += 1
