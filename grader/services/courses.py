"""Courses and rosters: creating a course, enrolling people, importing a roster CSV all or
nothing (every bad row reported with its line number, nothing written if any is bad)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

import sqlalchemy as sa

from ..extensions import db
from ..models import ROLES, Course, Enrollment, User
from .accounts import AccountError, hash_password, new_user, normalise_email, random_password
from .inputs import codepoint, control_character

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")


class CourseError(ValueError):
    """Input that cannot make or change a course; the message is for the user."""


class RosterError(ValueError):
    """A roster with bad rows: ``errors`` lists (line number, reason); nothing was written."""

    def __init__(self, errors: list[tuple[int, str]]):
        self.errors = errors
        super().__init__("; ".join(f"line {n}: {m}" for n, m in errors))


@dataclass
class RosterResult:
    created: list[tuple[str, str | None]] = field(default_factory=list)  # (email, initial password)
    enrolled: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def create_course(code: str, title: str, instructor: User) -> Course:
    """A new course with ``instructor`` enrolled as instructor; CourseError if the code is
    taken or malformed."""
    code = (code or "").strip()
    title = (title or "").strip()
    if not CODE_RE.match(code):
        raise CourseError("a course code has 1 to 40 letters, digits, '-', '_' or '.', e.g. NN-W3")
    if not title or len(title) > 200:
        raise CourseError("a title of 1 to 200 characters is needed")
    if control_character(title) is not None:
        raise CourseError("a title cannot hold control characters")
    if db.session.scalar(sa.select(Course.id).where(Course.code == code)):
        raise CourseError(f"the course code {code} is taken")
    course = Course(code=code, title=title)
    db.session.add(course)
    db.session.add(Enrollment(user=instructor, course=course, role="instructor"))
    db.session.commit()
    return course


def course_by_code(code: str) -> Course | None:
    return db.session.scalar(sa.select(Course).where(Course.code == code))


def roster(course: Course) -> list[Enrollment]:
    """The course's enrollments, staff first, then by section and name."""
    order = sa.case({"instructor": 0, "ta": 1, "student": 2}, value=Enrollment.role)
    return list(
        db.session.scalars(
            sa.select(Enrollment)
            .join(User)
            .options(sa.orm.contains_eager(Enrollment.user))  # the page shows each name
            .where(Enrollment.course_id == course.id)
            .order_by(order, Enrollment.section, User.name)
        )
    )


def import_roster(
    course: Course, text: str, acting: User | None = None, max_rows: int = 20000
) -> RosterResult:
    """Enrol the people of a CSV roster (columns email, name, role, section; optional
    password). New accounts get the given password or a random one, returned once in
    ``created``. RosterError lists every bad row; then nothing is written."""
    rows, errors = _read_roster(text, max_rows)
    emails = [r["email"] for _, r in rows]
    existing = (
        {u.email: u for u in db.session.scalars(sa.select(User).where(User.email.in_(emails)))}
        if emails
        else {}
    )
    enrolled = {
        e.user_id: e
        for e in db.session.scalars(sa.select(Enrollment).where(Enrollment.course_id == course.id))
    }
    for line, r in rows:
        user = existing.get(r["email"])
        if user is None and not r["name"]:
            errors.append((line, f"{r['email']} has no account yet, so a name is needed"))
        if acting is not None and user is not None and user.id == acting.id:
            current = enrolled.get(user.id)
            if current is not None and current.role != r["role"]:
                errors.append((line, "you cannot change your own role by importing a roster"))
    if errors:
        raise RosterError(sorted(errors))

    result = RosterResult()
    try:
        for _line, r in rows:
            user = existing.get(r["email"])
            if user is None:
                password = r["password"] or random_password()
                user = new_user(r["email"], r["name"])
                user.password_hash = hash_password(password)
                result.created.append((user.email, None if r["password"] else password))
            db.session.flush()
            enrolment = enrolled.get(user.id)
            if enrolment is None:
                db.session.add(
                    Enrollment(user=user, course=course, role=r["role"], section=r["section"])
                )
                result.enrolled.append(user.email)
            elif (enrolment.role, enrolment.section) != (r["role"], r["section"]):
                enrolment.role, enrolment.section = r["role"], r["section"]
                result.updated.append(user.email)
            else:
                result.unchanged.append(user.email)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return result


def _read_roster(text: str, max_rows: int) -> tuple[list[tuple[int, dict]], list[tuple[int, str]]]:
    errors: list[tuple[int, str]] = []
    rows: list[tuple[int, dict]] = []
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = next(reader)
    except StopIteration:
        raise RosterError(
            [(1, "the file is empty; the first line must be a header: email,name,role,section")]
        ) from None
    except csv.Error as exc:
        raise RosterError([(1, f"not a readable CSV file ({exc})")]) from None
    columns = [h.strip().lower() for h in header]
    missing = [c for c in ("email", "name") if c not in columns]
    if missing:
        raise RosterError(
            [
                (
                    1,
                    f"the header lacks {', '.join(missing)}; expected email,name,role,section (password optional)",
                )
            ]
        )
    index = {
        c: columns.index(c)
        for c in ("email", "name", "role", "section", "password")
        if c in columns
    }
    seen: dict[str, int] = {}
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(rows) >= max_rows:
                errors.append((line, f"more than {max_rows} rows; split the file"))
                break
            cells = {c: record[i].strip() if i < len(record) else "" for c, i in index.items()}
            dirty = _control_character_in(cells)
            if dirty:
                errors.append((line, dirty))
                continue
            row = {
                "email": cells.get("email", ""),
                "name": cells.get("name", ""),
                "role": (cells.get("role") or "student").lower(),
                "section": cells.get("section", ""),
                "password": cells.get("password", ""),
            }
            try:
                row["email"] = normalise_email(row["email"])
            except AccountError:
                errors.append((line, f"{row['email']!r} is not an email address"))
                continue
            if row["email"] in seen:
                errors.append(
                    (line, f"{row['email']} is listed twice (also on line {seen[row['email']]})")
                )
                continue
            seen[row["email"]] = line
            if row["role"] not in ROLES:
                errors.append((line, f"role {row['role']!r} is not one of {', '.join(ROLES)}"))
            if len(row["name"]) > 200:
                errors.append((line, "the name is longer than 200 characters"))
            if len(row["section"]) > 64:
                errors.append((line, "the section is longer than 64 characters"))
            if row["password"] and len(row["password"]) < 8:
                errors.append((line, "a password needs at least 8 characters"))
            rows.append((line, row))
    except csv.Error as exc:
        errors.append((reader.line_num, f"not a readable CSV line ({exc})"))
    if not rows and not errors:
        errors.append((1, "the file has a header but no rows"))
    return rows, errors


def _control_character_in(cells: dict[str, str]) -> str | None:
    # PostgreSQL stores no NUL; the other control characters hide text on pages and in exports
    for column, value in cells.items():
        i = control_character(value)
        if i is not None:
            return f"the {column} has a control character ({codepoint(value[i])})"
    return None
