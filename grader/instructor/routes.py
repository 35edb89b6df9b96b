"""Instructors' pages: problem templates (edit, preview, self-check), assignments (builder,
publish, YAML export/import, extensions, regrade) and the gradebook (drill-down, override,
CSV export). Instructors manage their own courses; TAs read the gradebook and submissions
and grant extensions."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

import problems
from problems.check import self_check

from ..models import STAFF_ROLES
from ..responses import attachment
from ..services import as_sentence, authoring, jobs, lti_scores, render
from ..services.access import assignment_in, course_for, student_in, template_in
from ..services.assignment_spec import (
    SpecError,
    check_template,
    export_yaml,
    has_started,
    import_message,
    import_reporting,
    template_errors,
)
from ..services.errors import Conflict
from ..services.exports import FORMATS, export_lines, filename
from ..services.gradebook import (
    course_problem,
    default_direction,
    gradebook_page,
    override,
    overrides_of,
    possible,
    sections,
    student_record,
)
from ..services.plots import plot_for, plot_svg
from ..services.regrade import students_of
from ..services.variants import ProblemUnavailable, grading_policy
from .forms import (
    AddProblemForm,
    AssignmentForm,
    ExtensionForm,
    ImportForm,
    OverrideForm,
    PointsForm,
    PreviewForm,
    TryForm,
    fill_template_form,
    pairs,
    read_template_form,
    template_form_class,
)

bp = Blueprint("instructor", __name__)


# ---------------------------------------------------------------- helpers


def from_field(dt: datetime | None) -> datetime | None:
    """A datetime-local field's naive value, read as UTC (the fields are labelled UTC)."""
    return dt.replace(tzinfo=UTC) if dt is not None else None


def to_field(dt: datetime | None) -> datetime | None:
    """A stored (aware) time as a datetime-local field shows it: naive, in UTC."""
    return dt.astimezone(UTC).replace(tzinfo=None) if dt is not None else None


def form_errors(form) -> str:
    return "; ".join(as_sentence(e) for errs in form.errors.values() for e in errs)


# ---------------------------------------------------------------- templates


@bp.get("/courses/<int:course_id>/templates")
@login_required
def templates(course_id: int):
    course, role = course_for(current_user, course_id, *STAFF_ROLES)
    mine, shared = authoring.course_templates(course)
    return render_template(
        "instructor/templates.html",
        course=course,
        role=role,
        mine=mine,
        shared=shared,
        # the engine's message for a stored template it now refuses (saved before a check)
        broken={t.id: check_template(t.kind, t.config or {}, t.policy or {}) for t in mine},
        kinds=problems.KINDS,
    )


def _template_page(course, kind, form, template=None, status=200):
    return render_template(
        "instructor/template_form.html",
        course=course,
        kind=problems.get(kind),
        form=form,
        template=template,
        fields=[f for f in form if f.name not in ("csrf_token",)],
    ), status


def _save_template(form, kind: str) -> tuple[dict, dict] | None:
    """The form's (config, policy) if the engine accepts them; else the error is put on
    the field it names (or the title) and None is returned."""
    try:
        config, policy = read_template_form(form, kind)
    except ValueError as exc:
        field, message = exc.args
        getattr(form, field).errors.append(message)
        return None
    errors = template_errors(kind, config, policy)
    for setting, message in errors:
        # the engine names the setting each message concerns: put it on that field
        fields = {"fixed": "fixed", "policy": "rtol", None: "title"}
        name = fields.get(setting) or f"cfg_{setting}"
        target = getattr(form, name, None)
        if target is None:  # a range: the message stands by its "from" field
            target = getattr(form, f"{name}_lo", form.title)
        target.errors = list(target.errors) + [as_sentence(message)]
    if errors:
        return None
    return config, policy


@bp.route("/courses/<int:course_id>/templates/new", methods=["GET", "POST"])
@login_required
def new_template(course_id: int):
    course, _role = course_for(current_user, course_id, "instructor")
    kind = request.args.get("kind", "")
    if kind not in problems.KINDS:
        return render_template("instructor/choose_kind.html", course=course, kinds=problems.KINDS)
    form = template_form_class(kind)()
    if request.method == "GET":
        fill_template_form(form, kind, {}, {}, problems.get(kind).title)
        return _template_page(course, kind, form)
    if form.validate_on_submit():
        saved = _save_template(form, kind)
        if saved:
            t = authoring.create_template(
                course, kind, form.title.data, saved[0], saved[1], current_user
            )
            flash(f"Template “{t.title}” saved.", "info")
            return redirect(url_for("instructor.preview", course_id=course.id, template_id=t.id))
    return _template_page(course, kind, form, status=400)


@bp.route("/courses/<int:course_id>/templates/<int:template_id>/edit", methods=["GET", "POST"])
@login_required
def edit_template(course_id: int, template_id: int):
    course, _role = course_for(current_user, course_id, "instructor")
    t = authoring.editable_template(course.id, template_id)
    form = template_form_class(t.kind)()
    if request.method == "GET":
        fill_template_form(form, t.kind, t.config, t.policy, t.title)
        return _template_page(course, t.kind, form, t)
    if form.validate_on_submit():
        saved = _save_template(form, t.kind)
        if saved:
            used = authoring.update_template(t, form.title.data, saved[0], saved[1])
            flash(
                f"Template “{t.title}” saved."
                + (
                    f" It is used by {used} assignment problem(s): regrade them "
                    "from each assignment's page if the tolerance or key changed."
                    if used
                    else ""
                ),
                "info",
            )
            return redirect(url_for("instructor.preview", course_id=course.id, template_id=t.id))
    return _template_page(course, t.kind, form, t, status=400)


@bp.post("/courses/<int:course_id>/templates/<int:template_id>/copy")
@login_required
def copy_template(course_id: int, template_id: int):
    course, _role = course_for(current_user, course_id, "instructor")
    t = template_in(course.id, template_id)
    copy = authoring.copy_template(course, t, current_user)
    flash(f"“{t.title}” copied into {course.code}.", "info")
    return redirect(url_for("instructor.edit_template", course_id=course.id, template_id=copy.id))


def _preview_variant(course, t, seed: int, student_id: int) -> tuple[dict | None, int, str, str]:
    """The numbers a preview shows: the student's stored variant (``student_id``) or the
    variant of ``seed``. Returns (params or None, seed, what they are, why not: "" if
    none); the page says why, the plot only answers 404."""
    why = ""
    if student_id:
        v = authoring.students_variant(course, t, student_id)
        if v is not None:
            return v.params, v.seed, "stored variant of the student", ""
        why = "That student has no variant of this template yet (they have not opened it)."
    try:
        return problems.get(t.kind).generate(seed, t.config).params, seed, f"seed {seed}", why
    except problems.ConfigError as exc:
        return None, seed, f"seed {seed}", as_sentence(str(exc))


@bp.route("/courses/<int:course_id>/templates/<int:template_id>", methods=["GET", "POST"])
@login_required
def preview(course_id: int, template_id: int):
    """The question as a student sees it, with its key and worked solution. The instructor
    may answer it (POST), or fill the boxes with the key or a typical slip (``fill``), and
    sees the marks, score and feedback a student would get; nothing is stored."""
    course, role = course_for(current_user, course_id, *STAFF_ROLES)
    t = template_in(course.id, template_id)
    form = PreviewForm(request.values)
    form.student_id.choices = pairs([(0, "—"), *authoring.students_of(course.id)])
    # A GET form: its errors are shown next to its fields, and the page falls back to seed 0
    # (or no student) rather than refusing.
    form.seed.validate(form)
    if form.student_id.raw_data:
        form.student_id.validate(form)
    kind = problems.get(t.kind)
    seed, student_id = form.read()
    variant_params, seed, source, why = _preview_variant(course, t, seed, student_id)
    if why:
        flash(why, "error")
    problem = check_template(t.kind, t.config or {}, t.policy or {})
    if problem:  # e.g. saved before the engine checked it: students cannot open it now
        flash(
            as_sentence(f"This template needs fixing (the engine now refuses it): {problem}"),
            "error",
        )
    try:
        rule = kind.describe_policy(t.policy)
    except problems.ConfigError:
        rule = None
    context: dict = {}
    if variant_params is not None:
        key = kind.solve(variant_params)
        fields = kind.answer_fields(variant_params)
        slips = kind.slips(variant_params, key)
        values, graded, filled = {}, None, None
        if request.method == "POST":
            values = request.form
            answers = render.read_grid(fields, request.form)
            try:
                graded = kind.grade(variant_params, answers, t.policy)
            except problems.ConfigError as exc:  # a policy the engine refuses now
                flash(as_sentence(str(exc)), "error")
        elif request.args.get("fill") == "key":
            values, filled = render.fill_grid(fields, key), "the key"
        elif (request.args.get("fill") or "").startswith("slip-"):
            number = request.args["fill"][5:]
            slip = slips[int(number)] if number.isdigit() and int(number) < len(slips) else None
            if slip is None:
                flash("No such slip for this variant: the boxes are left empty.", "error")
            else:
                values = render.fill_grid(fields, {**key, slip.answer: slip.value})
                filled = f"a typical slip: {slip.sentence}"
        context = {
            "prompt": kind.prompt(variant_params),
            "given": render.given(t.kind, variant_params),
            "activations": render.activation_names(t.kind, variant_params),
            "key": key,
            "shown": render.shown,
            "steps": render.steps(t.kind, variant_params),
            "fields": fields,
            "grids": {f["name"]: render.grid(f) for f in fields},
            "values": values,
            "graded": graded,
            "filled": filled,
            "slips": slips,
            "plot": plot_for(t.kind, variant_params),
        }
    if not form.seed.errors:
        form.seed.raw_data, form.seed.data = None, seed  # the seed shown is the one used
    return render_template(
        "instructor/preview.html",
        course=course,
        role=role,
        t=t,
        form=form,
        source=source,
        rule=rule,
        seed=seed,
        student_id=student_id,
        try_form=TryForm(formdata=None),
        **context,
    )


@bp.get("/courses/<int:course_id>/templates/<int:template_id>/plot.svg")
@login_required
def preview_plot(course_id: int, template_id: int):
    """The preview's plot, for the same seed or student as the page."""
    course, _role = course_for(current_user, course_id, *STAFF_ROLES)
    t = template_in(course.id, template_id)
    params, *_ = _preview_variant(course, t, *PreviewForm(request.args).read())
    args = plot_for(t.kind, params) if params is not None else None
    if args is None:
        abort(404)
    return Response(
        plot_svg(args), mimetype="image/svg+xml", headers={"Cache-Control": "private, max-age=600"}
    )


@bp.post("/courses/<int:course_id>/templates/<int:template_id>/check")
@login_required
def check(course_id: int, template_id: int):
    course, role = course_for(current_user, course_id, *STAFF_ROLES)
    t = template_in(course.id, template_id)
    try:
        report = self_check(problems.get(t.kind), 1000, t.config, t.policy)
    except problems.ConfigError as exc:
        flash(as_sentence(str(exc)), "error")
        return redirect(url_for("instructor.preview", course_id=course.id, template_id=t.id))
    return render_template("instructor/check.html", course=course, t=t, report=report)


# ---------------------------------------------------------------- assignments


def _dates_to_fields(form: AssignmentForm, a) -> None:
    form.opens_at.data, form.due_at.data, form.closes_at.data = (
        to_field(a.opens_at),
        to_field(a.due_at),
        to_field(a.closes_at),
    )


def _settings(form: AssignmentForm) -> authoring.Settings:
    return authoring.Settings(
        title=form.title.data,
        mode=form.mode.data,
        opens_at=from_field(form.opens_at.data),
        due_at=from_field(form.due_at.data),
        closes_at=from_field(form.closes_at.data),
        late_penalty=form.late_penalty.data,
        max_attempts=form.max_attempts.data,
        retry_penalty=form.retry_penalty.data,
        time_limit_minutes=form.time_limit_minutes.data,
        solution_release=form.solution_release.data,
        score_policy=form.score_policy.data,
    )


@bp.route("/courses/<int:course_id>/assignments/new", methods=["GET", "POST"])
@login_required
def new_assignment(course_id: int):
    course, _role = course_for(current_user, course_id, "instructor")
    form = AssignmentForm()
    if form.validate_on_submit():
        a = authoring.create_assignment(course, _settings(form))
        flash("Assignment created (unpublished): add its problems.", "info")
        return redirect(
            url_for("instructor.edit_assignment", course_id=course.id, assignment_id=a.id)
        )
    status = 400 if request.method == "POST" else 200
    return render_template("instructor/assignment_new.html", course=course, form=form), status


@bp.route("/courses/<int:course_id>/assignments/<int:assignment_id>/edit", methods=["GET", "POST"])
@login_required
def edit_assignment(course_id: int, assignment_id: int):
    course, _role = course_for(current_user, course_id, "instructor")
    a = assignment_in(course.id, assignment_id)
    form = AssignmentForm(obj=None if request.method == "POST" else a)
    if request.method == "GET":
        _dates_to_fields(form, a)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            authoring.update_assignment(a, _settings(form))
            flash("Settings saved.", "info")
            return redirect(
                url_for("instructor.edit_assignment", course_id=course.id, assignment_id=a.id)
            )
        status = 400
    return _edit_page(course, a, form, status=status)


def _edit_page(course, a, form, status=200, points_forms=None):
    """The builder; ``points_forms`` maps a problem id to its points form when a posted one
    failed, so that its errors show next to its field."""
    add = AddProblemForm()
    add.template_id.choices = pairs(authoring.template_choices(course.id))
    return render_template(
        "instructor/assignment_edit.html",
        course=course,
        a=a,
        form=form,
        add=add,
        started=has_started(a),
        points_forms={ap.id: PointsForm(formdata=None, obj=ap) for ap in a.problems}
        | (points_forms or {}),
    ), status


@bp.post("/courses/<int:course_id>/assignments/<int:assignment_id>/problems")
@login_required
def add_problem(course_id: int, assignment_id: int):
    course, _role = course_for(current_user, course_id, "instructor")
    a = assignment_in(course.id, assignment_id)
    form = AddProblemForm()
    form.template_id.choices = pairs(authoring.template_choices(course.id))
    if form.validate_on_submit():
        try:
            t = authoring.add_problem(a, form.template_id.data, form.points.data, current_user)
        except Conflict as exc:
            flash(exc.text, "error")
        else:
            flash(f"Problem “{t.title}” added.", "info")
    else:
        flash(form_errors(form), "error")
    return redirect(url_for("instructor.edit_assignment", course_id=course.id, assignment_id=a.id))


@bp.post(
    "/courses/<int:course_id>/assignments/<int:assignment_id>/problems/<int:problem_id>/<action>"
)
@login_required
def change_problem(course_id: int, assignment_id: int, problem_id: int, action: str):
    course, _role = course_for(current_user, course_id, "instructor")
    a = assignment_in(course.id, assignment_id)
    ap = authoring.problem_of(a, problem_id)
    if action == "points":
        form = PointsForm()
        if not form.validate_on_submit():
            settings = AssignmentForm(formdata=None, obj=a)
            _dates_to_fields(settings, a)
            return _edit_page(course, a, settings, status=400, points_forms={ap.id: form})
        authoring.set_points(ap, form.points.data)
        flash("Points saved: totals use them at once.", "info")
    else:
        try:
            authoring.move_problem(a, ap, action)
        except Conflict as exc:
            flash(exc.text, "error")
    return redirect(url_for("instructor.edit_assignment", course_id=course.id, assignment_id=a.id))


@bp.post("/courses/<int:course_id>/assignments/<int:assignment_id>/publish")
@login_required
def publish(course_id: int, assignment_id: int):
    course, _role = course_for(current_user, course_id, "instructor")
    a = assignment_in(course.id, assignment_id)
    try:
        published = authoring.toggle_published(a)
    except Conflict as exc:
        flash(exc.text, "error")
    else:
        flash(
            "Published: students see it now."
            if published
            else "Unpublished: students no longer see it.",
            "info",
        )
    return redirect(url_for("instructor.edit_assignment", course_id=course.id, assignment_id=a.id))


@bp.get("/courses/<int:course_id>/assignments/<int:assignment_id>/export.yaml")
@login_required
def export_assignment(course_id: int, assignment_id: int):
    course, _role = course_for(current_user, course_id, "instructor")
    a = assignment_in(course.id, assignment_id)
    return attachment(export_yaml(a), f"assignment-{a.id}.yaml", "application/yaml")


@bp.route("/courses/<int:course_id>/assignments/import", methods=["GET", "POST"])
@login_required
def import_assignment_page(course_id: int):
    course, _role = course_for(current_user, course_id, "instructor")
    form = ImportForm()
    errors: list = []
    if form.validate_on_submit():
        try:
            text = form.file.data.read().decode("utf-8-sig")  # a leading BOM is no text
            done = import_reporting(course, text, publish=form.publish.data)
        except UnicodeDecodeError:
            errors = [(None, "the file is not UTF-8 text")]
        except SpecError as exc:
            errors = exc.errors
        else:
            a = done.assignment
            flash(import_message(done), "info")
            return redirect(
                url_for("instructor.edit_assignment", course_id=course.id, assignment_id=a.id)
            )
    status = 400 if request.method == "POST" else 200
    return render_template(
        "instructor/assignment_import.html", course=course, form=form, errors=errors
    ), status


@bp.route(
    "/courses/<int:course_id>/assignments/<int:assignment_id>/extensions", methods=["GET", "POST"]
)
@login_required
def extensions(course_id: int, assignment_id: int):
    course, role = course_for(current_user, course_id, *STAFF_ROLES)
    a = assignment_in(course.id, assignment_id)
    form = ExtensionForm()
    form.student_id.choices = pairs(authoring.students_of(course.id))
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            if not (form.due_at.data or form.closes_at.data or form.excused.data):
                form.due_at.errors.append("Give a new date, or excuse the student.")
                status = 400
            else:
                authoring.save_extension(
                    a,
                    form.student_id.data,
                    from_field(form.due_at.data),
                    from_field(form.closes_at.data),
                    form.excused.data,
                    current_user,
                )  # the redirect is built from memory: no query after the commit
                flash("Extension saved.", "info")
                return redirect(
                    url_for("instructor.extensions", course_id=course.id, assignment_id=a.id)
                )
        else:
            status = 400
    rows = authoring.extensions_of(a)
    return render_template(
        "instructor/extensions.html",
        course=course,
        role=role,
        a=a,
        form=form,
        rows=rows,
        overrides=overrides_of(a),
    ), status


@bp.route(
    "/courses/<int:course_id>/assignments/<int:assignment_id>/regrade", methods=["GET", "POST"]
)
@login_required
def regrade(course_id: int, assignment_id: int):
    """The regrade page follows the assignment's latest regrade job; its forms start the
    plan (action=plan) or the apply (action=apply) job. Nothing is graded in the request."""
    course, _role = course_for(current_user, course_id, "instructor")
    a = assignment_in(course.id, assignment_id)
    if request.method == "POST":
        action = request.form.get("action", "plan")
        if action not in ("plan", "apply"):
            abort(400, "action must be plan or apply")
        try:  # refuse at once what the worker would refuse (and say why on this page)
            for ap in a.problems:
                grading_policy(ap)
        except ProblemUnavailable as exc:
            flash(as_sentence(f"Cannot regrade: {exc.reason}; fix the template"), "error")
            return redirect(
                url_for("instructor.edit_assignment", course_id=course.id, assignment_id=a.id)
            )
        job, created = jobs.start(f"regrade_{action}", course, current_user, a)
        if not created:
            flash(
                "A regrade job of this assignment is already queued or running: here it is "
                "(nothing new was started).",
                "info",
            )
        return redirect(url_for("jobs.show", course_id=course.id, job_id=job.id))
    job = jobs.latest(a, ("regrade_plan", "regrade_apply"))
    return render_template(
        "instructor/regrade.html",
        course=course,
        a=a,
        job=job,
        role=_role,
        students=students_of(job.result) if job and job.status == "done" else {},
    )


# ---------------------------------------------------------------- gradebook


@bp.get("/courses/<int:course_id>/gradebook")
@login_required
def gradebook(course_id: int):
    """The gradebook: a page of students, sorted by any column (``sort``, ``dir``), searched
    by name or email (``q``), of a section; the column headers are links to the same page
    sorted by them, so sorting works without JavaScript (static/table.js sorts in place)."""
    course, role = course_for(current_user, course_id, *STAFF_ROLES)
    section = request.args.get("section") or None
    view = gradebook_page(
        course,
        section,
        request.args.get("sort", "name"),
        request.args.get("page", 1, type=int),
        request.args.get("dir"),
        request.args.get("q", ""),
    )
    assignments = view.assignments
    focus = next((a for a in assignments if a.id == request.args.get("assignment", type=int)), None)
    return render_template(
        "instructor/gradebook.html",
        course=course,
        role=role,
        assignments=assignments,
        focus=focus,
        view=view,
        rows=view.rows,
        count=view.count,
        page=view.page,
        pages=view.pages,
        sections=sections(course),
        section=section,
        sort=view.sort,
        possible=possible,
        formats=FORMATS,
        default_direction=default_direction,
        lms=lti_scores.lms_state(course.id, [g.user.id for g in view.rows]),
    )


@bp.get("/courses/<int:course_id>/gradebook.csv")
@login_required
def gradebook_csv(course_id: int):
    course, _role = course_for(current_user, course_id, *STAFF_ROLES)
    fmt = request.args.get("format", "canvas")
    if fmt not in FORMATS:
        abort(400, f"format must be one of {', '.join(FORMATS)}")
    if fmt == "long":  # a row per submission: made by a background job, kept to download
        return redirect(url_for("jobs.long_export", course_id=course.id), 303)
    return attachment(export_lines(course, fmt), filename(course, fmt))


@bp.get("/courses/<int:course_id>/gradebook/students/<int:user_id>")
@login_required
def student_grades(course_id: int, user_id: int):
    course, role = course_for(current_user, course_id, *STAFF_ROLES)
    return _student_page(course, role, student_in(course.id, user_id))


def _student_page(course, role, enrolment, failed=None, status=200):
    """A student's record: per problem, their question as they saw it, the key, and their
    attempts side by side with a mark per entry; ``failed`` is (problem id, its override
    form) when a posted override was refused, so that its errors show next to its fields."""
    _assignments, grades, detail = student_record(course, enrolment.user)
    return render_template(
        "instructor/student.html",
        course=course,
        role=role,
        student=enrolment.user,
        enrolment=enrolment,
        grades=grades,
        detail=[(h, [_variant_view(h.ap, v, subs) for v, subs in h.variants]) for h in detail],
        form=OverrideForm(formdata=None),
        failed=failed or (None, None),
    ), status


def _variant_view(ap, variant, subs) -> dict:
    """What the drill-down shows of one variant: the question as the student read it (the
    shared question card's values), the key and the attempts side by side."""
    kind = problems.get(variant.kind)
    try:
        rule = kind.describe_policy(grading_policy(ap))
    except ProblemUnavailable as exc:
        rule = exc.message
    key = kind.solve(variant.params)
    counted = None  # the attempt the gradebook credits: the best (the first of equals) or last
    if subs and variant.number == 1:
        scores = [s.score for s in subs]
        counted = (
            len(subs) - 1 if ap.assignment.score_policy == "last" else scores.index(max(scores))
        )
    return {
        "counted": counted,
        "variant": variant,
        "submissions": subs,
        "prompt": kind.prompt(variant.params),
        "given": render.given(variant.kind, variant.params),
        "activations": render.activation_names(variant.kind, variant.params),
        "rule": rule,
        "rows": render.attempt_rows(kind.answer_fields(variant.params), key, subs),
    }


@bp.post(
    "/courses/<int:course_id>/gradebook/students/<int:user_id>/problems/<int:problem_id>/override"
)
@login_required
def override_score(course_id: int, user_id: int, problem_id: int):
    course, role = course_for(current_user, course_id, "instructor")
    enrolment = student_in(course.id, user_id)  # NotFound unless a student of this course
    student = enrolment.user
    ap = course_problem(course.id, problem_id)
    form = OverrideForm()
    valid = form.validate_on_submit()
    points = form.points.data
    if points is not None and not form.points.errors and points > ap.points:
        form.points.errors.append(
            f"At most {ap.points:g} points: the problem is worth {ap.points:g}."
        )
        valid = False
    if not valid:
        return _student_page(course, role, enrolment, failed=(ap.id, form), status=400)
    score = None if points is None else (points / ap.points if ap.points else 0.0)
    override(ap, student, score, form.reason.data, current_user)
    flash("Override saved." if score is not None else "Override removed.", "info")
    return redirect(
        url_for("instructor.student_grades", course_id=course.id, user_id=student.id) + f"#p{ap.id}"
    )
