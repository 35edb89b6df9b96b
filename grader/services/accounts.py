"""Accounts: creating users, checking passwords with login attempts throttled in the
database (so the limits hold across workers) and device cookies for trusted browsers,
changing passwords, ending sessions."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Response, current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import LoginThrottle, User, UTCDateTime, utcnow
from .inputs import bad_text

EMAIL_RE = re.compile(r"^[^@\s,;<>\"]+@[^@\s,;<>\"]+\.[^@\s,;<>\"]+$")
MIN_PASSWORD = 8
# Checked against when the email is unknown, so both answers take the same time.
_DUMMY_HASH: dict[str, str] = {}


class AccountError(ValueError):
    """Input that cannot make or change an account; the message is for the user."""


def normalise_email(email: str) -> str:
    """The email trimmed and lower-cased; AccountError if it does not look like one."""
    email = (email or "").strip().lower()
    if len(email) > 254 or not EMAIL_RE.match(email):
        raise AccountError(f"{email!r} is not an email address")
    return email


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def check_new_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"a password needs at least {MIN_PASSWORD} characters")


def new_user(email: str, name: str, password: str | None = None, is_admin: bool = False) -> User:
    """A User added to the session (not committed); AccountError for bad input or a taken
    email. With no password the account cannot log in until one is set."""
    name = (name or "").strip()
    for text, what in ((email or "", "the email"), (name, "the name")):
        # the web checks every field before any view; the CLI and services reach here direct
        problem = bad_text(text, what)
        if problem:
            raise AccountError(problem)
    email = normalise_email(email)
    if not name or len(name) > 200:
        raise AccountError("a name of 1 to 200 characters is needed")
    if db.session.scalar(sa.select(User.id).where(User.email == email)):
        raise AccountError(f"{email} already has an account")
    user = User(email=email, name=name, is_admin=is_admin)
    if password is not None:
        check_new_password(password)
        user.password_hash = hash_password(password)
    db.session.add(user)
    return user


def random_password() -> str:
    """An initial password to hand to a new user: 12 characters, no look-alikes."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))


@dataclass
class LoginRefused:
    """Why a login failed, the same for known and unknown emails: ``status`` 401 (wrong
    email or password) or 429 (too many failures; ``retry_after`` seconds)."""

    message: str
    status: int = 401
    retry_after: int | None = None


WRONG = "Wrong email or password."
# OWASP's device cookie: set after a login, it exempts that account's later logins from
# this browser or client from the per-address limit (see ``authenticate``).
DEVICE_COOKIE = "login_device"
DEVICE_COOKIE_LIFETIME = timedelta(days=365)


def _throttle_key(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _locked_for(keys: list[str], now: datetime) -> int | None:
    """Seconds until the last of ``keys``' locks ends, or None if none is locked."""
    until = db.session.scalar(
        sa.select(sa.func.max(LoginThrottle.locked_until)).where(
            LoginThrottle.key.in_(keys), LoginThrottle.locked_until > now
        )
    )
    return None if until is None else _seconds(until - now)


def _seconds(span: timedelta) -> int:
    return max(1, int(span.total_seconds() + 0.999))


def _count_attempt(key: str, now: datetime, window: timedelta) -> tuple[int, datetime | None]:
    """Count one attempt for ``key`` in ONE statement (an upsert that returns the new
    count, a new window when the last one is over) and return (count, locked_until).
    Counting before the password is checked, in one statement, is what stops concurrent
    requests from outrunning the limit: each gets its own number, so only the first
    ``limit`` of them reach the check (on PostgreSQL the upsert locks the row until
    commit; SQLite writes one at a time)."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stale = LoginThrottle.window_started_at < now - window
    statement = insert(LoginThrottle).values(key=key, failures=1, window_started_at=now)
    statement = statement.on_conflict_do_update(
        index_elements=[LoginThrottle.key],
        set_={
            "failures": sa.case((stale, 1), else_=LoginThrottle.failures + 1),
            "window_started_at": sa.case(
                (stale, sa.literal(now, UTCDateTime)), else_=LoginThrottle.window_started_at
            ),
        },
    ).returning(LoginThrottle.failures, LoginThrottle.locked_until)
    count, locked_until = db.session.execute(statement).one()
    return count, locked_until


def _lock(key: str, now: datetime, lock: timedelta) -> None:
    db.session.execute(
        sa.update(LoginThrottle)
        .where(LoginThrottle.key == key)
        .values(failures=0, window_started_at=now, locked_until=now + lock)
    )


def device_cookie(user: User) -> str:
    """A new signed device cookie value for ``user`` (OWASP's "device cookie"): the user
    id and a random nonce, signed with SECRET_KEY. It grants nothing by itself; it only
    lets later logins to this account from this browser or client skip the address limit
    (see ``authenticate``). A new nonce on every login."""
    return _device_signer().dumps([user.id, secrets.token_urlsafe(16)])


def set_device_cookie(response: Response, user: User) -> None:
    """Give the client of a successful login a new device cookie (``DEVICE_COOKIE``):
    long-lived, HttpOnly, SameSite=Lax, Secure when the session cookie is."""
    config = current_app.config
    response.set_cookie(
        DEVICE_COOKIE,
        device_cookie(user),
        max_age=int(DEVICE_COOKIE_LIFETIME.total_seconds()),
        httponly=True,
        secure=config["SESSION_COOKIE_SECURE"],
        samesite="Lax",
    )


def _device_signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="login-device")


def _trusted_device(cookie: str | None, user: User | None) -> str | None:
    """The device's nonce when ``cookie`` is a valid device cookie for ``user``, else None."""
    if not cookie or user is None or len(cookie) > 200:
        return None
    try:
        user_id, nonce = _device_signer().loads(cookie)
    except (BadSignature, TypeError, ValueError):
        return None
    if user_id != user.id or not isinstance(nonce, str):
        return None
    return nonce


def authenticate(
    email: str, password: str, client: str | None = None, device: str | None = None
) -> tuple[User | None, LoginRefused | None]:
    """(user, None) when the password is right; (None, LoginRefused) otherwise.

    Every attempt is counted in the database (every worker sees it) BEFORE the password
    is checked, in one statement per counter, so concurrent requests cannot outrun a limit.

    An attempt with a valid device cookie for this email (``device``, made by
    ``device_cookie`` after an earlier login) is a trusted device: only its own counter
    applies, ``LOGIN_MAX_FAILURES`` in ``LOGIN_LOCKOUT_MINUTES``. Any other attempt
    (no cookie, a cookie for another account, or a device locked out) is counted per
    (email, client address), ``LOGIN_MAX_FAILURES``, and per client address,
    ``LOGIN_MAX_FAILURES_PER_ADDRESS`` across any emails; reaching either locks that key
    for ``LOGIN_LOCKOUT_MINUTES``. So a lock never stops a student at another address,
    and one person guessing from a shared address (a campus NAT) blocks untrusted
    attempts there but not classmates who logged in from their browser before.
    A right password resets the key's count (the address count loses this attempt).

    Unknown and known emails get the same answers, status and work (a dummy hash is
    checked), so the answers do not tell which accounts exist.
    """
    config = current_app.config
    lock = timedelta(minutes=config["LOGIN_LOCKOUT_MINUTES"])
    client = client or "unknown"
    try:
        email = normalise_email(email)
    except AccountError:
        email = (email or "").strip().lower()[:254]
    now = utcnow()
    user = db.session.scalar(sa.select(User).where(User.email == email))
    nonce = _trusted_device(device, user)
    limits: dict[str, int] = {}
    if nonce is not None:
        key = _throttle_key("device", nonce)
        if _locked_for([key], now) is None:
            limits[key] = config["LOGIN_MAX_FAILURES"]
    if not limits:  # untrusted, or a trusted device locked out: the address rules
        limits[_throttle_key("pair", email, client)] = config["LOGIN_MAX_FAILURES"]
        limits[_throttle_key("address", client)] = config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
        wait = _locked_for(list(limits), now)
        if wait is not None:
            return None, _too_many(wait)
    counts = {key: _count_attempt(key, now, lock) for key in limits}
    db.session.commit()  # every worker sees the count before any password is checked
    for key, (count, locked_until) in counts.items():
        if locked_until is not None and locked_until > now:  # locked by a concurrent attempt
            return None, _too_many(_seconds(locked_until - now))
        if count > limits[key]:  # concurrent attempts took the last tries
            return None, _too_many(_seconds(lock))
    if user is not None and user.password_hash is not None:
        right = check_password_hash(user.password_hash, password or "")
    else:
        check_password_hash(_dummy_hash(), password or "")
        right = False
    address = _throttle_key("address", client)
    if right:
        for key in limits:
            if key == address:  # a success is not a failure from the address
                db.session.execute(
                    sa.update(LoginThrottle)
                    .where(LoginThrottle.key == key, LoginThrottle.failures > 0)
                    .values(failures=LoginThrottle.failures - 1)
                )
                db.session.execute(
                    sa.delete(LoginThrottle).where(
                        LoginThrottle.key == key,
                        LoginThrottle.failures == 0,
                        LoginThrottle.locked_until.is_(None),
                    )
                )
            else:
                db.session.execute(sa.delete(LoginThrottle).where(LoginThrottle.key == key))
        db.session.commit()
        return user, None
    locked = [key for key, (count, _until) in counts.items() if count == limits[key]]
    for key in locked:
        _lock(key, now, lock)
    # Windows over and locks ended: forget them, so the table stays small.
    db.session.execute(
        sa.delete(LoginThrottle).where(
            LoginThrottle.window_started_at < now - lock,
            sa.or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < now),
        )
    )
    db.session.commit()
    if locked:
        return None, _too_many(_seconds(lock))
    return None, LoginRefused(WRONG)


def _too_many(seconds: int) -> LoginRefused:
    minutes = max(1, -(-seconds // 60))
    return LoginRefused(
        f"Too many failed logins: try again in {minutes} minute{'s' if minutes != 1 else ''}.",
        429,
        seconds,
    )


def _dummy_hash() -> str:
    """A hash to check when the email has no password, so that answer takes as long."""
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY_HASH:
        _DUMMY_HASH[method] = generate_password_hash("x", method=method)
    return _DUMMY_HASH[method]


def end_sessions(user: User) -> None:
    """Log ``user`` out everywhere: every session and remember cookie made so far stops
    working (their id names the old session version)."""
    db.session.execute(
        sa.update(User).where(User.id == user.id).values(session_version=User.session_version + 1)
    )
    db.session.commit()


def change_password(user: User, current: str, new: str) -> None:
    """Set a new password after checking the current one; AccountError otherwise. As with
    every new password (see ``models``), the user's sessions end and API tokens are revoked."""
    if not user.password_hash or not check_password_hash(user.password_hash, current or ""):
        raise AccountError("the current password is not right")
    check_new_password(new)
    user.password_hash = hash_password(new)
    db.session.commit()


def user_for_login_id(login_id: str) -> User | None:
    """The user a session or remember cookie names ("<id>:<session version>", see
    ``User.get_id``), or None when the version is not the current one (logged out since,
    or the password changed) or the id is malformed (cookies made before versions)."""
    user_id, sep, version = login_id.partition(":")
    if not (sep and user_id.isdigit() and version.isdigit()) or len(login_id) > 40:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version):
        return None
    return user
