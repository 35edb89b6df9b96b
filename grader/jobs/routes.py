"""Background jobs as staff see them: a course's jobs, a job's page (a progress bar that
refreshes while it runs, its log, its result) and its file's download; starting the long
CSV and a simulated class. Regrade jobs are started from the assignment's regrade page
(instructor routes). Only the course's staff see its jobs; a kind's own roles start or
cancel it.

A simulated class writes fake students and assignments into the course for good (there is
no undo), so its form asks the instructor to type the course's code: a course has no
"sandbox" flag to check, and a typed code cannot be given by a stray click or a form
resubmitted from the history of another course."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from ..models import STAFF_ROLES
from ..responses import attachment
from ..services import jobs
from ..services.access import course_for
from ..services.errors import Forbidden, NotFound
from ..services.regrade import students_of
from .forms import SimulateForm

bp = Blueprint("jobs", __name__)

REGRADES = ("regrade_plan", "regrade_apply")


def _start(course, role, kind, assignment=None, params=None):
    """Start (or find the active) job of ``kind`` and send the browser to its page."""
    if role not in jobs.KINDS[kind].roles:
        raise Forbidden()
    job, created = jobs.start(kind, course, current_user, assignment, params)
    if not created:
        flash(
            "This job is already queued or running: here it is (nothing new was started).", "info"
        )
    return redirect(url_for("jobs.show", course_id=course.id, job_id=job.id))


@bp.get("/courses/<int:course_id>/jobs")
@login_required
def index(course_id: int):
    course, role = course_for(current_user, course_id, *STAFF_ROLES)
    rows = jobs.course_jobs(course)
    return render_template(
        "jobs/index.html",
        course=course,
        role=role,
        rows=rows,
        kinds=jobs.KINDS,
        refresh=any(j.active for j in rows),
    )


@bp.get("/courses/<int:course_id>/jobs/<int:job_id>")
@login_required
def show(course_id: int, job_id: int):
    course, role = course_for(current_user, course_id, *STAFF_ROLES)
    job = jobs.course_job(course, job_id)
    return render_template(
        "jobs/job.html",
        course=course,
        role=role,
        job=job,
        kind=jobs.KINDS.get(job.kind),
        has_file=job.status == "done" and jobs.has_file(job),
        students=students_of(job.result) if job.kind in REGRADES and job.status == "done" else {},
        expired=jobs.file_expired(job),
        retention_days=current_app.config["EXPORT_RETENTION_DAYS"],
    )


@bp.get("/courses/<int:course_id>/jobs/<int:job_id>/download.csv")
@login_required
def download(course_id: int, job_id: int):
    course, _role = course_for(current_user, course_id, *STAFF_ROLES)
    job = jobs.course_job(course, job_id)
    if jobs.file_expired(job):
        raise NotFound("This job's file expired (files are kept a few days): run it again.")
    if job.status != "done" or not jobs.has_file(job):
        raise NotFound("This job has no file to download.")
    name = (job.result or {}).get("filename") or f"job-{job.id}.csv"
    return attachment(jobs.file_text(job), name)


@bp.post("/courses/<int:course_id>/jobs/<int:job_id>/cancel")
@login_required
def cancel(course_id: int, job_id: int):
    course, role = course_for(current_user, course_id, *STAFF_ROLES)
    job = jobs.course_job(course, job_id)
    kind = jobs.KINDS.get(job.kind)
    if kind is None or role not in kind.roles:
        raise Forbidden()
    if jobs.cancel(job, current_user):
        flash("The job was cancelled before it started.", "info")
    else:
        flash("The job had already started or finished; it was not cancelled.", "error")
    return redirect(url_for("jobs.show", course_id=course.id, job_id=job.id))


@bp.get("/courses/<int:course_id>/exports/long")
@login_required
def long_export(course_id: int):
    course, role = course_for(current_user, course_id, *STAFF_ROLES)
    job = jobs.latest_of_course(course, "export_long")
    return render_template(
        "jobs/long_export.html",
        course=course,
        role=role,
        job=job,
        expired=job is not None and jobs.file_expired(job),
        retention_days=current_app.config["EXPORT_RETENTION_DAYS"],
    )


@bp.post("/courses/<int:course_id>/exports/long")
@login_required
def start_long_export(course_id: int):
    course, role = course_for(current_user, course_id, *STAFF_ROLES)
    return _start(course, role, "export_long")


@bp.route("/courses/<int:course_id>/simulate", methods=["GET", "POST"])
@login_required
def simulate(course_id: int):
    """A simulated class (instructors): students with variants and submissions, made by a
    background job whose page shows its progress."""
    course, role = course_for(current_user, course_id, *STAFF_ROLES)
    if role not in jobs.KINDS["simulate_class"].roles:
        raise Forbidden("Only the course's instructors may add a simulated class.")
    form = SimulateForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            if form.confirm.data.strip() != course.code:
                form.confirm.errors.append(
                    f"Type {course.code} exactly: the simulated students are added to this course for good."
                )
            else:
                params = {
                    "students": form.students.data,
                    "assignments": form.assignments.data,
                    "seed": form.seed.data,
                }
                return _start(course, role, "simulate_class", params=params)
        status = 400
    return render_template(
        "jobs/simulate.html",
        course=course,
        role=role,
        form=form,
        job=jobs.latest_of_course(course, "simulate_class"),
    ), status
