"""simulate-class: a small simulated class whose stored rows agree with each other and
with the engine (summaries, tags, problem ids, keys)."""

import sqlalchemy as sa

import problems
from grader.extensions import db
from grader.models import Submission, SubmissionTag, Variant
from grader.services import stats
from grader.services.submissions import refresh_summary


def test_simulate_class(runner, make_course):
    course = make_course("NN-SIM")
    r = runner.invoke(
        args=["simulate-class", "NN-SIM", "--students", "12", "--assignments", "1", "--seed", "3"]
    )
    assert r.exit_code == 0, r.output
    assert "NN-SIM: 12 students, 1 assignments," in r.output
    variants = db.session.scalars(sa.select(Variant)).all()
    assert 100 <= len(variants) <= 120  # 12 students × 10 problems, a few skipped
    for v in variants[:40]:
        assert problems.get(v.kind).generate(v.seed, v.config).params == v.params  # reproducible
        kept = (v.attempts, v.best_score, v.last_score, v.correct, v.first_correct_attempt)
        refresh_summary(v)
        assert (v.attempts, v.best_score, v.last_score, v.correct, v.first_correct_attempt) == kept
    db.session.rollback()
    mismatched = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Submission)
        .join(Variant, Variant.id == Submission.variant_id)
        .where(Submission.assignment_problem_id != Variant.assignment_problem_id)
    )
    assert mismatched == 0
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Submission)
            .where(Submission.assignment_problem_id.is_(None))
        )
        == 0
    )
    tags = db.session.scalar(sa.select(sa.func.count()).select_from(SubmissionTag))
    listed = sum(len(m) for m in db.session.scalars(sa.select(Submission.misconceptions)))
    assert tags == listed > 0
    a = course.assignments[0]
    assert sum(st.attempted for st in stats.problem_stats(a)) == len(variants)
    r = runner.invoke(args=["simulate-class", "NOPE"])
    assert r.exit_code == 1 and "no course with code NOPE" in r.output
