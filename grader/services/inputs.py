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
_CONTROLS = ((0x00, 0x08), (0x0B, 0x0C), (0x0E, 0x1F), (0x7F, 0x9F))
_SURROGATES = ((0xD800, 0xDFFF),)
# Unicode's format characters (category Cf) and the line/paragraph separators: invisible,
# they reorder text (U+202E shows "txt.exe" as "exe.txt"), hide it (U+200B, the tag
# characters) or break lines in CSV readers. All of them but ZWNJ U+200C and ZWJ U+200D,
# which spell Persian and Indic names and join emoji. (tests/grader/test_boundary.py checks
# this list against unicodedata.)
_FORMATS = (
    (0x00AD, 0x00AD), (0x0600, 0x0605), (0x061C, 0x061C), (0x06DD, 0x06DD), (0x070F, 0x070F),
    (0x0890, 0x0891), (0x08E2, 0x08E2), (0x180E, 0x180E), (0x200B, 0x200B), (0x200E, 0x200F),
    (0x2028, 0x202E), (0x2060, 0x2064), (0x2066, 0x206F), (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD), (0x110CD, 0x110CD), (0x13430, 0x1343F), (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A), (0xE0001, 0xE0001), (0xE0020, 0xE007F),
)  # fmt: skip
# What a text may not hold: controls and format characters (no surrogates: they cannot be
# written in JSON or a form), for the OpenAPI description's patterns.
REFUSED_IN_TEXT = _CONTROLS + _FORMATS


def char_class(ranges: tuple[tuple[int, int], ...]) -> str:
    """The inside of a regular expression's [...] for the code point ``ranges``: ``\\uXXXX``
    escapes in the Basic Multilingual Plane (read alike by Python and JavaScript), the
    characters themselves beyond it."""

    def one(c: int) -> str:
        return f"\\u{c:04x}" if c <= 0xFFFF else chr(c)

    return "".join(one(lo) if lo == hi else f"{one(lo)}-{one(hi)}" for lo, hi in ranges)


_CONTROL = re.compile(f"[{char_class(_CONTROLS + _SURROGATES + _FORMATS)}]")
_FORMAT = re.compile(f"[{char_class(_FORMATS)}]")
BOM = "\ufeff"


def control_character(text: str, bom: bool = False) -> int | None:
    """The index of the first refused character in ``text`` (see ``_CONTROL``), or None.
    With ``bom``, a byte-order mark at index 0 is allowed (an uploaded file's encoding mark,
    which its reader drops)."""
    m = _CONTROL.search(text, 1 if bom and text.startswith(BOM) else 0)
    return m.start() if m else None


def kind_of(ch: str) -> str:
    """What a refused character is, for messages."""
    return "an invisible formatting character" if _FORMAT.match(ch) else "a control character"


def codepoint(ch: str) -> str:
    """The character as U+XXXX, for messages (a control character shows as nothing)."""
    return f"U+{ord(ch):04X}"


def bad_text(text: str, what: str, bom: bool = False) -> str | None:
    """None if ``text`` is clean, else a message naming ``what`` (a field, a file) and, for
    multi-line text, the line of the first control character. ``bom``: as for
    ``control_character``."""
    i = control_character(text, bom)
    if i is None:
        return None
    line = text.count("\n", 0, i) + 1
    where = f" on line {line}" if "\n" in text else ""
    return (
        f"{what} contains {kind_of(text[i])} ({codepoint(text[i])}){where}; remove it and try again"
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


# The JSON tokens that matter for depth: a string (to its closing quote, or to the end of an
# unterminated one) or a bracket. Each match starts where the last one ended or later and
# cannot fail once it has started (the closing quote is optional), so the regex engine never
# comes back to a byte: one linear pass, whatever the text (a run of escaped quotes with no
# closing one made the earlier pattern retry from every quote: quadratic).
_JSON_TOKEN = re.compile(rb'"(?:[^"\\]+|\\.)*+"?|[\[\]{}]', re.DOTALL)


def json_depth(data: bytes | str, limit: int | None = None) -> int:
    """The deepest bracket nesting in JSON text, counted without parsing it (brackets inside
    strings do not count), or ``limit + 1`` as soon as it is known to be deeper than
    ``limit``. Never less than what ``json.loads`` recurses on the same text, so a text
    within a bound is safe to parse. Linear in the length of ``data``."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    depth = deepest = 0
    for m in _JSON_TOKEN.finditer(data):
        b = data[m.start()]
        if b == 0x22:  # a string
            continue
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
