"""Each student's own variant: created on first view from a seed derived from (assignment
problem, student, number), stored with its params and key, and never regenerated."""

from __future__ import annotations

import hashlib
import json
import logging
from functools import lru_cache

import sqlalchemy as sa

import problems

from ..extensions import db
from ..models import AssignmentProblem, User, Variant

log = logging.getLogger(__name__)


class SubmissionRefused(Exception):
    """A submission the rules do not allow now: ``status`` (403/409), ``error`` code, message."""

    def __init__(self, status: int, error: str, message: str):
        super().__init__(message)
        self.status, self.error, self.message = status, error, message


UNAVAILABLE = (
    "This problem is unavailable: its template needs fixing by the instructor ({reason}). "
    "Nothing was created or graded; no attempt was used."
)


class ProblemUnavailable(SubmissionRefused):
    """The problem's stored template is one the engine now refuses (saved before a check was
    added): no variant can be made, or no attempt graded, until the instructor fixes it.
    A 409 with error ``problem_unavailable``; ``reason`` is the engine's message."""

    def __init__(self, reason: str):
        super().__init__(409, "problem_unavailable", UNAVAILABLE.format(reason=reason))
        self.reason = reason


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


def new_numbers(ap: AssignmentProblem) -> bool:
    """True if a new variant of the problem has new numbers; False for a template that pins
    every parameter (a lecture example), where "new variant" would repeat the same one."""
    return _varies(ap.template.kind, json.dumps(problem_config(ap), sort_keys=True))


@lru_cache(maxsize=1024)
def _varies(kind: str, config: str) -> bool:
    try:
        return problems.get(kind).varies(json.loads(config))
    except problems.ConfigError:
        return False


def grading_policy(ap: AssignmentProblem) -> dict:
    """The policy attempts at ``ap`` are graded with: :func:`problem_policy` when the engine
    accepts it. A policy saved before the engine checked weight names may weigh answers the
    kind does not have; such weights never had any effect (grading reads the weight of each
    answer it has), so they are dropped with a logged warning and every score stays what it
    was. Any other policy the engine refuses: ProblemUnavailable (grading under a rule the
    instructor did not write would be worse than not grading)."""
    policy = problem_policy(ap)
    kind = problems.get(ap.template.kind)
    try:
        kind.policy(policy)
        return policy
    except problems.ConfigError as exc:
        refused = exc
    weights = policy.get("weights")
    if isinstance(weights, dict):
        names = set(kind.answer_names())
        kept = {k: v for k, v in weights.items() if k in names}
        if kept != weights:
            trimmed = {**policy, "weights": kept}
            try:
                kind.policy(trimmed)
            except problems.ConfigError:
                pass
            else:
                log.warning(
                    "assignment problem %s: ignoring policy weights of unknown answers %s",
                    ap.id,
                    sorted(set(weights) - set(kept), key=str),
                )
                return trimmed
    raise ProblemUnavailable(str(refused))


def current_variant(ap: AssignmentProblem, user: User) -> Variant | None:
    """The student's newest variant of the problem, or None before the first view."""
    return db.session.scalar(
        sa.select(Variant)
        .where(Variant.assignment_problem_id == ap.id, Variant.user_id == user.id)
        .order_by(Variant.number.desc())
        .limit(1)
    )


def current_variants(aps: list[AssignmentProblem], user: User) -> dict[int, Variant]:
    """The student's newest variant of each of ``aps`` that has one, by problem id, in one
    query."""
    if not aps:
        return {}
    newest: dict[int, Variant] = {}
    for v in db.session.scalars(
        sa.select(Variant)
        .where(Variant.assignment_problem_id.in_([ap.id for ap in aps]), Variant.user_id == user.id)
        .order_by(Variant.number)
    ):
        newest[v.assignment_problem_id] = v
    return newest


def variants_for(aps: list[AssignmentProblem], user: User) -> list[Variant]:
    """The student's current variant of each of ``aps``, in order: read in one query, and
    those missing (the first view) made and committed together."""
    found = current_variants(aps, user)
    missing = [ap for ap in aps if ap.id not in found]
    if missing:
        made = [_new(ap, user, 1) for ap in missing]
        db.session.add_all(made)
        try:
            db.session.commit()
        except sa.exc.IntegrityError:  # another request made some first: one at a time
            db.session.rollback()
            return [get_or_create_variant(ap, user) for ap in aps]
        found.update((v.assignment_problem_id, v) for v in made)
    return [found[ap.id] for ap in aps]


def _new(ap: AssignmentProblem, user: User, number: int) -> Variant:
    """A new variant (not yet added to the session); ProblemUnavailable if the template
    is one the engine now refuses."""
    seed = derive_seed(ap.id, user.id, number)
    config = problem_config(ap)
    try:
        v = problems.get(ap.template.kind).generate(seed, config)
    except problems.ConfigError as exc:  # a template saved before a check was added
        raise ProblemUnavailable(str(exc)) from None
    return Variant(
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


def _create(ap: AssignmentProblem, user: User, number: int) -> Variant:
    variant = _new(ap, user, number)
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
