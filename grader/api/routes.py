"""The JSON API, /api/v1, with bearer tokens: a student's courses, assignments, own
variants and submissions. Errors are JSON: {"error": code, "message": …}."""

from __future__ import annotations

import contextlib

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, g, jsonify, request, url_for

import problems

from ..extensions import csrf, db
from ..models import STAFF_ROLES, Assignment, Submission, Variant
from ..responses import attachment
from ..services import jobs
from ..services.access import course_for, is_staff, my_courses
from ..services.accounts import DEVICE_COOKIE, authenticate, set_device_cookie
from ..services.assignment_spec import (
    SpecError,
    create_from_spec,
    export_yaml,
    parse,
    to_spec,
    update_from_spec,
    validate,
)
from ..services.assignments import assignment_for, course_assignments, problem_for
from ..services.errors import DomainError
from ..services.exports import FORMATS, export_lines, filename, long_count
from ..services.gradebook import graded_assignments, iter_grades, possible
from ..services.inputs import YAML_TYPES
from ..services.quiz import clock, finalize_expired, start_quiz
from ..services.submissions import (
    FormatErrors,
    SubmissionRefused,
    check_open,
    is_timed,
    problem_state,
    standing_for,
    submit,
    target_for,
)
from ..services.tokens import issue_token, revoke, token_from
from ..services.variants import ProblemUnavailable, grading_policy, variants_for
from .openapi import openapi_document

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

PUBLIC = {"api.create_token", "api.openapi"}


class ApiError(Exception):
    def __init__(self, status: int, error: str, message: str, **extra):
        super().__init__(message)
        self.status, self.error, self.message, self.extra = status, error, message, extra


@bp.errorhandler(ApiError)
def api_error(exc: ApiError):
    return jsonify({"error": exc.error, "message": exc.message, **exc.extra}), exc.status


@bp.errorhandler(DomainError)
def refused(exc: DomainError):
    """The one place a service's refusal becomes a JSON error."""
    db.session.rollback()
    return jsonify({"error": exc.error, "message": exc.text}), exc.status


@bp.before_request
def bearer_token():
    if request.endpoint in PUBLIC:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    bearer = token_from(raw.strip()) if scheme.lower() == "bearer" else None
    if bearer is None:
        response = jsonify(
            {
                "error": "unauthorized",
                "message": "Send a valid token: Authorization: Bearer <token>.",
            }
        )
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
        return response, 401
    g.api_token_id = bearer.token_id
    g.api_user = bearer.user
    return None


def body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(
            400, "bad_json", "The body must be a JSON object (Content-Type: application/json)."
        )
    return data


@bp.post("/tokens")
def create_token():
    data = body()
    email, password = data.get("email"), data.get("password")
    if not isinstance(email, str) or not isinstance(password, str):
        raise ApiError(400, "bad_request", 'Send {"email": …, "password": …} as strings.')
    # The same device cookie as the web login: a client that keeps cookies (a browser,
    # requests.Session, curl -b/-c) and logged in before is not stopped by the address
    # limit; one that does not is an untrusted client, under the address limit.
    user, refused = authenticate(
        email, password, request.remote_addr, request.cookies.get(DEVICE_COOKIE)
    )
    if user is None:
        if refused.status == 429:
            response = jsonify({"error": "too_many_requests", "message": refused.message})
            response.headers["Retry-After"] = str(refused.retry_after)
            return response, 429
        raise ApiError(401, "unauthorized", refused.message)
    raw, token = issue_token(user)
    response = jsonify({"token": raw, "expires_at": token.expires_at.isoformat()})
    set_device_cookie(response, user)
    return response, 201


@bp.delete("/tokens/current")
def delete_token():
    revoke(g.api_token_id)
    return "", 204


@bp.get("/me")
def me():
    u = g.api_user
    return jsonify({"id": u.id, "email": u.email, "name": u.name, "is_admin": u.is_admin})


@bp.get("/courses")
def courses():
    return jsonify(
        [
            {"id": c.id, "code": c.code, "title": c.title, "role": role}
            for c, role in my_courses(g.api_user)
        ]
    )


def _time(t):
    return t.isoformat() if t else None


@bp.get("/courses/<int:course_id>/assignments")
def assignments(course_id: int):
    course, role = course_for(g.api_user, course_id)
    return jsonify(
        [
            {
                "id": s.assignment.id,
                "title": s.assignment.title,
                "mode": s.assignment.mode,
                "published": s.assignment.published,
                "opens_at": _time(s.assignment.opens_at),
                "due_at": _time(s.assignment.due_at),
                "closes_at": _time(s.assignment.closes_at),
                "status": s.status,
                "score": s.earned,
                "points": s.points,
                "attempts": s.attempts,
            }
            for s in course_assignments(course, g.api_user, role)
        ]
    )


def _solution(variant: Variant) -> list[dict]:
    return [s.to_dict() for s in problems.get(variant.kind).solution(variant.params)]


def _problem(ap, variant, role, standing) -> dict:
    kind = problems.get(variant.kind)
    state = problem_state(ap, g.api_user, variant, staff=is_staff(role), standing=standing)
    return {
        "id": ap.id,
        "position": ap.position,
        "title": ap.template.title,
        "kind": variant.kind,
        "points": ap.points,
        "params": variant.params,
        "prompt": kind.prompt(variant.params),
        "answer_fields": kind.answer_fields(variant.params),
        "tolerance": _tolerance(kind, ap),
        "attempts_used": state.attempts_used,
        "attempts_left": state.attempts_left,
        "score": state.score,
        "best_score": state.score,  # deprecated: the same value as "score"
        "correct": state.correct,
        "accepting": state.refusal is None,
        "solution": _solution(variant) if state.solution_released else None,
    }


def _tolerance(kind, ap) -> str:
    """The tolerance rule in words, or why the problem cannot be graded now."""
    try:
        return kind.describe_policy(grading_policy(ap))
    except ProblemUnavailable as exc:
        return exc.message


@bp.get("/assignments/<int:assignment_id>")
def assignment(assignment_id: int):
    a, role = assignment_for(g.api_user, assignment_id)
    check_open(a, g.api_user, staff=is_staff(role))  # no numbers before it opens, as on the web
    timed = is_timed(a) and not is_staff(role)
    if timed:
        # The numbers are shown now: the clock starts (as Start does on the web), unless the
        # quiz has closed; a quiz that is over has its drafts graded first.
        with contextlib.suppress(SubmissionRefused):
            start_quiz(a, g.api_user)
        finalize_expired(a, g.api_user)
    try:
        variants = variants_for(a.problems, g.api_user)  # made on the first view
    except ProblemUnavailable as exc:
        raise ApiError(exc.status, exc.error, exc.message) from None
    standing = standing_for(a, g.api_user)
    return jsonify(
        {
            "id": a.id,
            "course_id": a.course_id,
            "title": a.title,
            "mode": a.mode,
            "due_at": _time(a.due_at),
            "closes_at": _time(a.closes_at),
            "max_attempts": a.max_attempts,
            "time_limit_minutes": a.time_limit_minutes,
            "problems": [
                _problem(ap, v, role, standing) for ap, v in zip(a.problems, variants, strict=True)
            ],
            "quiz": clock(standing).to_dict() if timed else None,
        }
    )


def _timed_for_me(assignment_id: int):
    a, role = assignment_for(g.api_user, assignment_id)
    if not is_timed(a) or is_staff(role):
        raise ApiError(409, "not_timed", "No clock runs for you on this assignment.")
    return a


@bp.post("/assignments/<int:assignment_id>/start")
def start(assignment_id: int):
    a = _timed_for_me(assignment_id)
    before = standing_for(a, g.api_user).started_at
    try:
        start_quiz(a, g.api_user)
    except SubmissionRefused as exc:
        raise ApiError(exc.status, exc.error, exc.message) from None
    return jsonify(clock(standing_for(a, g.api_user)).to_dict()), 200 if before else 201


@bp.get("/assignments/<int:assignment_id>/clock")
def quiz_clock(assignment_id: int):
    a = _timed_for_me(assignment_id)
    finalize_expired(a, g.api_user)
    return jsonify(clock(standing_for(a, g.api_user)).to_dict())


def _submission(sub: Submission, variant: Variant) -> dict:
    return {
        "id": sub.id,
        "attempt": sub.attempt,
        "variant": variant.number,
        "submitted_at": sub.created_at.isoformat(),
        "answers": sub.raw,
        "score": sub.score,
        "raw_score": sub.raw_score,
        "late": sub.late,
        "results": sub.results,
        "misconceptions": sub.misconceptions,
        "feedback": sub.feedback,
    }


@bp.post("/assignments/<int:assignment_id>/problems/<int:problem_id>/submissions")
def create_submission(assignment_id: int, problem_id: int):
    key = request.headers.get("Idempotency-Key")
    target = target_for(g.api_user, assignment_id, problem_id, key)  # one query, checks access
    data = body()
    if not isinstance(data.get("answers"), dict):
        raise ApiError(400, "bad_request", 'Send {"answers": {name: value, …}}.')
    try:
        done = submit(target.ap, g.api_user, data["answers"], key, target=target)
    except FormatErrors as exc:
        raise ApiError(
            422,
            "format_errors",
            "Some entries could not be read; nothing was graded and no attempt was used.",
            format_errors=exc.errors,
        ) from None
    except SubmissionRefused as exc:
        raise ApiError(exc.status, exc.error, exc.message) from None
    # Built from memory: the attempt is stored even if the connection drops now.
    state = done.state(staff=is_staff(target.role))
    out = _submission(done.submission, done.variant) | {
        "attempts_left": state.attempts_left,
        "problem_score": state.score,  # "score" here is this attempt's
        "best_score": state.score,  # deprecated: the same value as "problem_score"
        "solution": _solution(done.variant) if state.solution_released else None,
    }
    if done.same:
        return jsonify(out | {"same_as_attempt": done.submission.attempt}), 200
    response = jsonify(out)
    if done.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response, 201


@bp.get("/assignments/<int:assignment_id>/problems/<int:problem_id>/submissions")
def list_submissions(assignment_id: int, problem_id: int):
    a, _role = assignment_for(g.api_user, assignment_id)
    ap = problem_for(a, problem_id)
    finalize_expired(a, g.api_user)  # a quiz that is over: its drafts are graded first
    rows = db.session.execute(
        sa.select(Submission, Variant)
        .join(Variant)
        .where(Variant.assignment_problem_id == ap.id, Variant.user_id == g.api_user.id)
        .order_by(Variant.number, Submission.attempt)
    )
    return jsonify([_submission(s, v) for s, v in rows])


# ---------------------------------------------------------------- instructors and TAs


@bp.get("/courses/<int:course_id>/gradebook")
def gradebook(course_id: int):
    course, _role = course_for(g.api_user, course_id, *STAFF_ROLES)
    assignments = graded_assignments(course)
    students = []
    for grades in iter_grades(course, assignments):
        students.append(
            {
                "id": grades.user.id,
                "name": grades.user.name,
                "email": grades.user.email,
                "section": grades.section,
                "assignments": {
                    str(a.id): ("EX" if a.id in grades.excused else grades.points(a))
                    for a in assignments
                },
                "total": grades.total(assignments),
            }
        )
    return jsonify(
        {
            "course": {"id": course.id, "code": course.code, "title": course.title},
            "assignments": [
                {"id": a.id, "title": a.title, "points": possible(a)} for a in assignments
            ],
            "students": students,
        }
    )


@bp.get("/courses/<int:course_id>/gradebook.csv")
def gradebook_csv(course_id: int):
    course, _role = course_for(g.api_user, course_id, *STAFF_ROLES)
    fmt = request.args.get("format", "canvas")
    if fmt not in FORMATS:
        raise ApiError(400, "bad_format", f"format must be one of {', '.join(FORMATS)}")
    if fmt == "long":
        # Streamed in the request only while bounded: a bigger class's long CSV is a job.
        limit = current_app.config["LONG_CSV_STREAM_MAX_ROWS"]
        rows = long_count(course)
        if rows > limit:
            raise ApiError(
                409,
                "use_export_job",
                f"The long CSV has {rows:,} rows, more than the {limit:,} streamed in a "
                f"request: POST {_long_export_url(course)} to make it as a job, then fetch "
                "the job's file when it is done.",
                export_job=_long_export_url(course),
            )
    return attachment(export_lines(course, fmt), filename(course, fmt))


def _long_export_url(course) -> str:
    return url_for("api.start_long_export", course_id=course.id)


def _job_json(course, job) -> dict:
    """A job as the API shows it (any of the course's jobs: regrades too)."""
    ready = job.status == "done" and jobs.has_file(job)
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "progress_done": job.progress_done,
        "progress_total": job.progress_total,
        "created_at": _time(job.created_at),
        "started_at": _time(job.started_at),
        "finished_at": _time(job.finished_at),
        "error": job.error,
        "result": job.result,
        "url": url_for("api.job_status", course_id=course.id, job_id=job.id),
        "file_url": (
            url_for("api.job_file", course_id=course.id, job_id=job.id) if ready else None
        ),
        "file_expired": not ready and jobs.file_expired(job),
    }


@bp.post("/courses/<int:course_id>/exports/long")
def start_long_export(course_id: int):
    course, role = course_for(g.api_user, course_id, *STAFF_ROLES)
    if role not in jobs.KINDS["export_long"].roles:
        raise ApiError(403, "forbidden", "You may not export this course's grades.")
    job, created = jobs.start("export_long", course, g.api_user)
    body = _job_json(course, job) | {"created": created}
    return jsonify(body), 202, {"Location": body["url"]}


@bp.get("/courses/<int:course_id>/jobs/<int:job_id>")
def job_status(course_id: int, job_id: int):
    course, _role = course_for(g.api_user, course_id, *STAFF_ROLES)
    return jsonify(_job_json(course, jobs.course_job(course, job_id)))


@bp.get("/courses/<int:course_id>/jobs/<int:job_id>/file")
def job_file(course_id: int, job_id: int):
    course, _role = course_for(g.api_user, course_id, *STAFF_ROLES)
    job = jobs.course_job(course, job_id)
    if jobs.file_expired(job):
        raise ApiError(404, "not_found", "This job's file expired: start the job again.")
    if job.status != "done" or not jobs.has_file(job):
        raise ApiError(404, "not_found", f"Job {job.id} has no file (it is {job.status}).")
    return attachment(jobs.file_text(job), (job.result or {}).get("filename") or "job.csv")


def _spec_body() -> dict:
    """The request's assignment spec: JSON, or YAML with Content-Type application/yaml."""
    try:
        if request.mimetype in YAML_TYPES:
            data, lines = parse(request.get_data(as_text=True))
        else:
            data, lines = body(), {}
        return validate(data, lines)
    except SpecError as exc:
        raise ApiError(
            422,
            "invalid_spec",
            "The assignment spec has errors; nothing was written.",
            errors=[{"line": line, "message": m} for line, m in exc.errors],
        ) from None


@bp.post("/courses/<int:course_id>/assignments")
def create_assignment(course_id: int):
    course, _role = course_for(g.api_user, course_id, "instructor")
    a = create_from_spec(course, _spec_body())
    return jsonify({"id": a.id, **to_spec(a)}), 201


def _instructors_assignment(assignment_id: int):
    a = db.session.get(Assignment, assignment_id)
    if a is None:
        raise ApiError(404, "not_found", "There is no such assignment.")
    course_for(g.api_user, a.course_id, "instructor")
    return a


@bp.get("/assignments/<int:assignment_id>/spec")
def read_spec(assignment_id: int):
    a = _instructors_assignment(assignment_id)
    fmt = request.args.get("format", "json")
    if fmt not in ("json", "yaml"):
        raise ApiError(400, "bad_format", "format must be json or yaml")
    if fmt == "yaml":
        return Response(export_yaml(a), mimetype="application/yaml")
    return jsonify({"id": a.id, **to_spec(a)})


@bp.put("/assignments/<int:assignment_id>/spec")
def update_spec(assignment_id: int):
    a = _instructors_assignment(assignment_id)
    spec = _spec_body()
    try:
        update_from_spec(a, spec)
    except SpecError as exc:
        raise ApiError(409, "started", exc.errors[0][1]) from None
    return jsonify({"id": a.id, **to_spec(a)})


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())
