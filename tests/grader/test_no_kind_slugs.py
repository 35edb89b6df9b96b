"""The engine is the one place that knows a kind: no kind slug appears in grader/ code or in
templates/, except in data (module-level constants in capitals: the template library, the
demo's and the simulation's problem lists)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import problems

ROOT = Path(__file__).resolve().parents[2]


def _is_data(node: ast.AST, parents: dict) -> bool:
    """Inside a module-level assignment to a CAPITALISED name."""
    while node in parents:
        parent = parents[node]
        if isinstance(parent, ast.Module):
            targets = getattr(node, "targets", None) or [getattr(node, "target", None)]
            return isinstance(node, ast.Assign | ast.AnnAssign) and all(
                isinstance(t, ast.Name) and t.id.isupper() for t in targets
            )
        node = parent
    return False


def slugs_in_python(text: str, slugs) -> list[tuple[int, str]]:
    tree = ast.parse(text)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            for slug in slugs:
                # a slug with "_" is one anywhere; "activation" is one only as a whole string
                hit = node.value == slug or ("_" in slug and re.search(rf"\b{slug}\b", node.value))
                if hit and not _is_data(node, parents):
                    found.append((node.lineno, slug))
    return sorted(found)


def slugs_in_template(text: str, slugs) -> list[tuple[int, str]]:
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        for slug in slugs:
            pattern = rf"\b{slug}\b" if "_" in slug else rf"""['"]{slug}['"]"""
            if re.search(pattern, line):
                found.append((number, slug))
    return found


def test_no_kind_slug_outside_data():
    slugs = sorted(problems.KINDS, key=len, reverse=True)
    found = []
    for path in sorted((ROOT / "grader").rglob("*.py")):
        found += [(path.name, *hit) for hit in slugs_in_python(path.read_text(), slugs)]
    for path in sorted((ROOT / "templates").rglob("*.html")):
        found += [(path.name, *hit) for hit in slugs_in_template(path.read_text(), slugs)]
    assert found == []


def test_the_scan_finds_slugs_in_code_and_templates_but_not_in_data():
    code = (
        'LIBRARY = [("dense_forward", {})]\n'
        "def f(kind):\n"
        '    return kind in ("activation", "dense_backward")\n'
        'MESSAGE = "x"\n'
        'def g():\n    text = "only for mlp_forward"\n'
    )
    assert slugs_in_python(
        code, ["mlp_forward", "dense_backward", "dense_forward", "activation"]
    ) == [
        (3, "activation"),
        (3, "dense_backward"),
        (6, "mlp_forward"),
    ]
    html = "{% if variant.kind in ('activation', 'gradient_chain') %}\n<p>The activation</p>"
    assert slugs_in_template(html, ["gradient_chain", "activation"]) == [
        (1, "gradient_chain"),
        (1, "activation"),
    ]
