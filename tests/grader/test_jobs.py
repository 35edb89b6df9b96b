"""Background jobs (grader/services/jobs.py) on a class small enough to check by hand.

The class: the lecture's dense layer (W = [[1, -1], [0, 2], [3, 1]], x = [1, 2],
b = [0, 1, -1], ReLU: z = [-1, 5, 4], y = [0, 5, 4]), 10 points. Ann answers y₃ = 4.01 and
Ben y₃ = 4.2, each with z right: under the default tolerance (5·10⁻⁴ + 10⁻³·4 = 0.0045) both
get (1 + 2/3)/2 = 5/6. With atol = rtol = 0.01 (0.01 + 0.04 = 0.05) Ann's 0.01 passes (1.0)
and Ben's 0.2 does not: a regrade raises exactly one submission by 1/6."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from grader.extensions import db
from grader.models import GradeChange, Job, JobFileChunk, Submission, utcnow
from grader.services import jobs
from grader.services import regrade as regrade_service
from grader.services.exports import export_lines
from grader.services.submissions import submit
from tests.helpers import database_url_for_tests, login, post

WORKED = {
    "fixed": {"W": [[1, -1], [0, 2], [3, 1]], "x": [1, 2], "b": [0, 1, -1], "activation": "relu"}
}
ANN = {"z": [-1, 5, 4], "y": [0, 5, 4.01]}
BEN = {"z": [-1, 5, 4], "y": [0, 5, 4.2]}
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def klass(make_user, make_course, enrol, make_assignment):
    teacher = make_user(email="t@example.edu", name="Tess Teacher")
    course = make_course("NN-J", instructor=teacher)
    enrol(make_user(email="ta@example.edu", name="Tom Assistant"), course, "ta")
    ann = make_user(email="ann@example.edu", name="Ann Example")
    ben = make_user(email="ben@example.edu", name="=Ben Formula")
    for s in (ann, ben):
        enrol(s, course)
    a = make_assignment(course, [("dense_forward", WORKED, 10)])
    ap = a.problems[0]
    sub_ann = submit(ap, ann, ANN).submission
    sub_ben = submit(ap, ben, BEN).submission
    assert sub_ann.score == pytest.approx(5 / 6) and sub_ben.score == pytest.approx(5 / 6)
    return {"course": course, "a": a, "ann": sub_ann.id, "ben": sub_ben.id, "teacher": teacher}


def loosen(a) -> None:
    a.problems[0].template.policy = {"rtol": 0.01, "atol": 0.01}
    db.session.commit()


def as_user(client, email):
    c = client.application.test_client()
    login(c, email)
    return c


def score(sub_id: int) -> float:
    db.session.expire_all()
    return db.session.get(Submission, sub_id).score


def test_regrade_plan_then_apply_changes_exactly_the_hand_computed_score(client, klass):
    course, a = klass["course"], klass["a"]
    loosen(a)
    c = as_user(client, "t@example.edu")
    url = f"/courses/{course.id}/assignments/{a.id}/regrade"
    plan = c.get(post(c, url, {"action": "plan"}).location)
    assert "Queued" in plan.get_data(as_text=True)
    assert '<meta http-equiv="refresh"' in plan.get_data(as_text=True)
    assert jobs.run_pending() == 1
    job = db.session.scalar(sa.select(Job))
    assert (job.kind, job.status, job.created_by_id) == (
        "regrade_plan",
        "done",
        klass["teacher"].id,
    )
    r = job.result
    assert (r["submissions"], r["changed"], r["students"], r["raised"], r["lowered"]) == (
        2,
        1,
        1,
        1,
        0,
    )
    assert r["largest"] == pytest.approx(1 / 6) and r["net"] == pytest.approx(1 / 6)
    assert r["changes"] == [
        {
            "submission_id": klass["ann"],
            "user_id": db.session.get(Submission, klass["ann"]).variant.user_id,
            "old_score": pytest.approx(5 / 6),
            "new_score": 1.0,
        }
    ]
    assert (job.progress_done, job.progress_total) == (2, 2)  # progress reaches the total
    assert "planning the regrade of 2 submissions" in job.log
    assert "1 of 2 submissions would change for 1 student(s)" in job.log
    assert job.log.rstrip().endswith("done")
    assert score(klass["ann"]) == pytest.approx(5 / 6)  # a plan writes nothing
    page = c.get(f"/courses/{course.id}/jobs/{job.id}").get_data(as_text=True)
    assert '<progress id="progress-1" value="2" max="2">' in page
    assert "+0.1667" in page and "Apply the regrade (1 submissions)" in page
    assert '<meta http-equiv="refresh"' not in page  # done: no more refreshing

    post(c, url, {"action": "apply"})
    assert jobs.run_pending() == 1
    assert score(klass["ann"]) == 1.0 and score(klass["ben"]) == pytest.approx(5 / 6)
    change = db.session.scalar(sa.select(GradeChange))
    assert change.submission_id == klass["ann"] and change.changed_by_id == klass["teacher"].id
    applied = db.session.scalar(sa.select(Job).where(Job.kind == "regrade_apply"))
    assert applied.status == "done" and applied.result["changed"] == 1
    assert "writing 1 changed submission(s) and 0 key(s) in one transaction" in applied.log


def test_pressing_twice_queues_one_job_and_a_second_delivery_does_not_run_it_again(client, klass):
    course, a = klass["course"], klass["a"]
    loosen(a)
    c = as_user(client, "t@example.edu")
    url = f"/courses/{course.id}/assignments/{a.id}/regrade"
    first = post(c, url, {"action": "apply"}).location
    second = post(c, url, {"action": "apply"})
    assert second.location == first
    assert "already queued or running" in c.get(second.location).get_data(as_text=True)
    # a plan is refused too while the apply is queued: one regrade per assignment at a time
    assert post(c, url, {"action": "plan"}).location == first
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 1
    assert jobs.queue().pending_count() == 1
    job_id = db.session.scalar(sa.select(Job.id))
    jobs.enqueue(job_id)  # the same message delivered twice (or re-enqueued at worker start)
    assert jobs.run_pending() == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GradeChange)) == 1
    assert jobs.run_job(job_id) == "skipped"  # a later worker run leaves the done job alone
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    assert job.status == "done" and job.log.count("started") == 1
    # once done, the slot is free: a new press queues a new job
    assert post(c, url, {"action": "plan"}).location != first


def test_a_failed_apply_shows_its_error_and_writes_no_grade(client, klass, monkeypatch):
    """Apply is all or nothing: here it fails after every change was written in the
    session (refreshing the variants' summaries), so the rollback must undo them."""
    course, a = klass["course"], klass["a"]
    loosen(a)

    def broken(_variant):
        raise RuntimeError("disk full")

    monkeypatch.setattr(regrade_service, "refresh_summary", broken)
    c = as_user(client, "t@example.edu")
    page_url = post(c, f"/courses/{course.id}/assignments/{a.id}/regrade", {"action": "apply"})
    assert jobs.run_pending() == 1
    job = db.session.scalar(sa.select(Job))
    assert job.status == "failed" and job.error == "RuntimeError: disk full. Nothing was changed."
    assert job.finished_at is not None and "failed: RuntimeError: disk full" in job.log
    assert score(klass["ann"]) == pytest.approx(5 / 6)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GradeChange)) == 0
    assert "disk full" in c.get(page_url.location).get_data(as_text=True)
    monkeypatch.undo()
    post(c, f"/courses/{course.id}/assignments/{a.id}/regrade", {"action": "apply"})
    assert jobs.run_pending() == 1  # started again from scratch, it does the whole regrade
    assert score(klass["ann"]) == 1.0


def test_the_long_csv_job_file_is_the_old_export_byte_for_byte(client, klass):
    course = klass["course"]
    old = "".join(export_lines(course, "long"))
    assert old.count("\r\n") == 3 and "'=Ben Formula" in old
    c = as_user(client, "ta@example.edu")  # TAs may export
    job_page = post(c, f"/courses/{course.id}/exports/long").location
    assert jobs.run_pending() == 1
    job = db.session.scalar(sa.select(Job))
    assert (job.kind, job.status, job.result["rows"]) == ("export_long", "done", 2)
    assert (job.progress_done, job.progress_total) == (2, 2)
    body = c.get(f"/courses/{course.id}/jobs/{job.id}/download.csv")
    assert body.mimetype == "text/csv"
    assert body.headers["Content-Disposition"] == 'attachment; filename="NN-J-grades-long.csv"'
    assert body.get_data(as_text=True) == old
    assert f"/jobs/{job.id}/download.csv" in c.get(job_page).get_data(as_text=True)
    assert "Download NN-J-grades-long.csv" in c.get(f"/courses/{course.id}/exports/long").text


def test_a_file_of_several_chunks_reads_back_whole(app, klass, monkeypatch):
    monkeypatch.setattr(jobs, "CHUNK_CHARS", 100)
    job, _ = jobs.start("export_long", klass["course"], None)
    report = jobs.Reporter(job.id)
    pieces = ["a" * 60, "b" * 60, "c" * 60, "é"]
    assert report.write_file(iter(pieces)) == (181, pytest.approx(40, abs=30))
    db.session.expire_all()
    stored = db.session.scalars(sa.select(JobFileChunk.seq).order_by(JobFileChunk.seq)).all()
    assert stored == [0, 1]  # 120 characters, then 61
    assert list(jobs.file_text(job)) == ["a" * 60 + "b" * 60, "c" * 60 + "é"]


def test_only_the_courses_staff_see_start_and_download_its_jobs(client, klass, make_user):
    course, a = klass["course"], klass["a"]
    job, _ = jobs.start("export_long", course, klass["teacher"])
    jobs.run_pending()
    urls = [
        f"/courses/{course.id}/jobs",
        f"/courses/{course.id}/jobs/{job.id}",
        f"/courses/{course.id}/jobs/{job.id}/download.csv",
        f"/courses/{course.id}/exports/long",
    ]
    make_user(email="outsider@example.edu")
    for who in ("ann@example.edu", "outsider@example.edu"):
        c = as_user(client, who)
        assert [c.get(u).status_code for u in urls] == [403, 403, 403, 403], who
        assert post(c, f"/courses/{course.id}/exports/long").status_code == 403
        assert post(c, f"/courses/{course.id}/jobs/{job.id}/cancel").status_code == 403
    anonymous = client.application.test_client()
    assert all(anonymous.get(u).status_code == 302 for u in urls)
    ta = as_user(client, "ta@example.edu")
    assert [ta.get(u).status_code for u in urls] == [200, 200, 200, 200]
    # a TA may not regrade: the form refuses, nothing is queued
    r = post(ta, f"/courses/{course.id}/assignments/{a.id}/regrade", {"action": "plan"})
    assert r.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 1
    teacher = as_user(client, "t@example.edu")
    assert teacher.get(f"/courses/{course.id}/jobs/999999").status_code == 404
    assert teacher.get(f"/courses/{course.id}/jobs/{2**40}").status_code == 404
    assert post(teacher, f"/courses/{course.id}/jobs/999999/cancel").status_code == 404
    r = post(teacher, f"/courses/{course.id}/assignments/{a.id}/regrade", {"action": "drop"})
    assert r.status_code == 400
    # the form needs its CSRF token
    assert teacher.post(f"/courses/{course.id}/exports/long").status_code == 400


def test_a_queued_job_can_be_cancelled_and_is_then_never_run(client, klass):
    course = klass["course"]
    c = as_user(client, "t@example.edu")
    page = post(c, f"/courses/{course.id}/exports/long").location
    job_id = int(page.rsplit("/", 1)[1])
    r = post(c, f"/courses/{course.id}/jobs/{job_id}/cancel", follow_redirects=True)
    assert "cancelled before it started" in r.get_data(as_text=True)
    assert jobs.run_pending() == 1  # the message is taken, the job is not run
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    assert job.status == "failed" and job.error == "cancelled by Tess Teacher before it started"
    assert job.started_at is None and not jobs.has_file(job)


def test_a_running_job_whose_worker_stopped_reporting_is_shown_failed(client, klass, app):
    job, _ = jobs.start("export_long", klass["course"], None)
    assert jobs.claim(job.id)  # a worker took it, then died
    stale = app.config["JOBS_STALE_SECONDS"]
    db.session.execute(sa.update(Job).values(heartbeat_at=utcnow() - timedelta(seconds=stale - 5)))
    db.session.commit()
    c = as_user(client, "t@example.edu")
    page = c.get(f"/courses/{klass['course'].id}/jobs/{job.id}").get_data(as_text=True)
    assert "Running" in page  # 5 s short of the limit: still running
    db.session.execute(sa.update(Job).values(heartbeat_at=utcnow() - timedelta(seconds=stale + 5)))
    db.session.commit()
    page = c.get(f"/courses/{klass['course'].id}/jobs/{job.id}").get_data(as_text=True)
    assert "Failed" in page and "the worker stopped reporting" in page
    # its slot is free again: a new export is queued
    again, created = jobs.start("export_long", klass["course"], None)
    assert created and again.id != job.id


def test_simulate_class_from_the_command_line_as_a_job(runner, klass):
    r = runner.invoke(
        args=["simulate-class", "NN-J", "--students", "3", "--assignments", "1", "--background"]
    )
    assert r.exit_code == 0, r.output
    assert re.search(r"Queued job \d+", r.output)
    r = runner.invoke(args=["jobs", "run-pending"])
    # its message, and the same job enqueued again by the command (lost messages): run once
    assert "Ran 2 queued message(s)." in r.output
    job = db.session.scalar(sa.select(Job).where(Job.kind == "simulate_class"))
    assert job.status == "done" and job.result["students"] == 3
    assert (job.progress_done, job.progress_total) == (3, 3)


# ---------------------------------------------------------------- a real worker process


def queue_urls() -> list[str]:
    urls = ["sqlite"]
    if os.environ.get("TEST_REDIS_URL"):
        urls.append(os.environ["TEST_REDIS_URL"])
    return urls


@pytest.mark.parametrize("queue_url", queue_urls(), ids=lambda u: u.split(":")[0])
def test_a_worker_process_runs_the_regrade(app, klass, tmp_path, queue_url):
    """``flask --app grader jobs worker`` started as a subprocess takes the job from the
    queue (a SQLite file, or Redis when TEST_REDIS_URL is set) and finishes it; Ctrl-C
    stops it."""
    loosen(klass["a"])
    name = f"grader-test-{uuid.uuid4().hex[:8]}"  # this test's own Redis keys
    url = f"sqlite:///{tmp_path}/jobs.sqlite" if queue_url == "sqlite" else queue_url
    app.config.update(JOBS_URL=url, JOBS_NAME=name)
    jobs.make_huey(app)  # this app now sends to that queue, as the web server would
    job, _ = jobs.start("regrade_apply", klass["course"], None, klass["a"])
    job_id = job.id
    env = dict(
        os.environ,
        DATABASE_URL=database_url_for_tests(),
        JOBS_URL=url,
        JOBS_NAME=name,
        SECRET_KEY="test-secret",
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "grader", "jobs", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        status = "queued"
        for _ in range(600):  # a wait, not a timing: at most 60 s for one small job
            db.session.expire_all()
            status = db.session.get(Job, job_id).status
            if status in ("done", "failed") or worker.poll() is not None:
                break
            time.sleep(0.1)
    finally:
        worker.send_signal(signal.SIGINT)
        output = worker.communicate(timeout=30)[0]
        if queue_url != "sqlite":
            import redis

            r = redis.Redis.from_url(queue_url)
            for key in r.scan_iter(f"*{name}*"):
                r.delete(key)
    assert status == "done", output
    assert score(klass["ann"]) == 1.0 and score(klass["ben"]) == pytest.approx(5 / 6)
    assert "1 queued job(s)" in output  # enqueued again at start: the claim ran it once
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GradeChange)) == 1


def test_old_job_files_are_pruned_and_the_pages_say_so(client, klass, runner, app):
    """EXPORT_RETENTION_DAYS = 7: a file finished 8 days ago is deleted, one finished 6 days
    ago is kept; the job and its log stay, its pages say the file expired."""
    course = klass["course"]
    assert app.config["EXPORT_RETENTION_DAYS"] == 7
    old, _ = jobs.start("export_long", course, None)
    jobs.run_pending()
    kept, _ = jobs.start("export_long", course, None)
    jobs.run_pending()
    now = utcnow()
    for job_id, days in ((old.id, 8), (kept.id, 6)):
        db.session.execute(
            sa.update(Job).where(Job.id == job_id).values(finished_at=now - timedelta(days=days))
        )
    db.session.commit()
    r = runner.invoke(args=["jobs", "prune"])
    assert r.output == "Deleted the files of 1 job(s) finished more than 7 days ago.\n"
    old, kept = db.session.get(Job, old.id), db.session.get(Job, kept.id)
    assert (
        not jobs.has_file(old) and jobs.file_expired(old) and "file deleted: kept 7 days" in old.log
    )
    assert jobs.has_file(kept) and not jobs.file_expired(kept)
    assert jobs.prune_files() == 0  # nothing left to delete
    c = as_user(client, "t@example.edu")
    page = " ".join(c.get(f"/courses/{course.id}/jobs/{old.id}").get_data(as_text=True).split())
    assert "The file expired: files are kept 7 days. Run the job again" in page
    assert "make the long CSV again" in page
    r = c.get(f"/courses/{course.id}/jobs/{old.id}/download.csv")
    assert r.status_code == 404 and "expired" in r.get_data(as_text=True)
    assert c.get(f"/courses/{course.id}/jobs/{kept.id}/download.csv").status_code == 200
    # a day later the newer one goes too, and the export page says so
    assert jobs.prune_files(now=now + timedelta(days=1, hours=1)) == 1
    page = " ".join(c.get(f"/courses/{course.id}/exports/long").get_data(as_text=True).split())
    assert "The file expired: files are kept 7 days. Run it again below." in page


def test_the_worker_prunes_files_every_hour(app):
    """The prune is a periodic task of the queue (the worker runs periodic tasks)."""
    from datetime import datetime

    huey = app.extensions["huey"]
    due = [t.name for t in huey.read_periodic(datetime(2026, 11, 29, 13, 17))]
    assert due == ["grader.prune_job_files"]
    assert huey.read_periodic(datetime(2026, 11, 29, 13, 18)) == []


def test_simulate_a_class_from_the_course_page(client, klass):
    """The instructor's course page links to the form; with the course code typed it queues
    the simulate_class job (3 students, 1 assignment of 10 problems, seed 5) and shows its
    page; run, the course has 2 + 3 students and the job's result says so."""
    course = klass["course"]
    c = as_user(client, "t@example.edu")
    home = c.get(f"/courses/{course.id}").get_data(as_text=True)
    assert f'href="/courses/{course.id}/simulate"' in home
    form = c.get(f"/courses/{course.id}/simulate").get_data(as_text=True)
    assert "There is no undo" in form and 'name="csrf_token"' in form
    fields = {"students": "3", "assignments": "1", "seed": "5"}
    r = post(c, f"/courses/{course.id}/simulate", fields | {"confirm": "nn-j"})
    assert r.status_code == 400 and "Type NN-J exactly" in r.get_data(as_text=True)
    r = post(c, f"/courses/{course.id}/simulate", fields | {"students": "0", "confirm": "NN-J"})
    assert r.status_code == 400 and "Number must be between 1 and 10000" in r.text
    r = post(c, f"/courses/{course.id}/simulate", fields | {"students": "x", "confirm": "NN-J"})
    assert r.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0  # nothing queued
    r = post(c, f"/courses/{course.id}/simulate", fields | {"confirm": "NN-J"})
    job = db.session.scalar(sa.select(Job))
    assert r.status_code == 302 and r.location.endswith(f"/courses/{course.id}/jobs/{job.id}")
    assert (job.kind, job.status, job.params) == (
        "simulate_class",
        "queued",
        {"students": 3, "assignments": 1, "seed": 5},
    )
    assert "Queued" in c.get(r.location).get_data(as_text=True)
    assert jobs.run_pending() == 1
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.status == "done" and job.result["students"] == 3
    students = sa.text("select count(*) from enrollment where course_id = :c and role = 'student'")
    assert db.session.scalar(students, {"c": course.id}) == 2 + 3
    assert job.progress_done == job.progress_total == 3


def test_only_instructors_simulate_a_class(client, klass):
    course = klass["course"]
    for who in ("ta@example.edu", "ann@example.edu"):
        c = as_user(client, who)
        assert c.get(f"/courses/{course.id}/simulate").status_code == 403, who
        r = post(
            c,
            f"/courses/{course.id}/simulate",
            {"students": "3", "assignments": "1", "seed": "1", "confirm": "NN-J"},
        )
        assert r.status_code == 403
    assert "/simulate" not in as_user(client, "ta@example.edu").get(f"/courses/{course.id}").text
    teacher = as_user(client, "t@example.edu")
    # the form needs its CSRF token
    assert (
        teacher.post(f"/courses/{course.id}/simulate", data={"confirm": "NN-J"}).status_code == 400
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0
