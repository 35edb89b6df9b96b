"""The SQL of the class statistics: the per-(student, problem) rows and per-student totals
(as subqueries, or as a page's temporary tables) and the aggregates over them (GROUP BY,
window functions) on SQLite and PostgreSQL alike. Only small aggregated results come back
to Python, as plain numbers; ``tables`` turns them into titled tables. No query loads
every submission.

Conventions: a student's problem score is the credited score (best attempt, or the last
where the assignment says so) of their first variant, before overrides; "attempted" means
at least one graded submission; standard deviations are sample ones (n − 1, PostgreSQL's
stddev); medians average the two middle values; discrimination is Pearson's r of the
problem score with the assignment total (points), and "corrected" uses the total without
the problem's own points; quintiles split the assignment's students into five groups by
total (NTILE(5), lowest first)."""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

import problems

from ...extensions import db
from ...models import (
    Assignment,
    AssignmentProblem,
    Course,
    Enrollment,
    Submission,
    SubmissionTag,
    User,
    UTCDateTime,
    Variant,
)

BINS = 10
STATS_WORK_MEM = "32MB"


def _seconds(later, earlier):
    if db.engine.dialect.name == "postgresql":
        return sa.extract("epoch", later - earlier)
    return (sa.func.julianday(later) - sa.func.julianday(earlier)) * 86400.0


def _bin(value):
    """0..9: the tenth of [0, 1] the value falls in (1.0 in the last), as a CASE both
    databases compute alike (CAST rounds on PostgreSQL and truncates on SQLite)."""
    whens = [(value < (k + 1) / BINS, k) for k in range(BINS - 1)]
    return sa.case(*whens, else_=BINS - 1)


def _not_students(course_id: int):
    """The course's staff and the admins: their own tries never count. (Filtering these few
    out is cheaper than keeping every student in: a statistic reads NOT IN a short list.)"""
    staff = sa.select(Enrollment.user_id).where(
        Enrollment.course_id == course_id, Enrollment.role != "student"
    )
    return staff.union(sa.select(User.id).where(User.is_admin.is_(True)))


def _flag(column):
    return sa.case((column.is_(True), 1), else_=0)


def _sp_select(a: Assignment) -> sa.Select:
    """One row per (student, problem) attempted, from each first variant's running summary:
    score (best or last), attempts, first-try and eventual correctness, first correct attempt
    and time, first view and first submission, facets."""
    score = Variant.last_score if a.score_policy == "last" else Variant.best_score
    return (
        sa.select(
            Variant.user_id.label("user_id"),
            Variant.assignment_problem_id.label("ap_id"),
            AssignmentProblem.points.label("points"),
            *(_facet(name).label(f"facet_{name}") for name in FACETS),
            Variant.created_at.label("viewed_at"),
            score.label("score"),
            Variant.attempts.label("attempts"),
            _flag(Variant.first_correct).label("first_correct"),
            _flag(Variant.correct).label("correct"),
            Variant.first_correct_attempt.label("first_correct_attempt"),
            Variant.first_correct_at.label("first_correct_at"),
            Variant.first_at.label("first_at"),
            _seconds(Variant.first_correct_at, Variant.created_at).label("secs"),
        )
        .join(AssignmentProblem, AssignmentProblem.id == Variant.assignment_problem_id)
        .where(
            AssignmentProblem.assignment_id == a.id,
            # the same problems by id: the variants' (problem, user, number) index finds
            # the assignment's share of the table instead of reading all of it
            Variant.assignment_problem_id.in_([ap.id for ap in a.problems]),
            Variant.number == 1,
            Variant.attempts > 0,
            Variant.user_id.not_in(_not_students(a.course_id)),
        )
    )


def per_student_problem(a: Assignment):
    """The rows of ``_sp_select`` as a subquery."""
    return _sp_select(a).subquery("sp")


def _facet(name: str):
    """A variant's facet ``name`` as text (NULL when its kind has none), read from the
    facets JSON; the name is a declared identifier, checked before it reaches SQL."""
    if not FACET_NAME.fullmatch(name):
        raise ValueError(f"facet names are lower-case identifiers, not {name!r}")
    if db.engine.dialect.name == "postgresql":
        return sa.literal_column(f"variant.facets ->> '{name}'", sa.String)
    return sa.literal_column(f"json_extract(variant.facets, '$.{name}')", sa.String)


def sp_types() -> dict:
    """The columns of the ``sp`` scratch table (one per facet any kind declares)."""
    return {**SP_TYPES, **{f"facet_{name}": sa.String for name in FACETS}}


SP_TYPES = {
    "user_id": sa.Integer,
    "ap_id": sa.Integer,
    "points": sa.Float,
    "viewed_at": UTCDateTime,
    "score": sa.Float,
    "attempts": sa.Integer,
    "first_correct": sa.Integer,
    "correct": sa.Integer,
    "first_correct_attempt": sa.Integer,
    "first_correct_at": UTCDateTime,
    "first_at": UTCDateTime,
    "secs": sa.Float,
}


@dataclass
class Scratch:
    """The two temporary tables a statistics page reads: ``sp`` (one row per student and
    problem) and ``tot`` (one row per student: total and quintile)."""

    sp: sa.Table
    tot: sa.Table
    tags: sa.Table


def _temporary(select: sa.Select, columns: dict) -> sa.Table:
    name = "stats_" + secrets.token_hex(6)
    compiled = select.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True})
    db.session.execute(sa.text(f"CREATE TEMPORARY TABLE {name} AS {compiled}"))
    return sa.Table(name, sa.MetaData(), *[sa.Column(c, t) for c, t in columns.items()])


@contextmanager
def materialised(a: Assignment) -> Iterator[Scratch]:
    """The per-(student, problem) rows and the per-student totals in temporary tables of
    this request's connection, so that a page's dozen statistics read them once instead
    of each joining and aggregating again. Dropped at the end."""
    made: list[sa.Table] = []
    if db.engine.dialect.name == "postgresql":
        # The page sorts 100,000-row tables (medians, quintiles, distinct students per
        # tag): in memory instead of on disk at PostgreSQL's default 4 MB, for this
        # transaction only.
        db.session.execute(sa.text(f"SET LOCAL work_mem = '{STATS_WORK_MEM}'"))
    try:
        made.append(_temporary(_sp_select(a), sp_types()))
        made.append(
            _temporary(
                _totals_select(made[0]), {"user_id": sa.Integer, "total": sa.Float, "q": sa.Integer}
            )
        )
        made.append(
            _temporary(
                _tags_select(a),
                {"tag": sa.String, "assignment_problem_id": sa.Integer, "user_id": sa.Integer},
            )
        )
        yield Scratch(*made)
    finally:
        for t in made:
            db.session.execute(sa.text(f"DROP TABLE {t.name}"))


def _totals_select(sp) -> sa.Select:
    total = sa.func.sum(sp.c.points * sp.c.score)
    return sa.select(
        sp.c.user_id,
        total.label("total"),
        sa.func.ntile(5).over(order_by=(total, sp.c.user_id)).label("q"),
    ).group_by(sp.c.user_id)


def totals(sp):
    """One row per student who attempted the assignment: total points and quintile q (1–5,
    lowest totals first)."""
    return _totals_select(sp).subquery("totals")


def medians(rows_subquery, group_col: str, value_col: str) -> dict:
    """group → median of value (NULLs left out; the mean of the two middle values when
    their number is even): PostgreSQL's percentile_cont(0.5), elsewhere ROW_NUMBER/COUNT
    windows picking the middle rows."""
    g = rows_subquery.c[group_col]
    v = rows_subquery.c[value_col]
    if db.engine.dialect.name == "postgresql":
        q = (
            sa.select(g, sa.func.percentile_cont(0.5).within_group(v))
            .where(v.is_not(None))
            .group_by(g)
        )
        return {k: float(m) for k, m in db.session.execute(q)}
    ranked = (
        sa.select(
            g.label("g"),
            v.label("v"),
            sa.func.row_number().over(partition_by=g, order_by=v).label("rn"),
            sa.func.count().over(partition_by=g).label("n"),
        )
        .where(v.is_not(None))
        .subquery()
    )
    q = (
        sa.select(ranked.c.g, sa.func.avg(ranked.c.v))
        .where(ranked.c.rn.in_([(ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2]))
        .group_by(ranked.c.g)
    )
    # (n + 1) // 2 and (n + 2) // 2 are integer divisions on both databases: the middle rows.
    return {k: float(m) for k, m in db.session.execute(q)}


def pearson(n: int, sx: float, sy: float, sxx: float, syy: float, sxy: float) -> float | None:
    """Pearson's r from sums; None when a variable does not vary (or n < 2)."""
    if n < 2:
        return None
    den = (n * sxx - sx * sx) * (n * syy - sy * sy)
    if den <= 1e-12:
        return None
    return (n * sxy - sx * sy) / math.sqrt(den)


def sample_std(n: int, s: float, ss: float) -> float | None:
    if n < 2:
        return None
    return math.sqrt(max(0.0, (ss - s * s / n) / (n - 1)))


@dataclass
class ProblemStats:
    ap: AssignmentProblem
    attempted: int = 0
    mean: float | None = None
    median: float | None = None
    std: float | None = None
    first_try: float | None = None  # fraction of attempted
    eventually: float | None = None
    attempts_to_correct: float | None = None
    histogram: list[int] = field(default_factory=lambda: [0] * BINS)
    discrimination: float | None = None
    corrected: float | None = None
    quintiles: list[float | None] = field(default_factory=lambda: [None] * 5)
    time_to_correct_median: float | None = None  # seconds
    time_to_correct_mean: float | None = None


def histograms(sp) -> dict[int, list[int]]:
    """Problem id → students per tenth of the score (10 bins), for the problems attempted."""
    out: dict[int, list[int]] = {}
    for ap_id, b, count in db.session.execute(
        sa.select(sp.c.ap_id, _bin(sp.c.score).label("b"), sa.func.count()).group_by(
            sp.c.ap_id, "b"
        )
    ):
        out.setdefault(ap_id, [0] * BINS)[int(b)] = count
    return out


def problem_stats(a: Assignment, sp=None, tot=None) -> list[ProblemStats]:
    """Every statistic per problem of ``a``; problems nobody attempted have zeros and Nones."""
    sp = per_student_problem(a) if sp is None else sp
    tot = totals(sp) if tot is None else tot
    out = {ap.id: ProblemStats(ap) for ap in a.problems}
    rows = db.session.execute(
        sa.select(
            sp.c.ap_id,
            sa.func.count(),
            sa.func.sum(sp.c.score),
            sa.func.sum(sp.c.score * sp.c.score),
            sa.func.avg(sp.c.first_correct),
            sa.func.avg(sp.c.correct),
            sa.func.avg(sp.c.first_correct_attempt),
            sa.func.sum(sp.c.score * tot.c.total),
            sa.func.avg(sp.c.secs),
        )
        .join(tot, tot.c.user_id == sp.c.user_id)
        .group_by(sp.c.ap_id)
    ).all()
    n, sy, syy = db.session.execute(
        sa.select(sa.func.count(), sa.func.sum(tot.c.total), sa.func.sum(tot.c.total * tot.c.total))
    ).one()
    sy, syy = float(sy or 0.0), float(syy or 0.0)
    for ap_id, k, s, ss, first, ev, att, sxy, secs in rows:
        st = out[ap_id]
        s, ss, sxy = float(s), float(ss), float(sxy)
        st.attempted, st.mean, st.std = k, s / k, sample_std(k, s, ss)
        st.first_try, st.eventually = float(first), float(ev)
        st.attempts_to_correct = float(att) if att is not None else None
        st.time_to_correct_mean = float(secs) if secs is not None else None
        # over every student who attempted the assignment (0 where this problem was not tried)
        st.discrimination = pearson(n, s, sy, ss, syy, sxy)
        p = st.ap.points
        st.corrected = pearson(n, s, sy - p * s, ss, syy - 2 * p * sxy + p * p * ss, sxy - p * ss)
    for ap_id, m in medians(sp, "ap_id", "score").items():
        out[ap_id].median = m
    for ap_id, m in medians(sp, "ap_id", "secs").items():
        out[ap_id].time_to_correct_median = m
    for ap_id, counts in histograms(sp).items():
        out[ap_id].histogram = counts
    # quintiles of the assignment total; a student who skipped a problem scores 0 on it
    sizes = dict(db.session.execute(sa.select(tot.c.q, sa.func.count()).group_by(tot.c.q)).all())
    for ap_id, q, total in db.session.execute(
        sa.select(sp.c.ap_id, tot.c.q, sa.func.sum(sp.c.score))
        .join(tot, tot.c.user_id == sp.c.user_id)
        .group_by(sp.c.ap_id, tot.c.q)
    ):
        out[ap_id].quintiles[int(q) - 1] = float(total) / sizes[q]
    for st in out.values():
        st.quintiles = [
            0.0 if v is None and sizes.get(i + 1) else v for i, v in enumerate(st.quintiles)
        ]
    return [out[ap.id] for ap in a.problems]


def distribution_counts(a: Assignment, tot) -> dict[int, int]:
    """Tenth of the points possible (0..9) → students whose total falls in it."""
    possible = sum(ap.points for ap in a.problems) or 1.0
    return dict(
        db.session.execute(
            sa.select(_bin(tot.c.total / possible).label("b"), sa.func.count()).group_by("b")
        ).all()
    )


def completions_per_day(a: Assignment, sp) -> list[tuple[date | str, int]]:
    """(day, students who that day attempted the last of the assignment's problems they had
    not yet tried), the students who attempted every problem, in day order."""
    per_student = (
        sa.select(
            sp.c.user_id, sa.func.count().label("k"), sa.func.max(sp.c.first_at).label("done_at")
        )
        .group_by(sp.c.user_id)
        .subquery()
    )
    day = sa.func.date(per_student.c.done_at)
    return [
        (d, count)
        for d, count in db.session.execute(
            sa.select(day.label("d"), sa.func.count())
            .where(per_student.c.k == len(a.problems))
            .group_by("d")
            .order_by("d")
        )
    ]


class _Facets(Mapping):
    """Facet name → label, as the registered kinds declare them (``Kind.facet_labels``;
    the first label of a name wins). Read live, so a kind registered later is included."""

    def _labels(self) -> dict[str, str]:
        labels: dict[str, str] = {}
        for kind in problems.KINDS.values():
            for name, label in kind.facet_labels.items():
                labels.setdefault(name, label)
        return labels

    def __getitem__(self, name: str) -> str:
        return self._labels()[name]

    def __iter__(self):
        return iter(self._labels())

    def __len__(self) -> int:
        return len(self._labels())


FACETS: Mapping[str, str] = _Facets()
FACET_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")


def facet_rows(sp, facet: str, by_problem: bool) -> list[tuple]:
    """([problem id,] facet value, n, first-try fraction, eventual fraction, mean score) per
    facet value (and problem), in that order."""
    col = sp.c[f"facet_{facet}"]
    keys = [sp.c.ap_id, col] if by_problem else [col]
    return [
        tuple(r)
        for r in db.session.execute(
            sa.select(
                *keys,
                sa.func.count(),
                sa.func.avg(sp.c.first_correct),
                sa.func.avg(sp.c.correct),
                sa.func.avg(sp.c.score),
            )
            .where(col.is_not(None))
            .group_by(*keys)
            .order_by(*keys)
        )
    ]


def _tags_select(a: Assignment) -> sa.Select:
    """The students' misconception tags on the assignment's problems: one row per tag."""
    return sa.select(
        SubmissionTag.tag, SubmissionTag.assignment_problem_id, SubmissionTag.user_id
    ).where(
        SubmissionTag.assignment_problem_id.in_([ap.id for ap in a.problems]),
        SubmissionTag.user_id.not_in(_not_students(a.course_id)),
    )


def tags_of(a: Assignment, tags=None):
    """The tags subquery, or the page's temporary table of them when given."""
    return _tags_select(a).subquery() if tags is None else tags


def misconception_counts(t) -> list[tuple[str, int, int]]:
    """(tag, submissions, students) over the whole assignment, most frequent first."""
    return [
        tuple(r)
        for r in db.session.execute(
            sa.select(t.c.tag, sa.func.count(), sa.func.count(sa.distinct(t.c.user_id)))
            .group_by(t.c.tag)
            .order_by(sa.func.count().desc(), t.c.tag)
        )
    ]


def misconception_counts_by_problem(t) -> list[tuple[int, str, int, int]]:
    """(assignment problem id, tag, submissions, students), by problem, most frequent first."""
    return [
        tuple(r)
        for r in db.session.execute(
            sa.select(
                t.c.assignment_problem_id,
                t.c.tag,
                sa.func.count(),
                sa.func.count(sa.distinct(t.c.user_id)),
            )
            .group_by(t.c.assignment_problem_id, t.c.tag)
            .order_by(t.c.assignment_problem_id, sa.func.count().desc(), t.c.tag)
        )
    ]


def most_tagged_students(t, limit: int) -> list[tuple[str, str, int, int]]:
    """(name, email, tagged submissions, different tags) of the ``limit`` students with the
    most tagged submissions."""
    top = (
        sa.select(
            t.c.user_id,
            sa.func.count().label("k"),
            sa.func.count(sa.distinct(t.c.tag)).label("tags"),
        )
        .group_by(t.c.user_id)
        .order_by(sa.func.count().desc(), t.c.user_id)
        .limit(limit)
        .subquery()
    )
    return [
        tuple(r)
        for r in db.session.execute(
            sa.select(User.name, User.email, top.c.k, top.c.tags)
            .join(User, User.id == top.c.user_id)
            .order_by(top.c.k.desc(), User.name)
        )
    ]


def common_wrong_answers(a: Assignment, per_problem: int) -> list[tuple[int, str, int]]:
    """(assignment problem id, normalised answer, submissions) of the ``per_problem`` most
    common wrong answers of each problem given more than once, by students."""
    ap_ids = [ap.id for ap in a.problems]
    others_variants = sa.select(Variant.id).where(
        Variant.assignment_problem_id.in_(ap_ids), Variant.user_id.in_(_not_students(a.course_id))
    )
    counts = (
        sa.select(
            Submission.assignment_problem_id.label("ap_id"),
            Submission.normalised.label("answer"),
            sa.func.count().label("k"),
        )
        .where(
            Submission.assignment_problem_id.in_(ap_ids),
            Submission.raw_score < 1.0,
            Submission.normalised.is_not(None),
            Submission.variant_id.not_in(others_variants),
        )
        .group_by(Submission.assignment_problem_id, Submission.normalised)
        .subquery()
    )
    ranked = sa.select(
        counts,
        sa.func.row_number()
        .over(partition_by=counts.c.ap_id, order_by=(counts.c.k.desc(), counts.c.answer))
        .label("rn"),
    ).subquery()
    return [
        tuple(r)
        for r in db.session.execute(
            sa.select(ranked.c.ap_id, ranked.c.answer, ranked.c.k)
            .where(ranked.c.rn <= per_problem, ranked.c.k > 1)
            .order_by(ranked.c.ap_id, ranked.c.rn)
        )
    ]


def assignment_totals(
    course: Course, assignments: list[Assignment]
) -> tuple[dict[int, tuple[int, float]], dict[int, float]]:
    """Per assignment id: (students who attempted it, mean of their totals), and the median
    total, all assignments in one pass."""
    score = sa.case(
        (Assignment.score_policy == "last", Variant.last_score), else_=Variant.best_score
    )
    per_student = (
        sa.select(
            AssignmentProblem.assignment_id.label("a_id"),
            Variant.user_id,
            sa.func.sum(AssignmentProblem.points * score).label("total"),
        )
        .join(AssignmentProblem, AssignmentProblem.id == Variant.assignment_problem_id)
        .join(Assignment, Assignment.id == AssignmentProblem.assignment_id)
        .where(
            AssignmentProblem.assignment_id.in_([a.id for a in assignments]),
            Variant.number == 1,
            Variant.attempts > 0,
            Variant.user_id.not_in(_not_students(course.id)),
        )
        .group_by(AssignmentProblem.assignment_id, Variant.user_id)
        .subquery()
    )
    agg = {
        a_id: (k, float(mean))
        for a_id, k, mean in db.session.execute(
            sa.select(
                per_student.c.a_id, sa.func.count(), sa.func.avg(per_student.c.total)
            ).group_by(per_student.c.a_id)
        )
    }
    return agg, medians(per_student, "a_id", "total")


def student_standing(a: Assignment, user: User) -> tuple[int, int, float, int]:
    """One student on one assignment: (problems tried, problems right, points, tagged slips)."""
    sp = per_student_problem(a)
    k, right, pts = db.session.execute(
        sa.select(
            sa.func.count(), sa.func.sum(sp.c.correct), sa.func.sum(sp.c.points * sp.c.score)
        ).where(sp.c.user_id == user.id)
    ).one()
    t = tags_of(a)
    slips = db.session.scalar(
        sa.select(sa.func.count()).select_from(t).where(t.c.user_id == user.id)
    )
    return k, int(right or 0), float(pts or 0.0), slips
