"""Fixtures: app, client, CLI runner, database and factories. Plain helpers (logging in,
posting a form with its CSRF token, an app on another database) are in tests/helpers.py.

The schema is made once per test session by the migrations (as in production), on SQLite
by default or on PostgreSQL when ``TEST_DATABASE_URL`` is set; after each test every table
is emptied. Passwords are hashed with a cheap pbkdf2 in tests (scrypt is the default,
checked in test_security)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from grader.extensions import db
from grader.models import Course, Enrollment, User
from grader.services.accounts import hash_password
from tests.helpers import TEST_PASSWORD, StatementCounter, make_app


@pytest.fixture(scope="session")
def _schema():
    """Run the migrations once on the test database (dropping what an earlier run left)."""
    from flask_migrate import downgrade, upgrade

    app = make_app()
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
    yield
    with app.app_context():
        downgrade(revision="base")
        db.engine.dispose()


@pytest.fixture
def app(_schema):
    app = make_app()
    with app.app_context():
        yield app
        db.session.rollback()
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if db.engine.dialect.name == "postgresql":
                conn.execute(
                    sa.text(
                        "TRUNCATE "
                        + ", ".join(f'"{t}"' for t in tables)
                        + " RESTART IDENTITY CASCADE"
                    )
                )
            else:
                for t in tables:
                    conn.execute(sa.text(f'DELETE FROM "{t}"'))
        db.engine.dispose()


@pytest.fixture
def statements(app):
    """Counts the SQL statements of a block: ``with statements: ...; len(statements)``."""
    return StatementCounter(db.engine)


@pytest.fixture
def live_server(app):
    """The app served by a real HTTP server in a thread, for the browser tests."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """make_user(email=..., name=..., password=TEST_PASSWORD, admin=False) -> User"""
    counter = [0]

    def make(email=None, name=None, password=TEST_PASSWORD, admin=False):
        counter[0] += 1
        user = User(
            email=email or f"user{counter[0]}@example.edu",
            name=name or f"Test User{counter[0]}",
            password_hash=hash_password(password) if password else None,
            is_admin=admin,
        )
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_course(app, make_user):
    """make_course(code="NN-T1", instructor=None) -> Course, with an instructor enrolled."""

    def make(code="NN-T1", title="Test course", instructor=None):
        instructor = instructor or make_user()
        course = Course(code=code, title=title)
        db.session.add(course)
        db.session.add(Enrollment(user=instructor, course=course, role="instructor"))
        db.session.commit()
        return course

    return make


@pytest.fixture
def enrol(app):
    def enrol(user, course, role="student", section=""):
        db.session.add(Enrollment(user=user, course=course, role=role, section=section))
        db.session.commit()

    return enrol


@pytest.fixture
def make_assignment(app):
    """make_assignment(course, problems=[(kind, config, points)], **assignment_fields)"""
    from grader.models import Assignment, AssignmentProblem, ProblemTemplate

    def make(course, problems=(), **fields):
        fields.setdefault("title", "Homework")
        fields.setdefault("published", True)
        a = Assignment(course_id=course.id, **fields)
        for pos, spec in enumerate(problems, 1):
            kind, config, points = (*spec, 1.0)[:3] if len(spec) == 2 else spec
            template = ProblemTemplate(
                course_id=course.id, kind=kind, title=f"{kind} #{pos}", config=config
            )
            a.problems.append(AssignmentProblem(position=pos, points=points, template=template))
        db.session.add(a)
        db.session.commit()
        return a

    return make
