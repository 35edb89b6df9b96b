"""The student's loop: assignment, problem page with their own numbers, answer grid,
graded feedback, worked solution and plot; practice variants; timed quizzes."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

import problems
from problems.grading import EntryError, split_list_text

from ..models import utcnow
from ..services import render
from ..services.access import is_staff
from ..services.assignments import assignment_for, problem_for, summarise
from ..services.plots import plot_for, plot_svg
from ..services.quiz import (
    clock,
    finalize_expired,
    graded_report,
    live_draft,
    save_draft,
    start_quiz,
)
from ..services.submissions import (
    AUTO_KEY,
    FormatErrors,
    SubmissionRefused,
    check_open,
    fmt_time,
    is_timed,
    problem_state,
    standing_for,
    submit,
    target_for,
)
from ..services.variants import (
    ProblemUnavailable,
    current_variant,
    get_or_create_variant,
    grading_policy,
    new_numbers,
    new_practice_variant,
)

bp = Blueprint("student", __name__)


class CsrfOnly(FlaskForm):
    """The answer grid's fields are built per problem; this form carries the CSRF token."""


def _timed_student(a, role) -> bool:
    """A student on a timed quiz: their clock, start page and drafts apply (staff preview
    the quiz without a clock)."""
    return is_timed(a) and not is_staff(role)


@bp.get("/assignments/<int:assignment_id>")
@login_required
def assignment(assignment_id: int):
    a, role = assignment_for(current_user, assignment_id)
    timed = _timed_student(a, role)
    summary = summarise(a, current_user, is_staff(role))  # grades a finished quiz's drafts
    quiz_clock = clock(summary.standing) if timed else None
    return render_template(
        "student/assignment.html",
        a=a,
        role=role,
        summary=summary,
        dates=summary.standing.dates,
        clock=quiz_clock,
        graded=graded_report(a, current_user) if quiz_clock and quiz_clock.over else None,
        refusal=_start_refusal(summary.standing.dates) if quiz_clock else None,
        form=CsrfOnly(),
    )


@bp.route("/assignments/<int:assignment_id>/start", methods=["GET", "POST"])
@login_required
def start(assignment_id: int):
    """A timed quiz's start page: what the quiz is and how long it lasts, and the button
    that starts the clock (a POST); viewing this page or a problem never starts it."""
    a, role = assignment_for(current_user, assignment_id)
    if not is_timed(a):
        return redirect(url_for("student.assignment", assignment_id=a.id))
    standing = standing_for(a, current_user)
    staff = is_staff(role)
    if request.method == "POST":
        if staff:
            abort(403, "Staff preview a quiz without a clock: open its problems directly.")
        if not CsrfOnly().validate_on_submit():
            abort(400, "The form's security token is missing or stale: reload the page.")
        try:
            start_quiz(a, current_user)
        except SubmissionRefused as exc:
            flash(exc.message, "error")
            return redirect(url_for("student.start", assignment_id=a.id)), 303
        first = a.problems[0] if a.problems else None
        if first is None:
            return redirect(url_for("student.assignment", assignment_id=a.id))
        return redirect(url_for("student.problem", assignment_id=a.id, problem_id=first.id))
    if standing.started_at is not None and not staff:
        return redirect(url_for("student.assignment", assignment_id=a.id))
    return render_template(
        "student/start.html",
        a=a,
        role=role,
        staff=staff,
        dates=standing.dates,
        refusal=_start_refusal(standing.dates),
        form=CsrfOnly(),
    )


def _start_refusal(dates) -> str | None:
    """Why the quiz cannot be started now (before it opens, after it closes), or None."""
    now = utcnow()
    if dates.not_open(now):
        return dates.opening()
    if dates.closes_at is not None and now >= dates.closes_at:
        return f"This quiz closed on {fmt_time(dates.closes_at)}; it can no longer be started."
    return None


@bp.get("/assignments/<int:assignment_id>/clock.json")
@login_required
def quiz_clock(assignment_id: int):
    """The student's clock on a timed quiz, for the page's countdown to follow the server:
    {"started", "started_at", "ends_at", "seconds_left", "over"}."""
    a, role = assignment_for(current_user, assignment_id)
    if not _timed_student(a, role):
        return jsonify({"error": "not_timed", "message": "No clock runs for you here."}), 404
    response = jsonify(clock(standing_for(a, current_user)).to_dict())
    response.headers["Cache-Control"] = "no-store"
    return response


def _page(a, ap, role, variant, *, status=200, raw=None, format_errors=None, format_feedback=None):
    kind = problems.get(variant.kind)
    standing = standing_for(a, current_user)
    state = problem_state(ap, current_user, variant, staff=is_staff(role), standing=standing)
    timed = _timed_student(a, role)
    quiz_clock = clock(standing) if timed else None
    fields = kind.answer_fields(variant.params)
    last = variant.submissions[-1] if state.attempts_used else None
    draft = live_draft(variant) if timed and raw is None and not quiz_clock.over else None
    shown = raw if raw is not None else (last.raw if last else {})
    grids = {f["name"]: render.grid(f) for f in fields}
    values = _flat_values(fields, shown)
    if draft is not None:  # what they typed since the last attempt, kept on the server
        values = {k: str(v) for k, v in draft.raw.items()}
    return render_template(
        "student/problem.html",
        a=a,
        ap=ap,
        role=role,
        variant=variant,
        state=state,
        kind=kind,
        fields=fields,
        grids=grids,
        values=values,
        readings=_readings(fields, grids, values, last.parsed)
        if last and raw is None and draft is None
        else {},
        prompt=kind.prompt(variant.params),
        given=render.given(variant.kind, variant.params),
        activations=render.activation_names(variant.kind, variant.params),
        rule=_rule(kind, ap),
        last=last if raw is None else None,
        format_errors=format_errors or {},
        format_feedback=format_feedback or [],
        steps=render.steps(variant.kind, variant.params) if state.solution_released else [],
        plot=plot_for(variant.kind, variant.params),
        form=CsrfOnly(),
        dates=standing.dates,
        new_numbers=a.mode == "practice" and new_numbers(ap),
        clock=quiz_clock,
        draft=draft,
        graded=_graded_line(a, ap) if quiz_clock and quiz_clock.over else None,
        auto_key=AUTO_KEY,
    ), status


def _graded_line(a, ap) -> str:
    return next(g.text for g in graded_report(a, current_user) if g.ap.id == ap.id)


def _rule(kind, ap) -> str:
    """The tolerance rule in words, or why the problem cannot be graded now."""
    try:
        return kind.describe_policy(grading_policy(ap))
    except ProblemUnavailable as exc:
        return exc.message


@bp.route("/assignments/<int:assignment_id>/problems/<int:problem_id>", methods=["GET", "POST"])
@login_required
def problem(assignment_id: int, problem_id: int):
    target = target_for(current_user, assignment_id, problem_id)  # one query, checks access
    a, ap, role = target.assignment, target.ap, target.role
    check_open(a, current_user, staff=is_staff(role), dates=target.standing.dates)
    if _timed_student(a, role):
        if target.standing.started_at is None:  # looking never starts the clock
            return redirect(url_for("student.start", assignment_id=a.id))
        if target.standing.quiz_over(utcnow()):
            finalize_expired(a, current_user)
            target = target_for(current_user, assignment_id, problem_id)
    try:
        variant = target.variant or get_or_create_variant(ap, current_user)
    except ProblemUnavailable as exc:  # nothing was created
        abort(exc.status, exc.message)
    if request.method == "GET":
        return _page(a, ap, role, variant)
    form = CsrfOnly()
    if not form.validate_on_submit():
        abort(400, "The form's security token is missing or stale: reload the page.")
    fields = problems.get(variant.kind).answer_fields(variant.params)
    answers = render.read_grid(fields, request.form)
    try:
        done = submit(ap, current_user, answers, target=target)
    except FormatErrors as exc:
        return _page(
            a,
            ap,
            role,
            variant,
            status=422,
            raw=answers,
            format_errors=exc.errors,
            format_feedback=["Nothing was graded and no attempt was used: fix the marked entries."],
        )
    except SubmissionRefused as exc:
        flash(exc.message, "error")
        return _page(a, ap, role, variant, status=exc.status, raw=answers)
    # From memory (no query): the attempt is stored even if the connection drops now.
    if done.same:
        flash(
            f"The same answer as attempt {done.submission.attempt}: no attempt was used. "
            "Change an entry to try again.",
            "info",
        )
    else:
        flash(f"Attempt {done.submission.attempt} received and graded.", "info")
    return redirect(url_for("student.problem", assignment_id=a.id, problem_id=ap.id) + "#result")


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.post("/assignments/<int:assignment_id>/problems/<int:problem_id>/draft")
@login_required
def draft(assignment_id: int, problem_id: int):
    """Keep what was typed as the problem's draft (a timed quiz): no attempt is used.
    The page's script sends it as the student types (JSON answer); without JavaScript the
    "Save draft" button sends the form and comes back to the problem."""
    a, role = assignment_for(current_user, assignment_id)
    ap = problem_for(a, problem_id)
    back = url_for("student.problem", assignment_id=a.id, problem_id=ap.id)
    if not CsrfOnly().validate_on_submit():
        message = "The form's security token is missing or stale: reload the page."
        if _wants_json():
            return jsonify({"error": "bad_csrf", "message": message}), 400
        abort(400, message)
    if not _timed_student(a, role):
        message = "Drafts are kept for students on timed quizzes only."
        if _wants_json():
            return jsonify({"error": "not_timed", "message": message}), 409
        abort(409, message)
    variant = current_variant(ap, current_user)
    try:
        if variant is None:
            raise SubmissionRefused(409, "not_started", "Open the problem before saving an answer.")
        saved = save_draft(ap, current_user, variant, request.form)
    except SubmissionRefused as exc:
        if _wants_json():
            return jsonify({"error": exc.error, "message": exc.message}), exc.status
        abort(exc.status, exc.message)
    if _wants_json():
        return jsonify({"saved_at": saved.updated_at.isoformat()})
    flash(f"Draft saved at {saved.updated_at:%H:%M:%S} UTC: no attempt was used.", "info")
    return redirect(back), 303


@bp.post("/assignments/<int:assignment_id>/problems/<int:problem_id>/new-variant")
@login_required
def new_variant(assignment_id: int, problem_id: int):
    a, _role = assignment_for(current_user, assignment_id)
    ap = problem_for(a, problem_id)
    if a.mode != "practice":
        abort(403, "New variants are for practice assignments only.")
    if not CsrfOnly().validate_on_submit():
        abort(400, "The form's security token is missing or stale: reload the page.")
    if not new_numbers(ap):
        flash(
            "This problem has fixed numbers (a lecture example): there is no new variant.", "error"
        )
        return redirect(url_for("student.problem", assignment_id=a.id, problem_id=ap.id))
    try:
        new_practice_variant(ap, current_user)
    except ProblemUnavailable as exc:
        abort(exc.status, exc.message)
    flash("Here is a new variant with new numbers.", "info")
    return redirect(url_for("student.problem", assignment_id=a.id, problem_id=ap.id))


@bp.get("/assignments/<int:assignment_id>/problems/<int:problem_id>/plot.svg")
@login_required
def plot(assignment_id: int, problem_id: int):
    a, role = assignment_for(current_user, assignment_id)
    ap = problem_for(a, problem_id)
    variant = current_variant(ap, current_user)
    if variant is None:
        abort(404)
    state = problem_state(ap, current_user, variant, staff=is_staff(role))
    args = plot_for(variant.kind, variant.params)
    if args is None or not state.solution_released:
        abort(404)
    svg = plot_svg(args)
    return Response(
        svg, mimetype="image/svg+xml", headers={"Cache-Control": "private, max-age=3600"}
    )


def _flat_values(fields: list[dict], raw: dict) -> dict[str, str]:
    """Input name → the value to show in it (the last attempt, or what was just typed). A
    list typed into the first box is spread across the boxes, entry by entry, as typed."""
    values: dict[str, str] = {}
    if not isinstance(raw, dict):
        return values
    for f in fields:
        value = raw.get(f["name"])
        if value is None:
            continue
        name = f"ans-{f['name']}"
        if isinstance(value, str) and f["shape"] and f["type"] == "number":
            value = _spread(value, f["shape"])
        if isinstance(value, list) and f["type"] == "number" and f["shape"]:
            for i, row in enumerate(value):
                if isinstance(row, list):
                    for j, cell in enumerate(row):
                        values[f"{name}-{i}-{j}"] = str(cell)
                else:
                    values[f"{name}-{i}"] = str(row)
        elif isinstance(value, str) and f["shape"] and f["type"] == "number":
            values[f"{name}-0" if len(f["shape"]) == 1 else f"{name}-0-0"] = value
        else:
            values[name] = str(value).lower() if isinstance(value, bool) else str(value)
    return values


def _spread(text: str, shape: list[int]) -> list | str:
    """A pasted list's entries in the answer's shape ("[0, -8]" → ["0", "-8"]), or the
    text itself when it does not have that shape (it stays in the first box)."""
    try:
        entries = split_list_text(text)
    except EntryError:
        return text
    if len(shape) == 1 and len(entries) == 1 and isinstance(entries[0], list):
        entries = entries[0]
    if len(shape) == 1:
        ok = len(entries) == shape[0] and not any(isinstance(e, list) for e in entries)
    else:
        ok = len(entries) == shape[0] and all(
            isinstance(r, list) and len(r) == shape[1] and not any(isinstance(e, list) for e in r)
            for r in entries
        )
    return entries if ok else text


def _readings(
    fields: list[dict], grids: dict[str, list], values: dict[str, str], parsed: dict
) -> dict[str, str]:
    """Input name → how its entry was read, where that differs from what was typed
    ("-16/2" read as −8), as WeBWorK and STACK show it after a submission."""
    out: dict[str, str] = {}
    for f in fields:
        value = parsed.get(f["name"]) if isinstance(parsed, dict) else None
        if value is None or f["type"] != "number":
            continue
        for row in grids[f["name"]]:
            for cell in row:
                number = _entry_of(value, cell["name"], f["name"])
                typed = values.get(cell["name"], "").strip().replace("−", "-")
                if number is not None and typed and typed != render.shown(number):
                    out[cell["name"]] = render.shown(number).replace("-", "−")
    return out


def _entry_of(value, input_name: str, answer: str):
    """The parsed number of one box (``ans-y-1`` → value[1]), or None."""
    index = [int(i) for i in input_name[len(f"ans-{answer}") :].split("-") if i]
    try:
        for i in index:
            value = value[i]
    except (IndexError, TypeError):
        return None
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None
