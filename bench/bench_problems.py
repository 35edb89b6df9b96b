"""Benchmark: per kind, the time to generate + solve + solution + grade one variant
(graded twice: the right answer, and a wrong one, which also runs the misconception search).

Prints microseconds per variant (median of repeated runs) and the ratio to the 1 ms
target. Not a test: figures vary by machine; run with ``make bench``.
"""

from __future__ import annotations

import statistics
import time

import problems
from problems.check import perturb

TARGET_US = 1000.0


def one(kind, seed):
    v = kind.generate(seed)
    kind.solve(v.params)
    kind.solution(v.params)
    kind.grade(v.params, v.answers)
    fields = kind.answer_fields(v.params)
    kind.grade(v.params, {f["name"]: perturb(f, v.answers[f["name"]]) for f in fields})


def main(variants: int = 300, repeats: int = 5) -> None:
    print(f"{'kind':24s} {'µs/variant':>11s} {'× target':>9s}   (target {TARGET_US:.0f} µs)")
    worst = 0.0
    for slug, kind in problems.KINDS.items():
        runs = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            for seed in range(variants):
                one(kind, seed)
            runs.append((time.perf_counter() - t0) / variants * 1e6)
        us = statistics.median(runs)
        worst = max(worst, us)
        print(f"{slug:24s} {us:11.1f} {us / TARGET_US:9.2f}")
    print(f"{'slowest':24s} {worst:11.1f} {worst / TARGET_US:9.2f}")


if __name__ == "__main__":
    main()
