"""A copy of the whole database, taken while the app serves.

SQLite (the embedded default): SQLite's online backup API copies the file page by page
under its own locks, so writers in other processes are never stopped for long and the copy
is one consistent snapshot (a plain ``cp`` of a WAL database can miss committed pages).
The copy is written next to the target and renamed into place only once it passes
``PRAGMA integrity_check``, so a failed backup never leaves a half-written file at PATH.

PostgreSQL: ``pg_dump --format=custom`` (one consistent snapshot of a running database,
restored with ``pg_restore``). It must be on the PATH, of the server's major version or
newer."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass

import sqlalchemy as sa


class BackupError(Exception):
    """The backup could not be made; nothing was left at the target path."""


@dataclass
class BackupResult:
    path: str
    size: int  # bytes
    method: str  # "sqlite online backup" or "pg_dump (custom format)"
    tables: int  # tables in the copy (SQLite: counted in the copy; PostgreSQL: in the source)


def backup(engine: sa.engine.Engine, path: str, overwrite: bool = False) -> BackupResult:
    """Copy the database behind ``engine`` to ``path``. Refuses an existing file unless
    ``overwrite``; raises BackupError with a sentence a person can act on."""
    path = os.path.abspath(path)
    folder = os.path.dirname(path)
    if os.path.isdir(path):
        raise BackupError(f"{path} is a folder: give the backup file's path.")
    if not os.path.isdir(folder):
        raise BackupError(f"The folder {folder} does not exist.")
    if os.path.exists(path) and not overwrite:
        raise BackupError(f"{path} exists already: choose another name or pass --overwrite.")
    name = engine.dialect.name
    if name == "sqlite":
        return _sqlite(engine, path)
    if name == "postgresql":
        return _postgresql(engine, path)
    raise BackupError(f"No backup method for a {name} database.")


def _sqlite(engine: sa.engine.Engine, path: str) -> BackupResult:
    source_file = engine.url.database
    if not source_file or source_file == ":memory:":
        raise BackupError("The database is in memory: there is no file to back up.")
    if os.path.abspath(source_file) == path:
        raise BackupError("The backup must not overwrite the database itself.")
    fd, partial = tempfile.mkstemp(prefix=".backup-", suffix=".partial", dir=os.path.dirname(path))
    os.close(fd)
    try:
        source = sqlite3.connect(f"file:{source_file}?mode=ro", uri=True, timeout=30)
        target = sqlite3.connect(partial)
        try:
            # Pages in steps, sleeping between them, so writers get the lock in between.
            source.backup(target, pages=256, sleep=0.005)
            # The copy is an ordinary file, not a WAL database: it opens on its own.
            target.execute("PRAGMA journal_mode=DELETE")
            check = target.execute("PRAGMA integrity_check").fetchone()[0]
            tables = target.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
            ).fetchone()[0]
        finally:
            target.close()
            source.close()
        if check != "ok":
            raise BackupError(f"The copy failed SQLite's integrity check: {check}")
        os.replace(partial, path)
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite could not copy the database: {exc}") from None
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    return BackupResult(path, os.path.getsize(path), "sqlite online backup", tables)


def _postgresql(engine: sa.engine.Engine, path: str) -> BackupResult:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError(
            "pg_dump is not on the PATH: install PostgreSQL's client programs "
            "(Debian: apt-get install postgresql-client) of the server's version or newer."
        )
    url = engine.url.set(drivername="postgresql")  # libpq's URL, without "+psycopg"
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password  # not on the command line, where `ps` shows it
        url = url.set(password=None)
    fd, partial = tempfile.mkstemp(prefix=".backup-", suffix=".partial", dir=os.path.dirname(path))
    os.close(fd)
    try:
        done = subprocess.run(
            [
                pg_dump,
                "--format=custom",
                "--no-owner",
                f"--file={partial}",
                url.render_as_string(hide_password=False),
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise BackupError(f"pg_dump failed: {done.stderr.strip() or done.returncode}")
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    with engine.connect() as conn:
        tables = conn.scalar(
            sa.text("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()")
        )
    return BackupResult(path, os.path.getsize(path), "pg_dump (custom format)", int(tables))
