"""The statistics as titled tables: what a page shows, what a chart draws and what a CSV
holds, made from the numbers ``queries`` returns (rounding, percentages, labels). A page
builds all its tables from one set of temporary tables and one ``problem_stats``, so each
aggregate runs once per page (``assignment_page``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ...models import Assignment, AssignmentProblem, Course, User
from ..errors import NotFound
from . import queries as q
from .queries import BINS, FACETS, ProblemStats


@dataclass
class Table:
    """A titled table: what a chart draws and what its CSV holds."""

    name: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    chart: str = "bar"  # bar | histogram | line | none
    x: int = 0  # the column of labels
    y: int = 1  # the column of values the chart draws
    group: int | None = None  # a column the label is prefixed with (rows per problem and value)

    def points(self) -> list[tuple[str, str, float | None]]:
        """(label, value as the table shows it, value) of each row, as a chart draws them."""
        out = []
        for r in self.rows:
            label = str(r[self.x])
            if self.group is not None:
                label = f"{self.columns[self.group]} {r[self.group]}: {label}"
            v = r[self.y]
            out.append((label, "—" if v is None else str(v), None if v is None else float(v)))
        return out


def _pct(v):
    return None if v is None else round(100 * v, 1)


def _r(v, k=3):
    return None if v is None else round(v, k)


def _minutes(v):
    return None if v is None else round(v / 60, 1)


def _problem_label(ap: AssignmentProblem) -> str:
    return f"{ap.position}. {ap.template.title}"


def problem_table(stats: list[ProblemStats]) -> Table:
    rows = [
        [
            _problem_label(st.ap),
            st.attempted,
            _r(st.mean),
            _r(st.median),
            _r(st.std),
            _pct(st.first_try),
            _pct(st.eventually),
            _r(st.attempts_to_correct, 2),
            _r(st.discrimination),
            _r(st.corrected),
            *[_r(v) for v in st.quintiles],
            _minutes(st.time_to_correct_median),
        ]
        for st in stats
    ]
    return Table(
        "problems",
        "Per problem",
        [
            "Problem",
            "Attempted",
            "Mean",
            "Median",
            "SD",
            "First try correct %",
            "Eventually correct %",
            "Attempts to first correct",
            "Discrimination",
            "Corrected discrimination",
            "Q1 mean",
            "Q2 mean",
            "Q3 mean",
            "Q4 mean",
            "Q5 mean",
            "Minutes view → correct (median)",
        ],
        rows,
        chart="bar",
        y=5,
    )


def time_to_correct_table(stats: list[ProblemStats]) -> Table:
    """Minutes from a student's first view of a problem to their first correct answer."""
    return Table(
        "time-to-correct",
        "Time from first view to first correct answer",
        ["Problem", "Median minutes", "Mean minutes"],
        [
            [
                _problem_label(st.ap),
                _minutes(st.time_to_correct_median),
                _minutes(st.time_to_correct_mean),
            ]
            for st in stats
        ],
        chart="bar",
        y=1,
    )


def histogram_table(ap: AssignmentProblem, counts: list[int]) -> Table:
    return Table(
        f"hist-{ap.id}",
        f"Scores on problem {ap.position}",
        ["Score", "Students"],
        [[f"{b / 10:.1f}–{(b + 1) / 10:.1f}", c] for b, c in enumerate(counts)],
        chart="histogram",
    )


def assignment_distribution(a: Assignment, sp=None, tot=None) -> Table:
    """How many students' totals fall in each tenth of the points possible."""
    sp = q.per_student_problem(a) if sp is None else sp
    counts = q.distribution_counts(a, q.totals(sp) if tot is None else tot)
    return Table(
        "distribution",
        "Assignment score distribution",
        ["Score (% of points)", "Students"],
        [[f"{10 * b}–{10 * b + 10} %", counts.get(b, 0)] for b in range(BINS)],
        chart="histogram",
    )


def completion(a: Assignment, sp=None) -> Table:
    """Students who had attempted every problem, day by day (cumulative)."""
    sp = q.per_student_problem(a) if sp is None else sp
    out, running = [], 0
    for d, count in q.completions_per_day(a, sp):
        running += count
        out.append([str(d)[:10], count, running])
    return Table(
        "completion",
        "Completion over time",
        ["Day", "Completed that day", "Completed so far"],
        out,
        chart="line",
        y=2,
    )


MEASURES = ["First try correct %", "Eventually correct %", "Mean score"]


def _measures(n, first, eventually, mean) -> list:
    return [
        n,
        round(100 * float(first), 1),
        round(100 * float(eventually), 1),
        round(float(mean), 3),
    ]


def facet_table(a: Assignment, facet: str, sp=None) -> Table:
    """First-try and eventual correctness, mean score, by activation, shape or loss, per problem."""
    sp = q.per_student_problem(a) if sp is None else sp
    position = {ap.id: ap.position for ap in a.problems}
    return Table(
        f"by-{facet}",
        f"By {FACETS[facet].lower()}",
        ["Problem", FACETS[facet], "Students", *MEASURES],
        [
            [position[ap_id], value, *_measures(*rest)]
            for ap_id, value, *rest in q.facet_rows(sp, facet, by_problem=True)
        ],
        chart="bar",
        x=1,
        y=3,
        group=0,
    )


def overall_facet_table(a: Assignment, facet: str, sp=None) -> Table:
    """The same, all problems of the assignment together: "first try: ReLU 81 %, GELU 34 %"."""
    sp = q.per_student_problem(a) if sp is None else sp
    return Table(
        f"all-by-{facet}",
        f"All problems by {FACETS[facet].lower()}",
        [FACETS[facet], "Student-problems", *MEASURES],
        [[value, *_measures(*rest)] for value, *rest in q.facet_rows(sp, facet, by_problem=False)],
        chart="bar",
        x=0,
        y=2,
    )


def misconception_table(a: Assignment, tags=None) -> Table:
    """Per tag: submissions and students, over the whole assignment."""
    return Table(
        "misconceptions",
        "Misconceptions in the assignment",
        ["Misconception", "Submissions", "Students"],
        [list(r) for r in q.misconception_counts(q.tags_of(a, tags))],
        chart="bar",
        y=2,
    )


def misconception_problem_table(a: Assignment, tags=None) -> Table:
    position = {ap.id: ap.position for ap in a.problems}
    return Table(
        "misconceptions-by-problem",
        "Misconceptions per problem",
        ["Problem", "Misconception", "Submissions", "Students"],
        [
            [position[ap], tag, k, u]
            for ap, tag, k, u in q.misconception_counts_by_problem(q.tags_of(a, tags))
        ],
        chart="none",
    )


def misconception_student_table(a: Assignment, limit: int = 50, tags=None) -> Table:
    """The students who made the most tagged slips: whom to help."""
    return Table(
        "misconceptions-by-student",
        "Students with the most recognised slips",
        ["Student", "Email", "Tagged submissions", "Different misconceptions"],
        [list(r) for r in q.most_tagged_students(q.tags_of(a, tags), limit)],
        chart="none",
    )


def wrong_answers_table(a: Assignment, per_problem: int = 5) -> Table:
    """The most common wrong answers of each problem (numbers to 4 significant figures)."""
    position = {ap.id: ap.position for ap in a.problems}
    return Table(
        "wrong-answers",
        "Most common wrong answers",
        ["Problem", "Answer", "Submissions"],
        [[position[ap], ans, k] for ap, ans, k in q.common_wrong_answers(a, per_problem)],
        chart="none",
    )


def course_overview(course: Course) -> Table:
    """Per graded assignment: students who attempted it, mean and median of their totals
    (% of the points), all assignments in one pass."""
    from ..gradebook import graded_assignments

    assignments = graded_assignments(course)
    agg, med = q.assignment_totals(course, assignments)
    rows = []
    for a in assignments:
        possible = sum(ap.points for ap in a.problems) or 1.0
        k, mean = agg.get(a.id, (0, None))
        rows.append(
            [
                a.title,
                k,
                None if mean is None else round(100 * mean / possible, 1),
                None if a.id not in med else round(100 * med[a.id] / possible, 1),
            ]
        )
    return Table(
        "assignments",
        "Assignments",
        ["Assignment", "Students", "Mean %", "Median %"],
        rows,
        chart="bar",
        y=2,
    )


def student_progress(course: Course, user: User) -> Table:
    """One student's standing on each graded assignment: points, problems tried and right, slips."""
    from ..gradebook import graded_assignments

    rows = []
    for a in graded_assignments(course):
        k, right, pts, slips = q.student_standing(a, user)
        possible = sum(ap.points for ap in a.problems)
        rows.append([a.title, round(pts, 2), possible, k, right, len(a.problems), slips])
    return Table(
        "progress",
        f"Progress of {user.name}",
        [
            "Assignment",
            "Points",
            "Possible",
            "Problems tried",
            "Problems right",
            "Problems",
            "Recognised slips",
        ],
        rows,
        chart="bar",
        y=1,
    )


@dataclass
class AssignmentPage:
    """Every table of an assignment's statistics page: ``tables`` in page order, then one
    score histogram per problem."""

    tables: list[Table]
    histograms: list[Table]

    def find(self, name: str) -> Table:
        for t in self.tables + self.histograms:
            if t.name == name:
                return t
        raise NotFound("There is no such statistics table.")


def _assignment_tables(
    a: Assignment, stats: list[ProblemStats], sp, tot, tags
) -> dict[str, Callable[[], Table]]:
    return {
        "problems": lambda: problem_table(stats),
        "time-to-correct": lambda: time_to_correct_table(stats),
        "distribution": lambda: assignment_distribution(a, sp, tot),
        "completion": lambda: completion(a, sp),
        **{f"all-by-{f}": (lambda f=f: overall_facet_table(a, f, sp)) for f in FACETS},
        **{f"by-{f}": (lambda f=f: facet_table(a, f, sp)) for f in FACETS},
        "misconceptions": lambda: misconception_table(a, tags),
        "misconceptions-by-problem": lambda: misconception_problem_table(a, tags),
        "misconceptions-by-student": lambda: misconception_student_table(a, tags=tags),
        "wrong-answers": lambda: wrong_answers_table(a),
    }


def table_names(a: Assignment) -> list[str]:
    """The names of the assignment's tables, histograms last."""
    return [
        *_assignment_tables(a, [], None, None, None),
        *(f"hist-{ap.id}" for ap in a.problems),
    ]


def assignment_page(a: Assignment, only: str | None = None) -> AssignmentPage:
    """The assignment's tables from one set of temporary tables: the page's aggregates each
    run once, and its charts are drawn from these same tables. ``only``: just that table (a
    CSV or SVG download); NotFound when the assignment has no table of that name."""
    if only is not None and only not in table_names(a):
        raise NotFound("There is no such statistics table.")
    from ..quiz import finalize_expired

    finalize_expired(a)  # a timed quiz's drafts are graded once its students' time is over
    with q.materialised(a) as scratch:
        wanted = only is None or only in ("problems", "time-to-correct") or only.startswith("hist-")
        stats = q.problem_stats(a, scratch.sp, scratch.tot) if wanted else []
        builders = _assignment_tables(a, stats, scratch.sp, scratch.tot, scratch.tags)
        histograms = [histogram_table(s.ap, s.histogram) for s in stats]
        if only is None:
            return AssignmentPage([b() for b in builders.values()], histograms)
        if only in builders:
            return AssignmentPage([builders[only]()], [])
        return AssignmentPage([], [h for h in histograms if h.name == only])
