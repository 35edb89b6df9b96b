"""``flask --app grader …`` commands: create-user, create-course, import-roster, seed-demo."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import Flask

from .extensions import db
from .models import User
from .services.accounts import AccountError, new_user, normalise_email
from .services.courses import CourseError, RosterError, course_by_code, create_course, import_roster
from .services.demo import DEMO_PASSWORD, seed_demo


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
        """Load the demo course NN-W3 (demo-only password) and the shared library."""
        course = seed_demo()
        if course is None:
            click.echo("The demo course NN-W3 exists already; nothing changed.")
            return
        click.echo(
            f"Loaded {course.code}: instructor@example.edu, ta@example.edu, "
            f"student1…student30@example.edu.\nDemo password (demo only, change it for real use): {DEMO_PASSWORD}"
        )

    @app.cli.command("seed-demo-if-empty", hidden=True)
    def seed_demo_if_empty():
        """Load the demo course when the database has no users (used by ``make run``)."""
        if db.session.scalar(sa.select(User.id).limit(1)) is None:
            seed_demo_command.callback()
        else:
            click.echo("The database has users; the demo course is not loaded.")
