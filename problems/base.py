"""The shape every kind of exercise shares: config, variant, grade, worked-solution step.

A kind subclasses :class:`Kind` and writes: ``settings`` (its config, declared as data in
:mod:`problems.settings`), ``make_params`` (a random variant from a seeded generator),
``solve`` (the key from params alone), ``answer_fields``/``prompt``/``solution`` (what the
student sees), ``slips`` (the typical wrong answers, each with a tag and a sentence) and
how it is shown (``given_symbols``, ``named_activations``, ``plot``, ``facets``). Generating, grading and
recognising misconceptions are done here, the same way for every kind.
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from .activations import ACTIVATIONS, get_activation
from .grading import (
    EntryError,
    Policy,
    PolicyError,
    entries_match,
    parse_answer,
    parse_bool,
    parse_choice,
    parse_shape,
)


class ConfigError(ValueError):
    """A config (or pinned parameter, or policy) that cannot make a valid variant.

    ``setting`` names what it concerns: a setting's name, ``"fixed"`` (pinned parameters),
    ``"policy"``, or None. ``errors`` lists every (setting, message) found at once; ``str()``
    joins their messages."""

    def __init__(
        self,
        message: str,
        setting: str | None = None,
        errors: list[tuple[str | None, str]] | None = None,
    ):
        super().__init__(message)
        self.setting = setting
        self.errors = errors if errors is not None else [(setting, message)]

    @classmethod
    def joined(cls, errors: list[ConfigError]) -> ConfigError:
        """One error carrying all of ``errors`` (the first one's setting)."""
        pairs = [pair for e in errors for pair in e.errors]
        return cls("; ".join(m for _, m in pairs), pairs[0][0], pairs)


class UnknownKind(LookupError):
    """No kind has this slug."""


@dataclass(frozen=True)
class Variant:
    """One student's version of a problem: reproducible from ``seed`` and ``config``."""

    kind: str
    seed: int
    config: dict
    params: dict
    answers: dict

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Step:
    """One step of a worked solution: a title, a sentence, and the mathematics in LaTeX.

    ``answers`` maps answer names to the final answers exactly as this step's text shows
    them (e.g. ``{"y": "[0, 5, 4]"}``); typed back in, they score 1 under the kind's
    default policy. It is not part of :meth:`to_dict` (the API shows title, text, latex).
    """

    title: str
    text: str
    latex: str = ""
    answers: dict[str, str] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict:
        return {"title": self.title, "text": self.text, "latex": self.latex}


@dataclass
class Grade:
    """The result of grading one submission.

    ``score`` is in [0, 1]. ``results`` maps each answer to ``{"correct", "score",
    "entries"}`` (entries: booleans in the answer's shape). ``format_errors`` maps answer
    names to messages: if it is not empty nothing was graded, ``score`` is 0 and the
    submission must not count as an attempt (``counts_as_attempt`` is False).
    ``misconceptions`` are tags; ``feedback`` sentences a student understands.
    """

    score: float
    results: dict[str, dict]
    format_errors: dict[str, str]
    misconceptions: list[str]
    feedback: list[str]
    parsed: dict[str, Any] = field(default_factory=dict)

    @property
    def counts_as_attempt(self) -> bool:
        return not self.format_errors

    @property
    def correct(self) -> bool:
        return not self.format_errors and self.score >= 1.0

    def to_dict(self) -> dict:
        return {
            "score": self.score,
            "results": self.results,
            "format_errors": self.format_errors,
            "misconceptions": self.misconceptions,
            "feedback": self.feedback,
            "parsed": self.parsed,
        }


@dataclass(frozen=True)
class Slip:
    """A typical wrong answer: if the student's ``answer`` equals ``value``, tag it.

    ``shadows`` names tags this slip explains away when it matches the same answer: the
    more specific explanation wins (y = f(Wx) + b can equal ELU's values; it is named
    bias_after_activation, not wrong_activation)."""

    answer: str
    tag: str
    value: Any
    sentence: str
    shadows: tuple[str, ...] = ()


# ---------------------------------------------------------------- helpers for kinds


def plain(value: Any) -> Any:
    """numpy scalars and arrays as plain Python (lists, floats, ints, bools)."""
    if isinstance(value, np.ndarray):
        return numeric_plain(value) if value.dtype.kind == "f" else value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


SHOWN_SIGNIFICANT = 6  # a number with at most this many significant digits is shown exactly


def fmt(v: float) -> str:
    """A number as shown to people. Exactly when it is short: whole numbers, and numbers
    whose shortest decimal has at most 6 significant digits (every parameter, drawn or
    pinned, is shown so: the key is computed from exactly what the student reads).
    Otherwise rounded to 4 decimals and at least 4 significant figures (-0.01498, not
    -0.015), so that a shown result typed back is within a relative 1e-3 of the key."""
    return _fmt(float(v))


@lru_cache(maxsize=8192)  # a worked solution shows the same few numbers many times
def _fmt(v: float) -> str:
    if v == 0:
        return "0"
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    short = repr(v)
    if _significant(short) <= SHOWN_SIGNIFICANT or not math.isfinite(v):
        return short
    a = abs(v)
    if a < 1e-3:
        return f"{v:.3e}"
    decimals = max(4, 3 - math.floor(math.log10(a)))
    return f"{v:.{decimals}f}".rstrip("0").rstrip(".")


def _significant(text: str) -> int:
    """Significant digits of a shortest-repr decimal such as '-0.00126' or '1.5e-07'."""
    digits = text.lstrip("-").split("e")[0].replace(".", "").lstrip("0")
    return len(digits)


def shown_exactly(v: float) -> bool:
    """True when :func:`fmt` shows ``v`` without rounding (it reads back as the same double)."""
    return float(fmt(v)) == float(v)


def latex_num(v: float) -> str:
    return _latex_num(float(v))


@lru_cache(maxsize=8192)
def _latex_num(v: float) -> str:
    s = _fmt(v)
    if "e" in s:
        mant, exp = s.split("e")
        return rf"{mant} \times 10^{{{int(exp)}}}"
    return s


def latex_vec(v) -> str:
    """A vector as a LaTeX column."""
    return r"\begin{bmatrix} " + r" \\ ".join(latex_num(x) for x in np.ravel(v)) + r" \end{bmatrix}"


def latex_row(v) -> str:
    return r"\begin{bmatrix} " + " & ".join(latex_num(x) for x in np.ravel(v)) + r" \end{bmatrix}"


def latex_mat(m) -> str:
    rows = np.atleast_2d(np.asarray(m, dtype=float))
    body = r" \\ ".join(" & ".join(latex_num(x) for x in row) for row in rows)
    return r"\begin{bmatrix} " + body + r" \end{bmatrix}"


def paren(v: float) -> str:
    """A number in parentheses when negative, as the lecture writes (−1)(2)."""
    s = latex_num(v)
    return f"({s})"


def text_vec(v) -> str:
    return "[" + ", ".join(fmt(x) for x in np.ravel(v)) + "]"


def text_mat(m) -> str:
    return "[" + ", ".join(text_vec(r) for r in np.atleast_2d(m)) + "]"


def answer_field(
    name: str,
    shape: list[int],
    label: str,
    symbol: str | None = None,
    type: str = "number",
    options: list[str] | None = None,
    transposable: bool = False,
) -> dict:
    """One answer the student gives: its name, shape, label, type (number, boolean,
    choice with options, shape). ``transposable`` matrices accept the transposed shape
    as a (wrong) answer so that the slip can be named instead of a format error."""
    f = {"name": name, "shape": list(shape), "label": label, "symbol": symbol or name, "type": type}
    if options is not None:
        f["options"] = list(options)
    if transposable:
        f["transposable"] = True
    return f


def text_symbol(latex: str) -> str:
    """A LaTeX symbol with a digit subscript as plain text: ``W_1`` → ``W₁``."""
    return re.sub(r"_\{?(\d+)\}?", lambda m: m.group(1).translate(_SUBSCRIPT_DIGITS), latex)


_SUBSCRIPT_DIGITS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def entry_symbol(latex: str, i: int) -> str:
    """The LaTeX of entry ``i`` (from 1) of a vector: ``z`` → ``z_{2}``, ``z_1`` → ``z_{1,2}``
    (a second subscript is a LaTeX error)."""
    base, _, sub = latex.partition("_")
    sub = sub.strip("{}")
    return f"{base}_{{{sub},{i}}}" if sub else f"{base}_{{{i}}}"


def act_label(activation: str, alpha: float | None) -> str:
    a = get_activation(activation)
    if a.has_alpha:
        return f"{a.name} (α = {fmt(a.alpha(alpha))})"
    return a.name


# ---------------------------------------------------------------- config helpers


MAX_VALUE = 1e6
"""The largest magnitude of a drawn or pinned value. With every size bounded too, it keeps
every key finite (the largest, an MLP's output, stays below 1e20; softmax is computed with
the max subtracted), and it keeps numbers readable on a page."""


def check_range(name: str, value: Any) -> tuple[float, float]:
    if (
        not isinstance(value, list | tuple)
        or len(value) != 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        or not all(math.isfinite(v) for v in value)
        or value[0] > value[1]
    ):
        raise ConfigError(f"{name} must be [low, high] with low ≤ high, got {value!r}")
    if max(abs(value[0]), abs(value[1])) > MAX_VALUE:
        raise ConfigError(
            f"{name} must lie within ±1e6 (so that every key is a finite number a student "
            f"can read and type), got {value!r}"
        )
    return float(value[0]), float(value[1])


def check_size(name: str, value: Any, lo: int = 1, hi: int = 10) -> tuple[int, int]:
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value, value]
    if (
        not isinstance(value, list | tuple)
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        or value[0] > value[1]
    ):
        raise ConfigError(f"{name} must be a whole number or [low, high], got {value!r}")
    if value[0] < lo or value[1] > hi:
        raise ConfigError(f"{name} must lie between {lo} and {hi}, got {list(value)!r}")
    return int(value[0]), int(value[1])


def check_activations(name: str, value: Any, allowed: tuple[str, ...] | None = None) -> list[str]:
    allowed = allowed or tuple(ACTIVATIONS)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not value:
        raise ConfigError(f"{name} must be a non-empty list of activations")
    for a in value:
        if a not in allowed:
            raise ConfigError(f"unknown activation {a!r} in {name}; valid: {', '.join(allowed)}")
    return list(value)


def check_alpha(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 10:
        raise ConfigError(f"alpha must be a number in (0, 10], got {value!r}")
    if not shown_exactly(value):
        raise ConfigError(
            f"alpha = {value!r} has more digits than a question shows (at most "
            f"{SHOWN_SIGNIFICANT} significant); round it to the value students should read"
        )
    return float(value)


def check_decimals(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 4:
        raise ConfigError(f"decimals must be a whole number from 0 to 4, got {value!r}")
    return value


def draw(rng: np.random.Generator, shape, lo: float, hi: float, decimals: int) -> np.ndarray:
    """Values as the student sees them: whole numbers in [lo, hi], or uniform values
    rounded to ``decimals`` places. The key is computed from these rounded values."""
    if decimals == 0:
        ilo, ihi = math.ceil(lo), math.floor(hi)
        if ilo > ihi:
            raise ConfigError(f"no whole number lies in [{lo}, {hi}]")
        return rng.integers(ilo, ihi + 1, size=shape).astype(float)
    return np.round(rng.uniform(lo, hi, size=shape), decimals)


def as_numbers(value: Any, name: str, ndim: int) -> np.ndarray:
    """A pinned or stored parameter as a float array of ``ndim`` dimensions; ConfigError."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be numbers, got {value!r}") from None
    if arr.ndim != ndim or arr.size == 0 or not np.all(np.isfinite(arr)):
        what = {0: "a number", 1: "a non-empty list of numbers", 2: "a matrix (list of rows)"}
        raise ConfigError(f"{name} must be {what[ndim]}, got {value!r}")
    return arr


def numeric_plain(arr: np.ndarray) -> Any:
    """Whole-number floats stored as ints (2 not 2.0) so the student reads what we show."""
    lst = np.asarray(arr, dtype=float).tolist()

    def conv(v):
        if isinstance(v, list):
            return [conv(x) for x in v]
        return int(v) if float(v).is_integer() and abs(v) < 2**53 else v

    return conv(lst)


# ---------------------------------------------------------------- the Kind base class


@dataclass(frozen=True)
class Plot:
    """What a variant's plot shows: ``activation`` (with ``alpha``) over z, a dot at each of
    ``zs``; ``derivative`` adds f′."""

    activation: str
    alpha: float | None
    zs: tuple[float, ...]
    derivative: bool = False

    @property
    def caption(self) -> str:
        what = "The activation and its derivative" if self.derivative else "The activation"
        return f"{what}, with your z values marked."


class Kind:
    """Base of every exercise kind. See the module docstring for what a kind writes."""

    slug: str = ""
    title: str = ""
    settings: tuple = ()  # problems.settings.Setting, one per config key
    defaults: dict = {}  # derived from ``settings``
    param_names: tuple[str, ...] = ()
    default_policy: dict = {}
    # Pinned arrays that fix sizes: parameter → the size config key of each axis, e.g.
    # {"W": ("m", "n")}. A pinned W then sets m and n, so it needs no matching m and n.
    sizes: dict[str, tuple[str, ...]] = {}
    # How it is shown: parameter → LaTeX symbol of the givens shown as mathematics, in order;
    # (activation param, alpha param, symbol) of the activations named; statistics facets
    # (facet name → label, read from params by ``facets``).
    given_symbols: dict[str, str] = {}
    named_activations: tuple[tuple[str, str, str], ...] = ()
    facet_labels: dict[str, str] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "settings" in cls.__dict__:
            cls.defaults = {s.name: s.default for s in cls.settings}

    def setting(self, name: str):
        """The declared setting called ``name``; KeyError if none."""
        for s in self.settings:
            if s.name == name:
                return s
        raise KeyError(name)

    # ---- to be written by each kind

    def make_params(self, rng: np.random.Generator, cfg: dict) -> dict:
        raise NotImplementedError

    def validate_config(self, cfg: dict) -> None:
        """Rules between settings (each setting alone is checked from its declaration);
        raise ConfigError naming the setting concerned."""

    def check_params(self, params: dict) -> dict:
        """Params normalised (numbers as float arrays where useful); ConfigError if invalid."""
        return params

    def solve(self, params: dict) -> dict:
        raise NotImplementedError

    def prompt(self, params: dict) -> str:
        raise NotImplementedError

    def answer_fields(self, params: dict) -> list[dict]:
        raise NotImplementedError

    def solution(self, params: dict) -> list[Step]:
        raise NotImplementedError

    def slips(self, params: dict, key: dict) -> list[Slip]:
        return []

    # ---- how a variant is shown (overridable; the defaults read the declarations above)

    def givens(self, params: dict) -> list[str]:
        """The given quantities as LaTeX lines ``symbol = value`` (vectors as columns)."""
        out = []
        for key, symbol in self.given_symbols.items():
            value = params.get(key)
            if isinstance(value, list) and value and isinstance(value[0], list):
                out.append(f"{symbol} = {latex_mat(value)}")
            elif isinstance(value, list) and value:
                out.append(f"{symbol} = {latex_vec(value)}")
            elif isinstance(value, int | float) and not isinstance(value, bool):
                out.append(f"{symbol} = {latex_num(value)}")
        return out

    def activation_lines(self, params: dict) -> list[str]:
        """'f = ReLU' lines naming the activation(s) and α of a variant."""
        out = []
        for key, alpha_key, label in self.named_activations:
            if params.get(key) in ACTIVATIONS:
                act = ACTIVATIONS[params[key]]
                text = f"{label} = {act.name}"
                if act.has_alpha:
                    text += f" with α = {latex_num(act.alpha(params.get(alpha_key)))}"
                out.append(text)
        return out

    def plot(self, params: dict) -> Plot | None:
        """The variant's plot, or None (the default: no plot)."""
        return None

    def facets(self, params: dict) -> dict[str, str]:
        """Facet name → value of a variant for statistics (names from ``facet_labels``)."""
        return {}

    def config_schema(self) -> dict:
        """JSON Schema of this kind's config, from its declared settings."""
        from .settings import config_schema

        return config_schema(self.settings, self.param_names)

    # ---- shared machinery

    def configure(self, config: dict | None) -> dict:
        """Defaults merged with ``config``; ConfigError for unknown keys or bad values, with
        every setting's error at once (``ConfigError.errors``)."""
        from .settings import check_settings

        if config is None:
            config = {}
        if not isinstance(config, dict):
            raise ConfigError("config must be a mapping")
        unknown = sorted(set(config) - set(self.defaults) - {"fixed"}, key=str)
        if unknown:
            raise ConfigError(
                f"unknown config key(s) for {self.slug}: {', '.join(map(str, unknown))}; "
                f"valid: {', '.join(sorted([*self.defaults, 'fixed']))}"
            )
        cfg = copy.deepcopy(self.defaults)
        cfg.update(copy.deepcopy(config))
        fixed = cfg.setdefault("fixed", {})
        if not isinstance(fixed, dict):
            raise ConfigError("fixed must map parameter names to values", setting="fixed")
        bad = sorted(set(fixed) - set(self.param_names), key=str)
        if bad:
            raise ConfigError(
                f"cannot pin {', '.join(map(str, bad))} for {self.slug}; "
                f"parameters: {', '.join(self.param_names)}",
                setting="fixed",
            )
        for name, value in fixed.items():
            _check_pinned_numbers(name, value)
        inferred = self._pinned_sizes(fixed)
        cfg.update({axis: size for axis, (_name, size) in inferred.items()})
        errors = check_settings(self.settings, cfg)
        if not errors:
            try:
                self.validate_config(cfg)
            except ConfigError as exc:
                errors = [exc]
        if errors:
            if not inferred:
                raise ConfigError.joined(errors)
            pinned = ", ".join(sorted({name for name, _size in inferred.values()}))
            raise ConfigError.joined(
                [
                    ConfigError(f"{m} (sizes taken from the pinned {pinned})", setting=setting)
                    for e in errors
                    for setting, m in e.errors
                ]
            ) from None
        return cfg

    def _pinned_sizes(self, fixed: dict) -> dict[str, tuple[str, int]]:
        """Size config key → (pinned parameter, size) read from the pinned arrays' shapes.
        Arrays that are malformed or disagree are left to check_params, which names them."""
        inferred: dict[str, tuple[str, int]] = {}
        for name, axes in self.sizes.items():
            if name not in fixed:
                continue
            try:
                shape = np.shape(np.asarray(fixed[name], dtype=float))
            except (TypeError, ValueError):
                continue
            if len(shape) == len(axes):
                for axis, size in zip(axes, shape, strict=True):
                    inferred.setdefault(axis, (name, int(size)))
        return inferred

    def generate(self, seed: int, config: dict | None = None) -> Variant:
        """A variant from ``seed`` and ``config``: the same pair gives the same variant."""
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
            raise ConfigError(f"seed must be a whole number ≥ 0, got {seed!r}")
        cfg = self.configure(config)
        rng = np.random.default_rng(seed)
        params = self.make_params(rng, cfg)
        params.update(copy.deepcopy(cfg["fixed"]))
        try:
            self.check_params(params)
        except ConfigError as exc:
            if exc.setting is None and cfg["fixed"]:  # a pinned parameter does not fit
                raise ConfigError(str(exc), setting="fixed") from None
            raise
        params = plain(params)
        answers = self.solve(params)
        for name, value in answers.items():
            if not _all_finite(value):
                # validate_config's bounds make this unreachable; never store an inf key
                raise ConfigError(
                    f"this config gives {name} = {value!r}, not a finite number; "
                    "narrow its ranges or sizes"
                )
        return Variant(self.slug, seed, copy.deepcopy(config or {}), params, answers)

    def policy(self, policy: dict | None = None) -> Policy:
        """The grading policy in force: this kind's defaults, then ``policy``. ConfigError
        for an invalid policy, including weights that name an answer this kind does not
        have or that leave every answer a weight of 0."""
        try:
            pol = Policy.from_dict({}, self.default_policy, policy)
            if pol.weights:
                pol.check_weights(self.answer_names())
            return pol
        except PolicyError as exc:
            raise ConfigError(str(exc), setting="policy") from None

    def answer_names(self) -> list[str]:
        """The names of this kind's answers (the same for every variant of a kind)."""
        if "_answer_names" not in self.__dict__:
            fields = self.answer_fields(self.generate(0).params)
            self.__dict__["_answer_names"] = [f["name"] for f in fields]
        return list(self.__dict__["_answer_names"])

    def describe_policy(self, policy: dict | None = None) -> str:
        return self.policy(policy).describe()

    def grade(self, params: dict, submission: Any, policy: dict | None = None) -> Grade:
        """Grade ``submission`` (answer name → value) against the key of ``params``.

        Never raises for a submission, whatever it holds (numbers of any size, numpy
        values, nested lists, mappings, text): unreadable entries, wrong shapes, NaN,
        missing or unknown answers become ``format_errors`` (then nothing is graded).
        Raises ConfigError only for an invalid ``policy``.
        """
        pol = self.policy(policy)
        key = self.solve(params)
        fields = self.answer_fields(params)
        if not isinstance(submission, dict):
            return Grade(
                0.0,
                {},
                {"answers": "expected a mapping of answer names to values"},
                [],
                ["Nothing was graded: answers: expected a mapping of answer names to values."],
            )
        names = {f["name"] for f in fields}
        format_errors: dict[str, str] = {}
        for extra in sorted({_answer_name(k) for k in submission} - names):
            format_errors[extra] = f"unknown answer; expected {', '.join(sorted(names))}"
        parsed: dict[str, Any] = {}
        for f in fields:
            name = f["name"]
            raw = submission.get(name)
            if _is_blank(raw, f["type"]):
                format_errors[name] = "no answer given"
                continue
            try:
                parsed[name] = _parse_field(f, raw, pol)
            except EntryError as exc:
                format_errors[name] = str(exc)
        if format_errors:
            return Grade(
                0.0,
                {},
                format_errors,
                [],
                ["Nothing was graded: " + _join_errors(format_errors)],
                {},
            )

        results: dict[str, dict] = {}
        total = weight_sum = 0.0
        for f in fields:
            name = f["name"]
            ok = _compare(f, parsed[name], key[name], pol)
            frac = float(ok.mean()) if ok.size else 0.0
            correct = bool(ok.all())
            score = frac if pol.partial_credit == "entries" else float(correct)
            w = float(pol.weights.get(name, 1.0))
            total += w * score
            weight_sum += w
            results[name] = {"correct": correct, "score": score, "entries": ok.tolist()}
        score = total / weight_sum if weight_sum else 0.0
        if pol.partial_credit == "none":
            score = float(all(r["correct"] for r in results.values()))

        misconceptions: list[str] = []
        feedback: list[str] = []
        wrong = {n for n, r in results.items() if not r["correct"]}
        if wrong:
            slips = [slip for slip in self.slips(params, key) if slip.answer in wrong]
            matched = [
                s for s, same in zip(slips, _matching(slips, parsed, pol), strict=True) if same
            ]
            shadowed = {(s.answer, tag) for s in matched for tag in s.shadows}
            for slip in matched:
                if (slip.answer, slip.tag) not in shadowed and slip.tag not in misconceptions:
                    misconceptions.append(slip.tag)
                    feedback.append(slip.sentence)
            for f in fields:
                if f["name"] in wrong:
                    feedback.append(_wrong_sentence(f, results[f["name"]]))
        else:
            feedback.append("All correct.")
        return Grade(
            round(score, 12),
            results,
            {},
            misconceptions,
            feedback,
            {n: plain(v) for n, v in parsed.items()},
        )


def _numbers(value: Any):
    """Every number (not bool) in a nested list, dict or scalar."""
    if isinstance(value, dict):
        for v in value.values():
            yield from _numbers(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _numbers(v)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield value


def _all_finite(value: Any) -> bool:
    return all(math.isfinite(v) for v in _numbers(value))


def _check_pinned_numbers(name: str, value: Any) -> None:
    """A pinned value's numbers: finite, within ±1e6, and shown exactly as given."""
    for v in _numbers(value):
        if not math.isfinite(v) or abs(v) > MAX_VALUE:
            raise ConfigError(
                f"pinned {name} has {v!r}; values must lie within ±1e6 (so that every key "
                "is a finite number a student can read and type)",
                setting="fixed",
            )
        if not shown_exactly(v):
            raise ConfigError(
                f"pinned {name} has {v!r}, which has more digits than a question shows "
                f"(at most {SHOWN_SIGNIFICANT} significant); round it to the value students "
                "should read, so that the key is computed from what they see",
                setting="fixed",
            )


def _answer_name(key: Any) -> str:
    """A submitted answer name as text to report (JSON names are text; a caller's may be
    anything: str() of an int of 5,000 digits raises, a long name is cut)."""
    if not isinstance(key, str):
        key = f"<{type(key).__name__}>"
    return key if len(key) <= 40 else key[:40] + "…"


def _is_blank(raw: Any, type_: str) -> bool:
    """Nothing given: None, blank text or an empty list (an empty list is an answer for a
    shape: 'no result'). Never compares with ==, which numpy makes element-wise."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return True
    if type_ == "shape":
        return False
    if isinstance(raw, np.ndarray):
        return raw.size == 0
    return isinstance(raw, list | tuple) and len(raw) == 0


def _parse_field(f: dict, raw: Any, pol: Policy) -> Any:
    t = f["type"]
    if t == "boolean":
        return parse_bool(raw)
    if t == "choice":
        return parse_choice(raw, f["options"])
    if t == "shape":
        return parse_shape(raw)
    return parse_answer(raw, f["shape"], pol.entry, f["symbol"], bool(f.get("transposable")))


def _compare(f: dict, value: Any, key: Any, pol: Policy) -> np.ndarray:
    if f["type"] in ("boolean", "choice", "shape"):
        return np.array([value == key])
    value = np.asarray(value, dtype=float)
    key = np.asarray(key, dtype=float)
    if value.shape != key.shape:  # a transposed matrix: every entry wrong
        return np.zeros(key.shape, dtype=bool)
    return np.asarray(entries_match(value, key, pol))


def _matching(slips: list[Slip], parsed: dict, pol: Policy) -> list[bool]:
    """For each slip: does the student's answer equal its value? Numeric slips of one
    answer and one shape are compared in a single vectorised call (a wrong answer is
    checked against a dozen or more slips)."""
    out = [False] * len(slips)
    batches: dict[tuple, list[int]] = {}
    for i, slip in enumerate(slips):
        value, candidate = parsed[slip.answer], slip.value
        if isinstance(candidate, bool | str) or isinstance(value, bool | str) or candidate == []:
            out[i] = _same(value, candidate, pol)
            continue
        shape = np.shape(candidate)
        if shape == np.shape(value):
            batches.setdefault((slip.answer, shape), []).append(i)
    for (answer, _shape), idx in batches.items():
        candidates = np.array([slips[i].value for i in idx], dtype=float)
        value = np.asarray(parsed[answer], dtype=float)
        ok = entries_match(np.broadcast_to(value, candidates.shape), candidates, pol)
        hits = ok.reshape(len(idx), -1).all(axis=1)
        for i, hit in zip(idx, hits, strict=True):
            out[i] = bool(hit)
    return out


def _same(value: Any, candidate: Any, pol: Policy) -> bool:
    if isinstance(candidate, bool | str) or (isinstance(candidate, list) and not candidate):
        return value == candidate
    if isinstance(value, bool | str):
        return False
    v = np.asarray(value, dtype=float)
    c = np.asarray(candidate, dtype=float)
    return v.shape == c.shape and bool(np.all(entries_match(v, c, pol)))


def _wrong_sentence(f: dict, result: dict) -> str:
    entries = np.asarray(result["entries"])
    if f["type"] != "number" or entries.size == 1:
        return f"{f['symbol']} is not correct."
    return f"{f['symbol']}: {int(entries.sum())} of {entries.size} entries are correct."


def _join_errors(errors: dict[str, str]) -> str:
    return "; ".join(f"{n}: {m}" for n, m in errors.items()) + "."
