"""Entry parsing, tolerance and partial credit: the one grading mechanism of every kind.

A submission maps answer names to values: a number, a (nested) list, or strings per entry
(``"3/4"``, ``"-1.5e-2"``, a pasted ``"[0, 5, 4]"``). :func:`parse_answer` turns one answer
into a float array of the declared shape or a clear message (a *format error*: not graded,
no attempt used). :func:`entries_match` applies the tolerance. Expressions are evaluated by
a small whitelist walker over Python's ``ast``, never by ``eval``, with bounded length,
nesting and magnitude.
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from .values import finite_number

MAX_ENTRY_CHARS = 120
MAX_ANSWER_CHARS = 5000
# Larger than any key the configs allow can reach (a 12-link chain of weights up to 1e6 with
# ELU's α = 10 stays below 1e90; the contract test checks it), so every key can be typed.
MAX_MAGNITUDE = 1e100
MAX_WEIGHT = 1e6
ENTRY_MODES = ("numbers", "arithmetic", "functions")
PARTIAL_MODES = ("entries", "answers", "none")


class PolicyError(ValueError):
    """A grading policy that cannot be applied (unknown key, negative tolerance …)."""


@dataclass(frozen=True)
class Policy:
    """How a problem is graded.

    Exactly one tolerance rule is in force: ``decimals`` N if set, else ``sigfigs`` N if
    set, else ``rtol``/``atol`` (|s − k| ≤ atol + rtol·|k|). ``entry`` says what a student
    may type; ``partial_credit`` is ``"entries"`` (fraction of correct entries per answer),
    ``"answers"`` (each answer all or nothing) or ``"none"`` (the whole problem all or
    nothing); ``weights`` maps answer names to weights (default 1 each).
    """

    rtol: float = 1e-3
    atol: float = 5e-4
    sigfigs: int | None = None
    decimals: int | None = None
    entry: str = "numbers"
    partial_credit: str = "entries"
    weights: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, *layers: dict | None) -> Policy:
        """A policy from dicts applied in order (later keys win); PolicyError if invalid."""
        merged: dict[str, Any] = {}
        for layer in layers:
            if layer is None:
                continue
            if not isinstance(layer, dict):
                raise PolicyError("a grading policy must be a mapping")
            merged.update(layer)
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(merged) - known)
        if unknown:
            raise PolicyError(
                f"unknown policy key(s) {', '.join(unknown)}; valid: {', '.join(sorted(known))}"
            )
        pc = merged.get("partial_credit", "entries")
        if pc is True:
            merged["partial_credit"] = "entries"
        elif pc is False:
            merged["partial_credit"] = "none"
        try:
            policy = cls(**merged)
        except TypeError as exc:
            raise PolicyError(str(exc)) from None
        policy._validate()
        return policy

    def _validate(self) -> None:
        for name in ("rtol", "atol"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v < 1e6:
                raise PolicyError(f"{name} must be a number ≥ 0, got {v!r}")
        for name, lo, hi in (("sigfigs", 1, 15), ("decimals", 0, 12)):
            v = getattr(self, name)
            if v is not None and (
                isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi
            ):
                raise PolicyError(f"{name} must be a whole number from {lo} to {hi}, got {v!r}")
        if self.entry not in ENTRY_MODES:
            raise PolicyError(f"entry must be one of {', '.join(ENTRY_MODES)}, got {self.entry!r}")
        if self.partial_credit not in PARTIAL_MODES:
            raise PolicyError(
                f"partial_credit must be one of {', '.join(PARTIAL_MODES)}, "
                f"got {self.partial_credit!r}"
            )
        if not isinstance(self.weights, dict):
            raise PolicyError("policy weights must map answer names to numbers")
        for name, w in self.weights.items():
            if not isinstance(name, str):
                raise PolicyError(f"policy weights: answer names are text, got {name!r}")
            # a bound keeps the weighted sum finite (1e308 + 1e308 is inf, and inf/inf NaN)
            if (
                isinstance(w, bool)
                or not isinstance(w, int | float)
                or not (finite_number(w) and 0 <= w <= MAX_WEIGHT)
            ):
                raise PolicyError(
                    f"policy weights: the weight of {name} must be a number from 0 to "
                    f"{MAX_WEIGHT:g}, got {w!r}"
                )

    def check_weights(self, answers: list[str]) -> None:
        """PolicyError unless ``weights`` names only ``answers`` and leaves one of them a
        weight above 0 (answers not named weigh 1). All-zero weights would score every
        answer, even an all-correct one, 0."""
        unknown = sorted(set(self.weights) - set(answers))
        if unknown:
            raise PolicyError(
                f"policy weights name unknown answer(s) {', '.join(unknown)}; "
                f"answers: {', '.join(answers)}"
            )
        if answers and not any(self.weights.get(a, 1) > 0 for a in answers):
            raise PolicyError(
                "policy weights are all 0: at least one answer needs a weight above 0"
            )

    def to_dict(self) -> dict:
        """The policy as plain JSON-serializable data."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def describe(self) -> str:
        """The rule in words for a student, e.g. 'round to 3 decimals or give 4 significant figures'."""
        if self.decimals == 0:
            rule = "Give a whole number (within ±0.51)"
        elif self.decimals is not None:
            rule = f"Give your answer to {self.decimals} decimal place{'s' * (self.decimals != 1)}"
            rule += f" (within ±{_num(0.51 * 10.0**-self.decimals)})"
        elif self.sigfigs is not None:
            rule = f"Give {self.sigfigs} significant figure{'s' * (self.sigfigs != 1)}"
        else:
            parts = []
            if self.atol > 0:
                d = math.ceil(round(-math.log10(2 * self.atol), 9))
                if d >= 0:
                    parts.append(f"round to {d} decimal{'s' * (d != 1)}")
            if self.rtol > 0:
                s = max(1, math.ceil(round(1 - math.log10(2 * self.rtol), 9)))
                parts.append(f"give {s} significant figure{'s' * (s != 1)}")
            if not parts:
                rule = "Give the exact value"
            else:
                rule = " or ".join(parts)
                rule = rule[0].upper() + rule[1:]
            rule += f" (an entry counts within {_num(self.rtol * 100)} % or {_num(self.atol)})"
        accepts = {
            "numbers": "numbers such as 0.75, -1.5e-2 or 3/4",
            "arithmetic": "numbers or arithmetic such as (2*3 - 1)/4, 2^3, e, pi",
            "functions": "numbers, arithmetic and functions such as exp(-1), sqrt(2), tanh(0.5)",
        }[self.entry]
        return f"{rule}. You may enter {accepts}."


def _num(v: float) -> str:
    return f"{v:.6g}"


# ---------------------------------------------------------------- entry evaluation


class EntryError(ValueError):
    """One entry that cannot be read; the message is for the student."""


# [0-9], not \d: in Python \d also matches '٣' or '３', which float() then reads as 3.
_NUMBER = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_NUMBER_RE = re.compile(rf"^{_NUMBER}$")
_FRACTION_RE = re.compile(rf"^({_NUMBER})\s*/\s*({_NUMBER})$")
_RADIX_RE = re.compile(r"(?<![\w.])0[xXoObB]")
_UNDERSCORE_RE = re.compile(r"[0-9]_|_[0-9]")
_LEADING_ZEROS_RE = re.compile(r"(?<![\w.])0+(?=[0-9])")
_CONSTANTS = {"e": math.e, "pi": math.pi, "π": math.pi}


def _sigmoid(v: float) -> float:
    # exp of −|v| only: exp(800) overflows, while σ(−800) = e^−800/(1 + e^−800) is about 0
    if v >= 0:
        return 1.0 / (1.0 + math.exp(-v))
    e = math.exp(v)
    return e / (1.0 + e)


_FUNCTIONS = {
    "exp": math.exp,
    "log": math.log,
    "ln": math.log,
    "log10": math.log10,
    "log2": math.log2,
    "sqrt": math.sqrt,
    "tanh": math.tanh,
    "sinh": math.sinh,
    "cosh": math.cosh,
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "abs": abs,
    "erf": math.erf,
    "sigmoid": _sigmoid,
}
_BINOPS = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}
# Full-width forms (U+FF01–U+FF5E) are the ASCII characters at double width, what an
# East Asian input method types: "０．５" means 0.5, so they are read as ASCII. Other
# non-ASCII digits are refused (see _check_characters).
_FULL_WIDTH = {0xFF01 + i: 0x21 + i for i in range(0x5E)} | {0x3000: " "}


def _normalise_text(text: str) -> str:
    return (
        text.translate(_FULL_WIDTH)
        .strip()
        .replace("−", "-")
        .replace("–", "-")
        .replace("×", "*")
        .replace("·", "*")
        .replace("÷", "/")
        .replace("^", "**")
    )


def _check_characters(text: str, norm: str) -> None:
    """EntryError for what a person cannot mean as a decimal number, in every mode alike:
    digits of other scripts or superscripts ('٣', '²': Python's float() reads '٣' as 3, and
    '2²' is not 22), 0x/0o/0b literals and underscores in numbers (Python syntax)."""
    for ch in norm:
        if not ch.isascii() and ch.isnumeric():
            raise EntryError(f"could not read {text!r}: {ch!r} is not one of the digits 0-9")
    if _RADIX_RE.search(norm):
        raise EntryError(f"{text!r}: write numbers in decimal (0x, 0o and 0b are not accepted)")
    if _UNDERSCORE_RE.search(norm):
        raise EntryError(f"{text!r}: write numbers without underscores, e.g. 1000 for 1_000")


def _unwrap(raw: Any) -> Any:
    """A numpy scalar or array as plain Python, a tuple as a list (one level only: deeper
    levels are unwrapped as they are read, so that no recursion follows a deep nesting)."""
    if isinstance(raw, np.ndarray):
        return raw.tolist()
    if isinstance(raw, np.generic):
        return raw.item()
    if isinstance(raw, tuple):
        return list(raw)
    return raw


def parse_number(raw: Any, mode: str = "numbers") -> float:
    """One entry as a finite float, or EntryError with a message for the student.

    ``mode`` is ``"numbers"`` (decimals, scientific notation, fractions), ``"arithmetic"``
    (+ − × ÷ ^, parentheses, e, pi) or ``"functions"`` (adds exp, log, sqrt, tanh …). Only
    the digits 0-9 are digits (full-width ０-９ are read as 0-9); 0x…, 1_000 and digits of
    other scripts are refused in every mode. A numpy scalar counts as its value.
    """
    raw = _unwrap(raw)
    if isinstance(raw, bool):
        raise EntryError("expected a number, got true/false")
    if isinstance(raw, int):
        # float(10**400) raises OverflowError: compare as int first
        if abs(raw) > MAX_MAGNITUDE:
            raise EntryError("this number is too large (the limit is 1e100)")
        value = float(raw)
    elif isinstance(raw, float):
        value = raw
    elif isinstance(raw, str):
        text = raw.strip()
        if not text:
            raise EntryError("this entry is empty")
        if len(text) > MAX_ENTRY_CHARS:
            raise EntryError(f"this entry is longer than {MAX_ENTRY_CHARS} characters")
        value = _parse_text(text, mode)
    elif isinstance(raw, list):
        raise EntryError("expected a number, got a list")
    elif isinstance(raw, dict):
        raise EntryError("expected a number, got a mapping")
    elif raw is None:
        raise EntryError("expected a number, got nothing (null)")
    else:
        raise EntryError(f"expected a number, got {type(raw).__name__}")
    if math.isnan(value) or math.isinf(value):
        raise EntryError("NaN and infinity are not accepted")
    if abs(value) > MAX_MAGNITUDE:
        raise EntryError(f"{_num(value)} is too large (the limit is 1e100)")
    return value


_SPACED_SIGN_RE = re.compile(r"^([+-])\s+(?=[0-9.])")


def _parse_text(text: str, mode: str) -> float:
    # "- 0.5" is -0.5 in every mode (arithmetic reads it so anyway)
    norm = _SPACED_SIGN_RE.sub(r"\1", _normalise_text(text))
    _check_characters(text, norm)
    if _NUMBER_RE.match(norm):
        return float(norm)
    m = _FRACTION_RE.match(norm)
    if m:
        den = float(m.group(2))
        if den == 0:
            raise EntryError(f"{text!r} divides by zero")
        return float(m.group(1)) / den
    if mode == "numbers":
        raise EntryError(f"could not read {text!r} as a number; write e.g. 0.75, -1.5e-2 or 3/4")
    # "007" is 7 as a plain number; Python's grammar refuses it inside an expression
    norm = _LEADING_ZEROS_RE.sub("", norm)
    try:
        tree = ast.parse(norm, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise EntryError(f"could not read {text!r} as an expression") from None
    try:
        return float(_evaluate(tree.body, mode, depth=0))
    except EntryError:
        raise
    except ZeroDivisionError:
        raise EntryError(f"{text!r} divides by zero") from None
    except (OverflowError, ValueError, TypeError, RecursionError):
        raise EntryError(f"{text!r} has no finite real value") from None


def _evaluate(node: ast.AST, mode: str, depth: int) -> float:
    if depth > 40:
        raise EntryError("this expression is nested too deeply")
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return float(node.value)
    if isinstance(node, ast.Name) and node.id in _CONSTANTS:
        return _CONSTANTS[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd | ast.USub):
        v = _evaluate(node.operand, mode, depth + 1)
        return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        a = _evaluate(node.left, mode, depth + 1)
        b = _evaluate(node.right, mode, depth + 1)
        if isinstance(node.op, ast.Pow) and abs(b) > 1000:
            raise EntryError("an exponent larger than 1000 is not accepted")
        v = _BINOPS[type(node.op)](a, b)
        if isinstance(v, complex) or abs(v) > 1e300:
            raise EntryError("this expression has no finite real value")
        return v
    if (
        mode == "functions"
        and isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _FUNCTIONS
        and len(node.args) == 1
        and not node.keywords
    ):
        return _FUNCTIONS[node.func.id](_evaluate(node.args[0], mode, depth + 1))
    if isinstance(node, ast.Call) and mode != "functions":
        raise EntryError("functions such as exp() are not accepted here; give a number")
    allowed = "numbers, + - * / ^, parentheses, e and pi"
    if mode == "functions":
        allowed += ", and " + ", ".join(sorted(_FUNCTIONS))
    raise EntryError(f"only {allowed} are accepted")


# ---------------------------------------------------------------- answers of a shape


def _plain_numbers(token: str) -> list[str] | None:
    """``"0 5 4"`` or ``"3/4 1/2"`` as its entries if every space-separated part is a plain
    number or fraction (not ``"1 - 2"``, an expression), else None."""
    parts = token.split()
    if len(parts) > 1 and all(
        _NUMBER_RE.match(n) or _FRACTION_RE.match(n) for n in map(_normalise_text, parts)
    ):
        return parts
    return None


def _round_brackets(text: str) -> str:
    """``"(1, 2)"`` as ``"[1, 2]"``: parentheses around the whole answer holding a comma
    or semicolon outside inner parentheses are brackets; ``"(2*3 - 1)/4"`` stays as is."""
    if not (text.startswith("(") and text.endswith(")")):
        return text
    depth, separator = 0, False
    for i, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and i < len(text) - 1:
            return text  # the first "(" closes before the end: "(1)+(2)"
        separator = separator or (depth == 1 and ch in ",;")
    return "[" + text[1:-1] + "]" if separator else text


def split_list_text(text: str, spaces: bool = True) -> list:
    """A pasted list such as ``"[0, 5, 4]"``, ``"0, 5, 4"``, ``"0 5 4"``, ``"(0, 5, 4)"``,
    ``"[[1, 2], [3, 4]]"`` or rows ended by ";" or a line break (``"[1 2; 3 4]"``,
    ``"1, 2\n3, 4"``) as nested lists of entry strings (the outer brackets of a single
    list are dropped: ``"[0, 5, 4]"`` and ``"0, 5, 4"`` give the same). EntryError if the
    brackets do not balance or an entry is empty (``"0.5,,2"``, ``"[1, 2,]"``), naming it.
    Without ``spaces``, spaces never separate entries (a single number: ``"1 -2"`` is
    arithmetic, not two entries)."""
    if len(text) > MAX_ANSWER_CHARS:
        raise EntryError(f"this answer is longer than {MAX_ANSWER_CHARS} characters")
    stack: list[list] = [[]]
    # per level: the rows ended by ";" or a line break so far (None: no row break yet), so
    # that "1 2; 3 4" and "1, 2\n3, 4" are the rows [1, 2] and [3, 4]
    row_starts: list[list | None] = [None]
    token = ""
    depth_paren = 0
    last = "open"  # what the current level last read: "open", "sep" or "item"

    def empty_entry() -> EntryError:
        where = f"entry {len(stack[-1]) + 1}"
        if len(stack) > 2:
            where = f"row {len(stack[-2]) + 1}, {where}"
        return EntryError(f"{where} is empty (nothing between the commas)")

    def add_token() -> None:
        nonlocal token, last
        if token.strip():
            stack[-1].extend((spaces and _plain_numbers(token)) or [token.strip()])
            last = "item"
        token = ""

    def end_row() -> None:
        if row_starts[-1] is None:
            row_starts[-1] = []
        if stack[-1]:
            row_starts[-1].append(stack[-1])
            stack[-1] = []

    def close_level() -> list:
        level = stack.pop()
        rows = row_starts.pop()
        if rows is None:
            return level
        if level:
            rows.append(level)
        return rows

    for ch in _round_brackets(text.strip()):
        if ch == "[" and depth_paren == 0:
            if token.strip():
                raise EntryError("unexpected '[' after an entry")
            stack.append([])
            row_starts.append(None)
            token, last = "", "open"
        elif ch == "]" and depth_paren == 0:
            if len(stack) == 1:
                raise EntryError("a ']' has no matching '['")
            if not token.strip() and last == "sep":
                raise empty_entry()
            add_token()
            done = close_level()
            stack[-1].append(done)
            last = "item"
        elif ch == "\n" and not token.strip() and last != "item":
            pass  # a line break after a comma or at a row's start continues the list
        elif ch in ";\n" and depth_paren == 0 and not any(isinstance(i, list) for i in stack[-1]):
            if not token.strip() and last == "sep":
                raise empty_entry()
            add_token()
            if ch == ";" and not stack[-1] and last != "item":
                raise empty_entry()
            end_row()
            last = "open" if ch == "\n" else "sep"
        elif ch == "\n" and depth_paren == 0:
            add_token()  # a line break between bracketed rows: a space
        elif ch in ",;" and depth_paren == 0:
            if not token.strip() and last != "item":
                raise empty_entry()
            add_token()
            last = "sep"
        else:
            depth_paren += (ch == "(") - (ch == ")")
            token += ch
    if len(stack) != 1:
        raise EntryError("a '[' has no matching ']'")
    if not token.strip() and last == "sep":
        raise empty_entry()
    add_token()
    top = close_level()
    return top[0] if len(top) == 1 and isinstance(top[0], list) else top


def _as_list(raw: Any, spaces: bool = True) -> Any:
    """The answer's top level: a string split into entries, numpy as Python, else as is."""
    raw = _unwrap(raw)
    return split_list_text(raw, spaces) if isinstance(raw, str) else raw


def _row_or_entry(item: Any) -> Any:
    """An element of a matrix answer: a row (a list, or a string holding several entries
    or brackets, ``"1, 2"``, ``"[3]"``) as a list; one entry as itself."""
    item = _unwrap(item)
    if isinstance(item, str):
        parts = split_list_text(item)
        if len(parts) != 1 or item.strip().startswith("["):
            return parts
    return item


def parse_answer(
    raw: Any,
    shape: list[int],
    mode: str,
    label: str,
    transposable: bool = False,
    first: int = 1,
) -> np.ndarray:
    """One numeric answer as a float array of ``shape``; EntryError naming the entry.

    Strings and lists are read alike: ``"[1, 2, 3]"``, ``"1, 2, 3"``, ``"1 2 3"`` and
    ``[1, 2, 3]`` are the same answer, and strings per entry are read as entries. A
    single number may be given as ``x``, ``[x]`` or ``[[x]]``; a vector as a flat list, a
    one-row or a one-column matrix; a matrix as rows (lists, or strings such as
    ``"1, 2"``) or, when it has one row or one column (1×n, n×1: the only unambiguous
    case), as a flat list of its entries. With ``transposable``, the transposed matrix
    written as rows is returned in its own shape (a wrong answer, graded as one and
    named, not a format error); a flat list is never read as the transpose.
    """
    raw = _as_list(raw, spaces=bool(shape))
    if not shape:
        for _ in range(2):
            if isinstance(raw, list) and len(raw) == 1:
                raw = _unwrap(raw[0])
        if isinstance(raw, list):
            raise EntryError(f"expected a single number, got {_count(raw)}")
        try:
            return np.array(parse_number(raw, mode))
        except EntryError as exc:
            raise EntryError(f"{label}: {exc}") from None
    if not isinstance(raw, list):
        raw = [raw]
    if len(shape) == 1:
        (n,) = shape
        rows = [_unwrap(r) for r in raw]  # a string here is one entry ("1, 2" is unreadable)
        if rows and all(isinstance(r, list) for r in rows):
            if len(rows) == 1:  # one row [[a, b, c]]
                rows = rows[0]
            elif all(len(r) == 1 for r in rows):  # one column [[a], [b], [c]]
                rows = [r[0] for r in rows]
            else:
                raise EntryError(f"expected a list of {n} entries, got a matrix")
        if len(rows) != n:
            if n > 1 and len(rows) == 1 and not isinstance(rows[0], list):
                raise EntryError(f"expected a list of {n} entries, got a single value")
            raise EntryError(f"expected {n} entries, got {len(rows)}")
        return np.array(
            [_entry(v, mode, f"{label}{subscript(i + first)}") for i, v in enumerate(rows)]
        )
    r, c = shape
    items = [_row_or_entry(item) for item in raw]
    nested = [isinstance(item, list) for item in items]
    if not any(nested):
        if len(items) == r * c and (r == 1 or c == 1):
            items = [items[k * c : (k + 1) * c] for k in range(r)]
        elif len(items) == 1:
            raise EntryError(f"expected {_shape_words(shape)}, got a single value")
        elif len(items) == r * c:
            raise EntryError(
                f"expected a {r}×{c} matrix: write its {r} rows, e.g. [[…], […]], "
                f"not a flat list of {len(items)} entries"
            )
        else:
            raise EntryError(f"expected {r} rows of {c} entries, got a flat list of {len(items)}")
    elif not all(nested):
        raise EntryError("write every row as a list: some rows here are single entries")
    elif transposable and r != c and len(items) == c and all(len(row) == r for row in items):
        r, c = c, r
    if len(items) != r:
        raise EntryError(f"expected {r} rows of {c} entries, got {len(items)} rows")
    out = []
    for i, row in enumerate(items):
        if len(row) != c:
            raise EntryError(f"row {i + 1}: expected {c} entries, got {len(row)}")
        out.append(
            [
                _entry(v, mode, f"{label}{subscript(i + first)}{subscript(j + first)}")
                for j, v in enumerate(row)
            ]
        )
    return np.array(out)


def _entry(value: Any, mode: str, label: str) -> float:
    try:
        return parse_number(value, mode)
    except EntryError as exc:
        raise EntryError(f"{label}: {exc}") from None


def _count(raw: list) -> str:
    return f"{len(raw)} entries" if len(raw) != 1 else "a list"


def _shape_words(shape: list[int]) -> str:
    if len(shape) == 1:
        return f"a list of {shape[0]} entries"
    return f"a {shape[0]}×{shape[1]} matrix"


_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def subscript(i: int) -> str:
    """The index as Unicode subscript digits: 12 → '₁₂'."""
    return str(i).translate(_SUBSCRIPTS)


_TRUE = {"true", "t", "yes", "y", "1", "valid"}
_FALSE = {"false", "f", "no", "n", "0", "invalid"}


def parse_bool(raw: Any) -> bool:
    """true/false, yes/no, 1/0, valid/invalid; EntryError otherwise."""
    raw = _unwrap(raw)
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str):
        t = raw.strip().lower()
        if t in _TRUE:
            return True
        if t in _FALSE:
            return False
    raise EntryError("expected true or false")


def parse_choice(raw: Any, options: list[str]) -> str:
    """One of ``options`` (case and spaces ignored); EntryError listing them otherwise."""
    if isinstance(raw, str):
        t = raw.strip().lower().replace(" ", "_").replace("-", "_")
        for o in options:
            if o.lower() == t:
                return o
    raise EntryError(f"choose one of {', '.join(options)}")


def parse_shape(raw: Any) -> list[int]:
    """A matrix shape such as ``[3, 1]``, ``"3x1"`` or ``"3×1"``; ``[]``, ``""`` or
    ``"none"`` mean 'no result'. EntryError otherwise."""
    raw = _unwrap(raw)
    if raw is None:
        return []
    if isinstance(raw, str):
        t = raw.translate(_FULL_WIDTH).strip().lower()
        if t in ("", "none", "invalid", "[]", "-", "n/a"):
            return []
        parts = re.split(r"\s*(?:x|×|\*|,)\s*", t.strip("[]() "))
        # ASCII digits only, and few: int() reads '٣' as 3 and is slow on 4,000 digits
        if len(parts) != 2 or not all(re.fullmatch(r"[0-9]{1,6}", p) for p in parts):
            raise EntryError("write a shape as rows×columns, e.g. 3x1, or 'none'")
        raw = [int(p) for p in parts]
    if isinstance(raw, list):
        raw = [_unwrap(v) for v in raw]
    if (
        isinstance(raw, list)
        and len(raw) in (0, 2)
        and all(isinstance(v, int) and not isinstance(v, bool) and 0 < v < 100000 for v in raw)
    ):
        return list(raw)
    raise EntryError("write a shape as rows×columns, e.g. 3x1, or 'none'")


# ---------------------------------------------------------------- tolerance


def entries_match(submitted: np.ndarray, key: np.ndarray, policy: Policy) -> np.ndarray:
    """Boolean array: which entries of ``submitted`` are within tolerance of ``key``.

    decimals N: |s − k| < 0.51·10^−N; sigfigs N: |s − k| < 0.51·10^(⌊log10|k|⌋ − N + 1)
    (10^−(N−1)·0.51 where k = 0), as PrairieLearn does; otherwise
    |s − k| ≤ atol + rtol·|k|. NaN and inf never match.
    """
    s = np.asarray(submitted, dtype=float)
    k = np.asarray(key, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if policy.decimals is not None:
            ok = np.abs(s - k) < 0.51 * 10.0 ** (-policy.decimals)
        elif policy.sigfigs is not None:
            mag = np.where(k == 0, 0.0, np.floor(np.log10(np.where(k == 0, 1.0, np.abs(k)))))
            ok = np.abs(s - k) < 0.51 * 10.0 ** (mag - policy.sigfigs + 1)
        else:
            ok = np.abs(s - k) <= policy.atol + policy.rtol * np.abs(k)
    return ok & np.isfinite(s) & np.isfinite(k)
