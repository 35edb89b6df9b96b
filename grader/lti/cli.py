"""``flask --app grader lti-…`` commands: register and list platforms, sync a course's
roster from the LMS, send the pending scores now."""

from __future__ import annotations

import click
from flask import Flask

from ..extensions import db
from ..models import Course


def register(app: Flask) -> None:
    from ..services import lti as lti_service
    from ..services import lti_roster, lti_scores
    from ..services.errors import DomainError

    @app.cli.command("lti-register")
    @click.option(
        "--issuer", required=True, help="The platform's issuer, e.g. https://canvas.instructure.com"
    )
    @click.option("--client-id", required=True, help="The client id the platform gave this tool.")
    @click.option(
        "--deployment-id",
        "deployment_ids",
        multiple=True,
        required=True,
        help="A deployment id (repeat for several).",
    )
    @click.option("--auth-login-url", required=True, help="The platform's OIDC auth URL.")
    @click.option("--auth-token-url", required=True, help="The platform's OAuth2 token URL.")
    @click.option("--key-set-url", required=True, help="The platform's JWKS URL.")
    def lti_register(
        issuer, client_id, deployment_ids, auth_login_url, auth_token_url, key_set_url
    ):
        """Register an LMS (LTI 1.3 platform)."""
        try:
            reg = lti_service.register_platform(
                issuer, client_id, list(deployment_ids), auth_login_url, auth_token_url, key_set_url
            )
        except lti_service.RegistrationError as exc:
            db.session.rollback()
            raise click.ClickException(str(exc)) from None
        click.echo(f"Registered {reg.issuer} (client id {reg.client_id}) as registration {reg.id}.")

    @app.cli.command("lti-list")
    def lti_list():
        """The registered platforms."""
        rows = lti_service.list_registrations()
        if not rows:
            click.echo("No platform is registered.")
        for r in rows:
            click.echo(
                f"{r.id}\t{r.issuer}\t{r.client_id}\t{','.join(r.deployment_ids)}\t{r.auth_login_url}"
            )

    @app.cli.command("lti-sync-roster")
    @click.argument("course_id", type=int)
    def lti_sync_roster(course_id):
        """Enrol a course's members from its LMS course (NRPS); drop those gone."""
        course = db.session.get(Course, course_id)
        if course is None:
            raise click.ClickException(f"no course with id {course_id}")
        try:
            r = lti_roster.sync_roster(course)
        except DomainError as exc:
            raise click.ClickException(exc.text) from None
        click.echo(
            f"{len(r.created)} new accounts, {len(r.enrolled)} newly enrolled, "
            f"{len(r.updated)} with a new role, {len(r.unchanged)} unchanged, "
            f"{len(r.dropped)} dropped, {r.skipped} skipped (no known role)"
        )

    @app.cli.command("lti-send-scores")
    def lti_send_scores():
        """Send the pending scores to the LMS now (also done by the job worker)."""
        sent, failed = lti_scores.send_pending()
        click.echo(f"{sent} scores sent, {failed} failed (kept to try again).")
