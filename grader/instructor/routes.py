"""Instructors' pages: problem templates (edit, preview, self-check), assignments (builder,
publish, YAML export/import, extensions, regrade) and the gradebook (drill-down, override,
CSV export). Instructors manage their own courses; TAs read the gradebook and submissions
and grant extensions."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user, login_required

import problems
from problems.check import self_check

from ..extensions import db
from ..models import (
    Assignment,
    AssignmentProblem,
    Enrollment,
    Extension,
    GradeChange,
    ProblemTemplate,
    ScoreOverride,
    Submission,
    User,
    Variant,
)
from ..services import as_sentence, commit_keeping_state, render
from ..services import regrade as regrade_service
from ..services.access import course_for, student_in
from ..services.assignment_spec import (
    SpecError,
    check_template,
    clone_template,
    export_yaml,
    import_assignment,
    template_errors,
)
from ..services.exports import FORMATS, export_lines, filename
from ..services.gradebook import (
    graded_assignments,
    iter_grades,
    override,
    possible,
    sections,
    student_count,
)
from ..services.inputs import MAX_PROBLEMS
from ..services.variants import ProblemUnavailable
from .forms import (
    AddProblemForm,
    AssignmentForm,
    ExtensionForm,
    ImportForm,
    OverrideForm,
    PointsForm,
    PreviewForm,
    fill_template_form,
    pairs,
    read_template_form,
    template_form_class,
)

bp = Blueprint("instructor", __name__)
STAFF = ("instructor", "ta")
PAGE = 200
MAX_PAGE = 100_000  # 20 million students: a larger page number is past the end, not an OFFSET


# ---------------------------------------------------------------- helpers


def template_in(course_id: int, template_id: int) -> ProblemTemplate:
    """A course template or a library one, as seen from this course; 404 otherwise."""
    t = db.session.get(ProblemTemplate, template_id)
    if t is None or t.course_id not in (None, course_id):
        abort(404)
    return t


def assignment_in(course_id: int, assignment_id: int) -> Assignment:
    a = db.session.get(Assignment, assignment_id)
    if a is None or a.course_id != course_id:
        abort(404)
    return a


def started(a: Assignment) -> bool:
    """True once any student has a variant: the problem list is then fixed."""
    return bool(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Variant)
            .join(AssignmentProblem)
            .where(AssignmentProblem.assignment_id == a.id)
        )
    )


def students_of(course_id: int) -> list[tuple[int, str]]:
    rows = db.session.execute(
        sa.select(User.id, User.name, User.email)
        .join(Enrollment)
        .where(Enrollment.course_id == course_id, Enrollment.role == "student")
        .order_by(User.name)
    )
    return [(uid, f"{name} <{email}>") for uid, name, email in rows]


def utc(dt: datetime | None) -> datetime | None:
    return dt.replace(tzinfo=UTC) if dt is not None else None


def local(dt: datetime | None) -> datetime | None:
    return dt.astimezone(UTC).replace(tzinfo=None) if dt is not None else None


# ---------------------------------------------------------------- templates


@bp.get("/courses/<int:course_id>/templates")
@login_required
def templates(course_id: int):
    course, role = course_for(current_user, course_id, *STAFF)
    mine = db.session.scalars(
        sa.select(ProblemTemplate)
        .where(ProblemTemplate.course_id == course.id)
        .order_by(ProblemTemplate.kind, ProblemTemplate.title)
    ).all()
    shared = db.session.scalars(
        sa.select(ProblemTemplate)
        .where(ProblemTemplate.course_id.is_(None))
        .order_by(ProblemTemplate.kind, ProblemTemplate.title)
    ).all()
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
            t = ProblemTemplate(
                course_id=course.id,
                kind=kind,
                title=form.title.data.strip(),
                config=saved[0],
                policy=saved[1],
                created_by_id=current_user.id,
            )
            db.session.add(t)
            db.session.commit()
            flash(f"Template “{t.title}” saved.", "info")
            return redirect(url_for("instructor.preview", course_id=course.id, template_id=t.id))
    return _template_page(course, kind, form, status=400)


@bp.route("/courses/<int:course_id>/templates/<int:template_id>/edit", methods=["GET", "POST"])
@login_required
def edit_template(course_id: int, template_id: int):
    course, _role = course_for(current_user, course_id, "instructor")
    t = template_in(course.id, template_id)
    if t.course_id is None:
        abort(
            403,
            "Library templates are shared by every course: copy it into your course to change it.",
        )
    form = template_form_class(t.kind)()
    if request.method == "GET":
        fill_template_form(form, t.kind, t.config, t.policy, t.title)
        return _template_page(course, t.kind, form, t)
    if form.validate_on_submit():
        saved = _save_template(form, t.kind)
        if saved:
            t.title, t.config, t.policy = form.title.data.strip(), saved[0], saved[1]
            db.session.commit()
            used = db.session.scalar(
                sa.select(sa.func.count())
                .select_from(AssignmentProblem)
                .where(AssignmentProblem.template_id == t.id)
            )
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
    copy = clone_template(t, course.id, by_id=current_user.id)
    db.session.add(copy)
    db.session.commit()
    flash(f"“{t.title}” copied into {course.code}.", "info")
    return redirect(url_for("instructor.edit_template", course_id=course.id, template_id=copy.id))


@bp.get("/courses/<int:course_id>/templates/<int:template_id>")
@login_required
def preview(course_id: int, template_id: int):
    course, role = course_for(current_user, course_id, *STAFF)
    t = template_in(course.id, template_id)
    form = PreviewForm(request.args)
    form.student_id.choices = pairs([(0, "—"), *students_of(course.id)])
    kind = problems.get(t.kind)
    seed, student_id = form.read()
    variant_params, source = None, None
    if student_id:
        # Only this course's assignments: a library template is used by other courses too,
        # and their students' numbers are not this course's staff's to see.
        v = db.session.scalar(
            sa.select(Variant)
            .join(AssignmentProblem)
            .join(Assignment)
            .where(
                AssignmentProblem.template_id == t.id,
                Variant.user_id == student_id,
                Assignment.course_id == course.id,
            )
            .order_by(Variant.id.desc())
            .limit(1)
        )
        if v is None:
            flash(
                "That student has no variant of this template yet (they have not opened it).",
                "error",
            )
        else:
            variant_params, seed, source = v.params, v.seed, "stored variant of the student"
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
    if variant_params is None:
        try:
            generated = kind.generate(seed, t.config)
        except problems.ConfigError as exc:
            flash(as_sentence(str(exc)), "error")
            generated = None
        variant_params, source = (generated.params if generated else None), f"seed {seed}"
    context = {}
    if variant_params is not None:
        context = {
            "prompt": kind.prompt(variant_params),
            "given": render.given(t.kind, variant_params),
            "activations": render.activation_names(t.kind, variant_params),
            "key": kind.solve(variant_params),
            "steps": render.steps(t.kind, variant_params),
            "fields": kind.answer_fields(variant_params),
        }
    return render_template(
        "instructor/preview.html",
        course=course,
        role=role,
        t=t,
        form=form,
        source=source,
        rule=rule,
        seed=seed,
        **context,
    )


@bp.post("/courses/<int:course_id>/templates/<int:template_id>/check")
@login_required
def check(course_id: int, template_id: int):
    course, role = course_for(current_user, course_id, *STAFF)
    t = template_in(course.id, template_id)
    try:
        report = self_check(problems.get(t.kind), 1000, t.config, t.policy)
    except problems.ConfigError as exc:
        flash(as_sentence(str(exc)), "error")
        return redirect(url_for("instructor.preview", course_id=course.id, template_id=t.id))
    return render_template("instructor/check.html", course=course, t=t, report=report)


# ---------------------------------------------------------------- assignments


def _fill_assignment(a: Assignment, form: AssignmentForm) -> None:
    a.title = form.title.data.strip()
    a.mode = form.mode.data
    a.opens_at, a.due_at, a.closes_at = (
        utc(form.opens_at.data),
        utc(form.due_at.data),
        utc(form.closes_at.data),
    )
    a.late_penalty = float(form.late_penalty.data)
    a.max_attempts = form.max_attempts.data
    a.retry_penalty = float(form.retry_penalty.data)
    a.time_limit_minutes = form.time_limit_minutes.data if form.mode.data == "quiz" else None
    a.solution_release = form.solution_release.data
    a.score_policy = form.score_policy.data


@bp.route("/courses/<int:course_id>/assignments/new", methods=["GET", "POST"])
@login_required
def new_assignment(course_id: int):
    course, _role = course_for(current_user, course_id, "instructor")
    form = AssignmentForm()
    if form.validate_on_submit():
        a = Assignment(course_id=course.id, published=False)
        _fill_assignment(a, form)
        db.session.add(a)
        db.session.commit()
        flash("Assignment created (unpublished): add its problems.", "info")
        return redirect(
            url_for("instructor.edit_assignment", course_id=course.id, assignment_id=a.id)
        )
    status = 400 if request.method == "POST" else 200
    return render_template("instructor/assignment_new.html", course=course, form=form), status


def _template_choices(course_id: int) -> list[tuple[int, str]]:
    rows = db.session.scalars(
        sa.select(ProblemTemplate)
        .where(sa.or_(ProblemTemplate.course_id == course_id, ProblemTemplate.course_id.is_(None)))
        .order_by(ProblemTemplate.course_id.is_(None), ProblemTemplate.title)
    )
    return [
        (t.id, f"{t.title} [{t.kind}]{' (library)' if t.course_id is None else ''}") for t in rows
    ]


@bp.route("/courses/<int:course_id>/assignments/<int:assignment_id>/edit", methods=["GET", "POST"])
@login_required
def edit_assignment(course_id: int, assignment_id: int):
    course, _role = course_for(current_user, course_id, "instructor")
    a = assignment_in(course.id, assignment_id)
    form = AssignmentForm(obj=None if request.method == "POST" else a)
    if request.method == "GET":
        form.opens_at.data, form.due_at.data, form.closes_at.data = (
            local(a.opens_at),
            local(a.due_at),
            local(a.closes_at),
        )
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            _fill_assignment(a, form)
            db.session.commit()
            flash("Settings saved.", "info")
            return redirect(
                url_for("instructor.edit_assignment", course_id=course.id, assignment_id=a.id)
            )
        status = 400
    add = AddProblemForm()
    add.template_id.choices = pairs(_template_choices(course.id))
    return render_template(
        "instructor/assignment_edit.html",
        course=course,
        a=a,
        form=form,
        add=add,
        started=started(a),
        points_form=PointsForm(),
    ), status


@bp.post("/courses/<int:course_id>/assignments/<int:assignment_id>/problems")
@login_required
def add_problem(course_id: int, assignment_id: int):
    course, _role = course_for(current_user, course_id, "instructor")
    a = assignment_in(course.id, assignment_id)
    form = AddProblemForm()
    form.template_id.choices = pairs(_template_choices(course.id))
    if started(a):
        flash(
            "Students have started this assignment: its problems can no longer be added, moved or removed.",
            "error",
        )
    elif len(a.problems) >= MAX_PROBLEMS:
        flash(
            f"An assignment has at most {MAX_PROBLEMS} problems: split it into two assignments.",
            "error",
        )
    elif form.validate_on_submit():
        t = template_in(course.id, form.template_id.data)
        if (
            t.course_id is None
        ):  # a library template is copied: editing the library changes no course
            t = clone_template(t, course.id, by_id=current_user.id)
        a.problems.append(
            AssignmentProblem(position=len(a.problems) + 1, points=form.points.data, template=t)
        )
        db.session.commit()
        flash(f"Problem “{t.title}” added.", "info")
    else:
        flash("; ".join(as_sentence(e) for errs in form.errors.values() for e in errs), "error")
    return redirect(url_for("instructor.edit_assignment", course_id=course.id, assignment_id=a.id))


@bp.post(
    "/courses/<int:course_id>/assignments/<int:assignment_id>/problems/<int:problem_id>/<action>"
)
@login_required
def change_problem(course_id: int, assignment_id: int, problem_id: int, action: str):
    course, _role = course_for(current_user, course_id, "instructor")
    a = assignment_in(course.id, assignment_id)
    ap = next((p for p in a.problems if p.id == problem_id), None)
    form = PointsForm()
    if ap is None or action not in ("points", "up", "down", "remove"):
        abort(404)
    if action == "points":
        if form.validate_on_submit():
            ap.points = form.points.data
            db.session.commit()
            flash("Points saved: totals use them at once.", "info")
        else:
            flash("; ".join(as_sentence(e) for errs in form.errors.values() for e in errs), "error")
    elif started(a):
        flash(
            "Students have started this assignment: its problems can no longer be added, moved or removed.",
            "error",
        )
    else:
        _reorder(a, ap, action)
    return redirect(url_for("instructor.edit_assignment", course_id=course.id, assignment_id=a.id))


def _reorder(a: Assignment, ap: AssignmentProblem, action: str) -> None:
    order = list(a.problems)
    i = order.index(ap)
    if action == "remove":
        order.pop(i)
        a.problems.remove(ap)
    elif action == "up" and i > 0:
        order[i - 1], order[i] = order[i], order[i - 1]
    elif action == "down" and i < len(order) - 1:
        order[i + 1], order[i] = order[i], order[i + 1]
    # positions are unique: move everything out of the way first, then number 1..n
    for k, p in enumerate(order):
        p.position = 10000 + k
    db.session.flush()
    for k, p in enumerate(order, 1):
        p.position = k
    db.session.commit()


@bp.post("/courses/<int:course_id>/assignments/<int:assignment_id>/publish")
@login_required
def publish(course_id: int, assignment_id: int):
    course, _role = course_for(current_user, course_id, "instructor")
    a = assignment_in(course.id, assignment_id)
    if not a.published and not a.problems:
        flash("Add at least one problem before publishing.", "error")
    else:
        a.published = not a.published
        db.session.commit()
        flash(
            "Published: students see it now."
            if a.published
            else "Unpublished: students no longer see it.",
            "info",
        )
    return redirect(url_for("instructor.edit_assignment", course_id=course.id, assignment_id=a.id))


@bp.get("/courses/<int:course_id>/assignments/<int:assignment_id>/export.yaml")
@login_required
def export_assignment(course_id: int, assignment_id: int):
    course, _role = course_for(current_user, course_id, "instructor")
    a = assignment_in(course.id, assignment_id)
    return Response(
        export_yaml(a),
        mimetype="application/yaml",
        headers={"Content-Disposition": f'attachment; filename="assignment-{a.id}.yaml"'},
    )


@bp.route("/courses/<int:course_id>/assignments/import", methods=["GET", "POST"])
@login_required
def import_assignment_page(course_id: int):
    course, _role = course_for(current_user, course_id, "instructor")
    form = ImportForm()
    errors: list = []
    if form.validate_on_submit():
        try:
            text = form.file.data.read().decode("utf-8")
            a = import_assignment(course, text)
        except UnicodeDecodeError:
            errors = [(None, "the file is not UTF-8 text")]
        except SpecError as exc:
            errors = exc.errors
        else:
            flash(f"Imported “{a.title}” with {len(a.problems)} problems.", "info")
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
    course, role = course_for(current_user, course_id, *STAFF)
    a = assignment_in(course.id, assignment_id)
    form = ExtensionForm()
    form.student_id.choices = pairs(students_of(course.id))
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            if not (form.due_at.data or form.closes_at.data or form.excused.data):
                form.due_at.errors.append("Give a new date, or excuse the student.")
                status = 400
            else:
                ext = db.session.scalar(
                    sa.select(Extension).where(
                        Extension.assignment_id == a.id, Extension.user_id == form.student_id.data
                    )
                )
                ext = ext or Extension(assignment_id=a.id, user_id=form.student_id.data)
                ext.due_at, ext.closes_at = utc(form.due_at.data), utc(form.closes_at.data)
                ext.excused, ext.granted_by_id = form.excused.data, current_user.id
                db.session.add(ext)
                commit_keeping_state()  # the redirect is built from memory: no query after
                flash("Extension saved.", "info")
                return redirect(
                    url_for("instructor.extensions", course_id=course.id, assignment_id=a.id)
                )
        else:
            status = 400
    rows = db.session.execute(
        sa.select(Extension, User)
        .join(User, Extension.user_id == User.id)
        .where(Extension.assignment_id == a.id)
        .order_by(User.name)
    ).all()
    return render_template(
        "instructor/extensions.html", course=course, role=role, a=a, form=form, rows=rows
    ), status


@bp.route(
    "/courses/<int:course_id>/assignments/<int:assignment_id>/regrade", methods=["GET", "POST"]
)
@login_required
def regrade(course_id: int, assignment_id: int):
    course, _role = course_for(current_user, course_id, "instructor")
    a = assignment_in(course.id, assignment_id)
    try:
        summary = (regrade_service.apply if request.method == "POST" else regrade_service.plan)(
            *((a, current_user) if request.method == "POST" else (a,))
        )
    except ProblemUnavailable as exc:  # nothing was written: apply plans first
        flash(as_sentence(f"Cannot regrade: {exc.reason}; fix the template"), "error")
        return redirect(
            url_for("instructor.edit_assignment", course_id=course.id, assignment_id=a.id)
        )
    if request.method == "POST":
        flash(
            f"Regraded {summary.submissions} submissions: {len(summary.changes)} changed score or result "
            f"for {summary.students} student(s); the old results are kept in the history.",
            "info",
        )
        return redirect(url_for("instructor.regrade", course_id=course.id, assignment_id=a.id))
    return render_template("instructor/regrade.html", course=course, a=a, summary=summary)


# ---------------------------------------------------------------- gradebook


@bp.get("/courses/<int:course_id>/gradebook")
@login_required
def gradebook(course_id: int):
    course, role = course_for(current_user, course_id, *STAFF)
    assignments = graded_assignments(course)
    section = request.args.get("section") or None
    sort = request.args.get("sort", "name")
    page = min(max(1, request.args.get("page", 1, type=int)), MAX_PAGE)
    if sort == "total":  # needs every student's total: read them all, then take the page
        everyone = sorted(
            iter_grades(course, assignments, section), key=lambda g: -g.total(assignments)
        )
        count, rows = len(everyone), everyone[(page - 1) * PAGE : page * PAGE]
    else:  # by name or section: the database hands over just this page
        count = student_count(course, section)
        rows = list(
            iter_grades(
                course,
                assignments,
                section,
                by_section=sort == "section",
                start=(page - 1) * PAGE,
                stop=page * PAGE,
            )
        )
    pages = max(1, -(-count // PAGE))
    focus = next((a for a in assignments if a.id == request.args.get("assignment", type=int)), None)
    return render_template(
        "instructor/gradebook.html",
        course=course,
        role=role,
        assignments=assignments,
        focus=focus,
        rows=rows,
        count=count,
        page=page,
        pages=pages,
        sections=sections(course),
        section=section,
        sort=sort,
        possible=possible,
        formats=FORMATS,
    )


@bp.get("/courses/<int:course_id>/gradebook.csv")
@login_required
def gradebook_csv(course_id: int):
    course, _role = course_for(current_user, course_id, *STAFF)
    fmt = request.args.get("format", "canvas")
    if fmt not in FORMATS:
        abort(400, f"format must be one of {', '.join(FORMATS)}")
    return Response(
        stream_with_context(export_lines(course, fmt)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename(course, fmt)}"'},
    )


@bp.get("/courses/<int:course_id>/gradebook/students/<int:user_id>")
@login_required
def student_grades(course_id: int, user_id: int):
    course, role = course_for(current_user, course_id, *STAFF)
    enrolment = student_in(course.id, user_id)
    student = enrolment.user
    assignments = graded_assignments(course)
    grades = next(iter_grades(course, assignments, user_id=student.id))
    # three queries for the whole page, grouped by problem in Python
    ap_ids = [ap.id for a in assignments for ap in a.problems]
    subs_by, history_by, changes_by = defaultdict(list), defaultdict(list), defaultdict(list)
    for sub, ap_id in db.session.execute(
        sa.select(Submission, Variant.assignment_problem_id)
        .join(Variant)
        .where(Variant.assignment_problem_id.in_(ap_ids), Variant.user_id == student.id)
        .order_by(Variant.number, Submission.attempt)
    ):
        subs_by[ap_id].append(sub)
    for o in db.session.scalars(
        sa.select(ScoreOverride)
        .where(ScoreOverride.assignment_problem_id.in_(ap_ids), ScoreOverride.user_id == student.id)
        .order_by(ScoreOverride.id)
    ):
        history_by[o.assignment_problem_id].append(o)
    problem_of = {sub.id: ap_id for ap_id, subs in subs_by.items() for sub in subs}
    if problem_of:
        for c in db.session.scalars(
            sa.select(GradeChange)
            .where(GradeChange.submission_id.in_(list(problem_of)))
            .order_by(GradeChange.id)
        ):
            changes_by[problem_of[c.submission_id]].append(c)
    detail = [
        (a, ap, subs_by[ap.id], history_by[ap.id], changes_by[ap.id])
        for a in assignments
        for ap in a.problems
    ]
    return render_template(
        "instructor/student.html",
        course=course,
        role=role,
        student=student,
        enrolment=enrolment,
        grades=grades,
        detail=detail,
        form=OverrideForm(),
    )


@bp.post(
    "/courses/<int:course_id>/gradebook/students/<int:user_id>/problems/<int:problem_id>/override"
)
@login_required
def override_score(course_id: int, user_id: int, problem_id: int):
    course, _role = course_for(current_user, course_id, "instructor")
    student = student_in(course.id, user_id).user  # 404 unless a student of this course
    ap = db.session.get(AssignmentProblem, problem_id)
    if ap is None or ap.assignment.course_id != course.id:
        abort(404)
    form = OverrideForm()
    if form.validate_on_submit():
        override(ap, student, form.score.data, form.reason.data, current_user)
        flash("Override saved." if form.score.data is not None else "Override removed.", "info")
    else:
        flash("; ".join(as_sentence(e) for errs in form.errors.values() for e in errs), "error")
    return redirect(
        url_for("instructor.student_grades", course_id=course.id, user_id=student.id) + f"#p{ap.id}"
    )
