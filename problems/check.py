"""Self-check of a kind under a config: generate → solve → grade(own key) = 1 and
grade(perturbed key) < 1 on many seeds. Used by ``python -m problems check`` and by the
instructors' "check 1,000 variants" button."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .base import ConfigError, Kind


@dataclass
class CheckReport:
    checked: int = 0
    failures: list[tuple[int, str]] = field(default_factory=list)


def perturb(f: dict, value: Any) -> Any:
    """A wrong answer close to ``value``: one entry moved well beyond any tolerance."""
    if f["type"] == "boolean":
        return not value
    if f["type"] == "choice":
        return next(o for o in f["options"] if o != value)
    if f["type"] == "shape":
        return [value[0] + 1, value[1]] if value else [1, 1]
    arr = np.array(value, dtype=float)
    flat = arr.reshape(-1)
    flat[0] = flat[0] + 0.1 * (1.0 + abs(flat[0]))
    return arr.tolist()


def self_check(
    kind: Kind,
    variants: int,
    config: dict | None = None,
    policy: dict | None = None,
    first_seed: int = 0,
) -> CheckReport:
    """Check ``variants`` seeds from ``first_seed``; each failure with its seed and reason."""
    report = CheckReport()
    for seed in range(first_seed, first_seed + variants):
        report.checked += 1
        try:
            v = kind.generate(seed, config)
            json.dumps(v.to_dict())
            if v.answers != kind.solve(v.params):
                report.failures.append((seed, "answers differ from solve(params)"))
                continue
            if v != kind.generate(seed, config):
                report.failures.append((seed, "not deterministic"))
                continue
            g = kind.grade(v.params, v.answers, policy)
            if g.score != 1.0:
                report.failures.append(
                    (seed, f"own key scored {g.score}: {g.format_errors or g.feedback}")
                )
                continue
            fields = kind.answer_fields(v.params)
            wrong = {f["name"]: perturb(f, v.answers[f["name"]]) for f in fields}
            g2 = kind.grade(v.params, wrong, policy)
            if not g2.score < 1.0:
                report.failures.append((seed, "a perturbed key still scored 1"))
                continue
            if not kind.solution(v.params):
                report.failures.append((seed, "empty worked solution"))
        except ConfigError as exc:
            report.failures.append((seed, f"config error: {exc}"))
        except Exception as exc:  # a self-check reports every crash with its seed
            report.failures.append((seed, f"{type(exc).__name__}: {exc}"))
    return report
