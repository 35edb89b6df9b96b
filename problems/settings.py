"""A kind's settings as typed data: one declaration drives config validation, the
instructor's form, the YAML/JSON spec check and the JSON schema of a template's config.

A :class:`Setting` has a ``name`` (the config key), a ``label`` (the words people read, used
in every message), a ``type``, bounds, a default and help text. Types:

- ``int``: a whole number in [lo, hi];
- ``float``: a number in [lo, hi] (``lo_open``: above lo), shown exactly as given;
  ``optional`` allows None (blank: the kind's own default);
- ``range``: [from, to] with from ≤ to inside [lo, hi]; ``whole`` ranges (sizes) hold whole
  numbers and accept one number for both ends;
- ``choice``: one of ``options``; ``multi-choice``: a non-empty list of ``options``;
- ``int-list``: a non-empty list of whole numbers in [lo, hi];
- ``matrix``: a non-empty list of equally long rows of numbers in [lo, hi];
- ``bool``: true or false.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .activations import ACTIVATIONS
from .config import MAX_VALUE
from .formatting import SHOWN_SIGNIFICANT, fmt, shown_exactly
from .values import ConfigError, finite_number

TYPES = ("int", "float", "range", "choice", "multi-choice", "int-list", "matrix", "bool")


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: Any) -> bool:
    return finite_number(v)


def _show(v: Any) -> str:
    return fmt(v) if _is_num(v) else repr(v)


@dataclass(frozen=True)
class Setting:
    """One config key of a kind, declared as data (see the module docstring)."""

    name: str
    label: str
    type: str
    default: Any
    lo: float | None = None
    hi: float | None = None
    options: tuple[str, ...] = ()
    whole: bool = False
    optional: bool = False
    lo_open: bool = False
    help: str = ""

    def __post_init__(self):
        if self.type not in TYPES:
            raise ValueError(f"setting {self.name}: type must be one of {', '.join(TYPES)}")

    def error(self, message: str) -> ConfigError:
        return ConfigError(f"{self.label}: {message}", setting=self.name)

    def _bounds(self) -> str:
        lo = "-1e6" if self.lo is None else _show(self.lo)
        hi = "1e6" if self.hi is None else _show(self.hi)
        return f"from {lo} to {hi}" if not self.lo_open else f"above {lo} and at most {hi}"

    def _inside(self, v: float) -> bool:
        lo = -MAX_VALUE if self.lo is None else self.lo
        hi = MAX_VALUE if self.hi is None else self.hi
        return (lo < v if self.lo_open else lo <= v) and v <= hi

    def check(self, value: Any) -> Any:
        """``value`` normalised (a size's one number stays as given); ConfigError naming
        this setting, in its label's words, if the kind cannot use it."""
        t = self.type
        if t == "bool":
            if not isinstance(value, bool):
                raise self.error(f"must be true or false, got {value!r}")
            return value
        if t == "int":
            if not _is_int(value) or not self._inside(value):
                raise self.error(f"must be a whole number {self._bounds()}, got {value!r}")
            return value
        if t == "float":
            if value is None and self.optional:
                return None
            if not _is_num(value) or not self._inside(value):
                raise self.error(f"must be a number {self._bounds()}, got {value!r}")
            if not shown_exactly(value):
                raise self.error(
                    f"{value!r} has more digits than a question shows (at most "
                    f"{SHOWN_SIGNIFICANT} significant); round it to the value students read"
                )
            return value
        if t == "range":
            return self._check_range(value)
        if t == "choice":
            if value not in self.options:
                raise self.error(f"unknown {value!r}; valid: {', '.join(self.options)}")
            return value
        if t == "multi-choice":
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list | tuple) or not value:
                raise self.error(f"choose at least one of: {', '.join(self.options)}")
            bad = [v for v in value if v not in self.options]
            if bad:
                raise self.error(
                    f"unknown {', '.join(repr(v) for v in bad)}; valid: {', '.join(self.options)}"
                )
            return list(value)
        if t == "int-list":
            if (
                not isinstance(value, list | tuple)
                or not value
                or not all(_is_int(v) and self._inside(v) for v in value)
            ):
                raise self.error(
                    f"must be a non-empty list of whole numbers {self._bounds()}, got {value!r}"
                )
            return list(value)
        # matrix
        if (
            not isinstance(value, list | tuple)
            or not value
            or not all(isinstance(r, list | tuple) and r for r in value)
            or len({len(r) for r in value}) != 1
            or not all(_is_num(v) and self._inside(v) for r in value for v in r)
        ):
            raise self.error(
                f"must be a matrix (equally long rows) of numbers {self._bounds()}, got {value!r}"
            )
        return [list(r) for r in value]

    def _check_range(self, value: Any) -> Any:
        ok = _is_int if self.whole else _is_num
        if self.whole and _is_int(value):
            pair = [value, value]
        elif isinstance(value, list | tuple) and len(value) == 2 and all(ok(v) for v in value):
            pair = list(value)
        else:
            what = "a whole number or [from, to] of whole numbers" if self.whole else "[from, to]"
            raise self.error(f"must be {what}, got {value!r}")
        if pair[0] > pair[1]:
            raise self.error(
                f"from must not be above to (got {_show(pair[0])} to {_show(pair[1])})"
            )
        if not (self._inside(pair[0]) and self._inside(pair[1])):
            got = f"got {_show(pair[0])} to {_show(pair[1])}"
            if self.lo in (None, -MAX_VALUE) and self.hi in (None, MAX_VALUE):
                raise self.error(
                    f"must lie within ±1e6 (so that every key is a finite number a student "
                    f"can read and type), {got}"
                )
            raise self.error(f"must lie between {_show(self.lo)} and {_show(self.hi)}, {got}")
        return value

    def schema(self) -> dict:
        """This setting as JSON Schema (for the OpenAPI description of a template's config)."""
        num = (
            {"type": "integer"}
            if self.whole or self.type in ("int", "int-list")
            else {"type": "number"}
        )
        if self.lo is not None:
            num["exclusiveMinimum" if self.lo_open else "minimum"] = self.lo
        if self.hi is not None:
            num["maximum"] = self.hi
        t = self.type
        if t == "bool":
            s: dict = {"type": "boolean"}
        elif t in ("int", "float"):
            s = dict(num)
            if t == "float" and self.optional:
                s = {"anyOf": [s, {"type": "null"}]}
        elif t == "range":
            pair = {"type": "array", "items": num, "minItems": 2, "maxItems": 2}
            s = {"anyOf": [num, pair]} if self.whole else pair
        elif t == "choice":
            s = {"type": "string", "enum": list(self.options)}
        elif t == "multi-choice":
            s = {
                "type": "array",
                "items": {"type": "string", "enum": list(self.options)},
                "minItems": 1,
            }
        elif t == "int-list":
            s = {"type": "array", "items": num, "minItems": 1}
        else:
            s = {"type": "array", "items": {"type": "array", "items": num, "minItems": 1}}
        return {**s, "title": self.label, "description": self.help, "default": self.default}


def check_settings(settings: tuple[Setting, ...], cfg: dict) -> list[ConfigError]:
    """Every setting of ``cfg`` checked, normalised in place; the errors, all of them."""
    errors = []
    for s in settings:
        try:
            cfg[s.name] = s.check(cfg[s.name])
        except ConfigError as exc:
            errors.append(exc)
    return errors


def config_schema(settings: tuple[Setting, ...], param_names: tuple[str, ...]) -> dict:
    """JSON Schema of a config: the settings, and ``fixed`` pinning parameters by name."""
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            **{s.name: s.schema() for s in settings},
            "fixed": {
                "type": "object",
                "description": "Parameters pinned for every student.",
                "propertyNames": {"enum": list(param_names)},
            },
        },
    }


# ---------------------------------------------------------------- settings kinds share


def size(name: str, label: str, default: Any, lo: int, hi: int, help: str = "") -> Setting:
    """A size drawn from [from, to] (or one number)."""
    return Setting(name, label, "range", default, lo=lo, hi=hi, whole=True, help=help)


def values(name: str, label: str, default: list, help: str = "") -> Setting:
    """A range values are drawn from (within ±1e6)."""
    return Setting(name, label, "range", default, lo=-MAX_VALUE, hi=MAX_VALUE, help=help)


def decimals(name: str = "decimals", label: str = "Decimals", default: int = 0) -> Setting:
    return Setting(
        name,
        label,
        "int",
        default,
        lo=0,
        hi=4,
        help="Decimal places of the drawn values; 0 = whole numbers.",
    )


def activations(name: str, label: str, default: list[str]) -> Setting:
    return Setting(name, label, "multi-choice", default, options=tuple(ACTIVATIONS))


def alpha() -> Setting:
    return Setting(
        "alpha",
        "α",
        "float",
        None,
        lo=0,
        hi=10,
        lo_open=True,
        optional=True,
        help="α of leaky ReLU and ELU; blank = PyTorch's default.",
    )
