"""Class statistics for instructors and TAs: per problem, per assignment, per parameter
(activation, shape, loss), per misconception and per student, computed with SQL aggregates
in the database on SQLite and PostgreSQL alike.

- ``queries``: the SQL (per-student rows, totals, a page's temporary tables, aggregates),
  returning plain numbers;
- ``tables``: those numbers as titled tables (what a page shows and a CSV holds);
- ``grader.services.charts`` draws a table as an SVG chart.

The names below are the package's public face; the routes and tests use them."""

from .queries import (
    BINS,
    FACETS,
    ProblemStats,
    Scratch,
    histograms,
    materialised,
    medians,
    pearson,
    per_student_problem,
    problem_stats,
    sample_std,
    totals,
)
from .tables import (
    MEASURES,
    AssignmentPage,
    Table,
    assignment_distribution,
    assignment_page,
    completion,
    course_overview,
    facet_table,
    histogram_table,
    misconception_problem_table,
    misconception_student_table,
    misconception_table,
    overall_facet_table,
    problem_table,
    student_progress,
    table_names,
    time_to_correct_table,
    wrong_answers_table,
)

__all__ = [
    "BINS",
    "FACETS",
    "MEASURES",
    "AssignmentPage",
    "ProblemStats",
    "Scratch",
    "Table",
    "assignment_distribution",
    "assignment_page",
    "completion",
    "course_overview",
    "facet_table",
    "histogram_table",
    "histograms",
    "materialised",
    "medians",
    "misconception_problem_table",
    "misconception_student_table",
    "misconception_table",
    "overall_facet_table",
    "pearson",
    "per_student_problem",
    "problem_stats",
    "problem_table",
    "sample_std",
    "student_progress",
    "table_names",
    "time_to_correct_table",
    "totals",
    "wrong_answers_table",
]
