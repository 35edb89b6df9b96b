"""Grade exports as CSV, streamed row by row (never built whole in memory): ``canvas``
(Canvas's gradebook import), ``wide`` (a row per student) and ``long`` (a row per
submission, then a row per instructor override in force, whose Attempt is "override" and
whose Raw answer gives its reason, so that the long file accounts for every credited score
the other two show). Cells from user text are neutralised against spreadsheet formulas."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator

import sqlalchemy as sa

from ..extensions import db
from ..models import (
    Assignment,
    AssignmentProblem,
    Course,
    Enrollment,
    ProblemTemplate,
    ScoreOverride,
    Submission,
    User,
    Variant,
)
from .gradebook import graded_assignments, iter_grades, possible

FORMATS = ("canvas", "wide", "long")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe(text: str | None) -> str:
    """User text as a cell that a spreadsheet will not run as a formula ('=1+1' → "'=1+1")."""
    text = "" if text is None else str(text)
    return "'" + text if text.startswith(FORMULA_START) else text


def _points(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _line(row: Iterable) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerow(row)
    return buf.getvalue()


def column(a: Assignment) -> str:
    return safe(f"{a.title} ({a.id})")


def canvas_rows(course: Course) -> Iterator[list]:
    assignments = graded_assignments(course)
    yield [
        "Student",
        "ID",
        "SIS User ID",
        "SIS Login ID",
        "Section",
        *[column(a) for a in assignments],
    ]
    yield ["Points Possible", "", "", "", "", *[_points(possible(a)) for a in assignments]]
    for g in iter_grades(course, assignments):
        cells = ["EX" if a.id in g.excused else _points(g.points(a)) for a in assignments]
        yield [safe(g.user.sortable_name), "", "", safe(g.user.email), safe(g.section), *cells]


def wide_rows(course: Course) -> Iterator[list]:
    assignments = graded_assignments(course)
    yield [
        "Student",
        "Email",
        "Section",
        *[column(a) for a in assignments],
        "Total",
        "Total possible",
    ]
    for g in iter_grades(course, assignments):
        cells = ["EX" if a.id in g.excused else _points(g.points(a)) for a in assignments]
        counted = sum(possible(a) for a in assignments if a.id not in g.excused)
        yield [
            safe(g.user.name),
            safe(g.user.email),
            safe(g.section),
            *cells,
            _points(g.total(assignments)),
            _points(counted),
        ]


# What every long row starts with: the student and the problem.
_STUDENT_PROBLEM = (
    User.name,
    User.email,
    Enrollment.section,
    Assignment.title,
    AssignmentProblem.position,
    ProblemTemplate.title,
)


def _long_select(course: Course, source, problem_id, user_id, *columns):
    """``_STUDENT_PROBLEM`` and ``columns`` for the rows of ``source`` (whose problem and
    student are ``problem_id`` and ``user_id``) on the course's graded assignments, for
    its students only."""
    ids = [a.id for a in graded_assignments(course)]
    return (
        sa.select(*_STUDENT_PROBLEM, *columns)
        .select_from(source)
        .join(AssignmentProblem, problem_id == AssignmentProblem.id)
        .join(ProblemTemplate, AssignmentProblem.template_id == ProblemTemplate.id)
        .join(Assignment, AssignmentProblem.assignment_id == Assignment.id)
        .join(User, user_id == User.id)
        .join(Enrollment, sa.and_(Enrollment.user_id == User.id, Enrollment.course_id == course.id))
        .where(Assignment.id.in_(ids), Enrollment.role == "student")
    )


def long_rows_query(course: Course):
    """Every submission to the course's graded assignments, with what a long row shows."""
    return _long_select(
        course,
        sa.join(Submission, Variant, Submission.variant_id == Variant.id),
        Variant.assignment_problem_id,
        Variant.user_id,
        Submission.attempt,
        Submission.created_at,
        Submission.score,
        AssignmentProblem.points,
        Submission.raw,
        Submission.misconceptions,
    ).where(Variant.number == 1)


LONG_HEADER = [
    "Student",
    "Email",
    "Section",
    "Assignment",
    "Problem",
    "Attempt",
    "Submitted at",
    "Score",
    "Points",
    "Raw answer",
    "Misconceptions",
]


def _long_query(course: Course):
    return long_rows_query(course).order_by(
        User.name, User.id, Assignment.id, AssignmentProblem.position, Submission.attempt
    )


def _row_start(row) -> list:
    """The cells every long row starts with, from its ``_STUDENT_PROBLEM`` columns."""
    name, email, section, a_title, pos, p_title = row[: len(_STUDENT_PROBLEM)]
    return [safe(name), safe(email), safe(section), safe(a_title), safe(f"{pos}. {p_title}")]


def _credit(at, score: float, points: float) -> list:
    """Submitted at, Score (fraction) and Points of a long row."""
    return [at.strftime("%Y-%m-%dT%H:%M:%SZ"), f"{score:.4f}", f"{score * points:.2f}"]


def _long_cells(row) -> list:
    attempt, at, score, points, raw, tags = row[len(_STUDENT_PROBLEM) :]
    return [
        *_row_start(row),
        attempt,
        *_credit(at, score, points),
        safe(json.dumps(raw, ensure_ascii=False, sort_keys=True)),
        safe(";".join(tags or [])),
    ]


def override_rows_query(course: Course):
    """The overrides in force (the newest per student and problem, not removed) on the
    course's graded assignments, with what a long row shows, in the long file's order."""
    newest = sa.select(sa.func.max(ScoreOverride.id)).group_by(
        ScoreOverride.assignment_problem_id, ScoreOverride.user_id
    )
    return (
        _long_select(
            course,
            ScoreOverride,
            ScoreOverride.assignment_problem_id,
            ScoreOverride.user_id,
            ScoreOverride.changed_at,
            ScoreOverride.score,
            AssignmentProblem.points,
            ScoreOverride.reason,
        )
        .where(ScoreOverride.id.in_(newest), ScoreOverride.score.is_not(None))
        .order_by(User.name, User.id, Assignment.id, AssignmentProblem.position)
    )


def _override_cells(row) -> list:
    at, score, points, reason = row[len(_STUDENT_PROBLEM) :]
    return [
        *_row_start(row),
        "override",
        *_credit(at, score, points),
        safe(f"override: {reason}"),
        "",
    ]


def _override_rows(course: Course) -> list[list]:
    """The override rows (few: one per override in force), read at once."""
    return [_override_cells(row) for row in db.session.execute(override_rows_query(course))]


def long_rows(course: Course) -> Iterator[list]:
    yield LONG_HEADER
    query = _long_query(course).execution_options(yield_per=1000)
    for row in db.session.execute(query):
        yield _long_cells(row)
    yield from _override_rows(course)


def long_count(course: Course) -> int:
    """How many rows the long CSV has (submissions, then overrides), without its header."""
    return sum(
        db.session.scalar(sa.select(sa.func.count()).select_from(q.subquery()))
        for q in (long_rows_query(course), override_rows_query(course).order_by(None))
    )


def long_text(
    course: Course, progress: Callable[[int], None] | None = None, block: int = 5000
) -> Iterator[str]:
    """The long CSV as text in blocks of ``block`` rows (the same bytes as
    ``export_lines(course, "long")``), read from a server-side cursor: constant memory,
    and one csv writer per block instead of one per line."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(LONG_HEADER)
    result = db.session.execute(_long_query(course).execution_options(yield_per=block))
    for rows in result.partitions():
        writer.writerows(map(_long_cells, rows))
        yield buf.getvalue()
        buf.seek(0)
        buf.truncate()
        if progress:
            progress(len(rows))
    overrides = _override_rows(course)
    writer.writerows(overrides)
    if progress and overrides:
        progress(len(overrides))
    rest = buf.getvalue()
    if rest:
        yield rest


# ---------------------------------------------------------------- the long CSV by COPY
#
# On PostgreSQL the submissions' rows are streamed by ``COPY (SELECT …) TO STDOUT`` (text
# format: tab-separated, backslash escapes, a row per line), three columns a row:
# - the row's first nine cells as CSV text, made by the server: the student's three and
#   the problem's two once per student and per problem (``safe`` and CSV quoting in SQL),
#   then attempt, time (%Y-%m-%dT%H:%M:%SZ; stored as naive UTC) and the two numbers by
#   to_char, which rounds a float8 with C's printf as Python's format does (checked on
#   250,000 values, ties such as 0.125 included);
# - the raw answer as jsonb's text, and the misconception tags as jsonb's text ('' when
#   none): Python turns these into cells with the very code ``_long_cells`` runs on what
#   psycopg reads from the same text (json.loads), so numbers and key order are Python's.
# The rows come out of a nested loop over the students in order, each student's rows
# sorted apart (an incremental sort): nothing as big as the class is sorted or held.

_SAFE_SQL = "regexp_replace(coalesce(({}), ''), '^([-=+@\\t\\r])', '''\\1')"


def _cell_sql(expr: str) -> str:
    """SQL for ``expr`` as one CSV cell (``safe``, then quoted as Python's csv quotes)."""
    y = _SAFE_SQL.format(expr)
    return f"""(CASE WHEN {y} ~ '[",\\r\\n]' THEN '"' || replace({y}, '"', '""') || '"' ELSE {y} END)"""


def long_copy_sql(course: Course) -> str:
    """The COPY statement of the long CSV's submission rows (PostgreSQL). Its only
    parameters are ids (integers), written into the text."""
    ids = ", ".join(str(int(a.id)) for a in graded_assignments(course)) or "NULL"
    student = " || ',' || ".join(_cell_sql(c) for c in ("u.name", "u.email", "e.section"))
    problem = " || ',' || ".join(
        _cell_sql(c) for c in ("a.title", "ap.position::text || '. ' || t.title")
    )
    return f"""COPY (
SELECT s.cells || p.cells || sub.attempt
       || ',' || to_char(sub.created_at, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
       || ',' || to_char(sub.score, 'FM999999999990.0000')
       || ',' || to_char(sub.score * p.points, 'FM999999999990.00') || ',',
       sub.raw::text,
       CASE WHEN sub.misconceptions = '[]'::jsonb THEN '' ELSE sub.misconceptions::text END
FROM (SELECT u.id, u.name, {student} || ',' AS cells
      FROM enrollment e JOIN "user" u ON u.id = e.user_id
      WHERE e.course_id = {int(course.id)} AND e.role = 'student'
      ORDER BY u.name, u.id) AS s
JOIN variant v ON v.user_id = s.id AND v.number = 1
JOIN (SELECT ap.id, ap.assignment_id, ap.position, ap.points, {problem} || ',' AS cells
      FROM assignment_problem ap
      JOIN assignment a ON a.id = ap.assignment_id
      JOIN problem_template t ON t.id = ap.template_id
      WHERE a.id IN ({ids})) AS p ON p.id = v.assignment_problem_id
JOIN submission sub ON sub.variant_id = v.id
ORDER BY s.name, s.id, p.assignment_id, p.position, sub.attempt
) TO STDOUT"""


_UNESCAPE = {"\\": "\\", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_ESCAPED = re.compile(r"\\(.)")


def _unescape(text: str) -> str:
    """A value of COPY's text format as it was."""
    return _ESCAPED.sub(lambda m: _UNESCAPE[m.group(1)], text)


def _csv_cell(text: str) -> str:
    """One cell as Python's csv writer writes it (QUOTE_MINIMAL, CRLF line ends)."""
    if '"' in text or "," in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


# json.dumps(value, ensure_ascii=False, sort_keys=True) and json.loads, without their
# per-call set-up (a C encoder made once; no whitespace checks on jsonb's own text).
_dumps_c = json.encoder.c_make_encoder and json.encoder.c_make_encoder(
    None, None, json.encoder.encode_basestring, None, ": ", ", ", True, False, True
)
_loads = json.JSONDecoder().raw_decode


def _dumps(value) -> str:
    if _dumps_c is None or isinstance(value, str):  # no C encoder; a lone string
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return "".join(_dumps_c(value, 0))


def _copy_lines(text: str) -> str:
    """Rows of COPY's text output ("head<TAB>raw<TAB>tags" a line) as long CSV lines."""
    out = []
    add = out.append
    for line in text.split("\n"):
        if not line:
            continue
        head, raw, tags = line.split("\t")
        if "\\" in line:
            head, raw, tags = _unescape(head), _unescape(raw), _unescape(tags)
        add(head)
        add(_csv_cell(safe(_dumps(_loads(raw)[0]))))
        if tags:
            add(",")
            add(_csv_cell(safe(";".join(_loads(tags)[0] or []))))
            add("\r\n")
        else:
            add(",\r\n")
    return "".join(out)


def long_text_copy(
    course: Course, progress: Callable[[int], None] | None = None, block: int = 5000
) -> Iterator[str]:
    """``long_text`` made with PostgreSQL's COPY: the same text, several times faster."""
    conn = db.session.connection().connection.driver_connection
    encoding = conn.info.encoding  # COPY writes in the connection's client encoding
    yield _line(LONG_HEADER)
    with conn.cursor() as cur, cur.copy(long_copy_sql(course)) as copy:
        rows: list = []
        for data in copy:  # one row per message
            rows.append(data)
            if len(rows) == block:
                yield _copy_lines(b"".join(rows).decode(encoding))
                if progress:
                    progress(len(rows))
                rows = []
        if rows:
            yield _copy_lines(b"".join(rows).decode(encoding))
            if progress:
                progress(len(rows))
    overrides = _override_rows(course)
    if overrides:
        yield "".join(map(_line, overrides))
        if progress:
            progress(len(overrides))


def long_job(job, report) -> dict:
    """The ``export_long`` job: the long CSV stored as the job's file (see jobs.py)."""
    course = db.session.get(Course, job.course_id)
    report.set_total(long_count(course))
    report.line(f"writing the long CSV of {course.code}: {report.total} submissions")
    make = long_text_copy if db.engine.dialect.name == "postgresql" else long_text
    chars, stored = report.write_file(make(course, progress=report.advance))
    report.flush()
    report.line(f"{report.done} rows, {chars:,} characters ({stored:,} bytes compressed)")
    return {"rows": report.done, "characters": chars, "filename": filename(course, "long")}


ROWS = {"canvas": canvas_rows, "wide": wide_rows, "long": long_rows}


def export_lines(course: Course, fmt: str) -> Iterator[str]:
    """CSV text, a line at a time (CRLF line ends, as Canvas and Excel expect)."""
    if fmt not in ROWS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    for row in ROWS[fmt](course):
        yield _line(row)


def filename(course: Course, fmt: str) -> str:
    return f"{course.code}-grades-{fmt}.csv"
