"""The values every kind shares: config errors, a variant, a worked-solution step, a grade,
a typical slip and a plot."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any


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


def finite_number(v: Any) -> bool:
    """True for an int or float (not bool) that is a finite double: 10**400 (a JSON or YAML
    int) is not, and is refused rather than raising OverflowError where it meets a float."""
    if isinstance(v, bool) or not isinstance(v, int | float):
        return False
    try:
        return math.isfinite(v)
    except OverflowError:
        return False


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
