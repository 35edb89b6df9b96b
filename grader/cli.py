"""``flask --app grader …`` commands (besides Flask-Migrate's ``db``):

- create-user: an account (optionally an admin);
- create-course: a course with its first instructor;
- import-roster: enrol people into a course from a CSV;
- seed-demo: the demo course, accounts and assignments, and a simulated class;
- seed-demo-if-empty: the same, only on an empty database (hidden; ``make run`` uses it);
- backup: a copy of the whole database, taken while the app runs;
- export-assignment / import-assignment: an assignment as YAML, and back;
- regrade: re-grade an assignment's submissions with its current templates;
- export-grades: a course's gradebook as CSV (Canvas, Moodle or long format);
- simulate-class: simulated students, variants and submissions, for demos and benchmarks
  (``--background``: as a job of the course, run by the worker);
- lti-register / lti-list: an LMS (LTI 1.3 platform) registered, the registrations listed
  (these and the two below live in grader/lti/cli.py);
- lti-sync-roster / lti-send-scores: a course's roster from the LMS (NRPS), the pending
  scores sent to the LMS now (AGS);
- jobs: ``jobs worker`` (the background-job worker, huey's consumer), ``jobs run-pending``
  (the queue run once in this process) and ``jobs list CODE`` (a course's jobs)."""

from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from flask import Flask

from .extensions import db
from .models import Assignment, User
from .services import jobs
from .services import regrade as regrade_service
from .services.accounts import AccountError, new_user, normalise_email
from .services.assignment_spec import SpecError, export_yaml, import_message, import_reporting
from .services.courses import CourseError, RosterError, course_by_code, create_course, import_roster
from .services.demo import DEMO_PASSWORD, SIM_CODE, SIM_STUDENTS, seed_demo
from .services.exports import FORMATS, export_lines, long_count
from .services.gradebook import students_query
from .services.variants import ProblemUnavailable


def register(app: Flask) -> None:
    @app.cli.command("create-user")
    @click.argument("email")
    @click.option("--name", required=True, help="Full name, e.g. 'Ada Lovelace'.")
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
    @click.option(
        "--admin", is_flag=True, help="May open courses and act as instructor everywhere."
    )
    def create_user_command(email, name, password, admin):
        """Create an account."""
        try:
            user = new_user(email, name, password, is_admin=admin)
            db.session.commit()
        except AccountError as exc:
            db.session.rollback()
            raise click.ClickException(str(exc)) from None
        click.echo(f"Created {'admin ' if admin else ''}{user.email} ({user.name}).")

    @app.cli.command("create-course")
    @click.argument("code")
    @click.argument("title")
    @click.option(
        "--instructor", "instructor_email", required=True, help="Email of an existing account."
    )
    def create_course_command(code, title, instructor_email):
        """Create a course with its instructor."""
        try:
            email = normalise_email(instructor_email)
        except AccountError as exc:
            raise click.ClickException(str(exc)) from None
        instructor = db.session.scalar(sa.select(User).where(User.email == email))
        if instructor is None:
            raise click.ClickException(f"no account for {email}; create it first with create-user")
        try:
            course = create_course(code, title, instructor)
        except CourseError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"Created course {course.code} (id {course.id}) taught by {email}.")

    @app.cli.command("import-roster")
    @click.argument("code")
    @click.argument("file", type=click.File("r", encoding="utf-8-sig"))
    def import_roster_command(code, file):
        """Enrol the people of a CSV roster (email,name,role,section[,password]); all or nothing."""
        course = course_by_code(code)
        if course is None:
            raise click.ClickException(f"no course with code {code}")
        try:
            text = file.read()
        except UnicodeDecodeError:
            raise click.ClickException("the file is not UTF-8 text") from None
        try:
            result = import_roster(course, text)
        except RosterError as exc:
            for line, message in exc.errors:
                click.echo(f"line {line}: {message}", err=True)
            raise click.ClickException(
                f"{len(exc.errors)} bad row(s); nothing was imported"
            ) from None
        click.echo(
            f"{course.code}: {len(result.created)} new accounts, {len(result.enrolled)} enrolled, "
            f"{len(result.updated)} updated, {len(result.unchanged)} unchanged."
        )
        for email, password in result.created:
            if password:
                click.echo(f"  {email}  initial password: {password}")

    @app.cli.command("seed-demo")
    def seed_demo_command():
        """Load the demo course NN-W3 and a simulated class NN-SIM of 60 students with their
        submissions (demo-only password), and the shared library."""
        course = seed_demo()
        if course is None:
            click.echo("The demo course NN-W3 exists already; nothing changed.")
            return
        click.echo(
            f"Loaded {course.code}: instructor@example.edu, ta@example.edu, "
            f"student1…student30@example.edu; and {SIM_CODE}, a simulated class of "
            f"{SIM_STUDENTS} students with their submissions (instructor@example.edu).\n"
            f"Demo password (demo only, change it for real use): {DEMO_PASSWORD}"
        )

    @app.cli.command("seed-demo-if-empty", hidden=True)
    def seed_demo_if_empty():
        """Load the demo course when the database has no users (used by ``make run``)."""
        if db.session.scalar(sa.select(User.id).limit(1)) is None:
            seed_demo_command.callback()
        else:
            click.echo("The database has users; the demo course is not loaded.")

    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False))
    @click.option("--overwrite", is_flag=True, help="Replace PATH if it exists.")
    def backup_command(path, overwrite):
        """Copy the whole database to PATH while the app runs: SQLite's online backup (a
        consistent snapshot, checked before it is put in place) or pg_dump's custom format."""
        from .services.backup import BackupError, backup

        try:
            done = backup(db.engine, path, overwrite=overwrite)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(
            f"Backed up {done.tables} tables to {done.path} "
            f"({done.size / 1e6:.1f} MB, {done.method})."
        )

    @app.cli.command("export-assignment")
    @click.argument("assignment_id", type=int)
    @click.option(
        "-o",
        "--output",
        type=click.File("w", encoding="utf-8"),
        default="-",
        help="File (default: stdout).",
    )
    def export_assignment_command(assignment_id, output):
        """Write an assignment and its problem templates as YAML."""
        a = db.session.get(Assignment, assignment_id)
        if a is None:
            raise click.ClickException(f"no assignment with id {assignment_id}")
        output.write(export_yaml(a))

    @app.cli.command("import-assignment")
    @click.argument("code")
    @click.argument("file", type=click.File("r", encoding="utf-8"))
    @click.option(
        "--publish", is_flag=True, help="Publish it at once (default: unpublished, to check first)."
    )
    def import_assignment_command(code, file, publish):
        """Create an assignment in course CODE from a YAML (or JSON) file; all or nothing.
        It arrives unpublished unless --publish is given, whatever the file says."""
        course = course_by_code(code)
        if course is None:
            raise click.ClickException(f"no course with code {code}")
        try:
            done = import_reporting(course, file.read(), publish=publish)
        except SpecError as exc:
            for line, message in exc.errors:
                click.echo(f"line {line}: {message}" if line else message, err=True)
            raise click.ClickException(
                f"{len(exc.errors)} error(s); nothing was imported"
            ) from None
        click.echo(f"{course.code}, assignment {done.assignment.id}: {import_message(done)}")

    @app.cli.command("regrade")
    @click.argument("assignment_id", type=int)
    @click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
    def regrade_command(assignment_id, dry_run):
        """Grade every submission of an assignment again with the current policies and keys."""
        a = db.session.get(Assignment, assignment_id)
        if a is None:
            raise click.ClickException(f"no assignment with id {assignment_id}")
        total = regrade_service.submission_count(a)
        run = (
            regrade_service.plan
            if dry_run
            else (lambda a, progress: regrade_service.apply(a, None, progress))
        )
        try:
            with click.progressbar(length=total, label="Regrading", file=sys.stderr) as bar:
                summary = run(a, progress=bar.update)
        except ProblemUnavailable as exc:  # nothing was written: apply plans first
            raise click.ClickException(f"cannot regrade: {exc.reason}; fix the template") from None
        verb = "would change" if dry_run else "changed"
        click.echo(
            f"{summary.submissions} submissions: {len(summary.changes)} {verb} "
            f"({summary.raised} up, {summary.lowered} down, largest {summary.largest:.4f}) "
            f"for {summary.students} student(s); {summary.keys_changed} stored key(s) differ from the engine's."
        )
        for c in summary.changes[:20]:
            click.echo(
                f"  submission {c.submission_id} (student {c.user_id}): {c.old_score:.4f} → {c.new_score:.4f}"
            )

    @app.cli.command("export-grades")
    @click.argument("code")
    @click.option(
        "--format", "fmt", type=click.Choice(FORMATS), default="canvas", show_default=True
    )
    @click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, writable=True),
        default=None,
        help="File to write (default: stdout).",
    )
    def export_grades_command(code, fmt, output):
        """Write the course's grades as CSV (canvas, wide or long), streamed."""
        course = course_by_code(code)
        if course is None:
            raise click.ClickException(f"no course with code {code}")
        if output is None:
            for line in export_lines(course, fmt):
                click.echo(line, nl=False)
            return
        header_lines = {"canvas": 2, "wide": 1, "long": 1}[fmt]
        if fmt == "long":
            length = long_count(course)
        else:
            length = db.session.scalar(
                sa.select(sa.func.count()).select_from(students_query(course).subquery())
            )
        with (
            open(output, "w", encoding="utf-8", newline="") as fh,
            click.progressbar(length=length, label=f"Writing {fmt} CSV", file=sys.stderr) as bar,
        ):
            rows = 0
            for line in export_lines(course, fmt):
                fh.write(line)
                rows += 1
                if rows > header_lines:
                    bar.update(1)
        click.echo(f"Wrote {rows} lines to {output}.")

    @app.cli.command("simulate-class")
    @click.argument("code")
    @click.option("--students", type=click.IntRange(1, 200000), default=300, show_default=True)
    @click.option("--assignments", type=click.IntRange(1, 50), default=4, show_default=True)
    @click.option("--seed", type=int, default=1, show_default=True)
    @click.option(
        "--background", is_flag=True, help="Queue it as a job of the course (run by the worker)."
    )
    def simulate_class_command(code, students, assignments, seed, background):
        """Add a simulated class (students, variants, submissions) to course CODE, for demos
        and benchmarks: ten problems per assignment, per-activation difficulty, typical slips."""
        from .services.simulate import simulate_class

        course = course_by_code(code)
        if course is None:
            raise click.ClickException(f"no course with code {code}")
        if background:
            params = {"students": students, "assignments": assignments, "seed": seed}
            job, created = jobs.start("simulate_class", course, None, params=params)
            click.echo(
                f"{'Queued' if created else 'Already queued or running:'} job {job.id} "
                f"(see /courses/{course.id}/jobs/{job.id})."
            )
            return
        with click.progressbar(
            length=students, label="Simulating students", file=sys.stderr
        ) as bar:
            counts = simulate_class(course, students, assignments, seed, progress=bar.update)
        click.echo(
            f"{course.code}: {counts['students']} students, {assignments} assignments, "
            f"{counts['variants']} variants, {counts['submissions']} submissions, {counts['tags']} misconception tags."
        )

    @app.cli.group("jobs")
    def jobs_group():
        """Background jobs: the worker, and the queue run by hand."""

    @jobs_group.command("worker")
    @click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True)
    @click.option(
        "--worker-type",
        type=click.Choice(["thread", "process"]),
        default="thread",
        show_default=True,
    )
    def jobs_worker(workers, worker_type):
        """Run jobs as they are queued (huey's consumer on JOBS_URL) until stopped. SIGTERM
        stops after the running jobs finish; Ctrl-C (SIGINT) stops at once and marks the
        running jobs failed. Queued jobs are enqueued again first (lost messages)."""
        import logging

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        stale = jobs.sweep_stale()
        again = jobs.requeue_queued()
        db.session.remove()
        click.echo(
            f"jobs worker on {app.config['JOBS_URL']}: {again} queued job(s), "
            f"{stale} stale job(s) marked failed",
            err=True,
        )
        consumer = jobs.queue().create_consumer(
            # periodic: the hourly deletion of old job files (jobs.prune_files; harmless
            # when several workers run it)
            workers=workers,
            worker_type=worker_type,
            periodic=True,
            graceful_signal="TERM",
        )
        consumer.run()

    @jobs_group.command("run-pending")
    def jobs_run_pending():
        """Run every queued job now, in this process, then exit."""
        jobs.requeue_queued()
        n = jobs.run_pending()
        click.echo(f"Ran {n} queued message(s).")

    @jobs_group.command("prune")
    def jobs_prune():
        """Delete job files older than EXPORT_RETENTION_DAYS (the worker does it hourly)."""
        n = jobs.prune_files()
        days = app.config["EXPORT_RETENTION_DAYS"]
        click.echo(f"Deleted the files of {n} job(s) finished more than {days} days ago.")

    @jobs_group.command("list")
    @click.argument("code")
    def jobs_list(code):
        """A course's jobs, newest first."""
        course = course_by_code(code)
        if course is None:
            raise click.ClickException(f"no course with code {code}")
        for j in jobs.course_jobs(course):
            progress = f"{j.progress_done}/{j.progress_total}" if j.progress_total else ""
            click.echo(f"{j.id}\t{j.kind}\t{j.status}\t{progress}\t{j.error or ''}")
