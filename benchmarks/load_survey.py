"""Load on PostgreSQL: survey GET + POST pairs against a real server, and pgbench.

Security test plan check 5 (issue 15, item 5). One run:

1. creates a scratch database (dropped at the end) from an admin URL, migrates
   it, syncs the shipped questionnaires, adds a GP practice and issues
   ``--links`` survey links in bulk, each with its rotating module drawn as the
   app draws it;
2. **pgbench** for ``--duration`` seconds with ``--concurrency`` clients on the
   write the app makes for one answered survey: one INSERT of a ``response``
   row and one multi-row INSERT of its N ``answer`` rows (as
   responses/service.py writes them), in one transaction, into the app's own
   migrated tables (their indexes, foreign keys and checks). With a rotation
   there is one script per module, weighted as the rotation is, since the
   modules' N differ. The rows are truncated before the HTTP load;
3. starts ``survey-service serve --workers W`` (a subprocess, its own
   connection pools) and for ``--duration`` seconds runs ``--concurrency``
   patients on loopback, each looping: GET /s/TOKEN (the questionnaire page),
   POST the page's form (its hidden ``_module`` field and a valid answer set
   for that module's items, the screening item answered "no" so it is one
   page; 303 on success). Every request's latency is recorded;
4. prints requests/s, answered surveys/s, p50/p95/p99 latency, errors, the
   pgbench TPS of the same write and the ratio, the verdict against the goal
   (>= 50 % of pgbench's rate, p99 < 150 ms, 0 errors);
5. with ``--soak S``, then runs the same load for S seconds, sampling the
   summed RSS of the server's processes every 10 s: memory is "flat" when the
   last sample is within 10 % of the one after the first minute (start-up,
   pools and caches filling), and the soak must have 0 errors.
   ``--duration 0 --soak S`` runs the soak alone.

pgbench and the HTTP load run one after the other, not at once: on a small
machine they would compete for the same cores and distort both figures.
The load generator (httpx) runs on the same machine and takes CPU too; its CPU
time is printed next to the server's (all its worker processes summed).

``--profile FILE`` records the server with py-spy during the load (flame
graph as SVG, or ``.txt`` for collapsed stacks).

Usage::

    python benchmarks/load_survey.py [--database-url postgresql://postgres@127.0.0.1:5432/test]
        [--duration 20] [--concurrency 8] [--workers 2] [--links 20000]
        [--questionnaire gp-experience/4] [--soak 300] [--profile server.svg]
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
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from survey_service.db.scratch import create_scratch_database, drop_scratch_database

GOAL_RATIO = 0.50
GOAL_P99_MS = 150.0
#: Soak: seconds between RSS samples, the sample taken as the baseline, and
#: how far the last sample may be from it for memory to count as flat.
SOAK_SAMPLE_S = 10
SOAK_BASELINE_S = 60
SOAK_FLAT = 0.10
#: Links issued for a soak without a measured rate to go by (surveys/s).
SOAK_RATE_GUESS = 400


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- database set-up ---------------------------------------------------------


def valid_answers(form) -> dict[str, str]:
    """A complete, valid one-page answer set for a patient's form.

    The first scored answer of every question shown, except a screening item
    that opens a follow-up step: it gets an answer that keeps it closed (the
    "no" most patients give), so the whole form is one POST.
    """
    from survey_service.questionnaires.answers import check_answers, is_shown

    gates = form.follow_up_gates()
    values: dict[str, str] = {}
    for item in form.items:
        if not is_shown(item, values):
            continue
        if item.id in gates:
            values[item.id] = next(c for c in item.codes if c not in gates[item.id])
        elif item.options:
            scored = [o.code for o in item.options if o.scored] or list(item.codes)
            values[item.id] = scored[0]
        elif item.type == "number":
            values[item.id] = str(item.min if item.min is not None else 1)
        elif item.type == "free_text":
            values[item.id] = "Venligt personale og god tid."
    checked = check_answers(form, values, reject_unknown=True)
    assert checked.ok, checked.problems
    assert not form.opens_follow_ups(values)
    return values


class UsageError(Exception):
    """Bad input found after the scratch database exists (reported, exit status 2)."""


@dataclass
class Setup:
    """What the load needs to know about the scratch database."""

    practice_id: int
    version_id: int
    #: the rotating module drawn for each link, "" without a rotation
    draw: Callable[[], str]
    #: module -> its answer set, and the share of patients given it
    answers: dict[str, dict[str, str]]
    weights: dict[str, float]
    month: str = field(
        default_factory=lambda: (dt.date.today() - dt.timedelta(days=1)).isoformat()[:7]
    )

    @property
    def mean_answers(self) -> float:
        return sum(len(self.answers[m]) * w for m, w in self.weights.items())


async def prepare(url: str, slug: str, version: int, links: int) -> Setup:
    """Migrate, sync, add a practice, issue links; returns what the load posts."""
    from survey_service.db import engine_from_url, use_engine
    from survey_service.db.migrate import migrate
    from survey_service.practices import add_practice
    from survey_service.questionnaires.loader import load_catalogue
    from survey_service.questionnaires.sync import sync_catalogue

    use_engine(engine_from_url(url))
    await migrate()
    catalogue = load_catalogue()
    questionnaire = catalogue.get(slug, version)
    if questionnaire is None:
        raise UsageError(f"--questionnaire: no questionnaire {slug}/{version} in the catalogue")
    ids = await sync_catalogue(catalogue)
    practice, _key = await add_practice("LOAD1", "Lægehuset Belastning", "gp", "Aarhus")
    if questionnaire.rotation:
        weights = {m.key: m.weight for m in questionnaire.rotation}
    else:
        weights = {"": 1.0}
    setup = Setup(
        practice_id=practice.id,
        version_id=ids[(slug, version)],
        draw=questionnaire.draw_module,
        answers={m: valid_answers(questionnaire.form(m)) for m in weights},
        weights=weights,
    )
    await issue_links(setup, links)
    return setup


async def issue_links(setup: Setup, links: int) -> None:
    """``links`` more survey links, in bulk; their tokens go onto TOKENS."""
    from survey_service.invitations.tables import Invitation
    from survey_service.invitations.tokens import hash_token

    expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=14)
    tokens = [secrets.token_urlsafe(15) for _ in range(links)]
    for start in range(0, links, 1000):
        await Invitation.insert(
            *(
                Invitation(
                    token_hash=hash_token(t),
                    practice=setup.practice_id,
                    questionnaire_version=setup.version_id,
                    channel="sms",
                    language="da",
                    visit_date=dt.date.today() - dt.timedelta(days=1),
                    expires_at=expires,
                    used=False,
                    module=setup.draw(),
                )
                for t in tokens[start : start + 1000]
            )
        )
    TOKENS.extend(tokens)


TOKENS: list[str] = []


async def count_responses() -> int:
    from survey_service.responses.tables import Response

    return await Response.count()


# --- pgbench -----------------------------------------------------------------


def _literal(text: str) -> str:
    # pgbench would read ":name" as one of its variables, even inside quotes.
    assert ":" not in text, text
    return "'" + text.replace("'", "''") + "'"


def pgbench_script(setup: Setup, module: str) -> str:
    """The app's write for one answered survey given ``module``, as a pgbench script.

    As responses/service.py's store_response: the response row (its id
    returned), then all its answers in one multi-row INSERT, in one transaction.
    """
    answers = setup.answers[module]
    rows = ",\n    ".join(
        f"(gen_random_uuid(), :id, {_literal(k)}, {_literal(v)})" for k, v in answers.items()
    )
    return (
        "BEGIN;\n"
        "INSERT INTO response (id, practice, questionnaire_version, channel, language,"
        " visit_month, module)\n"
        f"    VALUES (gen_random_uuid(), {setup.practice_id}, {setup.version_id}, 'sms', 'da',"
        f" {_literal(setup.month)}, {_literal(module)})\n"
        "    RETURNING id \\gset\n"
        f"INSERT INTO answer (id, response, item_id, value) VALUES\n    {rows};\n"
        "END;\n"
    )


@dataclass
class PgbenchRun:
    tps: float
    #: CPU seconds per transaction: the database server's, and pgbench's own
    database_ms: float
    client_ms: float


def pgbench(url: str, setup: Setup, clients: int, duration: int, workdir: Path) -> PgbenchRun:
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
    scripts: list[str] = []
    for n, (module, weight) in enumerate(setup.weights.items()):
        script = workdir / f"same_write_{n}.sql"
        script.write_text(pgbench_script(setup, module))
        # pgbench's weights are integers; the rotation's sum to 1.
        scripts += ["-f", f"{script}@{max(1, round(weight * 1000))}"]
    threads = min(clients, os.cpu_count() or 1)
    database = DatabaseCpu()
    database.start()
    children = os.times()
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
            *scripts,
            dbname,
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    after = os.times()
    database_cpu = database.stop()
    client_cpu = (after.children_user - children.children_user) + (
        after.children_system - children.children_system
    )
    if result.returncode != 0:
        sys.exit(f"pgbench failed:\n{result.stdout}\n{result.stderr}")
    match = re.search(r"tps = ([\d.]+) \(without initial connection time\)", result.stdout)
    if not match:
        sys.exit(f"could not read pgbench's TPS:\n{result.stdout}\n{result.stderr}")
    failed = re.search(r"number of failed transactions: (\d+)", result.stdout)
    if failed and int(failed.group(1)):
        sys.exit(f"pgbench had failed transactions:\n{result.stdout}")
    # The HTTP load starts from the same empty tables pgbench started from.
    subprocess.run(
        [
            "psql",
            *conn_args,
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            "TRUNCATE answer, response",
            dbname,
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    tps = float(match.group(1))
    transactions = max(tps * duration, 1.0)
    return PgbenchRun(tps, database_cpu / transactions * 1000, client_cpu / transactions * 1000)


# --- the server's processes --------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, workdir: Path, workers: int) -> tuple[subprocess.Popen, str, Path]:
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
    command = [sys.executable, "-m", "survey_service", "serve", "--port", str(port)]
    with open(log_path, "w") as out:
        proc = subprocess.Popen(
            [*command, "--workers", str(workers)], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/api/v1/questionnaires", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            sys.exit(f"the server did not start:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.1)
    # With several workers the port answers once the first is up: wait for all.
    while workers > 1 and len(process_tree(proc.pid)) <= workers:
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            sys.exit(f"the server's workers did not start:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.1)
    return proc, base, log_path


def _stat(pid: int) -> list[str]:
    """/proc/PID/stat's fields after the command name (field 3 is index 0)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def process_tree(root: int) -> list[int]:
    """``root`` and all its descendants (uvicorn's supervisor and its workers)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                children.setdefault(int(_stat(int(entry.name))[1]), []).append(int(entry.name))
            except (OSError, IndexError):
                continue  # gone meanwhile
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of processes, summed (Linux /proc)."""
    total = 0
    for pid in pids:
        try:
            fields = _stat(pid)
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def rss_mb(pids: list[int]) -> float:
    """Resident memory of processes, summed, in MB."""
    pages = 0
    for pid in pids:
        try:
            pages += int(_stat(pid)[21])
        except OSError:
            continue
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


class DatabaseCpu(threading.Thread):
    """CPU seconds of the local PostgreSQL server's processes over a stretch of time.

    Every ``interval`` s this reads /proc for every process named ``postgres``
    and keeps each one's first and last reading; a backend that starts
    meanwhile counts from zero. A backend that ends between two samples loses
    at most ``interval`` s, so the figure is a lower bound. It counts the whole
    server, so it is only meaningful on a machine doing nothing else.
    """

    def __init__(self, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.first: dict[int, float] = self._read()
        self.last: dict[int, float] = dict(self.first)
        self.done = threading.Event()

    @staticmethod
    def _read() -> dict[int, float]:
        found: dict[int, float] = {}
        for entry in Path("/proc").iterdir():
            try:
                if entry.name.isdigit() and (entry / "comm").read_text().strip() == "postgres":
                    found[int(entry.name)] = cpu_seconds([int(entry.name)])
            except OSError:
                continue  # gone meanwhile
        return found

    def run(self) -> None:
        while not self.done.wait(self.interval):
            self.last.update(self._read())

    def stop(self) -> float:
        self.done.set()
        self.join()
        self.last.update(self._read())
        return sum(cpu - self.first.get(pid, 0.0) for pid, cpu in self.last.items())


# --- the HTTP load -----------------------------------------------------------


class Results:
    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = {"GET": [], "POST": []}
        self.errors: list[str] = []
        self.answered = 0
        self.ran_out = False


CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')
MODULE = re.compile(r'name="_module" value="([^"]+)"')


async def patient(
    base: str, answers: dict[str, dict[str, str]], results: Results, stop_at: float
) -> None:
    """One patient after another on one keep-alive connection, until time is up."""
    limits = httpx.Limits(max_connections=1, keepalive_expiry=2)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as http:
        while time.perf_counter() < stop_at:
            if not TOKENS:
                results.ran_out = True
                return
            token = TOKENS.pop()
            # Each patient is a new browser: no cookies of the one before.
            http.cookies.clear()
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
                shown = MODULE.search(page.text)
                module = shown.group(1) if shown else ""
                if module not in answers:
                    results.errors.append(f"GET: unexpected module {module!r}")
                    continue
                form = {**answers[module], "_csrf_token": match.group(1)}
                if module:
                    form["_module"] = module
                started = time.perf_counter()
                post = await http.post(f"/s/{token}", data=form)
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


async def soak_load(
    base: str, answers: dict, concurrency: int, duration: float, server: int
) -> tuple[Results, list[tuple[float, float]]]:
    """The load for ``duration`` s, with (seconds, server RSS MB) every SOAK_SAMPLE_S s."""
    results = Results()
    started = time.perf_counter()
    stop_at = started + duration
    samples: list[tuple[float, float]] = []

    async def sample() -> None:
        while True:
            samples.append((time.perf_counter() - started, rss_mb(process_tree(server))))
            remaining = stop_at - time.perf_counter()
            if remaining <= 0:
                return
            await asyncio.sleep(min(SOAK_SAMPLE_S, remaining))

    await asyncio.gather(
        sample(), *(patient(base, answers, results, stop_at) for _ in range(concurrency))
    )
    return results, samples


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=1000, method="inclusive")[int(q * 10) - 1]


# --- the run -----------------------------------------------------------------


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"),
        help="admin URL: a scratch database is created next to it and dropped at the end",
    )
    parser.add_argument(
        "--duration", type=int, default=20, help="seconds of pgbench and of the measured load"
    )
    parser.add_argument(
        "--concurrency", type=positive, default=8, help="patients / pgbench clients"
    )
    parser.add_argument(
        "--workers", type=positive, default=1, help="survey-service serve --workers"
    )
    parser.add_argument("--links", type=positive, default=20000, help="survey links to issue")
    parser.add_argument("--questionnaire", default="gp-experience/1", help="SLUG/VERSION")
    parser.add_argument(
        "--warmup", type=int, default=2, help="seconds of unmeasured load before the measured one"
    )
    parser.add_argument("--soak", type=int, default=0, help="then run the load this long (s)")
    parser.add_argument("--profile", type=Path, help="py-spy the server during the load")
    parser.add_argument("--skip-pgbench", action="store_true")
    args = parser.parse_args()
    slug, _, version = args.questionnaire.partition("/")
    if not slug or not version.isdigit():
        parser.error(f"--questionnaire: expected SLUG/VERSION, got {args.questionnaire!r}")
    args.slug, args.version = slug, int(version)
    if min(args.duration, args.soak, args.warmup) < 0:
        parser.error("--duration, --soak and --warmup cannot be negative")
    if args.duration == 0 and args.soak == 0:
        parser.error("--duration 0 needs --soak: there would be nothing to run")
    return args


@dataclass
class Measured:
    results: Results
    elapsed: float
    stored: int
    server_cpu: float
    client_cpu: float
    database_cpu: float


@dataclass
class Soaked:
    results: Results
    elapsed: float
    stored: int
    samples: list[tuple[float, float]]


def measure(args, proc, base: str, setup: Setup) -> Measured:
    profiler = None
    if args.profile:
        fmt = "raw" if args.profile.suffix == ".txt" else "flamegraph"
        profiler = subprocess.Popen(
            [
                shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy"),
                "record",
                "--pid",
                str(proc.pid),
                *(["--subprocesses"] if args.workers > 1 else []),
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
    if args.warmup:
        # Untimed: each worker's first pages fill its caches and pool; the
        # figures are of the steady state that follows.
        log(f"warm-up: {args.warmup} s, not measured")
        asyncio.run(http_load(base, setup.answers, args.concurrency, args.warmup))
    log(f"HTTP load: {args.concurrency} patients, {args.duration} s, GET + POST each")
    pids = process_tree(proc.pid)
    server_cpu, client_cpu = cpu_seconds(pids), time.process_time()
    before = asyncio.run(count_responses())
    # Backends of the server's pool live through the load: one sample a second will do.
    database = DatabaseCpu(interval=1.0)
    database.start()
    started = time.perf_counter()
    results = asyncio.run(http_load(base, setup.answers, args.concurrency, args.duration))
    elapsed = time.perf_counter() - started
    server_cpu = cpu_seconds(pids) - server_cpu
    client_cpu = time.process_time() - client_cpu
    database_cpu = database.stop()
    if profiler is not None:
        profiler.wait(timeout=args.duration + 30)
    stored = asyncio.run(count_responses()) - before
    return Measured(results, elapsed, stored, server_cpu, client_cpu, database_cpu)


def soak(args, proc, base: str, setup: Setup, rate: float | None) -> Soaked:
    # Enough links for the soak at the measured rate, with room to spare;
    # issued while the server idles, so they do not weigh on the samples.
    wanted = int((rate or SOAK_RATE_GUESS) * args.soak * 1.5) + 2 * args.concurrency
    if wanted > len(TOKENS):
        log(f"issuing {wanted - len(TOKENS)} more links for the soak")
        asyncio.run(issue_links(setup, wanted - len(TOKENS)))
    log(f"soak: {args.concurrency} patients, {args.soak} s, RSS every {SOAK_SAMPLE_S} s")
    before = asyncio.run(count_responses())
    started = time.perf_counter()
    results, samples = asyncio.run(
        soak_load(base, setup.answers, args.concurrency, args.soak, proc.pid)
    )
    elapsed = time.perf_counter() - started
    stored = asyncio.run(count_responses()) - before
    return Soaked(results, elapsed, stored, samples)


def report_measured(args, setup: Setup, m: Measured, bench: PgbenchRun | None) -> None:
    r = m.results
    every = r.latencies["GET"] + r.latencies["POST"]
    requests = len(every)
    rate = r.answered / m.elapsed
    tps = bench.tps if bench else float("nan")
    ratio = rate / tps if tps == tps else float("nan")
    p99 = percentile(every, 99) * 1000
    errors = len(r.errors) + abs(m.stored - r.answered)
    print(
        f"machine: {os.cpu_count()} cores; PostgreSQL on loopback; {args.concurrency} clients; "
        f"serve --workers {args.workers}; {args.questionnaire}"
    )
    print(f"requests/s: {requests / m.elapsed:.1f}  ({requests} in {m.elapsed:.1f} s)")
    print(f"surveys answered/s: {rate:.1f}  (GET + POST pairs; {m.stored} stored)")
    for kind, values in (("all", every), *r.latencies.items()):
        print(
            f"latency {kind} ms: p50 {percentile(values, 50) * 1000:.1f}  "
            f"p95 {percentile(values, 95) * 1000:.1f}  p99 {percentile(values, 99) * 1000:.1f}  "
            f"max {max(values, default=float('nan')) * 1000:.1f}"
        )
    print(f"errors: {errors}  {sorted(set(r.errors))[:5]}")
    if r.ran_out:
        print(f"links ran out before {args.duration} s: use more --links")
    print(
        f"pgbench same write TPS: {tps:.1f}  (1 response + {setup.mean_answers:.1f} answers "
        "per transaction, -M prepared)"
    )
    print(f"ratio: {ratio * 100:.1f} %  (answered surveys/s / pgbench same write TPS)")
    print(
        f"CPU during load: server {m.server_cpu / m.elapsed:.0%} of a core over "
        f"{args.workers} worker(s) ({m.server_cpu / max(r.answered, 1) * 1000:.1f} ms per "
        f"answered survey), load generator {m.client_cpu / m.elapsed:.0%} of a core, "
        f"database {m.database_cpu / m.elapsed:.0%} of a core"
    )
    print_budget(m, bench)
    verdict = ratio >= GOAL_RATIO and p99 < GOAL_P99_MS and errors == 0
    print(
        f"goal (>= {GOAL_RATIO:.0%} of pgbench, p99 < {GOAL_P99_MS:.0f} ms, 0 errors): "
        f"{'PASS' if verdict else 'FAIL'}"
    )


def print_budget(m: Measured, bench: PgbenchRun | None) -> None:
    """CPU per answered survey against per pgbench transaction: where the gap is.

    On one machine the cores are shared by the server, the database and the
    load generator, so the rate the cores allow is cores / CPU per unit of work;
    the line shows what would have to shrink for the goal.
    """
    answered = max(m.results.answered, 1)
    server, client, database = (
        x / answered * 1000 for x in (m.server_cpu, m.client_cpu, m.database_cpu)
    )
    cores = os.cpu_count() or 1
    print(
        f"CPU per answered survey ms: server {server:.2f}  database {database:.2f}  "
        f"load generator {client:.2f}  (the {cores} cores allow "
        f"{cores * 1000 / (server + database + client):.0f}/s)"
    )
    if bench is not None:
        per = bench.database_ms + bench.client_ms
        print(
            f"CPU per pgbench transaction ms: database {bench.database_ms:.2f}  "
            f"pgbench {bench.client_ms:.2f}  (the {cores} cores allow {cores * 1000 / per:.0f}/s)"
        )


def report_soak(s: Soaked) -> bool:
    r = s.results
    errors = len(r.errors) + abs(s.stored - r.answered)
    sizes = [mb for _t, mb in s.samples]
    start, end = sizes[0], sizes[-1]
    # The first minute fills pools, caches and the allocator's arenas.
    baseline = next((mb for t, mb in s.samples if t >= SOAK_BASELINE_S), start)
    flat = abs(end - baseline) <= SOAK_FLAT * baseline
    print(
        f"soak: {s.elapsed:.0f} s, errors {errors}, rss MB start {start:.1f} end {end:.1f} "
        f"max {max(sizes):.1f}"
    )
    print(
        f"soak rate: {r.answered / s.elapsed:.1f} surveys answered/s; rss samples MB: "
        + " ".join(f"{mb:.0f}" for mb in sizes)
    )
    if r.ran_out:
        print("soak: links ran out before the end: use more --links")
    where = "after the first minute" if s.elapsed >= SOAK_BASELINE_S else "at the start"
    ok = flat and errors == 0
    print(
        f"soak verdict: memory {'flat' if flat else 'NOT flat'} (end {end:.1f} MB vs "
        f"{baseline:.1f} MB {where}, limit {SOAK_FLAT:.0%}), errors {errors}: "
        f"{'PASS' if ok else 'FAIL'}"
    )
    if errors:
        print(f"soak errors: {sorted(set(r.errors))[:5]}")
    return ok


def main() -> None:
    args = parse_args()
    name = f"bench_load_{os.getpid()}_{secrets.token_hex(3)}"
    os.environ["PICCOLO_CONF"] = "survey_service.db.piccolo_conf"
    workdir = Path(tempfile.mkdtemp(prefix="load_survey_"))
    os.environ.setdefault("SURVEY_SERVICE_DATA_DIR", str(workdir / "data"))
    url = asyncio.run(create_scratch_database(args.database_url, name))
    proc = None
    measured = soaked = None
    bench: PgbenchRun | None = None
    failure = ""
    try:
        log(f"preparing {name}: {args.links} links for {args.questionnaire}")
        setup = asyncio.run(prepare(url, args.slug, args.version, args.links))
        sizes = ", ".join(f"{m or 'no module'} {len(a)}" for m, a in setup.answers.items())
        answer_set = f"answer set: {round(setup.mean_answers)} answers per response  ({sizes})"
        log(answer_set)
        if args.duration and not args.skip_pgbench:
            log(f"pgbench: {args.concurrency} clients, {args.duration} s, the app's write")
            bench = pgbench(url, setup, args.concurrency, args.duration, workdir)
        proc, base, _log = start_server(url, workdir, args.workers)
        if args.duration:
            measured = measure(args, proc, base, setup)
        if args.soak:
            rate = measured.results.answered / measured.elapsed if measured else None
            soaked = soak(args, proc, base, setup, rate)
    except UsageError as exc:
        failure = str(exc)
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        asyncio.run(drop_scratch_database(args.database_url, name))

    if failure:
        print(f"load_survey.py: error: {failure}", file=sys.stderr)
        sys.exit(2)
    print(answer_set)
    if measured is not None:
        report_measured(args, setup, measured, bench)
        if args.profile:
            print(f"profile: {args.profile}")
    if soaked is not None:
        report_soak(soaked)
    if any(x is not None and x.results.errors for x in (measured, soaked)):
        print(f"server log kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
