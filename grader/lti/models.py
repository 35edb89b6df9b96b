"""The tables of the LTI 1.3 tool: platform registrations, the tool's own key, the launch
flow's short-lived state, and the links from a platform's users, contexts and resource
links to this app's accounts, courses and assignments; plus the outbox of scores to send
back (Assignment and Grade Services)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import Assignment, Course, JSONType, User, UTCDateTime, utcnow


class LtiRegistration(db.Model):
    """A platform (an LMS) this tool trusts: its issuer and the client id it gave the
    tool, the deployments allowed, and its OIDC, token and key-set URLs."""

    __tablename__ = "lti_registration"
    __table_args__ = (sa.UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(sa.String(255))
    client_id: Mapped[str] = mapped_column(sa.String(255))
    deployment_ids: Mapped[list] = mapped_column(JSONType, default=list)
    auth_login_url: Mapped[str] = mapped_column(sa.String(1000))  # the platform's OIDC auth URL
    auth_token_url: Mapped[str] = mapped_column(sa.String(1000))
    key_set_url: Mapped[str] = mapped_column(sa.String(1000))  # the platform's JWKS
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LtiKey(db.Model):
    """The tool's RSA key pair, made on first use; the newest row signs. The private key
    never leaves the server (only the public half is published at /lti/jwks)."""

    __tablename__ = "lti_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(sa.String(100), unique=True)
    private_pem: Mapped[str] = mapped_column(sa.Text)
    public_pem: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LtiLaunchState(db.Model):
    """pylti1p3's launch data storage: nonces (deleted when used), states, validated
    launches and the platforms' cached key sets, each with an expiry."""

    __tablename__ = "lti_launch_state"

    key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    value: Mapped[dict | list | str | bool | None] = mapped_column(JSONType)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class LtiUser(db.Model):
    """A platform's user (``sub`` within an issuer) and the account it logs in as."""

    __tablename__ = "lti_user"
    __table_args__ = (sa.UniqueConstraint("issuer", "sub"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(sa.String(255))
    sub: Mapped[str] = mapped_column(sa.String(255))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class LtiContext(db.Model):
    """A platform's course (context) and the course it is here; with the service URLs
    the last launch gave (NRPS memberships, AGS line items)."""

    __tablename__ = "lti_context"
    __table_args__ = (sa.UniqueConstraint("issuer", "context_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lti_registration.id", ondelete="CASCADE"), index=True
    )
    issuer: Mapped[str] = mapped_column(sa.String(255))
    context_id: Mapped[str] = mapped_column(sa.String(255))
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("course.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(255), default="")
    memberships_url: Mapped[str | None] = mapped_column(sa.String(1000))
    lineitems_url: Mapped[str | None] = mapped_column(sa.String(1000))
    ags_scopes: Mapped[list] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    registration: Mapped[LtiRegistration] = relationship()
    course: Mapped[Course] = relationship()


class LtiResourceLink(db.Model):
    """A link placed in the platform (a resource link) and the assignment it opens, with
    the line item its scores go to."""

    __tablename__ = "lti_resource_link"
    __table_args__ = (sa.UniqueConstraint("lti_context_id", "resource_link_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lti_context_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lti_context.id", ondelete="CASCADE"), index=True
    )
    resource_link_id: Mapped[str] = mapped_column(sa.String(255))
    assignment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("assignment.id", ondelete="CASCADE"), index=True
    )
    lineitem_url: Mapped[str | None] = mapped_column(sa.String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    context: Mapped[LtiContext] = relationship()
    assignment: Mapped[Assignment] = relationship()


class LtiScoreOutbox(db.Model):
    """A student's score on one linked assignment, to be sent to its line item. The row
    says the score changed (``pending``); the sender reads the score at sending time, so
    several changes send once, and a failure leaves the row pending for the next try."""

    __tablename__ = "lti_score_outbox"
    __table_args__ = (
        sa.UniqueConstraint("resource_link_id", "user_id"),
        sa.Index("ix_lti_score_outbox_pending", "pending", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_link_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lti_resource_link.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    pending: Mapped[bool] = mapped_column(default=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_score: Mapped[float | None] = mapped_column()
    sent_maximum: Mapped[float | None] = mapped_column()

    link: Mapped[LtiResourceLink] = relationship()
    user: Mapped[User] = relationship()
