"""Load on PostgreSQL: survey GET + POST pairs against a real server, and pgbench.

Security test plan check 5. One run:

1. creates a scratch database (dropped at the end) from an admin URL, migrates
   it, syncs the shipped questionnaires, adds a GP practice and issues
   ``--links`` survey links in bulk;
2. **pgbench** for ``--duration`` seconds with ``--concurrency`` clients on a
   two-INSERT transaction (a response row and one answer row, in tables of the
   same shape as the app's) — the database's own rate for the write a survey
   answer needs;
3. starts ``survey-service serve`` (a subprocess, its own connection pool) and
   for ``--duration`` seconds runs ``--concurrency`` patients on loopback, each
   looping: GET /s/TOKEN (the questionnaire page), POST the form with a valid
   answer set (303 on success). Every request's latency is recorded;
4. prints requests/s, answered surveys/s, p50/p95/p99 latency, errors, the
   pgbench TPS and the ratio, and the verdict against the plan's goal
   (>= 10 % of pgbench's rate, p99 < 150 ms, 0 errors).

pgbench and the HTTP load run one after the other, not at once: on a small
machine they would compete for the same cores and distort both figures.
The load generator (httpx) runs on the same machine and takes CPU too; its CPU
time is printed next to the server's.

``--profile FILE`` records the server with py-spy during the load (flame
graph as SVG, or ``.txt`` for collapsed stacks).

Usage::

    python benchmarks/load_survey.py [--database-url postgresql://postgres@127.0.0.1:5432/test]
        [--duration 20] [--concurrency 8] [--links 20000] [--profile server.svg]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from survey_service.db.scratch import create_scratch_database, drop_scratch_database

GOAL_RATIO = 0.10
GOAL_P99_MS = 150.0
PGBENCH_TABLES = """
CREATE TABLE bench_response (
    id uuid PRIMARY KEY, practice integer NOT NULL, questionnaire_version integer NOT NULL,
    channel varchar NOT NULL, language varchar NOT NULL, visit_date date NOT NULL
);
CREATE TABLE bench_answer (
    id uuid PRIMARY KEY, response uuid NOT NULL REFERENCES bench_response (id),
    item_id varchar NOT NULL, value text NOT NULL
);
CREATE INDEX ON bench_answer (response);
"""
PGBENCH_SCRIPT = """\\set v random(1, 5)
BEGIN;
INSERT INTO bench_response VALUES (gen_random_uuid(), 1, 1, 'sms', 'da', CURRENT_DATE)
    RETURNING id \\gset
INSERT INTO bench_answer VALUES (gen_random_uuid(), :id, 'gp.listened', :v);
END;
"""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- database set-up ---------------------------------------------------------


def valid_answers(questionnaire) -> dict[str, str]:
    """A complete, valid answer set: the first answer of every question shown."""
    from survey_service.questionnaires.answers import check_answers, is_shown

    values: dict[str, str] = {}
    for item in questionnaire.items:
        if not is_shown(item, values):
            continue
        if item.options:
            scored = [o.code for o in item.options if o.scored] or list(item.codes)
            values[item.id] = scored[0]
        elif item.type == "number":
            values[item.id] = str(item.min if item.min is not None else 1)
        elif item.type == "free_text":
            values[item.id] = "Venligt personale og god tid."
    checked = check_answers(questionnaire, values, reject_unknown=True)
    assert checked.ok, checked.problems
    return values


async def prepare(url: str, slug: str, version: int, links: int) -> dict[str, str]:
    """Migrate, sync, add a practice, issue links; returns the answer set to post."""
    from survey_service.db import engine_from_url, use_engine
    from survey_service.db.migrate import migrate
    from survey_service.invitations.tables import Invitation
    from survey_service.invitations.tokens import hash_token
    from survey_service.practices import add_practice
    from survey_service.questionnaires.loader import load_catalogue
    from survey_service.questionnaires.sync import sync_catalogue

    use_engine(engine_from_url(url))
    await migrate()
    catalogue = load_catalogue()
    ids = await sync_catalogue(catalogue)
    practice, _key = await add_practice("LOAD1", "Lægehuset Belastning", "gp", "Aarhus")
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=14)
    tokens = [secrets.token_urlsafe(15) for _ in range(links)]
    for start in range(0, links, 1000):
        await Invitation.insert(
            *(
                Invitation(
                    token_hash=hash_token(t),
                    practice=practice.id,
                    questionnaire_version=ids[(slug, version)],
                    channel="sms",
                    language="da",
                    visit_date=dt.date.today() - dt.timedelta(days=1),
                    expires_at=expires,
                    used=False,
                )
                for t in tokens[start : start + 1000]
            )
        )
    TOKENS.extend(tokens)
    return valid_answers(catalogue.get(slug, version))


TOKENS: list[str] = []


async def count_responses() -> int:
    from survey_service.responses.tables import Response

    return await Response.count()


# --- pgbench -----------------------------------------------------------------


def pgbench(url: str, clients: int, duration: int, workdir: Path) -> float:
    binary = shutil.which("pgbench")
    if binary is None:
        sys.exit("pgbench not found: install postgresql-contrib (Debian) or postgresql-client")
    parts = urlsplit(url)
    env = {**os.environ}
    if parts.password:
        env["PGPASSWORD"] = parts.password
    conn_args = [
        "-h",
        parts.hostname or "127.0.0.1",
        "-p",
        str(parts.port or 5432),
        "-U",
        parts.username or "postgres",
    ]
    dbname = parts.path.lstrip("/")
    subprocess.run(
        ["psql", *conn_args, "-q", "-v", "ON_ERROR_STOP=1", "-c", PGBENCH_TABLES, dbname],
        env=env,
        check=True,
        capture_output=True,
    )
    script = workdir / "two_inserts.sql"
    script.write_text(PGBENCH_SCRIPT)
    threads = min(clients, os.cpu_count() or 1)
    result = subprocess.run(
        [
            binary,
            *conn_args,
            "-n",
            "-M",
            "prepared",
            "-c",
            str(clients),
            "-j",
            str(threads),
            "-T",
            str(duration),
            "-f",
            str(script),
            dbname,
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        sys.exit(f"pgbench failed:\n{result.stdout}\n{result.stderr}")
    match = re.search(r"tps = ([\d.]+) \(without initial connection time\)", result.stdout)
    if not match:
        sys.exit(f"could not read pgbench's TPS:\n{result.stdout}\n{result.stderr}")
    failed = re.search(r"number of failed transactions: (\d+)", result.stdout)
    if failed and int(failed.group(1)):
        sys.exit(f"pgbench had failed transactions:\n{result.stdout}")
    return float(match.group(1))


# --- the server and the HTTP load -------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, workdir: Path) -> tuple[subprocess.Popen, str, Path]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = workdir / "server.log"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": secrets.token_hex(16),
        "SURVEY_SERVICE_DATA_DIR": str(workdir / "data"),
        "PUBLIC_BASE_URL": base,
    }
    with open(log_path, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "survey_service", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/api/v1/questionnaires", timeout=1).status_code == 200:
                return proc, base, log_path
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            sys.exit(f"the server did not start:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.1)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Results:
    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = {"GET": [], "POST": []}
        self.errors: list[str] = []
        self.answered = 0


CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def patient(base: str, answers: dict[str, str], results: Results, stop_at: float) -> None:
    """One patient after another on one keep-alive connection, until time is up."""
    limits = httpx.Limits(max_connections=1, keepalive_expiry=2)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as http:
        while time.perf_counter() < stop_at and TOKENS:
            token = TOKENS.pop()
            try:
                started = time.perf_counter()
                page = await http.get(f"/s/{token}")
                results.latencies["GET"].append(time.perf_counter() - started)
                if page.status_code != 200:
                    results.errors.append(f"GET {page.status_code}")
                    continue
                match = CSRF.search(page.text)
                if match is None:
                    results.errors.append("GET: no CSRF token in the form")
                    continue
                started = time.perf_counter()
                post = await http.post(
                    f"/s/{token}", data={**answers, "_csrf_token": match.group(1)}
                )
                results.latencies["POST"].append(time.perf_counter() - started)
                if post.status_code != 303:
                    results.errors.append(f"POST {post.status_code}")
                    continue
                results.answered += 1
            except httpx.HTTPError as exc:
                results.errors.append(f"transport: {exc!r}")


async def http_load(base: str, answers: dict, concurrency: int, duration: float) -> Results:
    results = Results()
    stop_at = time.perf_counter() + duration
    await asyncio.gather(*(patient(base, answers, results, stop_at) for _ in range(concurrency)))
    return results


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=1000, method="inclusive")[int(q * 10) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"),
        help="admin URL: a scratch database is created next to it and dropped at the end",
    )
    parser.add_argument("--duration", type=int, default=20, help="seconds of each phase")
    parser.add_argument("--concurrency", type=int, default=8, help="patients / pgbench clients")
    parser.add_argument("--links", type=int, default=20000, help="survey links to issue")
    parser.add_argument("--questionnaire", default="gp-experience/1", help="SLUG/VERSION")
    parser.add_argument("--profile", type=Path, help="py-spy the server during the load")
    parser.add_argument("--skip-pgbench", action="store_true")
    args = parser.parse_args()
    slug, _, version = args.questionnaire.partition("/")

    name = f"bench_load_{os.getpid()}_{secrets.token_hex(3)}"
    os.environ["PICCOLO_CONF"] = "survey_service.db.piccolo_conf"
    workdir = Path(tempfile.mkdtemp(prefix="load_survey_"))
    os.environ.setdefault("SURVEY_SERVICE_DATA_DIR", str(workdir / "data"))
    url = asyncio.run(create_scratch_database(args.database_url, name))
    proc = None
    try:
        log(f"preparing {name}: {args.links} links for {args.questionnaire}")
        answers = asyncio.run(prepare(url, slug, int(version), args.links))
        log(f"answer set: {len(answers)} answers per response")

        tps = float("nan")
        if not args.skip_pgbench:
            log(f"pgbench: {args.concurrency} clients, {args.duration} s, two INSERTs")
            tps = pgbench(url, args.concurrency, args.duration, workdir)

        proc, base, _log = start_server(url, workdir)
        profiler = None
        if args.profile:
            fmt = "raw" if args.profile.suffix == ".txt" else "flamegraph"
            profiler = subprocess.Popen(
                [
                    shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy"),
                    "record",
                    "--pid",
                    str(proc.pid),
                    "--duration",
                    str(args.duration),
                    "--rate",
                    "200",
                    "--format",
                    fmt,
                    "--output",
                    str(args.profile),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        log(f"HTTP load: {args.concurrency} patients, {args.duration} s, GET + POST each")
        server_cpu, client_cpu = cpu_seconds(proc.pid), time.process_time()
        started = time.perf_counter()
        results = asyncio.run(http_load(base, answers, args.concurrency, args.duration))
        elapsed = time.perf_counter() - started
        server_cpu = cpu_seconds(proc.pid) - server_cpu
        client_cpu = time.process_time() - client_cpu
        if profiler is not None:
            profiler.wait(timeout=args.duration + 30)
        stored = asyncio.run(count_responses())
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        asyncio.run(drop_scratch_database(args.database_url, name))

    every = results.latencies["GET"] + results.latencies["POST"]
    requests = len(every)
    rate = results.answered / elapsed
    ratio = rate / tps if tps == tps else float("nan")
    p99 = percentile(every, 99) * 1000
    errors = len(results.errors) + abs(stored - results.answered)
    print(f"machine: {os.cpu_count()} cores; PostgreSQL on loopback; {args.concurrency} clients")
    print(f"requests/s:        {requests / elapsed:.1f}  ({requests} in {elapsed:.1f} s)")
    print(f"surveys answered/s: {rate:.1f}  (GET + POST pairs; {results.answered} stored)")
    for kind, values in (("all", every), *results.latencies.items()):
        print(
            f"latency {kind:4} ms:   p50 {percentile(values, 50) * 1000:.1f}  "
            f"p95 {percentile(values, 95) * 1000:.1f}  p99 {percentile(values, 99) * 1000:.1f}  "
            f"max {max(values, default=float('nan')) * 1000:.1f}"
        )
    print(f"errors:            {errors}  {sorted(set(results.errors))[:5]}")
    print(f"responses in db:   {stored}")
    print(f"pgbench TPS:       {tps:.1f}  (two INSERTs per transaction, -M prepared)")
    print(f"ratio:             {ratio:.1%}  (answered surveys/s / pgbench TPS)")
    print(
        f"CPU during load:   server {server_cpu / elapsed:.0%} of a core "
        f"({server_cpu / max(results.answered, 1) * 1000:.1f} ms per answered survey), "
        f"load generator {client_cpu / elapsed:.0%} of a core"
    )
    verdict = ratio >= GOAL_RATIO and p99 < GOAL_P99_MS and errors == 0
    print(
        f"goal (>= {GOAL_RATIO:.0%} of pgbench, p99 < {GOAL_P99_MS:.0f} ms, 0 errors): "
        f"{'PASS' if verdict else 'FAIL'}"
    )
    if args.profile:
        print(f"profile: {args.profile}")
    if results.errors:
        print(f"server log kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
