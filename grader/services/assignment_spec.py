"""An assignment with its problem templates as a YAML (or JSON) document: exported,
imported (all or nothing, every error with its line), and used by the API to create and
update assignments. Export → import → export gives the same bytes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
import yaml

import problems

from ..extensions import db
from ..models import (
    MODES,
    SCORE_POLICIES,
    SOLUTION_RELEASES,
    Assignment,
    AssignmentProblem,
    Course,
    ProblemTemplate,
    Variant,
)
from .inputs import (
    MAX_PROBLEMS,
    MAX_YAML_DEPTH,
    BoundedSafeLoader,
    YamlTooDeep,
    codepoint,
    control_character,
)

FIELDS = (
    "title",
    "mode",
    "opens_at",
    "due_at",
    "closes_at",
    "late_penalty",
    "time_limit_minutes",
    "max_attempts",
    "retry_penalty",
    "solution_release",
    "score_policy",
    "published",
)
PROBLEM_FIELDS = ("title", "kind", "points", "config", "policy")
DATES = ("opens_at", "due_at", "closes_at")


class SpecError(ValueError):
    """A spec with errors: ``errors`` lists (line or None, message); nothing was written."""

    def __init__(self, errors: list[tuple[int | None, str]]):
        self.errors = errors
        super().__init__("; ".join(f"line {n}: {m}" if n else m for n, m in errors))


def _time(t: datetime | None) -> str | None:
    # isoformat, not strftime: %Y does not pad a year before 1000 to four digits ("2-01-01"),
    # which no reader takes back.
    return t.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z") if t else None


def to_spec(a: Assignment) -> dict:
    """The assignment as plain data, in a fixed order."""
    spec: dict[str, Any] = {}
    for f in FIELDS:
        value = getattr(a, f)
        spec[f] = _time(value) if f in DATES else value
    spec["problems"] = [
        {
            "title": ap.template.title,
            "kind": ap.template.kind,
            "points": ap.points,
            "config": dict(ap.template.config or {}),
            "policy": dict(ap.template.policy or {}),
        }
        for ap in a.problems
    ]
    return spec


def export_yaml(a: Assignment) -> str:
    return yaml.safe_dump(
        to_spec(a), sort_keys=False, allow_unicode=True, default_flow_style=None, width=100
    )


# ---------------------------------------------------------------- reading, with line numbers


def parse(text: str) -> tuple[Any, dict[tuple, int]]:
    """YAML (JSON is YAML) → (data, {path: line}). SpecError with the line on a syntax error,
    a control character (also one written as an escape such as "\\0"), nesting deeper than
    MAX_YAML_DEPTH, or more than MAX_NODES values."""
    i = control_character(text)
    if i is not None:
        line = text.count("\n", 0, i) + 1
        raise SpecError([(line, f"a control character ({codepoint(text[i])}) is not allowed")])
    try:
        loader = BoundedSafeLoader(text)  # the reader refuses characters YAML does not allow
    except yaml.YAMLError as exc:
        raise SpecError([(None, f"not valid YAML: {str(exc).splitlines()[0]}")]) from None
    try:
        node = loader.get_single_node()
        if node is None:
            raise SpecError([(1, "the file is empty")])
        lines: dict[tuple, int] = {}
        return _build(loader, node, (), lines), lines
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise SpecError([(line, f"not valid YAML: {exc.problem or exc.context}")]) from None
    except YamlTooDeep as exc:
        raise SpecError(
            [(exc.line, f"the file is nested more than {MAX_YAML_DEPTH} levels deep")]
        ) from None
    except yaml.YAMLError as exc:  # the reader's, on a later chunk of a long file
        raise SpecError([(None, f"not valid YAML: {str(exc).splitlines()[0]}")]) from None
    finally:
        loader.dispose()


MAX_NODES = 20000


def _build(loader, node, path, lines):
    # Every value passes here, so aliases that repeat a subtree ("billion laughs") hit the
    # budget instead of exhausting memory, and an alias to its own ancestor (&a [*a]) hits the
    # depth bound instead of recursing forever.
    line = node.start_mark.line + 1
    if len(lines) > MAX_NODES:
        raise SpecError([(line, f"the file has more than {MAX_NODES} values")])
    if len(path) > MAX_YAML_DEPTH:
        raise SpecError([(line, f"the file is nested more than {MAX_YAML_DEPTH} levels deep")])
    lines[path] = line
    if isinstance(node, yaml.MappingNode):
        out = {}
        for k, v in node.value:
            key = loader.construct_object(k, deep=True)
            if not isinstance(key, str | int | float | bool) and key is not None:
                raise SpecError([(k.start_mark.line + 1, "a key must be a plain word or number")])
            _refuse_control(key, k)
            lines[(*path, key)] = k.start_mark.line + 1
            out[key] = _build(loader, v, (*path, key), lines)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, v, (*path, i), lines) for i, v in enumerate(node.value)]
    value = loader.construct_object(node, deep=True)
    _refuse_control(value, node)
    return value


def _refuse_control(value: Any, node) -> None:
    # An escape in a quoted scalar ("\\0", "\\x01") makes a character the text scan in
    # parse() cannot see; PostgreSQL would refuse to store it.
    i = control_character(value) if isinstance(value, str) else None
    if i is not None:
        message = f"a control character ({codepoint(value[i])}) is not allowed in text"
        raise SpecError([(node.start_mark.line + 1, message)])


def validate(spec: Any, lines: dict[tuple, int] | None = None) -> dict:
    """The spec checked and normalised (dates as datetimes); SpecError listing every problem."""
    lines = lines or {}
    errors: list[tuple[int | None, str]] = []

    def err(path: tuple, message: str) -> None:
        errors.append((lines.get(path) or lines.get(path[:-1]) or None, message))

    if not isinstance(spec, dict):
        raise SpecError([(1, "the file must be a mapping with title, mode, …, problems")])
    out: dict[str, Any] = {}
    for key in sorted(set(spec) - set(FIELDS) - {"problems"}, key=str):
        err((key,), f"unknown field {key!r}; fields: {', '.join(FIELDS)}, problems")
    title = spec.get("title")
    if not isinstance(title, str) or not title.strip() or len(title) > 200:
        err(("title",), "title must be text of 1 to 200 characters")
    out["title"] = title.strip() if isinstance(title, str) else title
    choices = {
        "mode": (MODES, "homework"),
        "solution_release": (SOLUTION_RELEASES, "after_correct"),
        "score_policy": (SCORE_POLICIES, "best"),
    }
    for key, (allowed, default) in choices.items():
        value = spec.get(key, default)
        if value not in allowed:
            err((key,), f"{key} must be one of {', '.join(allowed)}, not {value!r}")
        out[key] = value
    for key in DATES:
        value = spec.get(key)
        if value is None:
            out[key] = None
            continue
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                err(
                    (key,),
                    f"{key} must be a date and time such as 2026-12-01T23:59:00Z, not {value!r}",
                )
                continue
        if not isinstance(value, datetime):
            err((key,), f"{key} must be a date and time such as 2026-12-01T23:59:00Z")
            continue
        value = value if value.tzinfo else value.replace(tzinfo=UTC)
        try:  # stored in UTC: 0001-01-01T00:00:00+05:00 has no UTC time
            value.astimezone(UTC)
        except OverflowError:
            err((key,), f"{key} is out of range: a date and time from year 1 to 9999 in UTC")
            continue
        out[key] = value
    if all(out.get(k) for k in ("due_at", "closes_at")) and out["closes_at"] < out["due_at"]:
        err(("closes_at",), "closes_at must not be before due_at")
    for key, lo, hi in (("late_penalty", 0, 1), ("retry_penalty", 0, 1)):
        value = spec.get(key, 0.0)
        if not problems.finite_number(value) or not lo <= value <= hi:
            err((key,), f"{key} must be a number from {lo} to {hi} (a fraction of the score)")
        else:  # float(10**400) would raise OverflowError: only a valid value is converted
            value = float(value)
        out[key] = value
    for key in ("time_limit_minutes", "max_attempts"):
        value = spec.get(key)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10000
        ):
            err((key,), f"{key} must be a whole number ≥ 1, or null for none")
        out[key] = value
    published = spec.get("published", False)
    if not isinstance(published, bool):
        err(("published",), "published must be true or false")
    out["published"] = published
    plist = spec.get("problems")
    if not isinstance(plist, list) or not plist:
        err(("problems",), "problems must be a non-empty list")
        plist = []
    if len(plist) > MAX_PROBLEMS:
        err(
            ("problems",),
            f"an assignment has at most {MAX_PROBLEMS} problems; this one has {len(plist)}",
        )
        plist = []
    out["problems"] = []
    for i, p in enumerate(plist):
        where = ("problems", i)
        if not isinstance(p, dict):
            err(
                where, f"problem {i + 1} must be a mapping with title, kind, points, config, policy"
            )
            continue
        for key in sorted(set(p) - set(PROBLEM_FIELDS), key=str):
            err(
                (*where, key),
                f"problem {i + 1}: unknown field {key!r}; fields: {', '.join(PROBLEM_FIELDS)}",
            )
        kind = p.get("kind")
        known = isinstance(kind, str) and kind in problems.KINDS  # a mapping is unhashable
        if not known:
            err(
                (*where, "kind"),
                f"problem {i + 1}: unknown kind {kind!r}; kinds: {', '.join(problems.KINDS)}",
            )
        ptitle = p.get("title", kind)
        if not isinstance(ptitle, str) or not ptitle.strip() or len(ptitle) > 200:
            err((*where, "title"), f"problem {i + 1}: title must be text of 1 to 200 characters")
        points = p.get("points", 1)
        if not problems.finite_number(points) or not 0 <= points <= 10000:
            err((*where, "points"), f"problem {i + 1}: points must be a number from 0 to 10000")
        else:
            points = float(points)
        config, policy = p.get("config") or {}, p.get("policy") or {}
        for key, value in (("config", config), ("policy", policy)):
            if not isinstance(value, dict):
                err((*where, key), f"problem {i + 1}: {key} must be a mapping")
        if known and isinstance(config, dict) and isinstance(policy, dict):
            for setting, message in template_errors(kind, config, policy):
                if setting == "policy":
                    path: tuple = (*where, "policy")
                elif setting is not None and setting in config:
                    path = (*where, "config", setting)
                else:
                    path = (*where, "config")
                err(path, f"problem {i + 1}: {message}")
        out["problems"].append(
            {
                "title": ptitle,
                "kind": kind,
                "points": points,
                "config": config,
                "policy": policy,
            }
        )
    if errors:
        raise SpecError(sorted(errors, key=lambda e: e[0] or 0))
    return out


def template_errors(kind: str, config: dict, policy: dict) -> list[tuple[str | None, str]]:
    """Every (setting, message) the engine finds in a config and policy, all at once; empty
    if it accepts them (a variant is generated to be sure). ``setting`` is a declared
    setting's name, ``"fixed"`` (pinned parameters), ``"policy"`` or None."""
    k = problems.get(kind)
    errors: list[tuple[str | None, str]] = []
    try:
        k.generate(0, config)
    except problems.ConfigError as exc:
        errors += exc.errors
    try:
        k.policy(policy)
    except problems.ConfigError as exc:
        errors += [("policy", message) for _setting, message in exc.errors]
    try:
        json.dumps([config, policy])
    except (TypeError, ValueError) as exc:
        errors.append((None, str(exc)))
    return errors


def check_template(kind: str, config: dict, policy: dict) -> str | None:
    """None if the engine accepts the config and policy, else its messages joined."""
    errors = template_errors(kind, config, policy)
    return "; ".join(message for _setting, message in errors) or None


# ---------------------------------------------------------------- writing


def _apply_fields(a: Assignment, spec: dict) -> None:
    for f in FIELDS:
        setattr(a, f, spec[f])


def _problems(course: Course, spec: dict) -> tuple[list[AssignmentProblem], int]:
    """The spec's problems, each on a template of the course: one with the same kind, title,
    config and policy is reused (an assignment imported twice, or two assignments built
    from one file, share their templates instead of duplicating them); otherwise a new one.
    Returns the problems and how many templates were reused."""
    existing: dict[tuple, ProblemTemplate] = {}
    if course.id is not None:
        for t in db.session.scalars(
            sa.select(ProblemTemplate)
            .where(ProblemTemplate.course_id == course.id)
            .order_by(ProblemTemplate.id)
        ):
            existing.setdefault(_template_key(t.kind, t.title, t.config, t.policy), t)
    out, reused = [], 0
    for pos, p in enumerate(spec["problems"], 1):
        key = _template_key(p["kind"], p["title"], p["config"], p["policy"])
        template = existing.get(key)
        if template is None:
            template = ProblemTemplate(
                course_id=course.id,
                kind=p["kind"],
                title=p["title"],
                config=p["config"],
                policy=p["policy"],
            )
            existing[key] = template
        else:
            reused += 1
        out.append(AssignmentProblem(position=pos, points=p["points"], template=template))
    return out, reused


def _template_key(kind: str, title: str, config: dict | None, policy: dict | None) -> tuple:
    canonical = json.dumps([config or {}, policy or {}], sort_keys=True)
    return (kind, title, canonical)


@dataclass
class Imported:
    assignment: Assignment
    reused_templates: int  # templates of the course the import used instead of new copies
    spec_published: bool  # what the file said; the importer decides (``publish``)


def import_assignment(course: Course, text: str, publish: bool | None = None) -> Assignment:
    """A new assignment (and its templates, copied into the course) from YAML or JSON text;
    SpecError with lines, and nothing written, if anything is wrong."""
    return import_reporting(course, text, publish).assignment


def import_reporting(course: Course, text: str, publish: bool | None = None) -> Imported:
    """``import_assignment`` with what it did. ``publish`` None keeps the file's
    ``published`` (the API, and a byte-identical round trip); the web page and the CLI pass
    the instructor's explicit choice, so a file never publishes to students by itself."""
    data, lines = parse(text)
    spec = validate(data, lines)
    asked = spec["published"]
    if publish is not None:
        spec = {**spec, "published": publish}
    a, reused = _create(course, spec)
    return Imported(a, reused, asked)


def import_message(done: Imported) -> str:
    """What an import did, in one sentence for the instructor."""
    a = done.assignment
    n = len(a.problems)
    text = f"Imported “{a.title}” with {n} problem{'s' if n != 1 else ''}"
    text += ", published." if a.published else ", unpublished: students do not see it yet."
    if done.spec_published and not a.published:
        text += " (The file said published; publish it when you are ready.)"
    if done.reused_templates:
        r = done.reused_templates
        text += (
            f" {r} of its templates {'were' if r != 1 else 'was'} already in the course and reused."
        )
    return text


def create_from_spec(course: Course, spec: dict) -> Assignment:
    return _create(course, spec)[0]


def _create(course: Course, spec: dict) -> tuple[Assignment, int]:
    a = Assignment(course_id=course.id)
    _apply_fields(a, spec)
    a.problems, reused = _problems(course, spec)
    db.session.add(a)
    db.session.commit()
    return a, reused


def clone_template(t: ProblemTemplate, course_id: int, by_id: int | None = None) -> ProblemTemplate:
    """A new course template with ``t``'s kind, title, config and policy."""
    return ProblemTemplate(
        course_id=course_id,
        kind=t.kind,
        title=t.title,
        config=dict(t.config or {}),
        policy=dict(t.policy or {}),
        created_by_id=by_id,
    )


def own_template(ap: AssignmentProblem) -> ProblemTemplate:
    """The problem's template, copied into the course first if it is shared (the library's,
    or used by another problem), so that changing it changes this problem only."""
    t = ap.template
    users = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AssignmentProblem)
        .where(AssignmentProblem.template_id == t.id)
    )
    if t.course_id is None or users > 1:
        ap.template = clone_template(t, ap.assignment.course_id)
    return ap.template


def has_started(a: Assignment) -> bool:
    """True once any student has a variant of any of its problems: from then on the
    problems' kinds, configs and order are fixed (the one rule for the pages and the API)."""
    return (
        db.session.scalar(
            sa.select(Variant.id)
            .join(AssignmentProblem)
            .where(AssignmentProblem.assignment_id == a.id)
            .limit(1)
        )
        is not None
    )


def update_from_spec(a: Assignment, spec: dict) -> Assignment:
    """Replace an assignment's settings and problems. Once students have variants, the
    problems' kinds, configs and order are fixed (titles, points and policies may change)."""
    if has_started(a):
        old = [(ap.template.kind, dict(ap.template.config or {})) for ap in a.problems]
        new = [(p["kind"], p["config"]) for p in spec["problems"]]
        if old != new:
            raise SpecError(
                [
                    (
                        None,
                        "students have started this assignment: its problems' kinds, configs and "
                        "order cannot change (titles, points and grading policies can; then regrade)",
                    )
                ]
            )
        _apply_fields(a, spec)
        for ap, p in zip(a.problems, spec["problems"], strict=True):
            ap.points = p["points"]
            if (ap.template.title, dict(ap.template.policy or {})) != (p["title"], p["policy"]):
                template = own_template(ap)
                template.title, template.policy = p["title"], p["policy"]
        db.session.commit()
        return a
    _apply_fields(a, spec)
    a.problems.clear()
    db.session.flush()  # the old rows go first: (assignment, position) is unique
    a.problems, _reused = _problems(a.course, spec)
    db.session.commit()
    return a
