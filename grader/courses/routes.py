"""My courses, course home (with the roster for staff), new course, enrolment and roster
import. Instructors manage their courses; TAs read the roster; students see the course."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..services import as_sentence
from ..services.access import can_create_courses, course_for, is_staff, my_courses
from ..services.assignments import course_assignments
from ..services.courses import CourseError, RosterError, create_course, import_roster, roster
from .forms import CourseForm, EnrolForm, RosterForm

bp = Blueprint("courses", __name__)


@bp.get("/")
@login_required
def index():
    rows = my_courses(current_user)
    can_create = can_create_courses(current_user)
    if len(rows) == 1 and not can_create and not request.args.get("all"):
        # one course: its page is the home page ("My courses" in the header lists it)
        return redirect(url_for("courses.home", course_id=rows[0][0].id))
    return render_template("courses/index.html", rows=rows, can_create=can_create)


@bp.route("/courses/new", methods=["GET", "POST"])
@login_required
def new():
    if not can_create_courses(current_user):
        abort(403)
    form = CourseForm()
    status = 200
    if form.validate_on_submit():
        try:
            course = create_course(form.code.data, form.title.data, current_user)
        except CourseError as exc:
            form.code.errors.append(as_sentence(str(exc)))
            status = 400
        else:
            flash(f"Course {course.code} created.", "info")
            return redirect(url_for("courses.home", course_id=course.id))
    elif request.method == "POST":
        status = 400
    return render_template("courses/new.html", form=form), status


def _home(course, role: str, enrol_form: EnrolForm, status: int = 200):
    members = roster(course) if is_staff(role) else []
    page = render_template(
        "courses/home.html",
        course=course,
        role=role,
        members=members,
        enrol_form=enrol_form,
        assignments=course_assignments(course, current_user, role),
    )
    return page, status


@bp.get("/courses/<int:course_id>")
@login_required
def home(course_id: int):
    course, role = course_for(current_user, course_id)
    return _home(course, role, EnrolForm())


@bp.post("/courses/<int:course_id>/enrol")
@login_required
def enrol(course_id: int):
    course, _role = course_for(current_user, course_id, "instructor")
    form = EnrolForm()
    if not form.validate_on_submit():
        return _home(course, "instructor", form, 400)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["email", "name", "role", "section"])
    writer.writerow(
        [form.email.data, form.name.data or "", form.role.data, form.section.data or ""]
    )
    try:
        result = import_roster(course, buf.getvalue(), acting=current_user)
    except RosterError as exc:
        form.email.errors.extend(as_sentence(msg) for _line, msg in exc.errors)
        return _home(course, "instructor", form, 400)
    return render_template("courses/roster_result.html", course=course, result=result)


@bp.route("/courses/<int:course_id>/roster/import", methods=["GET", "POST"])
@login_required
def import_csv(course_id: int):
    course, _role = course_for(current_user, course_id, "instructor")
    form = RosterForm()
    if form.validate_on_submit():
        try:
            text = form.file.data.read().decode("utf-8")
        except UnicodeDecodeError:
            return render_template(
                "courses/roster_import.html",
                course=course,
                form=form,
                errors=[(0, "the file is not UTF-8 text; save it as CSV UTF-8")],
            ), 400
        try:
            result = import_roster(course, text, acting=current_user)
        except RosterError as exc:
            return render_template(
                "courses/roster_import.html", course=course, form=form, errors=exc.errors
            ), 400
        return render_template("courses/roster_result.html", course=course, result=result)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "courses/roster_import.html", course=course, form=form, errors=[]
    ), status
