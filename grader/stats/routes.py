"""Statistics pages for instructors and TAs: course overview, one assignment in depth
(per problem, per parameter, misconceptions, wrong answers), one student's progress. Each
table's chart is drawn inline in the page from the table's own numbers (no request per
chart, no query run twice); each table can also be downloaded as CSV and its chart as SVG."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user, login_required

from ..extensions import db
from ..models import STAFF_ROLES, Enrollment, User
from ..responses import attachment
from ..services import stats
from ..services.access import assignment_in, course_for, student_in
from ..services.charts import table_svg
from ..services.exports import safe
from ..services.gradebook import graded_assignments
from ..services.natural import matches, natural_key
from .forms import StudentFilterForm

bp = Blueprint("stats", __name__)


@bp.context_processor
def charts():
    """``chart(table)`` in the statistics templates: the table's chart as inline SVG."""
    return {"chart": table_svg}


def csv_response(table: stats.Table, name: str) -> Response:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([safe(v) if isinstance(v, str) else ("" if v is None else v) for v in row])
    return attachment(buf.getvalue(), f"{name}.csv")


def svg_response(table: stats.Table) -> Response:
    if table.chart == "none" or not table.rows:
        abort(404)  # no chart to draw
    svg = '<?xml version="1.0" encoding="utf-8"?>\n' + str(table_svg(table, width="640"))
    return attachment(svg, f"{table.name}.svg", "image/svg+xml")


@bp.get("/courses/<int:course_id>/stats")
@login_required
def course(course_id: int):
    c, role = course_for(current_user, course_id, *STAFF_ROLES)
    overview = stats.course_overview(c)
    everyone = db.session.execute(
        db.select(User.id, User.name, User.email)
        .join(Enrollment)
        .where(Enrollment.course_id == c.id, Enrollment.role == "student")
    ).all()
    filter_form = StudentFilterForm(request.args)
    query = (filter_form.q.data or "").strip()[:200]
    students = sorted(
        (s for s in everyone if matches(query, s.name, s.email)),
        key=lambda s: natural_key(s.name),
    )
    return render_template(
        "stats/course.html",
        course=c,
        role=role,
        overview=overview,
        assignments=graded_assignments(c),
        students=students,
        everyone=len(everyone),
        query=query,
        filter_form=filter_form,
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
    page = stats.assignment_page(a)
    return render_template(
        "stats/assignment.html",
        course=c,
        role=role,
        a=a,
        tables=page.tables,
        histograms=page.histograms,
        toc=[
            ("about", "How to read these numbers", None),
            *((t.name, t.title, None) for t in page.tables),
            (
                "histograms",
                "Score histograms per problem",
                [(h.name, h.title) for h in page.histograms],
            ),
        ],
    )


@bp.get("/courses/<int:course_id>/stats/assignments/<int:assignment_id>/<name>.<any(csv, svg):ext>")
@login_required
def assignment_table(course_id: int, assignment_id: int, name: str, ext: str):
    c, _role = course_for(current_user, course_id, *STAFF_ROLES)
    a = assignment_in(c.id, assignment_id)
    table = stats.assignment_page(a, only=name).find(name)
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
