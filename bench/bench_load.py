"""Load benchmark (issue 11): graded submissions per second through the API under
gunicorn with 2 workers, against a floor served the same way, on SQLite (WAL) and
PostgreSQL; then the deadline storm (hundreds of students logging in and opening the same
10-problem assignment at once).

The floor is a bare Flask app that parses the same JSON, compares the answers with the key
using numpy and does one INSERT + commit on the same database: what any grader must do.
The ratio (this project / floor) is what to watch; the absolute figures depend on the
machine. Load comes from ``wrk`` (C, with a Lua script: every request has its own student,
token and Idempotency-Key, right and wrong answers alternate, and no answer is the
student's previous one again); it must be installed
(``apt-get install wrk``). Afterwards every 201 is checked to be stored exactly once.

    .venv/bin/python bench/bench_load.py [--db sqlite|postgresql|both] [--duration 10]

Writes the tables to bench/results/<date>-load.md (or ``--out``) and prints them.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

import numpy as np
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_lean"
PASSWORD = "bench-password-1"
FLOOR_TABLE = "floor_submission"


# ---------------------------------------------------------------- the floor


def floor_app():
    """The floor: parse the JSON, compare with numpy, one INSERT + commit. For gunicorn:
    ``bench.bench_load:floor_app()`` with DATABASE_URL and FLOOR_KEYS set."""
    from flask import Flask, jsonify, request

    url = os.environ["DATABASE_URL"]
    engine = sa.create_engine(url, pool_pre_ping=True)
    if url.startswith("sqlite"):
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    table = _floor_table(sa.MetaData())
    keys = json.loads(Path(os.environ["FLOOR_KEYS"]).read_text())
    app = Flask("floor")

    @app.post("/floor/<int:i>")
    def submit(i: int):
        data = request.get_json(silent=True)
        if not isinstance(data, dict) or not isinstance(data.get("answers"), dict):
            return jsonify({"error": "bad_request"}), 400
        key, answers = keys[i], data["answers"]
        right = [
            np.allclose(np.asarray(answers.get(n), dtype=float), np.asarray(v, dtype=float))
            for n, v in key.items()
        ]
        score = float(np.mean(right))
        with engine.begin() as conn:
            row_id = conn.execute(
                table.insert()
                .values(
                    student=i,
                    idempotency_key=request.headers.get("Idempotency-Key"),
                    score=score,
                    raw=json.dumps(answers),
                )
                .returning(table.c.id)
            ).scalar_one()
        return jsonify({"id": row_id, "score": score}), 201

    return app


def _floor_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        FLOOR_TABLE,
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("student", sa.Integer),
        sa.Column("idempotency_key", sa.String(200), unique=True),
        sa.Column("score", sa.Float),
        sa.Column("raw", sa.Text),
    )


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


# ---------------------------------------------------------------- the data


def fresh_database(kind: str, workdir: Path) -> str:
    if kind == "sqlite":
        path = workdir / "bench_load.sqlite"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("DROP DATABASE IF EXISTS bench_lean WITH (FORCE)"))
        conn.execute(sa.text("CREATE DATABASE bench_lean"))
    admin.dispose()
    return PG_URL


def seed(url: str, students: int, storm: int) -> dict:
    """Migrate, then one course: ``students`` with a token and a variant of a 1-problem
    homework (the load), ``storm`` more with a password and no variant of a 10-problem
    assignment (the storm). Returns what the load generators need."""
    from flask_migrate import upgrade

    from grader import create_app
    from grader.extensions import db
    from grader.models import (
        Assignment,
        AssignmentProblem,
        Course,
        Enrollment,
        ProblemTemplate,
        User,
    )
    from grader.services.accounts import hash_password
    from grader.services.tokens import issue_token
    from grader.services.variants import variants_for

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        _floor_table(sa.MetaData()).create(db.engine)
        hashed = hash_password(PASSWORD)  # the standard cost; checked again at each login
        course = Course(code="BENCH", title="Load benchmark")
        teacher = User(email="teacher@bench.edu", name="Teacher", password_hash=hashed)
        db.session.add_all(
            [course, teacher, Enrollment(user=teacher, course=course, role="instructor")]
        )

        def assignment(title: str, n: int) -> Assignment:
            a = Assignment(course=course, title=title, published=True)
            for pos in range(1, n + 1):
                t = ProblemTemplate(course=course, kind="dense_forward", title=f"Layer {pos}")
                a.problems.append(AssignmentProblem(position=pos, points=1.0, template=t))
            db.session.add(a)
            return a

        load_a, storm_a = assignment("Homework", 1), assignment("Quiz day", 10)
        people = [
            User(email=f"s{i}@bench.edu", name=f"Student {i}", password_hash=hashed)
            for i in range(students + storm)
        ]
        db.session.add_all(people)
        db.session.add_all(Enrollment(user=u, course=course, role="student") for u in people)
        db.session.commit()
        ap = load_a.problems[0]
        loaders = []
        for u in people[:students]:
            raw, _token = issue_token(u)
            (variant,) = variants_for([ap], u)
            # The first entry is a placeholder that the load generator fills with a number
            # of its own for each request (the key plus a few 1e-9, still right; or the key
            # plus 1 plus the request's counter, wrong), so no answer repeats the student's
            # previous one (an answer given twice in a row is not stored again).
            first = next(iter(variant.answers))
            template = {k: list(v) for k, v in variant.answers.items()}
            template[first][0] = "@@"
            loaders.append(
                {
                    "token": raw,
                    "path": f"/api/v1/assignments/{load_a.id}/problems/{ap.id}/submissions",
                    "body": json.dumps({"answers": template}),
                    "first": variant.answers[first][0],
                    "key": variant.answers,
                }
            )
        out = {
            "loaders": loaders,
            "storm_emails": [u.email for u in people[students:]],
            "storm_assignment": storm_a.id,
        }
    with app.app_context():
        db.engine.dispose()
    return out


def stored(url: str, table: str, prefix: str) -> tuple[int, int]:
    """(rows whose Idempotency-Key starts with ``prefix``, distinct such keys)."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows, keys = conn.execute(
            sa.text(
                f"SELECT count(*), count(DISTINCT idempotency_key) FROM {table} "
                "WHERE idempotency_key LIKE :p"
            ),
            {"p": prefix + "%"},
        ).one()
    engine.dispose()
    return rows, keys


# ---------------------------------------------------------------- servers and load


class Server:
    """gunicorn with 2 workers on ``target`` (sync, or gthread with ``threads`` threads
    each), stopped on exit."""

    def __init__(self, target: str, port: int, env: dict, threads: int = 1):
        self.port = port
        self.proc = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "-w",
                "2",
                *(["--threads", str(threads)] if threads > 1 else []),
                "-b",
                f"127.0.0.1:{port}",
                "--backlog",
                "2048",
                "--log-level",
                "warning",
                target,
            ],
            cwd=ROOT,
            env={**os.environ, **env},
        )

    def __enter__(self):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/nowhere")
                conn.getresponse().read()
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"server on port {self.port} did not start")

    def __exit__(self, *_exc):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)


LUA = r"""
local reqs = %(reqs)s
local run, floor = "%(run)s", %(floor)s
counter, created, s409, s5xx = 0, 0, 0, 0  -- globals: done() reads each thread's counts
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

function request()
  counter = counter + 1
  local i = ((counter * 7 + tid * 31) %% #reqs) + 1
  local r = reqs[i]
  local first = (counter %% 2 == 0) and (r[4] + (counter %% 997) * 1e-9) or (r[4] + 1 + counter)
  local body = string.gsub(r[3], '"@@"', string.format("%%.17g", first))
  local path = floor and ("/floor/" .. (i - 1)) or r[2]
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. r[1],
    ["Idempotency-Key"] = run .. "-" .. tid .. "-" .. counter,
  }, body)
end

function response(status, headers, body)
  if status == 201 then created = created + 1
  elseif status == 409 then s409 = s409 + 1
  elseif status >= 500 then s5xx = s5xx + 1 end
end

function done(summary, latency, requests)
  local n = 0
  local c409, c5xx = 0, 0
  for _, t in ipairs(threads) do
    n = n + t:get("created"); c409 = c409 + t:get("s409"); c5xx = c5xx + t:get("s5xx")
  end
  io.write(string.format(
    'RESULT {"requests": %%d, "created": %%d, "conflict_409": %%d, "server_5xx": %%d, "seconds": %%f, "p50": %%f, "p95": %%f, "p99": %%f, "socket_errors": %%d}\n',
    summary.requests, n, c409, c5xx, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def lua_string(s: str) -> str:
    return "[==[" + s + "]==]"


def run_wrk(
    port: int, loaders: list[dict], run: str, floor: bool, conns: int, secs: int, workdir: Path
) -> dict:
    reqs = (
        "{"
        + ",".join(
            "{"
            + ",".join(lua_string(x) for x in (r["token"], r["path"], r["body"]))
            + f",{r['first']!r}"
            + "}"
            for r in loaders
        )
        + "}"
    )
    script = workdir / f"{run}.lua"
    script.write_text(LUA % {"reqs": reqs, "run": run, "floor": "true" if floor else "false"})
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{conns}",
            f"-d{secs}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        sys.exit(f"wrk failed: {out.stdout}\n{out.stderr}")
    line = next(x for x in out.stdout.splitlines() if x.startswith("RESULT "))
    result = json.loads(line[len("RESULT ") :])
    result["rate"] = result["created"] / result["seconds"]
    return result


def storm(port: int, emails: list[str], assignment_id: int) -> tuple[float, int, float]:
    """Every student at once: log in with the password (a token), then open the
    assignment (the first view makes its 10 variants). Returns (seconds until the last
    has the page, how many got it, the slowest single student's seconds)."""
    barrier = threading.Barrier(len(emails) + 1)
    ok, slowest = [0], [0.0]
    lock = threading.Lock()

    def student(i: int, email: str) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        # each student from their own address, as in a lecture hall's many devices
        addr = {"X-Forwarded-For": f"10.1.{i // 250}.{i % 250 + 1}"}
        barrier.wait()
        t0 = time.perf_counter()
        conn.request(
            "POST",
            "/api/v1/tokens",
            body=json.dumps({"email": email, "password": PASSWORD}),
            headers={"Content-Type": "application/json", **addr},
        )
        r = conn.getresponse()
        token = json.loads(r.read()).get("token")
        if r.status != 201:
            return
        conn.request(
            "GET",
            f"/api/v1/assignments/{assignment_id}",
            headers={"Authorization": f"Bearer {token}", **addr},
        )
        r = conn.getresponse()
        page = json.loads(r.read())
        if r.status == 200 and len(page["problems"]) == 10:
            with lock:
                ok[0] += 1
                slowest[0] = max(slowest[0], time.perf_counter() - t0)

    threads = [threading.Thread(target=student, args=(i, e)) for i, e in enumerate(emails)]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, ok[0], slowest[0]


# ---------------------------------------------------------------- main


def bench(kind: str, args, workdir: Path) -> tuple[list[list[str]], list[str]]:
    url = fresh_database(kind, workdir)
    t0 = time.perf_counter()
    data = seed(url, args.students, args.storm)
    print(
        f"[{kind}] seeded {args.students} + {args.storm} students in {time.perf_counter() - t0:.1f} s",
        flush=True,
    )
    keys = workdir / "keys.json"
    keys.write_text(json.dumps([r["key"] for r in data["loaders"]]))
    env = {
        "DATABASE_URL": url,
        "SECRET_KEY": "bench",
        "TRUSTED_PROXIES": "1",
        "FLOOR_KEYS": str(keys),
    }
    rows, checks = [], []
    figures: dict[tuple[str, int], dict] = {}
    for target, floor, port in (
        ("grader:create_app()", False, 5071),
        ("bench.bench_load:floor_app()", True, 5072),
    ):
        with Server(target, port, env, args.threads):
            for conns in args.connections:
                run = f"{kind}-{'floor' if floor else 'app'}-{conns}-{time.time_ns()}"
                r = run_wrk(port, data["loaders"], run, floor, conns, args.duration, workdir)
                table = FLOOR_TABLE if floor else "submission"
                n_rows, n_keys = stored(url, table, run)
                r["rows"], r["keys"] = n_rows, n_keys
                figures[("floor" if floor else "app", conns)] = r
                print(
                    f"[{kind}] {'floor' if floor else 'app  '} c={conns}: {r['rate']:.0f}/s p50 {r['p50']:.1f} ms p99 {r['p99']:.1f} ms",
                    flush=True,
                )
                # wrk stops with requests in flight: those may be stored with no 201 counted
                checks.append(
                    f"{kind}, {'floor' if floor else 'this project'}, {conns} connections: "
                    f"{r['created']} answered 201, {n_rows} rows stored under the run's keys, "
                    f"{n_keys} distinct keys ({n_rows - n_keys} stored twice); "
                    f"{n_rows - r['created']} stored but unanswered when wrk stopped (≤ {conns} in flight)"
                )
                if n_rows != n_keys or not (r["created"] <= n_rows <= r["created"] + conns):
                    checks.append("**CHECK FAILED: a 201 stored twice or not at all**")
    for conns in args.connections:
        app_, fl = figures[("app", conns)], figures[("floor", conns)]
        rows.append(
            [
                kind,
                str(conns),
                f"{app_['rate']:.0f}",
                f"{app_['p50']:.1f} / {app_['p95']:.1f} / {app_['p99']:.1f}",
                f"{fl['rate']:.0f}",
                f"{fl['p50']:.1f} / {fl['p95']:.1f} / {fl['p99']:.1f}",
                f"**{app_['rate'] / fl['rate']:.2f}**",
                f"{app_['requests'] - app_['created']} ({app_['conflict_409']} × 409, "
                f"{app_['server_5xx']} × 5xx)",
            ]
        )
    if args.storm:
        with Server("grader:create_app()", 5073, env):
            secs, got, slowest = storm(5073, data["storm_emails"], data["storm_assignment"])
        checks.append(
            f"deadline storm, {kind}: {len(data['storm_emails'])} students log in (scrypt) and open a "
            f"10-problem assignment at once (first view: 10 variants each): all pages after "
            f"**{secs:.1f} s** ({got} of {len(data['storm_emails'])} got theirs; slowest single "
            f"student {slowest:.1f} s)"
        )
        print(f"[{kind}] storm: {secs:.1f} s, {got} pages", flush=True)
    return rows, checks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--students", type=int, default=120)
    parser.add_argument("--storm", type=int, default=300)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, nargs="+", default=[50, 200])
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads per gunicorn worker, for the app and the floor alike (1: sync workers)",
    )
    parser.add_argument(
        "--out", help="where to write the tables (default bench/results/<date>-load.md)"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    rows, checks = [], []
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        for kind in kinds:
            r, c = bench(kind, args, Path(tmp))
            rows += r
            checks += c
    if "postgresql" in kinds:
        admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text("DROP DATABASE IF EXISTS bench_lean WITH (FORCE)"))
        admin.dispose()
    header = [
        "database",
        "connections",
        "graded submissions/s",
        "p50 / p95 / p99 ms",
        "floor/s",
        "floor p50 / p95 / p99 ms",
        "ratio",
        "not 201 (of which 409 / 5xx)",
    ]
    lines = [
        f"# Load benchmark, {date.today().isoformat()}",
        "",
        f"`bench/bench_load.py` (`make bench-load`): gunicorn -w 2 "
        f"({'sync workers' if args.threads == 1 else f'gthread, {args.threads} threads each'}), wrk -t2, "
        f"{args.duration} s per run, {args.students} students each with a token and a variant, "
        "right and wrong answers alternating, a new Idempotency-Key per request; the floor "
        "parses the same JSON, compares with numpy and does one INSERT + commit on the same "
        f"database. Machine: {os.cpu_count()} cores, shared.",
        "",
        "| " + " | ".join(header) + " |",
        "| " + " | ".join("---" for _ in header) + " |",
        *("| " + " | ".join(r) + " |" for r in rows),
        "",
        *(f"- {c}" for c in checks),
        "",
    ]
    text = "\n".join(lines)
    out = Path(args.out) if args.out else ROOT / "bench" / "results" / f"{date.today()}-load.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(text)
    print(text)
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
