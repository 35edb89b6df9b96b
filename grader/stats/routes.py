"""Statistics pages for instructors and TAs: course overview, one assignment in depth
(per problem, per parameter, misconceptions, wrong answers), one student's progress. Each
table has an SVG chart and a CSV download."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, render_template
from flask_login import current_user, login_required

from ..extensions import db
from ..models import STAFF_ROLES, Enrollment, User
from ..services import stats
from ..services.access import assignment_in, course_for, student_in
from ..services.charts import table_svg
from ..services.exports import safe
from ..services.gradebook import graded_assignments

bp = Blueprint("stats", __name__)


def assignment_tables(
    a, only: str | None = None, sp=None, problem_stats=None, tags=None
) -> list[stats.Table]:
    """The assignment's tables (``only``: just that one, for a chart or CSV). ``sp`` is the
    materialised per-(student, problem) table when the caller made one."""
    builders = {
        "problems": lambda: stats.problem_table(problem_stats or stats.problem_stats(a, sp)),
        "time-to-correct": lambda: stats.time_to_correct_table(
            problem_stats or stats.problem_stats(a, sp)
        ),
        "distribution": lambda: stats.assignment_distribution(a, sp),
        "completion": lambda: stats.completion(a, sp),
        **{f"all-by-{f}": (lambda f=f: stats.overall_facet_table(a, f, sp)) for f in stats.FACETS},
        **{f"by-{f}": (lambda f=f: stats.facet_table(a, f, sp)) for f in stats.FACETS},
        "misconceptions": lambda: stats.misconception_table(a, tags),
        "misconceptions-by-problem": lambda: stats.misconception_problem_table(a, tags),
        "misconceptions-by-student": lambda: stats.misconception_student_table(a, tags=tags),
        "wrong-answers": lambda: stats.wrong_answers_table(a),
    }
    if only is not None:
        if only.startswith("hist-"):
            ap = next((p for p in a.problems if f"hist-{p.id}" == only), None)
            if ap is None:
                abort(404)
            counts = stats.histograms(stats.per_student_problem(a)).get(ap.id, [0] * stats.BINS)
            return [stats.histogram_table(ap, counts)]
        if only not in builders:
            abort(404)
        return [builders[only]()]
    return [b() for b in builders.values()]


def csv_response(table: stats.Table, name: str) -> Response:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([safe(v) if isinstance(v, str) else ("" if v is None else v) for v in row])
    return Response(
        buf.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


def svg_response(table: stats.Table) -> Response:
    if table.chart == "none":
        abort(404)
    return Response(
        table_svg(table),
        mimetype="image/svg+xml",
        headers={"Cache-Control": "private, max-age=300"},
    )


@bp.get("/courses/<int:course_id>/stats")
@login_required
def course(course_id: int):
    c, role = course_for(current_user, course_id, *STAFF_ROLES)
    overview = stats.course_overview(c)
    students = (
        db.session.execute(
            db.select(User)
            .join(Enrollment)
            .where(Enrollment.course_id == c.id, Enrollment.role == "student")
            .order_by(User.name)
        )
        .scalars()
        .all()
    )
    return render_template(
        "stats/course.html",
        course=c,
        role=role,
        overview=overview,
        assignments=graded_assignments(c),
        students=students,
    )


@bp.get("/courses/<int:course_id>/stats/overview.<any(csv, svg):ext>")
@login_required
def course_table(course_id: int, ext: str):
    c, _role = course_for(current_user, course_id, *STAFF_ROLES)
    table = stats.course_overview(c)
    return csv_response(table, f"{c.code}-assignments") if ext == "csv" else svg_response(table)


@bp.get("/courses/<int:course_id>/stats/assignments/<int:assignment_id>")
@login_required
def assignment(course_id: int, assignment_id: int):
    c, role = course_for(current_user, course_id, *STAFF_ROLES)
    a = assignment_in(c.id, assignment_id)
    with stats.materialised(a) as scratch:
        problem_stats = stats.problem_stats(a, scratch.sp, scratch.tot)
        tables = assignment_tables(a, sp=scratch.sp, problem_stats=problem_stats, tags=scratch.tags)
    return render_template(
        "stats/assignment.html",
        course=c,
        role=role,
        a=a,
        tables=tables,
        histograms=[stats.histogram_table(s.ap, s.histogram) for s in problem_stats],
    )


@bp.get("/courses/<int:course_id>/stats/assignments/<int:assignment_id>/<name>.<any(csv, svg):ext>")
@login_required
def assignment_table(course_id: int, assignment_id: int, name: str, ext: str):
    c, _role = course_for(current_user, course_id, *STAFF_ROLES)
    a = assignment_in(c.id, assignment_id)
    (table,) = assignment_tables(a, only=name)
    return csv_response(table, f"{c.code}-{a.id}-{name}") if ext == "csv" else svg_response(table)


@bp.get("/courses/<int:course_id>/stats/students/<int:user_id>")
@login_required
def student(course_id: int, user_id: int):
    c, role = course_for(current_user, course_id, *STAFF_ROLES)
    e = student_in(c.id, user_id)
    table = stats.student_progress(c, e.user)
    return render_template("stats/student.html", course=c, role=role, student=e.user, table=table)


@bp.get("/courses/<int:course_id>/stats/students/<int:user_id>/progress.<any(csv, svg):ext>")
@login_required
def student_table(course_id: int, user_id: int, ext: str):
    c, _role = course_for(current_user, course_id, *STAFF_ROLES)
    e = student_in(c.id, user_id)
    table = stats.student_progress(c, e.user)
    return (
        csv_response(table, f"{c.code}-student-{user_id}") if ext == "csv" else svg_response(table)
    )
