"""Configuration from the environment. Defaults suit development: an SQLite file in
``instance/``. Production sets ``DATABASE_URL`` and ``SECRET_KEY``."""

from __future__ import annotations

import os
from datetime import timedelta

DEV_SECRET_KEY = "dev-only-not-secret"


def database_url(instance_path: str) -> str:
    """``DATABASE_URL`` (a bare ``postgresql://`` is given the psycopg 3 driver), or the
    embedded SQLite file in the instance folder."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + os.path.join(instance_path, "grader.sqlite")
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def engine_options(env) -> dict:
    """The connection pool of each process. Every gunicorn worker (and every job worker)
    holds up to ``DB_POOL_SIZE + DB_MAX_OVERFLOW`` connections: keep the sum over all
    processes of all machines below PostgreSQL's ``max_connections`` (docs/deploy.md).
    A request that waits ``DB_POOL_TIMEOUT`` seconds for a connection is answered 503."""
    return {
        "pool_pre_ping": True,
        "pool_size": _int(env, "DB_POOL_SIZE", 2, 1),
        "max_overflow": _int(env, "DB_MAX_OVERFLOW", 2, 0),
        "pool_timeout": _int(env, "DB_POOL_TIMEOUT", 10, 1),
        "pool_recycle": 3600,
    }


def _int(env, name: str, default: int, least: int) -> int:
    """An integer setting, refused at start-up with its name when it is not one."""
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise RuntimeError(f"{name} must be a whole number (got {raw!r})") from None
    if value < least:
        raise RuntimeError(f"{name} must be at least {least} (got {value})")
    return value


def jobs_url(instance_path: str) -> str:
    """``JOBS_URL``, or the embedded queue: a SQLite file in the instance folder."""
    return os.environ.get("JOBS_URL") or "sqlite:///" + os.path.join(instance_path, "jobs.sqlite")


def from_environment(instance_path: str) -> dict:
    """The app's settings, read from the environment now (not at import time)."""
    env = os.environ
    secure = env.get("SESSION_COOKIE_SECURE", "") in ("1", "true", "yes")
    return {
        "SECRET_KEY": env.get("SECRET_KEY", DEV_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": database_url(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(env),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        # The remember-me cookie logs in as well as the session: the same flags, 14 days.
        "REMEMBER_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": timedelta(days=14),
        "PERMANENT_SESSION_LIFETIME": 60 * 60 * 12,
        "WTF_CSRF_TIME_LIMIT": None,  # tied to the session instead; a long homework page stays valid
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        # Failed logins: per (email, client address), and per address across emails; a
        # browser or client with a device cookie for the account: per device only.
        "LOGIN_MAX_FAILURES": _int(env, "LOGIN_MAX_FAILURES", 5, 1),
        "LOGIN_MAX_FAILURES_PER_ADDRESS": _int(env, "LOGIN_MAX_FAILURES_PER_ADDRESS", 50, 1),
        "LOGIN_LOCKOUT_MINUTES": _int(env, "LOGIN_LOCKOUT_MINUTES", 15, 1),
        # How many proxies in front of the app set X-Forwarded-For/-Proto (0: none trusted).
        # Behind a load balancer set it, or every client has the balancer's address and
        # login throttling per address would apply to everyone at once.
        "TRUSTED_PROXIES": _int(env, "TRUSTED_PROXIES", 0, 0),
        "PASSWORD_HASH_METHOD": "scrypt",
        "ROSTER_MAX_ROWS": 20000,
        # Background jobs (grader/services/jobs.py): huey's queue, by default a SQLite file
        # next to the database (no server); redis://host:6379/N for workers on other machines.
        "JOBS_URL": jobs_url(instance_path),
        # A running job that has not reported for this long has lost its worker: failed.
        "JOBS_STALE_SECONDS": _int(env, "JOBS_STALE_SECONDS", 600, 1),
        # A job's output file (the long CSV) is deleted this many days after the job ended.
        "EXPORT_RETENTION_DAYS": _int(env, "EXPORT_RETENTION_DAYS", 7, 1),
        # The API streams the long CSV in the request up to this many rows; a bigger class
        # is answered 409 and pointed to the export job (POST …/exports/long).
        "LONG_CSV_STREAM_MAX_ROWS": _int(env, "LONG_CSV_STREAM_MAX_ROWS", 50000, 0),
        # The queue's name (Redis keys are prefixed with it): one per app sharing a Redis.
        "JOBS_NAME": env.get("JOBS_NAME", "grader"),
        # LMS pages allowed to show the app in an iframe (LTI launches), space-separated
        # origins; none: the app is never framed. Set, it also makes the session cookie
        # SameSite=None; Secure (HTTPS only), which a cross-site iframe needs (README, LMS).
        "LTI_FRAME_ANCESTORS": env.get("LTI_FRAME_ANCESTORS", "").split(),
    }
