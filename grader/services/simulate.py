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
from dataclasses import asdict, dataclass
from datetime import timedelta

import numpy as np
import sqlalchemy as sa

import problems
from problems.check import perturb

from ..extensions import db
from ..models import (
    Assignment,
    AssignmentProblem,
    Course,
    Enrollment,
    ProblemTemplate,
    User,
    Variant,
    utcnow,
)
from .submissions import (
    Summary,
    credited_score,
    insert_submissions,
    normalise,
    note_attempt,
    submission_row,
)

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
    """One graded answer of a pool variant, its JSON serialised once for every row."""

    raw: str
    parsed: str
    raw_score: float
    results: str
    tags: list[str]
    misconceptions: str
    feedback: str
    normalised: str


def late(a: Assignment, t) -> bool:
    """The rule ``problem_state`` applies (a simulated student has no extension)."""
    return a.due_at is not None and t > a.due_at


def credited(a: Assignment, o: Outcome, attempt: int, t) -> float:
    return credited_score(a, o.raw_score, attempt, late(a, t))


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
        json.dumps(g.misconceptions),
        json.dumps(g.feedback),
        normalise(g.parsed),
    )


def build_pool(
    ap: AssignmentProblem, rng: np.random.Generator, size: int = POOL
) -> list[PoolVariant]:
    kind = problems.get(ap.template.kind)
    policy = ap.template.policy
    pool = []
    for _ in range(size):
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


def simulate_class(
    course: Course,
    students: int,
    assignments: int,
    seed: int,
    progress: Callable[[int], None] | None = None,
    chunk: int = 500,
    pool: int = POOL,
) -> dict:
    """Add ``students`` simulated students and ``assignments`` assignments of ten problems
    with their variants and submissions to ``course``. Returns counts. ``pool`` variants
    per problem are generated and graded once, then dealt to the students.

    Rows are written in bulk but through the code of real attempts: ``submission_row``
    (every column), ``credited_score`` (late and retry penalties), ``note_attempt`` (the
    variant's summary) and ``insert_submissions``."""
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
    pools = {ap.id: build_pool(ap, rng, pool) for a in made for ap in a.problems}
    problems_ = [(a, ap) for a in made for ap in a.problems]

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
                pv = pools[ap.id][int(rng.integers(len(pools[ap.id])))]
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
                summary = Summary()
                for attempt, t, o in tries:
                    note_attempt(summary, attempt, credited(a, o, attempt, t), o.raw_score, t)
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
                        **asdict(summary),
                    }
                )
                attempts_of.append((a, ap.id, uid, tries))
        ids = db.session.scalars(
            sa.insert(Variant).returning(Variant.id, sort_by_parameter_order=True), variant_rows
        ).all()
        sub_rows, sub_tags = [], []
        for vid, (a, ap_id, uid, tries) in zip(ids, attempts_of, strict=True):
            for attempt, t, o in tries:
                sub_rows.append(
                    submission_row(
                        variant_id=vid,
                        assignment_problem_id=ap_id,
                        attempt=attempt,
                        raw=o.raw,
                        parsed=o.parsed,
                        raw_score=o.raw_score,
                        score=credited(a, o, attempt, t),
                        results=o.results,
                        misconceptions=o.misconceptions,
                        feedback=o.feedback,
                        late=late(a, t),
                        created_at=t,
                        normalised=o.normalised,
                    )
                )
                sub_tags.append((uid, o.tags))
        written, tagged = insert_submissions(sub_rows, sub_tags)
        db.session.commit()
        counts["students"] += n
        counts["variants"] += len(ids)
        counts["submissions"] += written
        counts["tags"] += tagged
        if progress:
            progress(n)
    return counts


def simulate_job(job, report) -> dict:
    """The ``simulate_class`` job (params: students, assignments, seed). Students are
    committed 500 at a time, so a stopped simulation keeps the students made so far."""
    course = db.session.get(Course, job.course_id)
    p = job.params
    report.set_total(int(p["students"]))
    report.line(
        f"simulating {p['students']} students and {p['assignments']} assignments "
        f"(seed {p['seed']}) in {course.code}"
    )
    counts = simulate_class(
        course, int(p["students"]), int(p["assignments"]), int(p["seed"]), progress=report.advance
    )
    report.line(
        f"{counts['students']} students, {counts['variants']} variants, "
        f"{counts['submissions']} submissions, {counts['tags']} misconception tags"
    )
    return counts
