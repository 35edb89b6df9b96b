"""Each student's own variant: created on first view from a seed derived from (assignment
problem, student, number), stored with its params and key, and never regenerated."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa

import problems

from ..extensions import db
from ..models import AssignmentProblem, User, Variant


def derive_seed(assignment_problem_id: int, user_id: int, number: int = 1) -> int:
    """A 63-bit seed, the same on every machine for the same (problem, student, number)."""
    digest = hashlib.sha256(
        f"nn-grader/{assignment_problem_id}/{user_id}/{number}".encode()
    ).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def problem_config(ap: AssignmentProblem) -> dict:
    """The problem's config: its template's (a copy, safe to change)."""
    return dict(ap.template.config or {})


def problem_policy(ap: AssignmentProblem) -> dict:
    """The problem's grading policy: its template's (a copy, safe to change)."""
    return dict(ap.template.policy or {})


def current_variant(ap: AssignmentProblem, user: User) -> Variant | None:
    """The student's newest variant of the problem, or None before the first view."""
    return db.session.scalar(
        sa.select(Variant)
        .where(Variant.assignment_problem_id == ap.id, Variant.user_id == user.id)
        .order_by(Variant.number.desc())
        .limit(1)
    )


def _create(ap: AssignmentProblem, user: User, number: int) -> Variant:
    seed = derive_seed(ap.id, user.id, number)
    config = problem_config(ap)
    v = problems.get(ap.template.kind).generate(seed, config)
    variant = Variant(
        facets=problems.get(v.kind).facets(v.params),
        assignment_problem_id=ap.id,
        user_id=user.id,
        number=number,
        kind=v.kind,
        seed=seed,
        config=config,
        params=v.params,
        answers=v.answers,
    )
    db.session.add(variant)
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        # Another request (a second tab, another worker) created it first: use that one.
        db.session.rollback()
        existing = db.session.scalar(
            sa.select(Variant).where(
                Variant.assignment_problem_id == ap.id,
                Variant.user_id == user.id,
                Variant.number == number,
            )
        )
        if existing is None:
            raise
        return existing
    return variant


def get_or_create_variant(ap: AssignmentProblem, user: User) -> Variant:
    """The student's current variant, created (and committed) on the first view."""
    return current_variant(ap, user) or _create(ap, user, 1)


def new_practice_variant(ap: AssignmentProblem, user: User) -> Variant:
    """A fresh variant for practice mode; the earlier ones stay with their submissions."""
    current = current_variant(ap, user)
    return _create(ap, user, (current.number if current else 0) + 1)
