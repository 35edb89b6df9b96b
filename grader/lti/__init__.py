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
