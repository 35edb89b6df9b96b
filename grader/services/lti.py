"""LTI 1.3 tool side (pylti1p3): platform registrations from the database, the tool's
own key pair, the launch flow's state in the database, and what a validated launch does
here (the platform's user → an account, its context → a course, its roles → a role, its
resource link → an assignment).

Security rests on pylti1p3's checks (state cookie, registration, deployment, RS256
signature against the platform's JWKS, message claims) plus three of ours: a nonce is
used once (pylti1p3 only checks it exists), ``exp`` and ``iat`` are required, and ``aud``
must hold our client id (with ``azp`` naming it when there are several audiences).
A platform's user is only ever linked by (issuer, sub): an email sent by a platform never
opens an existing account, and platform administrators are not administrators here.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import requests
import sqlalchemy as sa
from flask import current_app
from jwcrypto.jwk import JWK
from pylti1p3.contrib.flask import FlaskMessageLaunch, FlaskOIDCLogin, FlaskRequest
from pylti1p3.deployment import Deployment
from pylti1p3.exception import LtiException
from pylti1p3.launch_data_storage.base import DisableSessionId, LaunchDataStorage
from pylti1p3.registration import Registration
from pylti1p3.session import SessionService
from pylti1p3.tool_config import ToolConfAbstract

from ..extensions import db
from ..lti.models import (
    LtiContext,
    LtiKey,
    LtiLaunchState,
    LtiRegistration,
    LtiResourceLink,
    LtiUser,
)
from ..models import STAFF_ROLES, Assignment, Course, Enrollment, User, utcnow
from .errors import DomainError

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
ROLES_CLAIM = CLAIM + "roles"
CONTEXT_CLAIM = CLAIM + "context"
RESOURCE_LINK_CLAIM = CLAIM + "resource_link"
CUSTOM_CLAIM = CLAIM + "custom"
TARGET_CLAIM = CLAIM + "target_link_uri"
DEPLOYMENT_CLAIM = CLAIM + "deployment_id"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
HTTP_TIMEOUT_SECONDS = 10
KEY_SET_CACHE_SECONDS = 3600
LAUNCH_DATA_SECONDS = 3600
CLOCK_SKEW_SECONDS = 60


class LaunchRefused(DomainError):
    """A launch that cannot go on: a 4xx page with the reason."""

    error = "lti_refused"

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


# ---------------------------------------------------------------- registrations


URL_RE = re.compile(r"^https?://[^\s/]+\S*$")


class RegistrationError(ValueError):
    """Input that cannot make a registration; the message is for the admin."""


def list_registrations() -> list[LtiRegistration]:
    return list(
        db.session.scalars(
            sa.select(LtiRegistration).order_by(LtiRegistration.issuer, LtiRegistration.id)
        )
    )


def register_platform(
    issuer: str,
    client_id: str,
    deployment_ids: list[str],
    auth_login_url: str,
    auth_token_url: str,
    key_set_url: str,
) -> LtiRegistration:
    """A new registration (committed); RegistrationError for a missing or malformed value
    or an (issuer, client id) already registered."""
    issuer, client_id = (issuer or "").strip(), (client_id or "").strip()
    deployment_ids = [d.strip() for d in deployment_ids if d and d.strip()]
    if not issuer or len(issuer) > 255:
        raise RegistrationError("the issuer is needed (at most 255 characters)")
    if not client_id or len(client_id) > 255:
        raise RegistrationError("the client id is needed (at most 255 characters)")
    if not deployment_ids:
        raise RegistrationError("at least one deployment id is needed")
    urls = {
        "OIDC auth URL": auth_login_url,
        "token URL": auth_token_url,
        "key set (JWKS) URL": key_set_url,
    }
    for what, url in urls.items():
        if not URL_RE.match((url or "").strip()) or len(url) > 1000:
            raise RegistrationError(f"the {what} must be an http(s) URL")
    if db.session.scalar(
        sa.select(LtiRegistration.id).where(
            LtiRegistration.issuer == issuer, LtiRegistration.client_id == client_id
        )
    ):
        raise RegistrationError(f"{issuer} with client id {client_id} is registered already")
    reg = LtiRegistration(
        issuer=issuer,
        client_id=client_id,
        deployment_ids=deployment_ids,
        auth_login_url=auth_login_url.strip(),
        auth_token_url=auth_token_url.strip(),
        key_set_url=key_set_url.strip(),
    )
    db.session.add(reg)
    db.session.commit()
    current_app.extensions["lti_active"] = (True, 0.0)
    return reg


def delete_registration(registration_id: int) -> None:
    reg = db.session.get(LtiRegistration, registration_id)
    if reg is None:
        from .errors import NotFound

        raise NotFound("There is no such registration.")
    db.session.delete(reg)
    db.session.commit()


# ---------------------------------------------------------------- the tool's key


def tool_key() -> LtiKey:
    """The tool's signing key, made (RSA 2048) and stored on first use."""
    key = db.session.scalar(sa.select(LtiKey).order_by(LtiKey.id.desc()).limit(1))
    if key is not None:
        return key
    jwk = JWK.generate(kty="RSA", size=2048)
    key = LtiKey(
        kid=jwk.thumbprint(),
        private_pem=jwk.export_to_pem(private_key=True, password=None).decode(),
        public_pem=jwk.export_to_pem().decode(),
    )
    db.session.add(key)
    db.session.commit()
    return key


def public_jwks() -> dict:
    """Every stored key's public half, as a JWKS (the newest signs)."""
    keys = []
    for key in db.session.scalars(sa.select(LtiKey).order_by(LtiKey.id.desc())):
        jwk = json.loads(JWK.from_pem(key.public_pem.encode()).export_public())
        keys.append(jwk | {"alg": "RS256", "use": "sig", "kid": key.kid})
    if not keys:
        tool_key()
        return public_jwks()
    return {"keys": keys}


def as_pylti_registration(reg: LtiRegistration) -> Registration:
    key = tool_key()
    r = Registration()
    r.set_issuer(reg.issuer).set_client_id(reg.client_id)
    r.set_auth_login_url(reg.auth_login_url).set_auth_token_url(reg.auth_token_url)
    r.set_key_set_url(reg.key_set_url)
    r.set_tool_private_key(key.private_pem).set_tool_public_key(key.public_pem)
    return r


def http_session() -> requests.Session:
    """A requests session whose calls give up after HTTP_TIMEOUT_SECONDS (pylti1p3 sets
    none: a platform that hangs would hold a web or job worker for ever)."""

    class TimedSession(requests.Session):
        def request(self, *args, **kwargs):
            kwargs.setdefault("timeout", HTTP_TIMEOUT_SECONDS)
            return super().request(*args, **kwargs)

    s = TimedSession()
    s.headers["User-Agent"] = "nn-grader LTI 1.3 tool"
    return s


class ToolConf(ToolConfAbstract):
    """pylti1p3's tool configuration, read from the registrations table: one issuer may
    have several client ids."""

    def __init__(self):
        self.issuers_relation_types = {}

    def check_iss_has_one_client(self, iss):
        return False

    def check_iss_has_many_clients(self, iss):
        return True

    def _row(self, iss: str, client_id: str | None) -> LtiRegistration | None:
        q = sa.select(LtiRegistration).where(LtiRegistration.issuer == iss)
        if client_id:
            return db.session.scalar(q.where(LtiRegistration.client_id == client_id))
        rows = db.session.scalars(q.limit(2)).all()
        return rows[0] if len(rows) == 1 else None  # no client id: only if unambiguous

    def find_registration_by_issuer(self, iss, *args, **kwargs):
        return self.find_registration_by_params(iss, None)

    def find_registration_by_params(self, iss, client_id, *args, **kwargs):
        row = self._row(iss, client_id)
        return as_pylti_registration(row) if row is not None else None

    def find_deployment(self, iss, deployment_id):
        return self.find_deployment_by_params(iss, deployment_id, None)

    def find_deployment_by_params(self, iss, deployment_id, client_id, *args, **kwargs):
        row = self._row(iss, client_id)
        if row is None or deployment_id not in (row.deployment_ids or []):
            return None
        return Deployment().set_deployment_id(deployment_id)


# ---------------------------------------------------------------- launch state


class DatabaseLaunchData(LaunchDataStorage):
    """pylti1p3's launch data in the ``lti_launch_state`` table (every web worker sees
    it), keyed by a per-browser session id kept in the ``lti1p3-session-id`` cookie."""

    def can_set_keys_expiration(self) -> bool:
        return True

    def get_value(self, key):
        row = db.session.get(LtiLaunchState, self._prepare_key(key))
        if row is None or row.expires_at <= utcnow():
            return None
        return row.value

    def set_value(self, key, value, exp=None):
        now = utcnow()
        row = db.session.get(LtiLaunchState, self._prepare_key(key))
        expires = now + timedelta(seconds=exp or LAUNCH_DATA_SECONDS)
        if row is None:
            db.session.add(
                LtiLaunchState(key=self._prepare_key(key), value=value, expires_at=expires)
            )
        else:
            row.value, row.expires_at = value, expires
        db.session.commit()

    def check_value(self, key):
        return self.get_value(key) is not None

    def take(self, key) -> bool:
        """Delete the key; True if it was there and unexpired (a nonce used once)."""
        result = db.session.execute(
            sa.delete(LtiLaunchState).where(
                LtiLaunchState.key == self._prepare_key(key),
                LtiLaunchState.expires_at > utcnow(),
            )
        )
        db.session.commit()
        return result.rowcount == 1


def sweep_expired() -> int:
    """Delete expired launch state; returns how many rows went."""
    result = db.session.execute(
        sa.delete(LtiLaunchState).where(LtiLaunchState.expires_at <= utcnow())
    )
    db.session.commit()
    return result.rowcount


class OnceNonceSession(SessionService):
    """pylti1p3's session service, with each nonce good for one launch: a replayed
    id_token (same state, same nonce) is refused."""

    def check_nonce(self, nonce: str) -> bool:
        storage = self.data_storage
        key = self._get_key("nonce", nonce)
        if isinstance(storage, DatabaseLaunchData):
            return storage.take(key)
        return super().check_nonce(nonce)


class ToolLaunch(FlaskMessageLaunch):
    """pylti1p3's launch with our stricter checks, the JWKS cached in the database and
    fetched again once when a token names a key id the cache does not hold."""

    def validate_jwt_signature(self):
        try:
            return self._verify_signature()
        except LtiException as exc:
            if "Unable to find public key" not in str(exc) or self._registration is None:
                raise
        # The platform rotated its key: forget the cached set and fetch it once more.
        key_set_url = self._registration.get_key_set_url() or ""
        self._registration.set_key_set(None)
        storage = self._public_key_cache_data_storage
        if storage is not None:
            # the key sets are cached without the browser's session id (pylti1p3's
            # DisableSessionId): forget it under the same key
            cache_key = "key-set-url-" + hashlib.md5(key_set_url.encode()).hexdigest()
            with DisableSessionId(storage):
                storage.set_value(cache_key, None, 1)
        return self._verify_signature()

    def _verify_signature(self):
        """pylti1p3's check, with CLOCK_SKEW_SECONDS of leeway on exp and iat (a platform
        whose clock is a few seconds ahead would otherwise have every launch refused)."""
        import jwt

        public_key, key_alg = self.get_public_key()
        try:
            jwt.decode(
                self._get_id_token(),
                public_key,
                algorithms=[key_alg],
                options=self._jwt_verify_options,
                leeway=CLOCK_SKEW_SECONDS,
            )
        except jwt.InvalidTokenError as exc:
            raise LtiException(f"Can't decode id_token: {exc}") from exc
        return self

    def validate_registration(self):
        super().validate_registration()
        body = self._get_jwt_body()
        aud = body.get("aud")
        auds = aud if isinstance(aud, list) else [aud]
        client_id = self._registration.get_client_id()
        if client_id not in auds:
            raise LtiException("the id_token is not addressed to this tool (aud)")
        if len(auds) > 1 and body.get("azp") != client_id:
            raise LtiException("the id_token names several audiences and not us as azp")
        return self


def _services():
    request = FlaskRequest()
    storage = DatabaseLaunchData()
    session_service = OnceNonceSession(request)
    return request, storage, session_service


def oidc_login(launch_url: str):
    """The redirect to the platform's OIDC auth endpoint (state cookie set, nonce stored);
    LaunchRefused(400) for an unknown issuer or a malformed request."""
    from pylti1p3.exception import OIDCException

    sweep_expired()  # one indexed DELETE: old states, nonces and launches go
    request, storage, session_service = _services()
    login = FlaskOIDCLogin(request, ToolConf(), session_service=session_service)
    login.set_launch_data_storage(storage)
    login.set_launch_data_lifetime(600)
    try:
        return login.redirect(launch_url)
    except (OIDCException, LtiException) as exc:
        raise LaunchRefused(400, f"This LTI login cannot go on: {exc}.") from None


def validated_launch() -> ToolLaunch:
    """The POSTed launch, validated (state, nonce once, registration, signature against
    the platform's JWKS, deployment, exp/iat/aud, message claims); LaunchRefused(400)
    otherwise, never a 500."""
    request, storage, session_service = _services()
    try:
        launch = ToolLaunch(
            request,
            ToolConf(),
            session_service=session_service,
            launch_data_storage=storage,
            requests_session=http_session(),
        )
        launch.set_launch_data_lifetime(LAUNCH_DATA_SECONDS)
        launch.set_public_key_caching(storage, KEY_SET_CACHE_SECONDS)
        launch.set_jwt_verify_options({"verify_aud": False, "require": ["exp", "iat"]})
        launch.validate()
    except (LtiException, AssertionError, KeyError, TypeError, ValueError) as exc:
        db.session.rollback()
        raise LaunchRefused(400, f"This LTI launch was refused: {exc}.") from None
    return launch


def restored_launch(launch_id: str) -> ToolLaunch:
    """A launch validated earlier in this browser (for the deep-linking pick)."""
    request, storage, session_service = _services()
    try:
        return ToolLaunch.from_cache(
            launch_id,
            request,
            ToolConf(),
            session_service=session_service,
            launch_data_storage=storage,
            requests_session=http_session(),
        )
    except LtiException as exc:
        raise LaunchRefused(400, f"This deep-linking request has expired: {exc}.") from None


# ---------------------------------------------------------------- what a launch does


TA_MARK = "#TeachingAssistant"
INSTRUCTOR_MARKS = ("membership#Instructor", "membership#ContentDeveloper")
LEARNER_MARK = "membership#Learner"


def role_from(role_uris: list[str]) -> str | None:
    """This app's role from LTI role URIs (context roles only: institution and system
    roles such as Administrator give nothing here). Teaching assistant before
    instructor (its URI is a sub-role of Instructor)."""
    uris = [u for u in role_uris or [] if isinstance(u, str)]
    if any(u.endswith(TA_MARK) or u == "TeachingAssistant" for u in uris):
        return "ta"
    if any(u.endswith(INSTRUCTOR_MARKS) or u in ("Instructor", "ContentDeveloper") for u in uris):
        return "instructor"
    if any(u.endswith(LEARNER_MARK) or u == "Learner" for u in uris):
        return "student"
    return None


def account_for(
    registration: LtiRegistration, sub: str, name: str | None, email: str | None
) -> tuple[User, bool]:
    """The account of the platform's user (issuer, sub), made on first sight with the
    name and email the platform sent (a synthetic email when it sent none or the email
    is another account's: it never opens that account). Returns (user, created)."""
    from .accounts import normalise_email

    link = db.session.scalar(
        sa.select(LtiUser).where(LtiUser.issuer == registration.issuer, LtiUser.sub == sub)
    )
    name = (name or "").strip()[:200]
    if link is not None:
        if name and link.user.name != name:
            link.user.name = name
        return link.user, False
    address = normalise_email(email) if email else ""
    if (
        not address
        or len(address) > 254
        or db.session.scalar(sa.select(User.id).where(User.email == address))
    ):
        host = urlparse(registration.issuer).hostname or "lms"
        address = f"lti-{secrets.token_hex(8)}@{host}.invalid"
    user = User(email=address, name=name or "LMS user", password_hash=None)
    db.session.add(user)
    db.session.flush()
    db.session.add(LtiUser(issuer=registration.issuer, sub=sub, user_id=user.id))
    return user, True


def registration_of(launch: ToolLaunch) -> LtiRegistration:
    body = launch.get_launch_data()
    reg = db.session.scalar(
        sa.select(LtiRegistration).where(
            LtiRegistration.issuer == body["iss"],
            LtiRegistration.client_id == launch.get_client_id(),
        )
    )
    if reg is None:  # deleted between validation and here
        raise LaunchRefused(400, "This platform is no longer registered.")
    return reg


def _unique_code(label: str) -> str:
    base = re.sub(r"[^A-Za-z0-9_.-]+", "-", label or "").strip("-")[:30] or "LMS"
    code, n = base, 1
    while db.session.scalar(sa.select(Course.id).where(Course.code == code)):
        n += 1
        code = f"{base}-{n}"
    return code


def context_for(launch: ToolLaunch, reg: LtiRegistration, role: str) -> LtiContext:
    """The course of the launch's context: made (with the launching instructor enrolled)
    on an instructor's first launch; LaunchRefused(403) for anyone else before that."""
    body = launch.get_launch_data()
    claim = body.get(CONTEXT_CLAIM) or {}
    context_id = str(claim.get("id") or "")
    if not context_id:
        raise LaunchRefused(400, "This launch names no course (no context claim).")
    ctx = db.session.scalar(
        sa.select(LtiContext).where(
            LtiContext.issuer == reg.issuer, LtiContext.context_id == context_id
        )
    )
    if ctx is None:
        if role != "instructor":
            raise LaunchRefused(
                403,
                "This course is not set up here yet: your instructor must open the tool "
                "once from the LMS first.",
            )
        title = (claim.get("title") or claim.get("label") or "Course from the LMS")[:200]
        course = Course(code=_unique_code(claim.get("label") or title), title=title)
        db.session.add(course)
        db.session.flush()
        ctx = LtiContext(
            registration_id=reg.id,
            issuer=reg.issuer,
            context_id=context_id,
            course_id=course.id,
            title=title,
        )
        db.session.add(ctx)
    nrps = body.get(NRPS_CLAIM) or {}
    if nrps.get("context_memberships_url"):
        ctx.memberships_url = nrps["context_memberships_url"]
    ags = body.get(AGS_CLAIM) or {}
    if ags.get("lineitems"):
        ctx.lineitems_url = ags["lineitems"]
    if ags.get("scope"):
        ctx.ags_scopes = list(ags["scope"])
    ctx.registration_id = reg.id
    db.session.flush()
    return ctx


def enrol_as(user: User, course_id: int, role: str) -> None:
    """Enrol (or re-role) the user: the platform's roster is the truth for LTI users."""
    e = db.session.scalar(
        sa.select(Enrollment).where(
            Enrollment.user_id == user.id, Enrollment.course_id == course_id
        )
    )
    if e is None:
        db.session.add(Enrollment(user_id=user.id, course_id=course_id, role=role))
    elif e.role != role:
        e.role = role
    db.session.flush()


def assignment_named(launch: ToolLaunch) -> int | None:
    """The assignment id the link names: the custom parameter ``assignment_id``, else
    ``?assignment=`` on the target link URI."""
    body = launch.get_launch_data()
    custom = body.get(CUSTOM_CLAIM) or {}
    raw = custom.get("assignment_id")
    if raw is None:
        query = parse_qs(urlparse(body.get(TARGET_CLAIM) or "").query)
        raw = (query.get("assignment") or [None])[0]
    try:
        return int(raw) if raw is not None else None
    except (TypeError, ValueError):
        raise LaunchRefused(400, "The link names an assignment that is not a number.") from None


@dataclass
class Landing:
    user: User
    course_id: int
    role: str
    assignment_id: int | None


def resource_launch(launch: ToolLaunch) -> Landing:
    """A resource-link launch: the account, course, enrolment and link it means
    (committed), and where the user lands."""
    body = launch.get_launch_data()
    reg = registration_of(launch)
    role = role_from(body.get(ROLES_CLAIM) or [])
    if role is None:
        raise LaunchRefused(
            403,
            "Your role in the LMS course (none of Instructor, Teaching "
            "assistant, Learner) has no access here.",
        )
    sub = str(body.get("sub") or "")
    if not sub:
        raise LaunchRefused(
            400, "This launch names no user (no sub); anonymous launches are not supported."
        )
    try:
        ctx = context_for(launch, reg, role)
        user, _created = account_for(reg, sub, body.get("name"), body.get("email"))
        enrol_as(user, ctx.course_id, role)
        link_claim = body.get(RESOURCE_LINK_CLAIM) or {}
        link_id = str(link_claim.get("id") or "")
        link = None
        if link_id:
            link = db.session.scalar(
                sa.select(LtiResourceLink).where(
                    LtiResourceLink.lti_context_id == ctx.id,
                    LtiResourceLink.resource_link_id == link_id,
                )
            )
        assignment_id = assignment_named(launch)
        if assignment_id is None and link is not None:
            assignment_id = link.assignment_id
        if assignment_id is not None:
            a = db.session.get(Assignment, assignment_id)
            if a is None or a.course_id != ctx.course_id:
                raise LaunchRefused(404, "The link names an assignment this course does not have.")
            lineitem = (body.get(AGS_CLAIM) or {}).get("lineitem")
            if link_id and link is None:
                link = LtiResourceLink(
                    lti_context_id=ctx.id, resource_link_id=link_id, assignment_id=a.id
                )
                db.session.add(link)
            if link is not None:
                link.assignment_id = a.id
                if lineitem:
                    link.lineitem_url = lineitem
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()
        raise LaunchRefused(
            409, "Another launch was being set up at the same moment; open the link again."
        ) from None
    if assignment_id is not None and link is not None and role == "student":
        from . import lti_scores

        lti_scores.score_changed(user.id, assignment_id)  # the line item learns of them
    return Landing(user, ctx.course_id, role, assignment_id)


def deep_link_context(launch: ToolLaunch) -> tuple[LtiContext, User]:
    """A deep-linking request: staff only; the course (made on an instructor's first
    request) and the account, committed."""
    body = launch.get_launch_data()
    reg = registration_of(launch)
    role = role_from(body.get(ROLES_CLAIM) or [])
    if role not in STAFF_ROLES:
        raise LaunchRefused(403, "Only the course's instructors can place assignments in the LMS.")
    ctx = context_for(launch, reg, role)
    user, _ = account_for(reg, str(body.get("sub") or ""), body.get("name"), body.get("email"))
    enrol_as(user, ctx.course_id, role)
    db.session.commit()
    return ctx, user


def deep_link_response(
    launch: ToolLaunch, assignment: Assignment, launch_url: str
) -> tuple[str, str]:
    """The signed LtiDeepLinkingResponse placing ``assignment`` (an ltiResourceLink whose
    line item's maximum is the assignment's points) and the platform URL to post it to."""
    from pylti1p3.deep_link_resource import DeepLinkResource
    from pylti1p3.lineitem import LineItem

    from .gradebook import possible

    points = possible(assignment)
    resource = (
        DeepLinkResource()
        .set_url(launch_url)
        .set_title(assignment.title)
        .set_custom_params({"assignment_id": str(assignment.id)})
        .set_lineitem(
            LineItem()
            .set_score_maximum(points)
            .set_label(assignment.title)
            .set_resource_id(f"assignment-{assignment.id}")
        )
    )
    deep_link = launch.get_deep_link()
    settings = launch.get_launch_data()[
        "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
    ]
    return deep_link.get_response_jwt([resource]), settings["deep_link_return_url"]
