"""Accounts: creating users, checking passwords with failed logins throttled in the
database (so the limits hold across workers), changing passwords, ending sessions."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
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


def _throttle_key(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _locked_for(keys: list[str], now: datetime) -> int | None:
    """Seconds until the last of ``keys``' locks ends, or None if none is locked."""
    until = db.session.scalar(
        sa.select(sa.func.max(LoginThrottle.locked_until)).where(
            LoginThrottle.key.in_(keys), LoginThrottle.locked_until > now
        )
    )
    return None if until is None else max(1, int((until - now).total_seconds() + 0.999))


def _count_failure(key: str, limit: int, now: datetime, lock: timedelta) -> bool:
    """Count one failure for ``key`` (a new window when the last one is over); True when
    this failure reaches ``limit`` and locks the key. One UPDATE per step, so concurrent
    workers add up rather than overwrite each other."""
    cutoff = now - lock
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(
        insert(LoginThrottle)
        .values(key=key, failures=0, window_started_at=now)
        .on_conflict_do_nothing()
    )
    stale = LoginThrottle.window_started_at < cutoff
    failures = db.session.scalar(
        sa.update(LoginThrottle)
        .where(LoginThrottle.key == key)
        .values(
            failures=sa.case((stale, 1), else_=LoginThrottle.failures + 1),
            window_started_at=sa.case(
                (stale, sa.literal(now, UTCDateTime)), else_=LoginThrottle.window_started_at
            ),
        )
        .returning(LoginThrottle.failures)
    )
    if failures is not None and failures >= limit:
        db.session.execute(
            sa.update(LoginThrottle)
            .where(LoginThrottle.key == key)
            .values(failures=0, window_started_at=now, locked_until=now + lock)
        )
        return True
    return False


def authenticate(
    email: str, password: str, client: str | None = None
) -> tuple[User | None, LoginRefused | None]:
    """(user, None) when the password is right; (None, LoginRefused) otherwise.

    Failures are counted per (email, client address) and per client address, in the
    database (every worker sees them): ``LOGIN_MAX_FAILURES`` for one email from one
    address locks that pair, ``LOGIN_MAX_FAILURES_PER_ADDRESS`` across any emails locks
    the address, each for ``LOGIN_LOCKOUT_MINUTES``. A lock never stops the same person
    from another address, so nobody can lock a student out by guessing at their email.
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
    pair = _throttle_key("pair", email, client)
    address = _throttle_key("address", client)
    now = utcnow()
    wait = _locked_for([pair, address], now)
    if wait is not None:
        return None, _too_many(wait)
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is not None and user.password_hash is not None:
        right = check_password_hash(user.password_hash, password or "")
    else:
        check_password_hash(_dummy_hash(), password or "")
        right = False
    if right:
        db.session.execute(sa.delete(LoginThrottle).where(LoginThrottle.key == pair))
        db.session.commit()
        return user, None
    pair_locked = _count_failure(pair, config["LOGIN_MAX_FAILURES"], now, lock)
    address_locked = _count_failure(address, config["LOGIN_MAX_FAILURES_PER_ADDRESS"], now, lock)
    # Windows over and locks ended: forget them, so the table stays small.
    db.session.execute(
        sa.delete(LoginThrottle).where(
            LoginThrottle.window_started_at < now - lock,
            sa.or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < now),
        )
    )
    db.session.commit()
    if pair_locked or address_locked:
        return None, _too_many(int(lock.total_seconds()))
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
