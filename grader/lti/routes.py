"""LTI 1.3 endpoints: the tool's JWKS, OIDC login initiation, launches (resource link and
deep linking), Canvas's JSON configuration; the admins' registrations page; a course's
roster sync and score status for its staff. Only /lti/login and /lti/launch are exempt
from CSRF: the platform posts them, and state, nonce and the signed id_token guard them."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user

from ..models import STAFF_ROLES
from ..services import lti as lti_service
from ..services import lti_roster, lti_scores
from ..services.access import course_for
from ..services.lti import LaunchRefused, RegistrationError
from .forms import ActionForm, DeepLinkForm, DeepLinkReturnForm, RegistrationForm

bp = Blueprint("lti", __name__, url_prefix="/lti")

DEEP_LINK_SESSION = "lti_deep_link"


@bp.get("/jwks")
def jwks():
    return jsonify(lti_service.public_jwks())


@bp.route("/login", methods=["GET", "POST"])
def login():
    return lti_service.oidc_login(url_for("lti.launch", _external=True))


@bp.post("/launch")
def launch():
    launch = lti_service.validated_launch()
    if launch.is_deep_link_launch():
        ctx, user = lti_service.deep_link_context(launch)
        login_user(user)
        session[DEEP_LINK_SESSION] = launch.get_launch_id()
        return redirect(url_for("lti.deep_link"))
    if not launch.is_resource_launch():
        raise LaunchRefused(400, "This kind of LTI message is not supported here.")
    landing = lti_service.resource_launch(launch)
    login_user(landing.user)
    if landing.assignment_id is not None:
        return redirect(url_for("student.assignment", assignment_id=landing.assignment_id))
    return redirect(url_for("courses.home", course_id=landing.course_id))


@bp.route("/deep-link", methods=["GET", "POST"])
@login_required
def deep_link():
    launch_id = session.get(DEEP_LINK_SESSION)
    if not launch_id:
        abort(400, "There is no deep-linking request from the LMS in this session.")
    launch = lti_service.restored_launch(launch_id)
    ctx, _user = lti_service.deep_link_context(launch)
    course, _role = course_for(current_user, ctx.course_id, *STAFF_ROLES)
    form = DeepLinkForm(launch_id=launch_id)
    form.assignment_id.choices = [(a.id, a.title) for a in course.assignments]
    status = 200
    if form.validate_on_submit():
        if form.launch_id.data != launch_id:
            abort(400, "This form belongs to another deep-linking request.")
        assignment = next(a for a in course.assignments if a.id == form.assignment_id.data)
        jwt_value, return_url = lti_service.deep_link_response(
            launch, assignment, url_for("lti.launch", _external=True)
        )
        session.pop(DEEP_LINK_SESSION, None)
        response = render_template(
            "lti/deep_link_return.html",
            form=DeepLinkReturnForm(JWT=jwt_value),
            return_url=return_url,
            assignment=assignment,
        )
        parts = urlsplit(return_url)
        origin = f"{parts.scheme}://{parts.netloc}"
        return (
            response,
            200,
            {
                "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
                "style-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; "
                f"base-uri 'self'; form-action 'self' {origin}"
            },
        )
    elif request.method == "POST":
        status = 400
    return render_template("lti/deep_link.html", form=form, course=course), status


@bp.get("/config.json")
def canvas_config():
    """Canvas's "Enter URL" configuration for a Developer Key (LTI key)."""
    launch_url = url_for("lti.launch", _external=True)
    host = urlsplit(launch_url).hostname
    return jsonify(
        {
            "title": "NN grader",
            "description": "Auto-graded exercises and quizzes for a neural-network course.",
            "oidc_initiation_url": url_for("lti.login", _external=True),
            "target_link_uri": launch_url,
            "public_jwk_url": url_for("lti.jwks", _external=True),
            "scopes": [
                "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
                "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
                "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
                "https://purl.imsglobal.org/spec/lti-ags/scope/score",
                "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
            ],
            "extensions": [
                {
                    "domain": host,
                    "tool_id": "nn-grader",
                    "platform": "canvas.instructure.com",
                    "privacy_level": "public",
                    "settings": {
                        "text": "NN grader",
                        "placements": [
                            {
                                "placement": "link_selection",
                                "message_type": "LtiDeepLinkingRequest",
                                "target_link_uri": launch_url,
                            },
                            {
                                "placement": "assignment_selection",
                                "message_type": "LtiDeepLinkingRequest",
                                "target_link_uri": launch_url,
                            },
                        ],
                    },
                }
            ],
            "custom_fields": {},
        }
    )


# ---------------------------------------------------------------- admins: registrations


def _admin() -> None:
    if not current_user.is_admin:
        abort(403)


@bp.route("/registrations", methods=["GET", "POST"])
@login_required
def registrations():
    _admin()
    form = RegistrationForm()
    status = 200
    if form.validate_on_submit():
        try:
            lti_service.register_platform(
                form.issuer.data,
                form.client_id.data,
                form.deployment_ids.data.split(","),
                form.auth_login_url.data,
                form.auth_token_url.data,
                form.key_set_url.data,
            )
        except RegistrationError as exc:
            form.issuer.errors.append(str(exc)[0].upper() + str(exc)[1:] + ".")
            status = 400
        else:
            flash("Platform registered.", "success")
            return redirect(url_for("lti.registrations"))
    elif request.method == "POST":
        status = 400
    return render_template(
        "lti/registrations.html",
        form=form,
        delete_form=ActionForm(),
        rows=lti_service.list_registrations(),
        tool={
            "login": url_for("lti.login", _external=True),
            "launch": url_for("lti.launch", _external=True),
            "jwks": url_for("lti.jwks", _external=True),
            "config": url_for("lti.canvas_config", _external=True),
        },
    ), status


@bp.post("/registrations/<int:registration_id>/delete")
@login_required
def delete_registration(registration_id: int):
    _admin()
    if not ActionForm().validate_on_submit():
        abort(400)
    lti_service.delete_registration(registration_id)
    flash("Registration deleted.", "success")
    return redirect(url_for("lti.registrations"))


# ---------------------------------------------------------------- a course's staff


@bp.post("/courses/<int:course_id>/sync-roster")
@login_required
def sync_roster(course_id: int):
    course, _role = course_for(current_user, course_id, "instructor")
    if not ActionForm().validate_on_submit():
        abort(400)
    result = lti_roster.sync_roster(course, acting=current_user)
    return render_template("lti/roster_result.html", course=course, result=result)


@bp.get("/courses/<int:course_id>/scores")
@login_required
def scores(course_id: int):
    course, role = course_for(current_user, course_id, *STAFF_ROLES)
    return render_template(
        "lti/scores.html",
        course=course,
        role=role,
        rows=lti_scores.course_status(course.id),
        form=ActionForm(),
    )


@bp.post("/courses/<int:course_id>/scores/resend")
@login_required
def resend_scores(course_id: int):
    course, _role = course_for(current_user, course_id, "instructor")
    if not ActionForm().validate_on_submit():
        abort(400)
    n = lti_scores.resend_course(course.id)
    flash(f"{n} score{'s' if n != 1 else ''} queued to be sent to the LMS again.", "success")
    return redirect(url_for("lti.scores", course_id=course.id))
