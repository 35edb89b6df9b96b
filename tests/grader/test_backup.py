"""``flask --app grader backup PATH``: a whole copy of the database taken while the app
runs (SQLite's online backup, or pg_dump on PostgreSQL); refusals leave nothing behind."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess

import pytest

from grader.extensions import db


def _courses_in_sqlite(path: str) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [r[0] for r in conn.execute("SELECT code FROM course ORDER BY code")]


def test_backup_copies_every_committed_row_while_a_writer_holds_a_transaction(
    runner, make_course, tmp_path
):
    make_course("NN-B1")
    make_course("NN-B2")
    target = tmp_path / "copy.sqlite"
    if db.engine.dialect.name != "sqlite":
        result = runner.invoke(args=["backup", str(target)])
        assert result.exit_code == 0, result.output
        assert target.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
        listing = subprocess.run(
            [shutil.which("pg_restore"), "--list", str(target)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert "TABLE DATA public course" in listing
        assert "TABLE DATA public submission" in listing
        assert "Backed up" in result.output and "pg_dump (custom format)" in result.output
        return
    # Another process of the app is in the middle of a write: its row is not committed.
    writer = sqlite3.connect(db.engine.url.database, timeout=5)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute(
        "INSERT INTO course (code, title, created_at) VALUES ('NN-B3', 'x', '2026-11-29')"
    )
    try:
        result = runner.invoke(args=["backup", str(target)])
    finally:
        writer.rollback()
        writer.close()
    assert result.exit_code == 0, result.output
    assert _courses_in_sqlite(str(target)) == ["NN-B1", "NN-B2"]
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        tables = {r[0] for r in copy.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"user", "course", "submission", "variant", "alembic_version"} <= tables
    assert f"Backed up {len(tables)} tables to {target}" in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["copy.sqlite"], "no partial file is left"


def test_backup_refuses_an_existing_file_unless_told_and_a_missing_folder(
    runner, make_course, tmp_path
):
    make_course("NN-B1")
    existing = tmp_path / "old.bak"
    existing.write_text("yesterday's backup")
    result = runner.invoke(args=["backup", str(existing)])
    assert result.exit_code == 1
    assert "exists already: choose another name or pass --overwrite" in result.output
    assert existing.read_text() == "yesterday's backup"

    result = runner.invoke(args=["backup", str(tmp_path / "nowhere" / "x.bak")])
    assert result.exit_code == 1 and "does not exist" in result.output

    result = runner.invoke(args=["backup", "--overwrite", str(existing)])
    assert result.exit_code == 0, result.output
    assert existing.stat().st_size > 1000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.bak"]


@pytest.mark.parametrize("name", ["DB_POOL_SIZE", "LOGIN_MAX_FAILURES"])
def test_a_malformed_number_in_the_environment_is_refused_by_name(monkeypatch, name):
    from grader.config import from_environment

    monkeypatch.setenv(name, "ten")
    with pytest.raises(RuntimeError, match=f"{name} must be a whole number"):
        from_environment("/tmp")
    monkeypatch.setenv(name, "0")
    with pytest.raises(RuntimeError, match=f"{name} must be at least 1"):
        from_environment("/tmp")


def test_pool_settings_come_from_the_environment(monkeypatch):
    from grader.config import from_environment

    monkeypatch.setenv("DB_POOL_SIZE", "3")
    monkeypatch.setenv("DB_MAX_OVERFLOW", "0")
    options = from_environment("/tmp")["SQLALCHEMY_ENGINE_OPTIONS"]
    assert (options["pool_size"], options["max_overflow"]) == (3, 0)
