"""Benchmark: statistics pages, the gradebook and CSV exports on simulated classes.

Builds classes of 1,000 and 10,000 students × 40 problems × about 3 attempts (1.14 M
submissions at 10,000) with ``simulate-class``, on SQLite and on PostgreSQL, then prints
the time of each statistics page as a browser counts it (the HTML plus every image,
stylesheet and script it refers to, each fetched like a browser would, one after another),
of the gradebook by name and by total, and of each CSV export with its peak memory (RSS),
measured in a separate process. Targets: a statistics page with everything on it under
1.5 s on PostgreSQL at 10,000 students; the gradebook by total under 0.5 s; an export's
peak RSS under 150 MB. The table is printed and appended to bench/results/<date>-stats.md.

    .venv/bin/python bench/bench_stats.py [--sizes 1000 10000] [--databases sqlite postgresql]
        [--pg-db NAME] [--reuse] [--build-only] [--no-exports]

PostgreSQL: a scratch database (grader_bench, or --pg-db) on 127.0.0.1:5432 (user
postgres) is dropped and made again, unless --reuse times the class an earlier run left
there. Not a test: the figures depend on the machine.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import resource
import subprocess
import sys
import tempfile
import time

import sqlalchemy as sa

PAGE_TARGET_S = 1.5
GRADEBOOK_TARGET_S = 0.5
RSS_TARGET_MB = 150.0
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_DB = "grader_bench"  # --pg-db changes it


def pg_url(name: str) -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def make_app(url: str):
    os.environ["SECRET_KEY"] = "bench"
    os.environ["DATABASE_URL"] = url
    from grader import create_app

    return create_app({"PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})


def fresh_database(kind: str, tmp: str, size: int) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp}/bench-{size}.sqlite"
    engine = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{PG_DB}"'))
    engine.dispose()
    return pg_url(PG_DB)


def build(url: str, size: int) -> tuple[int, list[int], int]:
    from flask_migrate import upgrade

    from grader.extensions import db
    from grader.models import Course, Submission, User
    from grader.services.courses import create_course
    from grader.services.simulate import simulate_class

    app = make_app(url)
    with app.app_context():
        upgrade()
        teacher = User(email="bench-teacher@example.edu", name="Bench Teacher")
        db.session.add(teacher)
        db.session.commit()
        course = create_course("BENCH", "Benchmark course", teacher)
        t0 = time.perf_counter()
        simulate_class(course, size, 4, seed=1)
        built = time.perf_counter() - t0
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(
                    sa.text("VACUUM ANALYZE")
                )
        else:
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
        n = db.session.scalar(sa.select(sa.func.count()).select_from(Submission))
        c = db.session.scalar(sa.select(Course).where(Course.code == "BENCH"))
        ids = [a.id for a in c.assignments]
        print(f"  built {size} students, {n} submissions in {built:.0f} s")
        return c.id, ids, teacher.id


RESOURCE = re.compile(
    r"<(?:img|script|iframe|embed|source)\b[^>]*?\ssrc=\"([^\"]+)\""
    r"|<link\b[^>]*?\shref=\"([^\"]+)\"[^>]*>"
    r"|<object\b[^>]*?\sdata=\"([^\"]+)\"",
    re.S,
)


def resources(html: str) -> list[str]:
    """The URLs a browser fetches to show the page: images, scripts, stylesheets, frames."""
    out = []
    for m in RESOURCE.finditer(html):
        url = m.group(1) or m.group(2) or m.group(3)
        if m.group(2) is not None and "stylesheet" not in m.group(0) and "icon" not in m.group(0):
            continue  # a <link> that is not fetched for display
        if url.startswith("/") and url not in out:
            out.append(url.replace("&amp;", "&"))
    return out


HTML_ONLY = False  # --html-only: the HTML alone, as the README's figures before 2026-11-29


def timed_get(client, url: str) -> tuple[float, int]:
    """Seconds to load ``url`` as a browser counts it: the HTML, then every resource it
    refers to (here one after another, as a browser with one connection would), and the
    number of those resources."""
    t0 = time.perf_counter()
    r = client.get(url)
    if r.status_code != 200:
        raise SystemExit(f"{url}: HTTP {r.status_code}")
    extra = [] if HTML_ONLY else resources(r.get_data(as_text=True))
    for res in extra:
        rr = client.get(res)
        if rr.status_code not in (200, 304):
            raise SystemExit(f"{res}: HTTP {rr.status_code}")
        rr.close()
    return time.perf_counter() - t0, len(extra)


def export_rss(url: str, fmt: str) -> tuple[float, float, float]:
    """(seconds, RSS before the export, peak RSS) of one export in a fresh process."""
    code = f"""
import sys, time
sys.path.insert(0, {os.getcwd()!r})
from bench.bench_stats import make_app
app = make_app({url!r})
from grader.services.courses import course_by_code
from grader.services.exports import export_lines
with app.app_context():
    course = course_by_code("BENCH")
    def hwm():  # this process's own peak RSS (ru_maxrss would count the parent's, from before exec)
        return next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")) / 1024
    before = hwm()
    t0 = time.perf_counter()
    n = 0
    with open("/dev/null", "w") as sink:
        for line in export_lines(course, {fmt!r}):
            sink.write(line)
            n += 1
    print(time.perf_counter() - t0, before, hwm(), n)
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    return float(out[0]), float(out[1]), float(out[2])


def existing(url: str) -> tuple[int, list[int], int]:
    """The course, assignments and teacher of a class built by an earlier run, its schema
    brought up to date first (an older class lacks the newer tables the pages read)."""
    from flask_migrate import upgrade

    from grader.extensions import db
    from grader.models import Course, Submission, User

    app = make_app(url)
    with app.app_context():
        upgrade()
        c = db.session.scalar(sa.select(Course).where(Course.code == "BENCH"))
        teacher = db.session.scalar(
            sa.select(User).where(User.email == "bench-teacher@example.edu")
        )
        n = db.session.scalar(sa.select(sa.func.count()).select_from(Submission))
        print(f"  reusing the class already built: {n} submissions")
        return c.id, [a.id for a in c.assignments], teacher.id


def run(
    kind: str,
    size: int,
    tmp: str,
    reuse: bool = False,
    build_only: bool = False,
    exports: bool = True,
    results: list | None = None,
) -> None:
    print(f"\n{kind}, {size} students")
    if reuse and kind == "postgresql":
        url = pg_url(PG_DB)
        course_id, assignment_ids, teacher_id = existing(url)
    else:
        url = fresh_database(kind, tmp, size)
        course_id, assignment_ids, teacher_id = build(url, size)
    if build_only:
        return
    app = make_app(url)
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = f"{teacher_id}:0"  # "<id>:<session version>", as get_id makes it
        session["_fresh"] = True
    pages = [("course statistics", f"/courses/{course_id}/stats", PAGE_TARGET_S)]
    pages += [
        (
            f"assignment {i + 1} statistics",
            f"/courses/{course_id}/stats/assignments/{aid}",
            PAGE_TARGET_S,
        )
        for i, aid in enumerate(assignment_ids)
    ]
    pages += [
        ("gradebook by name", f"/courses/{course_id}/gradebook", PAGE_TARGET_S),
        ("gradebook by total", f"/courses/{course_id}/gradebook?sort=total", GRADEBOOK_TARGET_S),
    ]
    print(
        f"  {'page (HTML + what it refers to)':34s} {'requests':>8s} {'seconds':>8s} {'× target':>9s}"
    )
    for name, path, target in pages:
        timed_get(client, path)  # warm caches the way a second visitor finds them
        s, n = min(timed_get(client, path) for _ in range(2))
        print(f"  {name:34s} {1 + n:8d} {s:8.2f} {s / target:9.2f}")
        if results is not None:
            results.append((kind, size, name, 1 + n, s, target))
    if not exports:
        return
    print(
        f"  {'export':34s} {'seconds':>8s} {'RSS before':>11s} {'peak RSS MB':>12s} {'× 150 MB':>9s}"
    )
    for fmt in ("canvas", "wide", "long"):
        secs, before, peak = export_rss(url, fmt)
        print(
            f"  {'CSV ' + fmt:34s} {secs:8.2f} {before:11.0f} {peak:12.0f} {peak / RSS_TARGET_MB:9.2f}"
        )


def write_results(results: list, argv: list[str]) -> str:
    """Append this run's page table to bench/results/<date>-stats.md; returns its path."""
    today = datetime.date.today().isoformat()
    folder = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{today}-stats.md")
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        rev = "unknown"
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        f"## bench_stats.py {' '.join(argv)}",
        "",
        f"{today}, commit {rev}, python {sys.version.split()[0]}, {os.cpu_count()} cores, load"
        f" average at the end {load} (other work on the machine inflates every figure)."
        " Seconds to load each"
        " page as a browser counts it (the HTML and every resource it refers to, warm, best of"
        " two); requests = the HTML + its resources.",
        "",
        "| database | students | page | requests | seconds | target | × target |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for kind, size, name, n, secs, target in results:
        lines.append(
            f"| {kind} | {size:,} | {name} | {n} | {secs:.2f} | {target:g} s | {secs / target:.2f} |"
        )
    new = not os.path.exists(path)
    with open(path, "a", encoding="utf-8") as f:
        if new:
            f.write(f"# Statistics pages and gradebook, {today}\n\n")
        f.write("\n".join(lines) + "\n\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument(
        "--databases", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"]
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="PostgreSQL: time the class an earlier run left in the database (one size)",
    )
    parser.add_argument(
        "--pg-db",
        default=PG_DB,
        help=f"PostgreSQL database to build or reuse (default {PG_DB}; it is dropped unless --reuse)",
    )
    parser.add_argument(
        "--build-only", action="store_true", help="build the class and stop, without timing"
    )
    parser.add_argument("--no-exports", action="store_true", help="time the pages only")
    parser.add_argument(
        "--html-only",
        action="store_true",
        help="time the HTML alone, not what it refers to (to compare with older figures)",
    )
    args = parser.parse_args()
    globals()["PG_DB"] = args.pg_db
    globals()["HTML_ONLY"] = args.html_only
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores; "
        f"this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )
    results: list = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.databases:
            for size in args.sizes:
                run(kind, size, tmp, args.reuse, args.build_only, not args.no_exports, results)
    if results:
        print(f"\nwritten to {write_results(results, sys.argv[1:])}")


if __name__ == "__main__":
    main()
