"""Command line: ``python -m problems show KIND --seed N`` prints a variant's question, key
and worked solution; ``python -m problems check --variants N`` runs every kind's self-check."""

from __future__ import annotations

import argparse
import json
import sys

from . import KINDS, get
from .check import self_check


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m problems")
    sub = parser.add_subparsers(dest="command", required=True)
    show = sub.add_parser("show", help="print one variant: question, key, worked solution")
    show.add_argument("kind", choices=sorted(KINDS))
    show.add_argument("--seed", type=int, default=0)
    show.add_argument("--config", default=None, help="config as JSON")
    check = sub.add_parser("check", help="self-check every kind on many variants")
    check.add_argument("--variants", type=int, default=1000)
    check.add_argument("--kind", choices=sorted(KINDS), action="append")
    args = parser.parse_args(argv)

    if args.command == "show":
        kind = get(args.kind)
        config = json.loads(args.config) if args.config else None
        variant = kind.generate(args.seed, config)
        print(f"{kind.title} — seed {args.seed}\n")
        print(kind.prompt(variant.params))
        print("\n" + kind.describe_policy())
        print("\nKey:")
        for name, value in variant.answers.items():
            print(f"  {name} = {json.dumps(value)}")
        print("\nWorked solution:")
        for i, step in enumerate(kind.solution(variant.params), 1):
            print(f"  {i}. {step.title}: {step.text}")
            if step.latex:
                print(f"     {step.latex}")
        return 0

    failures = 0
    for slug in args.kind or list(KINDS):
        report = self_check(get(slug), args.variants)
        failures += len(report.failures)
        status = "ok" if not report.failures else f"{len(report.failures)} FAILED"
        print(f"{slug:24s} {report.checked:6d} variants  {status}")
        for seed, reason in report.failures[:5]:
            print(f"    seed {seed}: {reason}")
    print(f"{'all kinds':24s} {'failures: ' + str(failures)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
