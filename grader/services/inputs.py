"""Checks on untrusted input, shared by the HTTP boundary (``grader.boundary``), the forms and
the file importers (assignment YAML, roster CSV, also used by the CLI): ids within the
database's integer range, no control characters in text, no nesting deeper than a fixed
bound before anything recursive reads it, and the size of an assignment. Pure functions:
no Flask, no database."""

from __future__ import annotations

import re
from typing import Any

import yaml

# PostgreSQL's ``integer``: every primary key is one, so a larger number names nothing (and
# binding it raises "integer out of range" instead of finding no row).
MAX_ID = 2**31 - 1

# A JSON body nested deeper than this is refused before it is parsed: the deepest thing the
# API takes (a spec's pinned matrix) is 7 levels, and json.loads recurses once per level.
MAX_JSON_DEPTH = 32
# YAML files are composed recursively too; an assignment file is at most ~8 levels deep.
MAX_YAML_DEPTH = 64

MAX_PROBLEMS = 200  # problems in one assignment

# C0 controls except tab, line feed and carriage return; DEL; C1 controls; lone surrogates.
# PostgreSQL stores neither NUL (text, or \u0000 in JSONB) nor a surrogate, and nobody types
# the others on purpose: they only hide text in pages and CSV files.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def control_character(text: str) -> int | None:
    """The index of the first refused character in ``text`` (see ``_CONTROL``), or None."""
    m = _CONTROL.search(text)
    return m.start() if m else None


def codepoint(ch: str) -> str:
    """The character as U+XXXX, for messages (a control character shows as nothing)."""
    return f"U+{ord(ch):04X}"


def bad_text(text: str, what: str) -> str | None:
    """None if ``text`` is clean, else a message naming ``what`` (a field, a file) and, for
    multi-line text, the line of the first control character."""
    i = control_character(text)
    if i is None:
        return None
    line = text.count("\n", 0, i) + 1
    where = f" on line {line}" if "\n" in text else ""
    return (
        f"{what} contains a control character ({codepoint(text[i])}){where}; "
        "remove it and try again"
    )


def bad_text_in(value: Any, where: str = "") -> str | None:
    """The first string (value or mapping key) in nested plain data that holds a control
    character, as a message naming its path (``answers.y``); None if all are clean. The data
    must be depth-bounded already (``json_depth``, the YAML loader): this recurses."""
    if isinstance(value, str):
        return bad_text(value, f"the field “{where}”" if where else "the text")
    if isinstance(value, dict):
        for k, v in value.items():
            path = f"{where}.{k}" if where else str(k)
            if isinstance(k, str) and control_character(k) is not None:
                return bad_text(k, f"the name of the field “{path}”")
            found = bad_text_in(v, path)
            if found:
                return found
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            found = bad_text_in(v, f"{where}[{i}]")
            if found:
                return found
    return None


# A JSON string: quotes around anything but quotes and backslashes, or escapes (unrolled,
# so it runs in linear time).
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))


def json_depth(data: bytes | str, limit: int | None = None) -> int:
    """The deepest bracket nesting in JSON text, counted without parsing it (brackets inside
    strings do not count), or ``limit + 1`` as soon as it is known to be deeper than
    ``limit``. Never less than what ``json.loads`` recurses on the same text, so a text
    within a bound is safe to parse."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    brackets = _JSON_STRING.sub(b"", data).translate(None, _NOT_BRACKETS)
    depth = deepest = 0
    for b in brackets:
        if b in b"[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if limit is not None and depth > limit:
                    break
        else:
            depth -= 1
    return deepest


def too_deep_json(data: bytes | str, what: str = "the JSON body") -> str | None:
    """A message if ``data`` nests deeper than MAX_JSON_DEPTH, else None."""
    if json_depth(data, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        return f"{what} is nested more than {MAX_JSON_DEPTH} levels deep"
    return None


YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml")


class YamlTooDeep(Exception):
    """A YAML text nested deeper than MAX_YAML_DEPTH; ``line`` is where it went too deep."""

    def __init__(self, line: int):
        self.line = line
        super().__init__(f"nested more than {MAX_YAML_DEPTH} levels deep (line {line})")


class BoundedSafeLoader(yaml.SafeLoader):
    """PyYAML's safe loader that stops at MAX_YAML_DEPTH levels, raising YamlTooDeep. The
    scanner is stopped at the bracket or indentation that goes too deep, because it slows
    down quadratically with flow depth (900 nested brackets take 0.6 s, 2 MB would take
    hours); composing is stopped too, because it recurses once per level (and so would
    an alias inside its own anchor, for the code that walks the nodes)."""

    def __init__(self, stream):
        super().__init__(stream)
        self.depth = 0

    def _too_deep(self):
        return YamlTooDeep(self.get_mark().line + 1)

    def fetch_flow_collection_start(self, TokenClass):  # noqa: N803 (PyYAML's name)
        if self.flow_level >= MAX_YAML_DEPTH:
            raise self._too_deep()
        super().fetch_flow_collection_start(TokenClass)

    def add_indent(self, column):
        if len(self.indents) >= MAX_YAML_DEPTH:
            raise self._too_deep()
        return super().add_indent(column)

    def compose_node(self, parent, index):
        if self.depth >= MAX_YAML_DEPTH:
            raise YamlTooDeep(self.peek_event().start_mark.line + 1)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def too_deep_yaml(text: str, what: str = "the YAML body") -> str | None:
    """A message if ``text`` nests deeper than MAX_YAML_DEPTH, else None (also when it is
    not valid YAML: the reader of the body reports that). Reads the event stream only."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=BoundedSafeLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    raise YamlTooDeep(event.start_mark.line + 1)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except YamlTooDeep as exc:
        return f"{what} is {exc}"
    except yaml.YAMLError:
        return None
    return None
