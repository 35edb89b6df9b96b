"""A course's roster from the LMS (LTI Names and Role Provisioning Services): each linked
context's members are enrolled (accounts made on first sight, linked by issuer and
``sub``), their roles updated, and the LTI students the LMS no longer lists (or lists as
Inactive or Deleted) are dropped. Staff are never dropped, students added by CSV without
an LMS identity are left alone, and the acting user's own role is not changed."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from ..extensions import db
from ..lti.models import LtiContext, LtiUser
from ..models import Course, Enrollment, User
from .errors import Conflict


@dataclass
class SyncResult:
    created: list[str] = field(default_factory=list)  # emails of new accounts
    enrolled: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    skipped: int = 0  # members with no role this app knows


def sync_roster(course: Course, acting: User | None = None) -> SyncResult:
    """Sync from every LMS context linked to the course; Conflict when none is linked
    or the LMS cannot be reached (then nothing is written)."""
    from pylti1p3.names_roles import NamesRolesProvisioningService
    from pylti1p3.service_connector import ServiceConnector

    from .lti import account_for, as_pylti_registration, http_session, role_from

    contexts = db.session.scalars(
        sa.select(LtiContext).where(
            LtiContext.course_id == course.id, LtiContext.memberships_url.is_not(None)
        )
    ).all()
    if not contexts:
        raise Conflict(
            "This course is not linked to an LMS course with a roster service: open the "
            "tool from the LMS once as instructor first."
        )
    fetched = []
    for ctx in contexts:
        connector = ServiceConnector(as_pylti_registration(ctx.registration), http_session())
        nrps = NamesRolesProvisioningService(
            connector, {"context_memberships_url": ctx.memberships_url}
        )
        try:
            fetched.append((ctx, nrps.get_members()))
        except Exception as exc:
            raise Conflict(f"The LMS roster cannot be read just now ({exc}).") from None

    result = SyncResult()
    enrolments = {
        e.user_id: e
        for e in db.session.scalars(sa.select(Enrollment).where(Enrollment.course_id == course.id))
    }
    seen: set[int] = set()
    try:
        for ctx, members in fetched:
            for m in members:
                role = role_from(m.get("roles") or [])
                sub = str(m.get("user_id") or "")
                if role is None or not sub:
                    result.skipped += 1
                    continue
                user, created = account_for(ctx.registration, sub, m.get("name"), m.get("email"))
                if created:
                    result.created.append(user.email)
                inactive = (m.get("status") or "Active") in ("Inactive", "Deleted")
                if inactive:
                    continue  # not seen: dropped below if enrolled as an LTI student
                seen.add(user.id)
                e = enrolments.get(user.id)
                if e is None:
                    e = Enrollment(user_id=user.id, course_id=course.id, role=role)
                    db.session.add(e)
                    enrolments[user.id] = e
                    result.enrolled.append(user.email)
                elif e.role != role and not (acting is not None and user.id == acting.id):
                    e.role = role
                    result.updated.append(user.email)
                else:
                    result.unchanged.append(user.email)
            db.session.flush()
            lti_students = db.session.execute(
                sa.select(Enrollment, User)
                .join(User, Enrollment.user_id == User.id)
                .join(LtiUser, sa.and_(LtiUser.user_id == User.id, LtiUser.issuer == ctx.issuer))
                .where(Enrollment.course_id == course.id, Enrollment.role == "student")
            ).all()
            for e, u in lti_students:
                if u.id not in seen:
                    db.session.delete(e)
                    result.dropped.append(u.email)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return result
