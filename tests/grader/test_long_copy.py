"""The long CSV made by PostgreSQL's COPY (exports.long_text_copy, what the export job runs
on PostgreSQL) is byte for byte the file the Python path makes (exports.long_text and the
API's export_lines), on data chosen to trip it: formula-looking and quoted names, a line
break, a tab, commas, a float tie for rounding, raw answers whose numbers and key order
jsonb writes differently from Python, tags, and an override row.

The comparison runs on PostgreSQL only (TEST_DATABASE_URL); the turning of COPY's text
rows into CSV lines is checked by hand everywhere."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from grader.extensions import db
from grader.models import ScoreOverride
from grader.services import exports, jobs
from grader.services.submissions import submit

WORKED = {
    "fixed": {"W": [[1, -1], [0, 2], [3, 1]], "x": [1, 2], "b": [0, 1, -1], "activation": "relu"}
}
RIGHT = {"z": [-1, 5, 4], "y": [0, 5, 4]}


def test_copy_rows_become_the_python_csv_lines():
    """One COPY text row: the nine cells the server wrote, then jsonb's text of the raw
    answer (a tab escaped as \\t by COPY, then as \\t by JSON: backslash doubled) and of the
    tags. Python sorts the keys (b before y), quotes the JSON cell, neutralises "-neg"."""
    head = "Ann,ann@example.edu,,HW,1. P,1,2026-11-29T12:00:00Z,1.0000,10.00,"
    raw = '{"y": [0, 5, 4.01], "b": "x\\\\ty"}'
    line = f'{head}\t{raw}\t["-neg", "x"]\n'
    assert exports._copy_lines(line) == (
        head + '"{""b"": ""x\\ty"", ""y"": [0, 5, 4.01]}",\'-neg;x\r\n'
    )
    # a row with no tags ends in an empty cell; 4.10 and 1e-05 are written as Python does
    line = f'{head}\t{{"a": 4.10, "bb": 0.00001}}\t\n'
    assert exports._copy_lines(line) == head + '"{""a"": 4.1, ""bb"": 1e-05}",\r\n'
    # a line break inside a name (COPY writes \n) comes back inside its quoted cell
    assert exports._copy_lines('"Line\\nBreak",x\t{}\t\n') == '"Line\nBreak",x{},\r\n'


@pytest.fixture
def tricky(make_user, make_course, enrol, make_assignment):
    teacher = make_user(email="t@example.edu", name="Tess Teacher")
    course = make_course("NN-C", instructor=teacher)
    enrol(make_user(email="ta@example.edu", name="=TA not exported"), course, "ta")
    a = make_assignment(
        course, [("dense_forward", WORKED, 10), ("dense_forward", WORKED, 0.25)], title="+Bonus"
    )
    a.title = '+Bonus, "hard"'
    a.problems[1].template.title = "Dense\tlayer"
    db.session.commit()
    people = [
        ("=Ben Formula", "ben@example.edu", ""),
        ('Comma, "Quoted"', "@cq@example.edu", "A,1"),
        ("Line\nBreak", "lb@example.edu", "-3"),
        ("Ünïcødé back\\slash", "u@example.edu", "B"),
        ("\tTab", "tab@example.edu", "B"),
    ]
    students = []
    for name, email, section in people:
        s = make_user(email=email, name=name)
        enrol(s, course, section=section)
        students.append(s)
        for ap in a.problems:
            submit(ap, s, RIGHT)
    return {"course": course, "a": a, "students": students}


def _doctor(course, a, students) -> None:
    """Rows the Python path and COPY could write differently (PostgreSQL: jsonb text)."""
    p1, p2 = a.problems
    ben = students[0]
    sub = sa.text(
        "UPDATE submission SET raw = CAST(:raw AS jsonb), misconceptions = CAST(:tags AS jsonb),"
        " score = :score, created_at = :at WHERE id = (SELECT s.id FROM submission s"
        " JOIN variant v ON v.id = s.variant_id WHERE v.user_id = :u"
        " AND v.assignment_problem_id = :ap)"
    )
    at = datetime(2026, 11, 29, 12, 0, 0, 999999)
    rows = [
        # keys of several lengths (jsonb: by length), 4.10 and 1e-05 as jsonb keeps them,
        # a nested object, escapes; points 0.25 × 0.5 = 0.125: "0.12" (a tie, to even)
        (
            students[0],
            p2,
            '{"zz": 4.10, "a": 1e-05, "bbb": {"y": 1, "x": "q\\"t"}, "c": [5.0, -0.0, 1e16],'
            ' "d": "tab\\there\\nnew line, \\\\ back"}',
            '["-neg", "a,b", "plain"]',
            0.5,
        ),
        (students[1], p1, '{"y": "=1+1", "z": ""}', "[]", 0.00005),  # 0.0001, 0.00 points
        (students[2], p1, "{}", '["x"]', 2 / 3),  # 0.6667 and 6.67 points
        (students[3], p2, '{"é": "ü", "e": "€"}', "[]", 1.0),
    ]
    for user, ap, raw, tags, score in rows:
        n = db.session.execute(
            sub, {"raw": raw, "tags": tags, "score": score, "at": at, "u": user.id, "ap": ap.id}
        ).rowcount
        assert n == 1
    db.session.add(
        ScoreOverride(
            assignment_problem_id=p1.id,
            user_id=ben.id,
            score=0.8,
            reason="=by hand",
            changed_at=datetime(2026, 11, 30, 9, 0, tzinfo=UTC),
        )
    )
    db.session.commit()
    db.session.expire_all()


def test_copy_and_python_make_the_same_file_byte_for_byte(tricky):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("COPY is PostgreSQL's; run with TEST_DATABASE_URL")
    course, a, students = tricky["course"], tricky["a"], tricky["students"]
    _doctor(course, a, students)
    python = "".join(exports.long_text(course))
    db.session.rollback()
    api = "".join(exports.export_lines(course, "long"))
    db.session.rollback()
    done = []
    copied = "".join(exports.long_text_copy(course, progress=done.append, block=3))
    assert copied == python == api
    # 5 students × 2 problems, one override; the TA is not a student
    assert len(list(csv.reader(io.StringIO(copied)))) == 1 + 10 + 1
    assert done == [3, 3, 3, 1, 1]  # 10 submissions in blocks of 3, then the override
    assert "=TA" not in copied
    lines = copied.split("\r\n")
    ben_p2 = next(line for line in lines if line.startswith("'=Ben Formula") and "Dense" in line)
    assert ",2. Dense\tlayer,1,2026-11-29T12:00:00Z,0.5000,0.12," in ben_p2
    assert (
        '"{""a"": 1e-05, ""bbb"": {""x"": ""q\\""t"", ""y"": 1}, ""c"": [5.0, 0.0, 10000000000000000],'
        ' ""d"": ""tab\\there\\nnew line, \\\\ back"", ""zz"": 4.1}"'
    ) in ben_p2
    assert ben_p2.endswith(',"\'-neg;a,b;plain"')
    assert '\'@cq@example.edu,"A,1"' in copied and ",1,2026-11-29T12:00:00Z,0.0001,0.00," in copied
    assert ",0.6667,6.67," in copied and '"Line\nBreak",lb@example.edu,\'-3,' in copied
    assert lines[-2].endswith(",override,2026-11-30T09:00:00Z,0.8000,8.00,override: =by hand,")


def test_the_job_uses_copy_on_postgresql(tricky, monkeypatch):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("COPY is PostgreSQL's; run with TEST_DATABASE_URL")
    course = tricky["course"]
    expected = "".join(exports.long_text(course))
    db.session.rollback()
    monkeypatch.setattr(exports, "long_text", None)  # the job must not take the Python path
    job, _ = jobs.start("export_long", course, None)
    assert jobs.run_pending() == 1
    db.session.expire_all()
    job = db.session.get(type(job), job.id)
    assert job.status == "done" and job.result["rows"] == 10
    assert "".join(jobs.file_text(job)) == expected


def test_a_copy_stopped_early_leaves_the_connection_usable(tricky):
    """A job that fails half-way closes the generator: the COPY is cancelled, and the same
    connection answers the next query (psycopg would otherwise say "another command is
    already in progress")."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("COPY is PostgreSQL's; run with TEST_DATABASE_URL")
    pieces = exports.long_text_copy(tricky["course"], block=2)
    assert next(pieces).startswith("Student,Email,")  # the header
    assert next(pieces).count("\r\n") == 2  # the first block of two rows
    pieces.close()
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ScoreOverride)) == 0
