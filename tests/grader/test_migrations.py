"""Migrations make the schema: upgrade on an empty database, nothing left to autogenerate,
downgrade to base and upgrade again; on SQLite and on PostgreSQL (TEST_DATABASE_URL)."""

import uuid

import pytest
import sqlalchemy as sa
from flask_migrate import check, downgrade, upgrade

from grader.extensions import db
from tests.helpers import database_url_for_tests, make_app


@pytest.fixture
def scratch_app(tmp_path):
    """An app on an empty database of its own: a new SQLite file, or a new PostgreSQL schema."""
    url = database_url_for_tests()
    if url.startswith("postgresql"):
        schema = "mig_" + uuid.uuid4().hex[:8]
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        sep = "&" if "?" in url else "?"
        app = make_app(f"{url}{sep}options=-csearch_path%3D{schema}")
        yield app
        with app.app_context():
            db.engine.dispose()
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()
    else:
        app = make_app(f"sqlite:///{tmp_path}/migrations.sqlite")
        yield app
        with app.app_context():
            db.engine.dispose()


def tables(app):
    with app.app_context():
        return set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_upgrade_check_downgrade_upgrade(scratch_app):
    expected = set(db.metadata.tables)
    assert tables(scratch_app) == set()
    with scratch_app.app_context():
        upgrade()
    assert tables(scratch_app) == expected
    with scratch_app.app_context():
        check()  # raises if the models differ from the migrated schema
        downgrade(revision="base")
    assert tables(scratch_app) == set()
    with scratch_app.app_context():
        upgrade()
    assert tables(scratch_app) == expected


def test_constraints_hold(app, make_user, make_course):
    """The database itself refuses a second enrolment and an unknown role."""
    from grader.models import Enrollment

    user = make_user()
    course = make_course()
    db.session.add(Enrollment(user=user, course=course, role="student"))
    db.session.commit()
    db.session.add(Enrollment(user=user, course=course, role="ta"))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()
    other = make_user()
    db.session.add(Enrollment(user=other, course=course, role="professor"))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_upgrades_keep_the_data(scratch_app):
    """Going down past the statistics migrations and up again keeps every submission, tag
    and variant summary: SQLite's batch migrations recreate tables, which must never set
    off ON DELETE CASCADE."""
    from grader.models import (
        Assignment,
        AssignmentProblem,
        Course,
        Enrollment,
        ProblemTemplate,
        Submission,
        SubmissionTag,
        User,
        Variant,
    )
    from grader.services.submissions import submit
    from grader.services.variants import get_or_create_variant

    with scratch_app.app_context():
        upgrade()
        user = User(email="s@example.edu", name="S")
        course = Course(code="NN-M", title="M")
        db.session.add_all([user, course, Enrollment(user=user, course=course, role="student")])
        a = Assignment(course=course, title="A", published=True)
        t = ProblemTemplate(
            course=course,
            kind="dense_forward",
            title="D",
            config={
                "fixed": {
                    "W": [[1, -1], [0, 2], [3, 1]],
                    "x": [1, 2],
                    "b": [0, 1, -1],
                    "activation": "relu",
                }
            },
        )
        a.problems.append(AssignmentProblem(position=1, points=1, template=t))
        db.session.add(a)
        db.session.commit()
        get_or_create_variant(a.problems[0], user)
        submit(a.problems[0], user, {"z": [-1, 5, 4], "y": [-1, 5, 4]})
        submit(a.problems[0], user, {"z": [-1, 5, 4], "y": [0, 5, 4]})
        db.session.remove()
        downgrade(revision="358fc4100268")  # before the statistics columns and tables
        upgrade()
        counts = [
            db.session.scalar(sa.select(sa.func.count()).select_from(m))
            for m in (Submission, Variant)
        ]
        assert counts == [2, 1]
        v = db.session.scalar(sa.select(Variant))
        # the backfill rebuilt the summary and the tag rows from the submissions
        assert (v.attempts, v.best_score, v.correct, v.first_correct, v.first_correct_attempt) == (
            2,
            1.0,
            True,
            False,
            2,
        )
        assert db.session.scalars(sa.select(SubmissionTag.tag)).all() == ["no_activation"]
        # the facets, backfilled into their old columns, moved into the JSON mapping (no loss:
        # dense_forward has none); and back into the columns on the way down
        assert v.facets == {"activation": "relu", "shape": "3x2"}
        db.session.remove()
        downgrade(revision="e072ff35752a")
        row = db.session.execute(
            sa.text("SELECT facet_activation, facet_shape, facet_loss FROM variant")
        ).one()
        assert tuple(row) == ("relu", "3x2", None)
        db.session.remove()
        upgrade()
        assert db.session.scalar(sa.select(Variant.facets)) == {
            "activation": "relu",
            "shape": "3x2",
        }
        db.session.remove()


def test_assignment_problem_has_no_overrides(scratch_app):
    """The overrides column (never set, merged in four places) is gone from the model and
    from the migrated schema; a problem's config and policy are its template's."""
    from grader.models import AssignmentProblem

    assert not hasattr(AssignmentProblem, "overrides")
    with scratch_app.app_context():
        upgrade()
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("assignment_problem")}
    assert columns == {"id", "assignment_id", "position", "points", "template_id"}
