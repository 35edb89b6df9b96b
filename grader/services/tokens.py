"""API bearer tokens: random, shown once, stored as their SHA-256 hash, expiring and
revocable."""

from __future__ import annotations

import functools
import hashlib
import secrets
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


@functools.cache
def _token_query() -> sa.Select:
    """The token with its user, in one query: built once (``token_from`` runs before every
    API request)."""
    return (
        sa.select(ApiToken)
        .options(sa.orm.joinedload(ApiToken.user, innerjoin=True))
        .where(ApiToken.token_hash == sa.bindparam("token_hash", type_=sa.String))
    )


def token_from(raw: str) -> ApiToken | None:
    """The live (unexpired, unrevoked) token for ``raw``, with its user loaded, or None."""
    if not raw or len(raw) > 200:
        return None
    token = db.session.scalar(_token_query(), {"token_hash": _hash(raw)})
    if token is None or token.revoked_at is not None or token.expires_at <= utcnow():
        return None
    return token


def revoke(token: ApiToken) -> None:
    token.revoked_at = utcnow()
    db.session.commit()
