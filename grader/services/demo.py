"""The demo: course NN-W3 (an instructor, a TA, 30 students in two sections, the shared
library, a homework of problems A, B, C, a derivatives set, a practice set with new numbers
on every "new variant", the lecture's exact examples, and a 20-minute timed quiz), and course NN-SIM, a simulated
class of 60 students with their submissions, so that statistics, the gradebook and the
exports have something to show on first start. Course templates are copies of the
library's, as in a real course: the instructor may edit and regrade them. For trying the
service out; the password is demo-only."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from ..extensions import db
from ..models import (
    Assignment,
    AssignmentProblem,
    Course,
    Enrollment,
    ProblemTemplate,
    User,
    utcnow,
)
from .accounts import hash_password
from .assignment_spec import clone_template
from .library import (
    DERIVATIVE_ACTIVATIONS,
    PROBLEM_A,
    PROBLEM_B,
    PROBLEM_C,
    WORKED_EXAMPLE,
    ensure_library,
)

DEMO_PASSWORD = "demo-password"
DEMO_CODE = "NN-W3"
SIM_CODE = "NN-SIM"
SIM_STUDENTS = 60
FIRST = [
    "Ada",
    "Alan",
    "Grace",
    "Claude",
    "Barbara",
    "Edsger",
    "Frances",
    "John",
    "Katherine",
    "Donald",
]
LAST = ["Okafor", "Nguyen", "Schmidt", "Rossi"]
# The kinds of the demo's assignments (data: the library's derivative templates, and the
# lecture's worked example and problems A to C).
DERIVATIVES_KIND = "activation_derivative"
LECTURE_KIND = "dense_forward"


def student_name(i: int) -> str:
    return f"{FIRST[(i - 1) % len(FIRST)]} {LAST[(i - 1) // len(FIRST) % len(LAST)]}{'' if i <= 40 else i}"


def seed_demo() -> Course | None:
    """Create the demo course and its people and assignments; None if it exists already."""
    if db.session.scalar(sa.select(Course.id).where(Course.code == DEMO_CODE)):
        return None
    library = ensure_library()
    pw = hash_password(DEMO_PASSWORD)  # one hash serves every demo account

    def user(email: str, name: str) -> User:
        found = db.session.scalar(sa.select(User).where(User.email == email))
        if found is None:
            found = User(email=email, name=name, password_hash=pw)
            db.session.add(found)
        return found

    course = Course(code=DEMO_CODE, title="Neural Networks — Week 3")
    db.session.add(course)
    db.session.add(
        Enrollment(
            user=user("instructor@example.edu", "Demo Instructor"), course=course, role="instructor"
        )
    )
    db.session.add(
        Enrollment(user=user("ta@example.edu", "Demo Assistant"), course=course, role="ta")
    )
    for i in range(1, 31):
        db.session.add(
            Enrollment(
                user=user(f"student{i}@example.edu", student_name(i)),
                course=course,
                role="student",
                section="A" if i <= 15 else "B",
            )
        )

    db.session.flush()  # the course's id, for its copies of the library's templates
    like = {}
    for label in ("A", "B", "C"):
        title = next(t for t in library if t.endswith(f"(like problem {label})"))
        like[label] = clone_template(library[title], course.id)

    now = utcnow()
    homework = Assignment(
        course=course,
        title="Homework 3: dense layers (problems A, B, C)",
        mode="homework",
        opens_at=now - timedelta(days=1),
        due_at=now + timedelta(days=7),
        closes_at=now + timedelta(days=10),
        late_penalty=0.2,
        max_attempts=5,
        retry_penalty=0.0,
        solution_release="after_correct",
        published=True,
    )
    for pos, label in enumerate(["A", "B", "C"], 1):
        homework.problems.append(AssignmentProblem(position=pos, points=10, template=like[label]))

    derivatives = Assignment(
        course=course,
        title="Derivatives of the activation functions",
        mode="homework",
        opens_at=now - timedelta(days=1),
        due_at=now + timedelta(days=7),
        max_attempts=3,
        solution_release="after_attempts",
        published=True,
    )
    for pos, a in enumerate(DERIVATIVE_ACTIVATIONS, 1):
        title = next(
            t
            for t in library
            if library[t].kind == DERIVATIVES_KIND and library[t].config["activations"] == [a]
        )
        derivatives.problems.append(
            AssignmentProblem(
                position=pos, points=5, template=clone_template(library[title], course.id)
            )
        )

    # Practice with new numbers on every "new variant": the homework's own templates
    # (drawn at random), not pinned examples, whose numbers never change.
    practice = practice_set(course, "Practice: dense layers with new numbers")
    for pos, label in enumerate(["A", "B", "C"], 1):
        practice.problems.append(AssignmentProblem(position=pos, points=1, template=like[label]))
    examples = practice_set(course, "Practice: the lecture's examples")
    for pos, (title, fixed) in enumerate(
        [
            ("Worked example", WORKED_EXAMPLE),
            ("Problem A", PROBLEM_A),
            ("Problem B", PROBLEM_B),
            ("Problem C", PROBLEM_C),
        ],
        1,
    ):
        template = ProblemTemplate(
            course=course,
            kind=LECTURE_KIND,
            title=f"The lecture's {title}",
            config={"fixed": fixed},
        )
        examples.problems.append(AssignmentProblem(position=pos, points=1, template=template))
    # A timed quiz, as PrairieLearn runs one: a start page, then 20 minutes with a clock;
    # answers are saved as drafts while typed and graded when the time is up.
    quiz = Assignment(
        course=course,
        title="Quiz 3: dense layers in 20 minutes",
        mode="quiz",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=14),
        time_limit_minutes=20,
        max_attempts=2,
        solution_release="after_due",
        published=True,
    )
    for pos, label in enumerate(["A", "B", "C"], 1):
        quiz.problems.append(AssignmentProblem(position=pos, points=5, template=like[label]))
    db.session.add_all([homework, derivatives, practice, examples, quiz])
    db.session.commit()
    seed_simulated_class(user("instructor@example.edu", "Demo Instructor"))
    return course


def practice_set(course: Course, title: str) -> Assignment:
    """A published practice assignment: unlimited attempts, solutions after an attempt."""
    return Assignment(
        course=course,
        title=title,
        mode="practice",
        solution_release="after_attempts",
        max_attempts=None,
        published=True,
    )


def seed_simulated_class(instructor: User) -> Course | None:
    """NN-SIM: the demo instructor's second course, with a simulated class of 60 students,
    two assignments of ten problems and their attempts (typical slips included); None if
    it exists already."""
    from .simulate import simulate_class  # the simulation builds on the services above

    if db.session.scalar(sa.select(Course.id).where(Course.code == SIM_CODE)):
        return None
    course = Course(code=SIM_CODE, title=f"Neural Networks — a simulated class of {SIM_STUDENTS}")
    db.session.add(course)
    db.session.add(Enrollment(user=instructor, course=course, role="instructor"))
    db.session.commit()
    simulate_class(course, SIM_STUDENTS, 2, seed=3, pool=6)  # 6 variants a problem: quick
    return course
