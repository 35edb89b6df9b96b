"""LTI 1.3 Advantage tool: the blueprint (grader/lti/routes.py), its tables
(grader/lti/models.py) and commands (grader/lti/cli.py); the work is in
grader/services/lti*.py."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the blueprint (its launch endpoints CSRF-exempt), the score-send task on
    the job queue, and the commands; look up whether any platform is registered."""
    from ..extensions import csrf
    from ..services import lti_scores
    from . import cli, routes

    app.register_blueprint(routes.bp)
    for view in (routes.login, routes.launch):
        csrf.exempt(view)
    lti_scores.register_task(app)
    lti_scores.prime(app)
    app.context_processor(lambda: {"lti_in_use": lti_scores.lti_in_use})
    cli.register(app)
    allow_framing(app)


def allow_framing(app: Flask) -> None:
    """With ``LTI_FRAME_ANCESTORS`` (origins of the LMS pages), pages may be shown in
    those pages' iframes: ``frame-ancestors`` names them instead of 'none', X-Frame-Options
    is dropped, and the login cookies become SameSite=None; Secure so that the browser
    sends them inside a cross-site iframe (CSRF tokens still guard every form)."""
    ancestors = [a for a in app.config.get("LTI_FRAME_ANCESTORS") or [] if a.startswith("https://")]
    if not ancestors:
        return
    for name in ("SESSION_COOKIE", "REMEMBER_COOKIE"):
        app.config[f"{name}_SAMESITE"] = "None"
        app.config[f"{name}_SECURE"] = True
    allowed = "frame-ancestors 'self' " + " ".join(ancestors)

    @app.after_request
    def framable(response):
        # Runs after the app's security headers (registered later, so run earlier).
        csp = response.headers.get("Content-Security-Policy", "")
        response.headers["Content-Security-Policy"] = csp.replace("frame-ancestors 'none'", allowed)
        response.headers.pop("X-Frame-Options", None)
        return response
