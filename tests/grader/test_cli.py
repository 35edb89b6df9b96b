"""The flask commands."""

import re

import sqlalchemy as sa
from werkzeug.security import check_password_hash

from grader.extensions import db
from grader.models import (
    Assignment,
    AssignmentProblem,
    Course,
    Enrollment,
    ProblemTemplate,
    Submission,
    User,
)


def test_create_user(runner):
    r = runner.invoke(
        args=[
            "create-user",
            "Ada@Example.edu",
            "--name",
            "Ada Lovelace",
            "--password",
            "analytical",
            "--admin",
        ]
    )
    assert r.exit_code == 0, r.output
    assert "Created admin ada@example.edu (Ada Lovelace)." in r.output
    user = db.session.scalar(sa.select(User).where(User.email == "ada@example.edu"))
    assert user.is_admin and check_password_hash(user.password_hash, "analytical")
    r = runner.invoke(
        args=["create-user", "ada@example.edu", "--name", "Again", "--password", "analytical"]
    )
    assert r.exit_code == 1 and "ada@example.edu already has an account" in r.output
    r = runner.invoke(args=["create-user", "x@example.edu", "--name", "X", "--password", "short"])
    assert r.exit_code == 1 and "at least 8 characters" in r.output


def test_create_course(runner, make_user):
    make_user(email="t@example.edu")
    r = runner.invoke(args=["create-course", "NN-W3", "Week 3", "--instructor", "t@example.edu"])
    assert r.exit_code == 0, r.output
    course = db.session.scalar(sa.select(Course).where(Course.code == "NN-W3"))
    assert course.title == "Week 3" and course.enrollments[0].role == "instructor"
    r = runner.invoke(args=["create-course", "NN-W3", "Again", "--instructor", "t@example.edu"])
    assert r.exit_code == 1 and "the course code NN-W3 is taken" in r.output
    r = runner.invoke(args=["create-course", "NN-W5", "X", "--instructor", "nobody@example.edu"])
    assert r.exit_code == 1 and "no account for nobody@example.edu" in r.output


def test_import_roster(runner, make_course, tmp_path):
    course = make_course("NN-W3")
    good = tmp_path / "good.csv"
    good.write_text(
        "email,name,role,section\na@example.edu,A One,student,1\nb@example.edu,B Two,ta,\n"
    )
    r = runner.invoke(args=["import-roster", "NN-W3", str(good)])
    assert r.exit_code == 0, r.output
    assert "NN-W3: 2 new accounts, 2 enrolled, 0 updated, 0 unchanged." in r.output
    assert "a@example.edu  initial password: " in r.output
    bad = tmp_path / "bad.csv"
    bad.write_text("email,name,role\nc@example.edu,C,student\nnope,D,student\nc@example.edu,C,ta\n")
    r = runner.invoke(args=["import-roster", "NN-W3", str(bad)])
    assert r.exit_code == 1
    assert "line 3: 'nope' is not an email address" in r.output
    assert "line 4: c@example.edu is listed twice (also on line 2)" in r.output
    assert "2 bad row(s); nothing was imported" in r.output
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Enrollment)
            .where(Enrollment.course_id == course.id)
        )
        == 3
    )
    r = runner.invoke(args=["import-roster", "NN-X", str(good)])
    assert r.exit_code == 1 and "no course with code NN-X" in r.output


def test_seed_demo(runner):
    r = runner.invoke(args=["seed-demo"])
    assert r.exit_code == 0, r.output
    assert "Demo password (demo only" in r.output and "demo-password" in r.output
    course = db.session.scalar(sa.select(Course).where(Course.code == "NN-W3"))
    assert course.title == "Neural Networks — Week 3"
    roles = db.session.execute(
        sa.select(Enrollment.role, sa.func.count())
        .where(Enrollment.course_id == course.id)
        .group_by(Enrollment.role)
        .order_by(Enrollment.role)
    ).all()
    assert roles == [("instructor", 1), ("student", 30), ("ta", 1)]
    ours = sa.select(Assignment).where(Assignment.course_id == course.id).order_by(Assignment.id)
    titles = [a.title for a in db.session.scalars(ours)]
    assert titles == [
        "Homework 3: dense layers (problems A, B, C)",
        "Derivatives of the activation functions",
        "Practice: dense layers with new numbers",
        "Practice: the lecture's examples",
        "Quiz 3: dense layers in 20 minutes",
    ]
    homework, derivatives, practice, examples, quiz = db.session.scalars(ours)
    # the timed quiz: its start page first (issue 12, item 1)
    assert (quiz.mode, quiz.time_limit_minutes, len(quiz.problems)) == ("quiz", 20, 3)
    assert [(p.template.kind, p.template.config) for p in homework.problems] == [
        ("dense_forward", {"m": 2, "n": 2}),
        ("dense_forward", {"m": 2, "n": 3}),
        ("dense_forward", {"m": 3, "n": 2}),
    ]
    # The course's own copies (editable, regradable), shared by homework and practice
    for a in (homework, derivatives, practice, examples, quiz):
        assert {p.template.course_id for p in a.problems} == {course.id}, a.title
    assert [p.template_id for p in practice.problems] == [p.template_id for p in homework.problems]
    # NN-SIM: the instructor's simulated class of 60, with attempts to show
    sim = db.session.scalar(sa.select(Course).where(Course.code == "NN-SIM"))
    sim_roles = dict(
        db.session.execute(
            sa.select(Enrollment.role, sa.func.count())
            .where(Enrollment.course_id == sim.id)
            .group_by(Enrollment.role)
        ).all()
    )
    assert sim_roles == {"instructor": 1, "student": 60}
    attempts = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Submission)
        .join(AssignmentProblem)
        .join(Assignment)
        .where(Assignment.course_id == sim.id)
    )
    assert attempts >= 60 * 20  # two assignments of ten problems, at least one try each
    assert "NN-SIM, a simulated class of 60 students" in r.output
    shared = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ProblemTemplate)
        .where(ProblemTemplate.course_id.is_(None))
    )
    assert shared >= 15
    r = runner.invoke(args=["seed-demo"])
    assert r.exit_code == 0 and "exists already; nothing changed" in r.output


def test_demo_login(client, runner):
    from tests.helpers import login

    runner.invoke(args=["seed-demo"])
    assert login(client, "student7@example.edu", "demo-password").status_code == 302
    home = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "<h1>NN-W3 — " in home  # one course: the student lands on it
    # the timed quiz opens on its start page; looking starts nothing
    quiz = db.session.scalar(sa.select(Assignment).where(Assignment.mode == "quiz"))
    assert "Quiz 3: dense layers in 20 minutes" in home
    page = client.get(f"/assignments/{quiz.id}/problems/{quiz.problems[0].id}")
    assert page.headers["Location"].endswith(f"/assignments/{quiz.id}/start")
    start = client.get(page.headers["Location"]).get_data(as_text=True)
    assert "This quiz has 3 problems and a 20-minute limit." in start


def test_the_module_docstring_lists_every_command(app):
    import grader.cli

    ours = sorted(name for name in app.cli.list_commands(None) if name not in ("db",))
    listed = sorted(set(re.findall(r"^- ([a-z-]+)(?: / ([a-z-]+))?:", grader.cli.__doc__, re.M)))
    named = sorted({n for pair in listed for n in pair if n})
    assert named == ours
