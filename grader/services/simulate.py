"""A realistic simulated class for demos and benchmarks: students with an ability, problems
with a difficulty that depends on the activation (ReLU easy, GELU hard), attempts until
right (at most five), wrong answers drawn from each variant's typical slips so that the
misconception statistics have something to show. Rows go in by bulk inserts.

Speed: every problem gets a pool of variants generated and graded once (the right answer,
each slip, a near miss); students are dealt variants from the pool, so a class of 10,000
students needs a few thousand engine calls, not millions."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

import problems
from problems.check import perturb

from ..extensions import db
from ..models import (
    Assignment,
    AssignmentProblem,
    Course,
    Enrollment,
    ProblemTemplate,
    SubmissionTag,
    User,
    UTCDateTime,
    Variant,
    utcnow,
)
from .submissions import normalise

POOL = 40
MAX_ATTEMPTS = 5
DIFFICULTY = {
    "relu": 0.2,
    "leaky_relu": 0.5,
    "elu": 0.9,
    "sigmoid": 0.8,
    "tanh": 0.9,
    "swish": 1.4,
    "gelu": 1.7,
    "gelu_tanh": 1.6,
    None: 0.9,
}
PLAN = [  # (kind, config, points): ten problems per assignment, cycling
    ("dense_forward", {"activations": ["relu"]}, 10),
    ("dense_forward", {"activations": ["leaky_relu", "elu"]}, 10),
    ("activation_derivative", {"activations": ["relu", "sigmoid", "tanh", "gelu"]}, 5),
    ("activation_derivative", {"activations": ["swish", "elu", "leaky_relu"]}, 5),
    ("activation", {"activations": ["sigmoid", "tanh", "gelu"]}, 5),
    ("shape_check", {}, 2),
    ("param_count", {}, 3),
    ("softmax_cross_entropy", {}, 8),
    ("gradient_chain", {}, 6),
    ("dense_backward", {"activations": ["sigmoid", "tanh"]}, 12),
]


@dataclass
class Outcome:
    raw: str
    parsed: str
    raw_score: float
    results: str
    tags: list[str]
    feedback: str
    normalised: str


@dataclass
class PoolVariant:
    seed: int
    params: str
    answers: str
    facets: dict
    difficulty: float
    right: Outcome
    slips: list[Outcome]


def _outcome(kind, params, answer, policy) -> Outcome:
    g = kind.grade(params, answer, policy)
    return Outcome(
        json.dumps(answer),
        json.dumps(g.parsed),
        g.score,
        json.dumps(g.results),
        g.misconceptions,
        json.dumps(g.feedback),
        normalise(g.parsed),
    )


def build_pool(ap: AssignmentProblem, rng: np.random.Generator) -> list[PoolVariant]:
    kind = problems.get(ap.template.kind)
    policy = ap.template.policy
    pool = []
    for _ in range(POOL):
        seed = int(rng.integers(2**62))
        v = kind.generate(seed, ap.template.config)
        fields = kind.answer_fields(v.params)
        slips = []
        for slip in kind.slips(v.params, v.answers):
            answer = dict(v.answers, **{slip.answer: slip.value})
            o = _outcome(kind, v.params, answer, policy)
            if o.raw_score < 1 and o.tags:
                slips.append(o)
        near = {f["name"]: perturb(f, v.answers[f["name"]]) for f in fields}
        slips.append(_outcome(kind, v.params, near, policy))  # a slip nobody named
        f = kind.facets(v.params)
        pool.append(
            PoolVariant(
                seed,
                json.dumps(v.params),
                json.dumps(v.answers),
                f,
                next((DIFFICULTY[v] for v in f.values() if v in DIFFICULTY), 0.9),
                _outcome(kind, v.params, v.answers, policy),
                slips,
            )
        )
    return pool


def _as_is(text: str) -> str:
    return text


class _JsonText(sa.types.TypeDecorator):
    """JSON already serialised once per pool outcome, sent to PostgreSQL as JSONB as is."""

    impl = JSONB
    cache_ok = True

    def bind_processor(self, dialect):
        from psycopg.types.json import Jsonb

        return lambda value: None if value is None else Jsonb(value, dumps=_as_is)


def _submission_table(dialect: str) -> sa.Table:
    """The submission table with its JSON columns taking text (serialised once per outcome
    instead of once per row: 1.2 M rows × 5 columns adds up)."""
    json_type = _JsonText() if dialect == "postgresql" else sa.Text()
    return sa.Table(
        "submission",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("variant_id", sa.Integer),
        sa.Column("assignment_problem_id", sa.Integer),
        sa.Column("attempt", sa.Integer),
        sa.Column("raw", json_type),
        sa.Column("parsed", json_type),
        sa.Column("raw_score", sa.Float),
        sa.Column("score", sa.Float),
        sa.Column("results", json_type),
        sa.Column("misconceptions", json_type),
        sa.Column("feedback", json_type),
        sa.Column("late", sa.Boolean),
        sa.Column("normalised", sa.Text),
        sa.Column("created_at", UTCDateTime),
    )


def simulate_class(
    course: Course,
    students: int,
    assignments: int,
    seed: int,
    progress: Callable[[int], None] | None = None,
    chunk: int = 500,
) -> dict:
    """Add ``students`` simulated students and ``assignments`` assignments of ten problems
    with their variants and submissions to ``course``. Returns counts."""
    rng = np.random.default_rng(seed)
    start = utcnow() - timedelta(days=21)
    tag = f"sim{seed}"
    taken = db.session.scalar(
        sa.select(sa.func.count()).select_from(User).where(User.email.like(f"{tag}-%"))
    )
    made: list[Assignment] = []
    for k in range(assignments):
        a = Assignment(
            course_id=course.id,
            title=f"Simulated assignment {k + 1} ({tag})",
            mode="homework",
            due_at=start + timedelta(days=7 * (k + 1)),
            max_attempts=MAX_ATTEMPTS,
            published=True,
        )
        for pos, (kind, config, points) in enumerate(PLAN, 1):
            t = ProblemTemplate(
                course_id=course.id,
                kind=kind,
                title=f"{problems.get(kind).title} ({tag})",
                config=config,
                policy={},
            )
            a.problems.append(AssignmentProblem(position=pos, points=points, template=t))
        db.session.add(a)
        made.append(a)
    db.session.commit()
    pools = {ap.id: build_pool(ap, rng) for a in made for ap in a.problems}
    problems_ = [(a, ap) for a in made for ap in a.problems]

    sub_table = _submission_table(db.engine.dialect.name)
    counts = {"students": 0, "variants": 0, "submissions": 0, "tags": 0}
    for first in range(0, students, chunk):
        n = min(chunk, students - first)
        users = db.session.scalars(
            sa.insert(User).returning(User.id, sort_by_parameter_order=True),
            [
                {
                    "email": f"{tag}-{taken + first + i + 1}@example.invalid",
                    "name": f"Sim Student {taken + first + i + 1}",
                    "password_hash": None,
                    "is_admin": False,
                    "created_at": start,
                }
                for i in range(n)
            ],
        ).all()
        db.session.execute(
            sa.insert(Enrollment),
            [
                {
                    "user_id": uid,
                    "course_id": course.id,
                    "role": "student",
                    "section": "ABCD"[i % 4],
                    "created_at": start,
                }
                for i, uid in enumerate(users)
            ],
        )
        ability = rng.normal(0.0, 1.0, size=n)
        variant_rows, attempts_of = [], []
        for i, uid in enumerate(users):
            for a, ap in problems_:
                if rng.random() < 0.04:  # some students skip a problem
                    continue
                pv = pools[ap.id][int(rng.integers(POOL))]
                viewed = (
                    a.due_at
                    - timedelta(days=6)
                    + timedelta(minutes=float(rng.uniform(0, 6 * 24 * 60)))
                )
                tries, t = [], viewed
                for attempt in range(1, MAX_ATTEMPTS + 1):
                    t = t + timedelta(minutes=float(rng.exponential(6.0)) + 0.5)
                    p = 1.0 / (
                        1.0 + math.exp(-(ability[i] - pv.difficulty - 0.6 + 0.45 * (attempt - 1)))
                    )
                    o = pv.right if rng.random() < p else pv.slips[int(rng.integers(len(pv.slips)))]
                    tries.append((attempt, t, o))
                    if o.raw_score >= 1.0:
                        break
                first_right = next((k for k, _t, o in tries if o.raw_score >= 1.0), None)
                variant_rows.append(
                    {
                        "assignment_problem_id": ap.id,
                        "user_id": uid,
                        "number": 1,
                        "kind": ap.template.kind,
                        "seed": pv.seed,
                        "params": json.loads(pv.params),
                        "answers": json.loads(pv.answers),
                        "config": ap.template.config,
                        "facets": pv.facets,
                        "created_at": viewed,
                        "attempts": len(tries),
                        "best_score": max(o.raw_score for _k, _t, o in tries),
                        "last_score": tries[-1][2].raw_score,
                        "first_correct": tries[0][2].raw_score >= 1.0,
                        "correct": first_right is not None,
                        "first_correct_attempt": first_right,
                        "first_at": tries[0][1],
                        "first_correct_at": tries[first_right - 1][1] if first_right else None,
                    }
                )
                attempts_of.append((ap.id, uid, tries))
        ids = db.session.scalars(
            sa.insert(Variant).returning(Variant.id, sort_by_parameter_order=True), variant_rows
        ).all()
        sub_rows, sub_tags = [], []
        for vid, (ap_id, uid, tries) in zip(ids, attempts_of, strict=True):
            for attempt, t, o in tries:
                sub_rows.append(
                    {
                        "variant_id": vid,
                        "assignment_problem_id": ap_id,
                        "attempt": attempt,
                        "raw": o.raw,
                        "parsed": o.parsed,
                        "raw_score": o.raw_score,
                        "score": o.raw_score,
                        "results": o.results,
                        "misconceptions": json.dumps(o.tags),
                        "feedback": o.feedback,
                        "late": False,
                        "normalised": o.normalised,
                        "created_at": t,
                    }
                )
                sub_tags.append((ap_id, uid, o.tags))
        sub_ids = (
            db.session.scalars(
                sa.insert(sub_table).returning(sub_table.c.id, sort_by_parameter_order=True),
                sub_rows,
            ).all()
            if sub_rows
            else []
        )
        tag_rows = [
            {"submission_id": sid, "tag": tg, "assignment_problem_id": ap_id, "user_id": uid}
            for sid, (ap_id, uid, tags) in zip(sub_ids, sub_tags, strict=True)
            for tg in tags
        ]
        if tag_rows:
            db.session.execute(sa.insert(SubmissionTag), tag_rows)
        db.session.commit()
        counts["students"] += n
        counts["variants"] += len(ids)
        counts["submissions"] += len(sub_rows)
        counts["tags"] += len(tag_rows)
        if progress:
            progress(n)
    return counts
