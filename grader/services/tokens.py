"""API bearer tokens: random, shown once, stored as their SHA-256 hash, expiring and
revocable."""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from ..extensions import db
from ..models import ApiToken, User, utcnow

TOKEN_DAYS = 30


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(user: User, days: int = TOKEN_DAYS) -> tuple[str, ApiToken]:
    """A new token for ``user``: (the raw token to hand out once, its stored record)."""
    raw = "nng_" + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id, token_hash=_hash(raw), expires_at=utcnow() + timedelta(days=days)
    )
    db.session.add(token)
    db.session.commit()
    return raw, token


@dataclass(frozen=True)
class Bearer:
    """Who a live token speaks for: the user (loaded) and the token's id."""

    user: User
    token_id: int


@functools.cache
def _token_query() -> sa.Select:
    """The token's user and the token's own columns, in one query: built once
    (``token_from`` runs before every API request) and loading one entity, not two."""
    return (
        sa.select(User, ApiToken.id, ApiToken.revoked_at, ApiToken.expires_at)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == sa.bindparam("token_hash", type_=sa.String))
    )


def token_from(raw: str) -> Bearer | None:
    """The user of the live (unexpired, unrevoked) token ``raw``, or None."""
    if not raw or len(raw) > 200:
        return None
    row = db.session.execute(_token_query(), {"token_hash": _hash(raw)}).first()
    if row is None:
        return None
    user, token_id, revoked_at, expires_at = row
    if revoked_at is not None or expires_at <= utcnow():
        return None
    return Bearer(user, token_id)


def revoke(token_id: int) -> None:
    db.session.execute(
        sa.update(ApiToken).where(ApiToken.id == token_id).values(revoked_at=utcnow())
    )
    db.session.commit()
