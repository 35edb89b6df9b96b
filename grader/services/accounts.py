"""Accounts: creating users, checking passwords with a lockout kept in the database (so it
holds across workers), changing passwords."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import User, utcnow

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
    email = normalise_email(email)
    name = (name or "").strip()
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


def authenticate(email: str, password: str) -> tuple[User | None, str | None]:
    """(user, None) when the password is right; (None, message) otherwise.

    After ``LOGIN_MAX_FAILURES`` wrong passwords in a row the account is locked for
    ``LOGIN_LOCKOUT_MINUTES``; the counter is updated in the database in one statement.
    """
    generic = "Wrong email or password."
    try:
        email = normalise_email(email)
    except AccountError:
        return None, generic
    user = db.session.scalar(sa.select(User).where(User.email == email))
    now = utcnow()
    if user is None or user.password_hash is None:
        method = current_app.config["PASSWORD_HASH_METHOD"]
        if method not in _DUMMY_HASH:
            _DUMMY_HASH[method] = generate_password_hash("x", method=method)
        check_password_hash(_DUMMY_HASH[method], password or "")
        return None, generic
    if user.locked_until is not None and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        return None, f"Too many failed logins: this account is locked for {minutes} more minute(s)."
    if not check_password_hash(user.password_hash, password or ""):
        limit = current_app.config["LOGIN_MAX_FAILURES"]
        lock = timedelta(minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"])
        db.session.execute(
            sa.update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 1)
        )
        failures = db.session.scalar(sa.select(User.failed_logins).where(User.id == user.id))
        if failures >= limit:
            db.session.execute(
                sa.update(User)
                .where(User.id == user.id)
                .values(locked_until=now + lock, failed_logins=0)
            )
            db.session.commit()
            return None, (
                f"Too many failed logins: this account is locked for "
                f"{current_app.config['LOGIN_LOCKOUT_MINUTES']} minutes."
            )
        db.session.commit()
        return None, generic
    if user.failed_logins or user.locked_until:
        user.failed_logins = 0
        user.locked_until = None
        db.session.commit()
    return user, None


def change_password(user: User, current: str, new: str) -> None:
    """Set a new password after checking the current one; AccountError otherwise."""
    if not user.password_hash or not check_password_hash(user.password_hash, current or ""):
        raise AccountError("the current password is not right")
    check_new_password(new)
    user.password_hash = hash_password(new)
    db.session.commit()
