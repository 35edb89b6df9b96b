"""Benchmark: per kind, the time to generate + solve + solution + grade one variant.

Two figures per kind: grading the right answer, and grading a wrong one (which also runs
the misconception search, the slower path). Microseconds per variant (median of repeated
runs) and the ratio to the 1 ms target. Not a test: figures vary by machine; `make bench`.
"""

from __future__ import annotations

import statistics
import time

import problems
from problems.check import perturb

TARGET_US = 1000.0


def run(kind, seeds, wrong: bool) -> None:
    for seed in seeds:
        v = kind.generate(seed)
        kind.solve(v.params)
        kind.solution(v.params)
        if wrong:
            fields = kind.answer_fields(v.params)
            kind.grade(v.params, {f["name"]: perturb(f, v.answers[f["name"]]) for f in fields})
        else:
            kind.grade(v.params, v.answers)


def timed(kind, variants: int, repeats: int, wrong: bool) -> float:
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        run(kind, range(variants), wrong)
        runs.append((time.perf_counter() - t0) / variants * 1e6)
    return statistics.median(runs)


def main(variants: int = 300, repeats: int = 5) -> None:
    print(f"{'kind':24s} {'right µs':>9s} {'× 1 ms':>7s} {'wrong µs':>9s} {'× 1 ms':>7s}")
    worst = [0.0, 0.0]
    for slug, kind in problems.KINDS.items():
        right, wrong = timed(kind, variants, repeats, False), timed(kind, variants, repeats, True)
        worst = [max(worst[0], right), max(worst[1], wrong)]
        print(
            f"{slug:24s} {right:9.1f} {right / TARGET_US:7.2f} {wrong:9.1f} {wrong / TARGET_US:7.2f}"
        )
    print(
        f"{'slowest':24s} {worst[0]:9.1f} {worst[0] / TARGET_US:7.2f} {worst[1]:9.1f} {worst[1] / TARGET_US:7.2f}"
    )


if __name__ == "__main__":
    main()
