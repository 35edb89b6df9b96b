"""Background jobs at scale: regrade one assignment (plan, then apply) and the long CSV,
each run as a job (jobs.run_job, as the worker runs it), on a simulated class.

    .venv/bin/python bench/bench_jobs.py --database postgresql+psycopg://postgres@127.0.0.1/bench10k_jobs
    .venv/bin/python bench/bench_jobs.py --database postgresql+psycopg://postgres@127.0.0.1/scratch --students 1000

With an empty database it migrates and simulates ``--students`` students × 4 assignments ×
10 problems first (an existing course BENCH, or the first course with a simulated class,
is used as it is). The first assignment's templates are given a looser tolerance so that
the regrade changes scores. Prints a table and appends it to bench/results/<date>-jobs.md.
Target: the long CSV at ≥ 50,000 rows/s on PostgreSQL."""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date

import sqlalchemy as sa

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from grader import create_app  # noqa: E402
from grader.extensions import db  # noqa: E402
from grader.models import Assignment, Course, Job  # noqa: E402
from grader.services import jobs  # noqa: E402
from grader.services.accounts import new_user  # noqa: E402
from grader.services.courses import create_course  # noqa: E402

LONG_CSV_FLOOR = 50_000  # rows/s


def course_to_use(students: int) -> Course:
    course = db.session.scalar(
        sa.select(Course)
        .join(Assignment, Assignment.course_id == Course.id)
        .where(Assignment.title.like("Simulated assignment%"))
        .limit(1)
    )
    if course is not None:
        return course
    from grader.services.simulate import simulate_class

    teacher = new_user("bench-teacher@example.invalid", "Bench Teacher", "bench-password-1")
    db.session.commit()
    course = create_course("BENCH", "Benchmark class", teacher)
    t = time.perf_counter()
    simulate_class(course, students, 4, seed=1)
    print(f"simulated {students} students in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    return course


def timed_job(kind: str, course: Course, assignment: Assignment | None = None) -> tuple[Job, float]:
    job, _ = jobs.start(kind, course, None, assignment)
    job_id = job.id
    t = time.perf_counter()
    status = jobs.run_job(job_id)  # as the worker runs it (it ends the session)
    elapsed = time.perf_counter() - t
    job = db.session.get(Job, job_id)
    if status != "done":
        raise SystemExit(f"{kind} {status}: {job.error}")
    return job, elapsed


def regrade_rows(course: Course) -> tuple[list, Course]:
    """Regrade the first assignment (plan, then apply) as jobs; their table rows."""
    a = course.assignments[0]
    for p in a.problems:  # a looser tolerance: some answers now count
        p.template.policy = {"rtol": 0.05, "atol": 0.05}
    db.session.commit()
    rows = []
    course_id, a_id = course.id, a.id
    plan, t_plan = timed_job("regrade_plan", course, a)
    course, a = db.session.get(Course, course_id), db.session.get(Assignment, a_id)
    n = plan.result["submissions"]
    rows.append(
        (
            "regrade plan",
            n,
            t_plan,
            f"{n / t_plan:,.0f} submissions/s",
            f"{plan.result['changed']} would change",
        )
    )
    applied, t_apply = timed_job("regrade_apply", course, a)
    course = db.session.get(Course, course_id)
    rows.append(
        (
            "regrade apply (plan again + write)",
            n,
            t_apply,
            f"{n / t_apply:,.0f} submissions/s",
            f"{applied.result['changed']} changed",
        )
    )
    return rows, course


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--database", required=True, help="SQLAlchemy URL (a copy: it is written)")
    ap.add_argument("--students", type=int, default=1000)
    ap.add_argument(
        "--long-csv-only",
        action="store_true",
        help="time the long CSV job alone (the regrade takes minutes at 10,000 students)",
    )
    args = ap.parse_args()
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": args.database,
            "JOBS_URL": "memory://",
        }
    )
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        course = course_to_use(args.students)
        students = db.session.scalar(
            sa.text("select count(*) from enrollment where course_id = :c and role = 'student'"),
            {"c": course.id},
        )
        rows = []
        if not args.long_csv_only:
            rows, course = regrade_rows(course)
        export, t_csv = timed_job("export_long", course)
        r = export.result["rows"]
        rows.append(
            (
                "long CSV job (stored compressed)",
                r,
                t_csv,
                f"{r / t_csv:,.0f} rows/s",
                f"ratio to the {LONG_CSV_FLOOR:,} rows/s floor: {r / t_csv / LONG_CSV_FLOOR:.2f}",
            )
        )
        dialect = db.engine.dialect.name
        db.session.rollback()
    lines = [
        f"### Background jobs, {dialect}, {students:,} students ({date.today().isoformat()})",
        "",
        "| job | items | seconds | rate | note |",
        "| --- | ---: | ---: | ---: | --- |",
        *(
            f"| {name} | {items:,} | {sec:.1f} | {rate} | {note} |"
            for name, items, sec, rate, note in rows
        ),
        "",
        "Load average (1, 5, 15 min) at the end: "
        + ", ".join(f"{x:.1f}" for x in os.getloadavg())
        + f"; {os.cpu_count()} cores.",
        "",
        f"Command: `.venv/bin/python bench/bench_jobs.py --database <a {dialect} copy>` (an existing simulated class, or --students N on an empty database)",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    with open(
        os.path.join(ROOT, "bench", "results", f"{date.today().isoformat()}-jobs.md"), "a"
    ) as fh:
        fh.write(text + "\n")


if __name__ == "__main__":
    main()
