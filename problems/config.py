"""Checks and draws shared by kinds' configs and pinned parameters: value bounds (±1e6),
sizes, α, drawing rounded values, parameters as arrays. Each setting alone is checked from
its declaration (:mod:`problems.settings`); these serve ``make_params`` and ``check_params``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .formatting import SHOWN_SIGNIFICANT, shown_exactly
from .values import ConfigError, finite_number

MAX_VALUE = 1e6
"""The largest magnitude of a drawn or pinned value. With every size bounded too, it keeps
every key finite (the largest, an MLP's output, stays below 1e20; softmax is computed with
the max subtracted), and it keeps numbers readable on a page."""


def check_range(name: str, value: Any) -> tuple[float, float]:
    if (
        not isinstance(value, list | tuple)
        or len(value) != 2
        or not all(finite_number(v) for v in value)
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


def check_alpha(value: Any) -> float | None:
    if value is None:
        return None
    if not finite_number(value) or not 0 < value <= 10:
        raise ConfigError(f"alpha must be a number in (0, 10], got {value!r}")
    if not shown_exactly(value):
        raise ConfigError(
            f"alpha = {value!r} has more digits than a question shows (at most "
            f"{SHOWN_SIGNIFICANT} significant); round it to the value students should read"
        )
    return float(value)


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
    except (TypeError, ValueError, OverflowError):
        raise ConfigError(f"{name} must be numbers, got {value!r}") from None
    if arr.ndim != ndim or arr.size == 0 or not np.all(np.isfinite(arr)):
        what = {0: "a number", 1: "a non-empty list of numbers", 2: "a matrix (list of rows)"}
        raise ConfigError(f"{name} must be {what[ndim]}, got {value!r}")
    return arr


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


def _has_bool(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_has_bool(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_bool(v) for v in value)
    return isinstance(value, bool)


def _all_finite(value: Any) -> bool:
    return all(finite_number(v) for v in _numbers(value))


def _check_pinned_numbers(name: str, value: Any) -> None:
    """A pinned value's numbers: finite, within ±1e6, and shown exactly as given; no
    true/false among them (numpy would read True as 1)."""
    if _has_bool(value):
        raise ConfigError(
            f"pinned {name} has true or false where a number or word belongs", setting="fixed"
        )
    for v in _numbers(value):
        if not finite_number(v) or abs(v) > MAX_VALUE:
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
