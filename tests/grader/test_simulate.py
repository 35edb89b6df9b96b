"""simulate-class: a small simulated class whose stored rows agree with each other and
with the engine (summaries, tags, problem ids, keys)."""

import json
from dataclasses import asdict, fields

import sqlalchemy as sa

import problems
from grader.extensions import db
from grader.models import (
    Assignment,
    AssignmentProblem,
    Submission,
    SubmissionTag,
    Variant,
    utcnow,
)
from grader.services import stats
from grader.services.submissions import (
    Summary,
    credited_score,
    insert_submissions,
    note_attempt,
    refresh_summary,
    submission_row,
    submit,
)
from grader.services.variants import get_or_create_variant


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


def test_simulated_rows_follow_the_rules_of_real_attempts(runner, make_course):
    """Late is after the due date and the credited score is credited_score's, as for a
    real attempt (the simulation once stored late=False and score=raw_score)."""
    make_course("NN-SIM")
    r = runner.invoke(
        args=["simulate-class", "NN-SIM", "--students", "6", "--assignments", "1", "--seed", "5"]
    )
    assert r.exit_code == 0, r.output
    rows = db.session.execute(
        sa.select(Submission, Assignment)
        .join(AssignmentProblem, Submission.assignment_problem_id == AssignmentProblem.id)
        .join(Assignment)
    ).all()
    assert rows
    for sub, a in rows:
        assert sub.late == (sub.created_at > a.due_at)
        assert sub.score == credited_score(a, sub.raw_score, sub.attempt, sub.late)


def test_one_list_of_submission_columns():
    """submission_row names every column but the id, so the bulk path and submit cannot
    drift apart when a column is added."""
    columns = {c.name for c in Submission.__table__.columns} - {"id"}
    row = submission_row(
        variant_id=1,
        assignment_problem_id=1,
        attempt=1,
        raw={},
        parsed={},
        raw_score=1.0,
        score=1.0,
        results={},
        misconceptions=[],
        feedback=[],
        late=False,
        created_at=utcnow(),
        normalised="{}",
    )
    assert set(row) == columns
    assert {f.name for f in fields(Summary)} <= {c.name for c in Variant.__table__.columns}


def test_submit_and_the_bulk_writer_store_the_same_row(
    app, make_course, make_user, enrol, make_assignment
):
    course = make_course("NN-EQ")
    one, two = make_user(), make_user()
    enrol(one, course)
    enrol(two, course)
    a = make_assignment(course, [("param_count", {}, 2)], retry_penalty=0.25)
    ap = a.problems[0]
    v1 = get_or_create_variant(ap, one)
    wrong = {name: 0 for name in v1.answers}
    submit(ap, one, wrong)
    done = submit(ap, one, v1.answers)  # attempt 2: right, less the retry penalty
    assert done.submission.score == 0.75

    # the same attempts by the bulk writer, on the other student's (identical) variant
    v2 = get_or_create_variant(ap, two)
    v2.params, v2.answers = v1.params, v1.answers
    summary = Summary()
    rows, tags = [], []
    for sub in sorted(v1.submissions, key=lambda s: s.attempt):
        score = credited_score(a, sub.raw_score, sub.attempt, sub.late)
        rows.append(
            submission_row(
                variant_id=v2.id,
                assignment_problem_id=ap.id,
                attempt=sub.attempt,
                raw=json.dumps(sub.raw),
                parsed=json.dumps(sub.parsed),
                raw_score=sub.raw_score,
                score=score,
                results=json.dumps(sub.results),
                misconceptions=json.dumps(sub.misconceptions),
                feedback=json.dumps(sub.feedback),
                late=sub.late,
                created_at=sub.created_at,
                normalised=sub.normalised,
            )
        )
        tags.append((two.id, sub.misconceptions))
        note_attempt(summary, sub.attempt, score, sub.raw_score, sub.created_at)
    for name, value in asdict(summary).items():
        setattr(v2, name, value)
    insert_submissions(rows, tags)
    db.session.commit()
    db.session.expire_all()

    def stored(v):
        subs = db.session.scalars(
            sa.select(Submission).where(Submission.variant_id == v.id).order_by(Submission.attempt)
        ).all()
        cols = [c.name for c in Submission.__table__.columns if c.name not in ("id", "variant_id")]
        tags = sorted(
            (t.submission.attempt, t.tag, t.assignment_problem_id)
            for t in db.session.scalars(
                sa.select(SubmissionTag).join(Submission).where(Submission.variant_id == v.id)
            )
        )
        return (
            [[getattr(s, c) for c in cols] for s in subs],
            tags,
            [getattr(v, f.name) for f in fields(Summary)],
        )

    assert stored(v1) == stored(v2)
