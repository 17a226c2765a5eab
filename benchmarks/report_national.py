"""National-scale benchmark of ``survey-service report build`` (not a test; prints figures).

Fills a scratch PostgreSQL database with a national year of the shipped
``gp-experience`` questionnaire (version 2): by default 2.2 million responses
in 8,300 GP practices, each answering 25 scored items and the case-mix items
(about 67 million answer rows), migrated with the project's own migrations and
loaded with binary COPY into the real tables. It then runs the real command
``survey-service report build --period YYYY`` in a child process and reports
its wall time and peak resident memory (the child's ``ru_maxrss``), reading
the database included.

Filling a full-size year takes several minutes (generating the rows, COPY,
then building the answer table's indexes); the build is what is measured.

Usage::

    python benchmarks/report_national.py [--database-url URL]
    python benchmarks/report_national.py --responses 2000 --units 50   # seconds

Besides wall time and peak memory it prints the build's own CPU time and the
database server's (sampled from /proc when the server is local), so a run on a
busy machine still says where the time went. The last line printed is always
``report build: S s, peak M MB``. ``--keep`` then ``--reuse`` rebuilds without
filling again.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from survey_service.db import engine_from_url, use_engine  # noqa: E402
from survey_service.db.scratch import (  # noqa: E402
    create_scratch_database,
    drop_scratch_database,
    scratch_url,
)

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
SLUG, VERSION = "gp-experience", 2

#: Likert-type items every respondent is asked (22 GP items and the overall cooperation).
LIKERT_ITEMS = (
    "gp.access.phone",
    "gp.access.appointment",
    "gp.access.staff_friendly",
    "gp.access.staff_helpful",
    "gp.access.waiting_room",
    "gp.comm.explained",
    "gp.comm.time",
    "gp.comm.listened",
    "gp.comm.serious",
    "gp.comm.respect",
    "gp.info.illness",
    "gp.info.treatment",
    "gp.info.written_clear",
    "gp.info.what_to_do",
    "gp.info.warning_signs",
    "gp.involve.decisions",
    "gp.involve.own_view",
    "gp.cont.same_doctor",
    "gp.cont.knows_history",
    "gp.overall.visit",
    "xs.overall.cooperation",
)
YES_NO_ITEMS = ("gp.info.written",)
FFT_ITEMS = ("gp.overall.fft",)
#: Cross-sector follow-ups, asked only after a hospital contact (show_if in the file).
HOSPITAL_ITEMS = ("xs.hospital.gp_knew", "xs.hospital.info_followed")
SCREENING = "xs.hospital.contact"
SCORED_ITEMS = (*LIKERT_ITEMS, *YES_NO_ITEMS, *FFT_ITEMS, *HOSPITAL_ITEMS)

#: Case-mix items: answer codes and how often each is given.
CASEMIX: dict[str, tuple[tuple[str, ...], tuple[float, ...]]] = {
    "casemix.age_band": (
        ("0-17", "18-34", "35-49", "50-64", "65-74", "75+"),
        (0.04, 0.18, 0.22, 0.24, 0.18, 0.14),
    ),
    "casemix.sex": (("female", "male", "other"), (0.54, 0.455, 0.005)),
    "casemix.general_health": (
        ("excellent", "very_good", "good", "fair", "poor"),
        (0.10, 0.30, 0.35, 0.18, 0.07),
    ),
    "casemix.mental_health": (
        ("excellent", "very_good", "good", "fair", "poor"),
        (0.14, 0.32, 0.32, 0.16, 0.06),
    ),
    "casemix.education": (
        ("basic", "upper_secondary", "vocational", "short_higher", "medium_higher", "long_higher"),
        (0.15, 0.12, 0.30, 0.07, 0.22, 0.14),
    ),
    "casemix.language": (
        ("da", "en", "ar", "tr", "ur", "so", "pl", "de", "other"),
        (0.92, 0.02, 0.01, 0.01, 0.005, 0.005, 0.01, 0.01, 0.01),
    ),
}
CHANNELS = (("sms", "poster", "receipt", "web"), (0.72, 0.14, 0.04, 0.10))
LANGUAGES = (("da", "en"), (0.95, 0.05))
AREAS = 98  # municipalities

#: Responses generated and copied per chunk (keeps the filler's memory flat).
CHUNK = 25_000


@dataclass(frozen=True)
class Year:
    """Response-level draws for the whole year (small arrays, one entry per response)."""

    ids: np.ndarray  # (n, 16) uint8, random UUIDv4 bytes
    practice: np.ndarray  # int32 index into the practices
    month: np.ndarray  # int8, 0..11
    channel: np.ndarray  # int8 index into CHANNELS
    language: np.ndarray  # int8 index into LANGUAGES


# --- binary COPY rows, built with numpy -----------------------------------------------

HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
TRAILER = b"\xff\xff"


def _field(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big", signed=True) + data


def _uuid_bytes(rng: np.random.Generator, n: int) -> np.ndarray:
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40  # version 4
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
    return raw


def binary_rows(fixed: np.ndarray, tail_codes: np.ndarray, tails: Sequence[bytes]) -> bytes:
    """COPY BINARY rows: a fixed-width head per row, then one of a few byte strings.

    ``fixed`` (n, w) holds each row's field count and fixed-width fields;
    ``tails[tail_codes[i]]`` the rest of row ``i`` (its text fields, with their
    lengths). Written with fancy indexing, so a million rows take well under a second.
    """
    n, width = fixed.shape
    tail_len = np.array([len(t) for t in tails], dtype=np.int64)[tail_codes]
    row_len = width + tail_len
    ends = np.cumsum(row_len)
    starts = ends - row_len
    out = np.empty(int(ends[-1]) if n else 0, dtype=np.uint8)
    out[starts[:, None] + np.arange(width)] = fixed
    order = np.argsort(tail_codes, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(tail_codes, minlength=len(tails)))])
    for code, tail in enumerate(tails):
        rows = order[bounds[code] : bounds[code + 1]]
        if len(rows) and tail:
            at = (starts[rows] + width)[:, None] + np.arange(len(tail))
            out[at] = np.frombuffer(tail, dtype=np.uint8)
    return out.tobytes()


def _fixed(n: int, parts: Sequence[np.ndarray | bytes]) -> np.ndarray:
    columns = [
        np.broadcast_to(np.frombuffer(p, dtype=np.uint8), (n, len(p)))
        if isinstance(p, bytes)
        else p
        for p in parts
    ]
    return np.ascontiguousarray(np.hstack(columns))


def _int4(values: np.ndarray) -> np.ndarray:
    return values.astype(">i4").view(np.uint8).reshape(-1, 4)


# --- synthetic answers ------------------------------------------------------------------


def draw_year(rng: np.random.Generator, n_responses: int, n_units: int) -> Year:
    # Practice sizes are skewed (a few large, many small; some below 10 answers).
    weights = rng.lognormal(mean=0.0, sigma=0.8, size=n_units)
    practice = rng.choice(n_units, size=n_responses, p=weights / weights.sum()).astype(np.int32)
    return Year(
        ids=_uuid_bytes(rng, n_responses),
        practice=practice,
        month=rng.integers(0, 12, size=n_responses, dtype=np.int8),
        channel=rng.choice(len(CHANNELS[0]), size=n_responses, p=CHANNELS[1]).astype(np.int8),
        language=rng.choice(len(LANGUAGES[0]), size=n_responses, p=LANGUAGES[1]).astype(np.int8),
    )


def _pick(rng: np.random.Generator, n: int, p: Sequence[float]) -> np.ndarray:
    return rng.choice(len(p), size=n, p=np.asarray(p) / np.sum(p)).astype(np.int16)


def draw_answers(
    rng: np.random.Generator, year: Year, unit_effect: np.ndarray, rows: slice
) -> list[tuple[str, np.ndarray, tuple[str, ...]]]:
    """(item id, code index per response or -1 when skipped, codes) for a chunk."""
    practice = year.practice[rows]
    n = len(practice)
    answers: list[tuple[str, np.ndarray, tuple[str, ...]]] = []
    latent = unit_effect[practice] + 0.15 * (year.channel[rows] == 0)
    for item, (codes, p) in CASEMIX.items():
        level = _pick(rng, n, p)
        if item == "casemix.age_band":
            latent = latent + 0.12 * level  # older patients answer more positively
        elif item in ("casemix.general_health", "casemix.mental_health"):
            latent = latent - 0.15 * level  # poorer health, poorer experience
        answers.append((item, np.where(rng.random(n) < 0.05, -1, level), codes))

    def level_of(shift: float) -> np.ndarray:
        z = latent + shift + rng.normal(0.0, 1.0, size=n)
        return np.searchsorted(np.array([-1.9, -1.2, -0.5, 0.3]), z).astype(np.int16)  # 0..4

    def answered(kind: np.ndarray, na_code: int) -> np.ndarray:
        roll = rng.random(n)
        return np.where(roll < 0.04, -1, np.where(roll < 0.08, na_code, kind)).astype(np.int16)

    likert = ("1", "2", "3", "4", "5", "na")
    for k, item in enumerate(LIKERT_ITEMS):
        answers.append((item, answered(level_of(0.05 * (k % 5)), 5), likert))
    for item in YES_NO_ITEMS:
        answers.append(
            (item, answered((level_of(0.0) < 2).astype(np.int16), 2), ("yes", "no", "na"))
        )
    fft = ("1", "2", "3", "4", "5", "6")
    for item in FFT_ITEMS:
        answers.append((item, answered(4 - level_of(0.2), 5), fft))
    contact = _pick(rng, n, (0.45, 0.5, 0.05))
    answers.append((SCREENING, contact, ("yes", "no", "na")))
    follow = ("yes", "partly", "no", "dont_know")
    for item in HOSPITAL_ITEMS:
        level = level_of(-0.3)
        code = np.select([level >= 3, level == 2], [0, 1], 2).astype(np.int16)
        code = answered(code, 3)
        answers.append((item, np.where(contact == 0, code, -1).astype(np.int16), follow))
    return answers


def answer_rows(
    rng: np.random.Generator,
    response_ids: np.ndarray,
    answers: list[tuple[str, np.ndarray, tuple[str, ...]]],
) -> bytes:
    tails: list[bytes] = []
    who: list[np.ndarray] = []
    tail_codes: list[np.ndarray] = []
    for item, code, codes in answers:
        base = len(tails)
        tails.extend(_field(item.encode()) + _field(c.encode()) for c in codes)
        given = np.flatnonzero(code >= 0)
        who.append(given)
        tail_codes.append(base + code[given].astype(np.int64))
    # One response's answers side by side, as store_response writes them (in one
    # transaction, so they sit together in the table), items in questionnaire order.
    by_response = np.argsort(np.concatenate(who), kind="stable")
    rows = np.concatenate(who)[by_response]
    n = len(rows)
    fixed = _fixed(
        n,
        [
            (4).to_bytes(2, "big"),
            (16).to_bytes(4, "big"),
            _uuid_bytes(rng, n),
            (16).to_bytes(4, "big"),
            response_ids[rows],
        ],
    )
    return binary_rows(fixed, np.concatenate(tail_codes)[by_response], tails)


def response_rows(
    year: Year, rows: slice, practice_ids: np.ndarray, version_id: int, y: int
) -> bytes:
    n = len(year.practice[rows])
    months = [f"{y}-{m:02d}" for m in range(1, 13)]
    tails = [
        _field(c.encode()) + _field(lang.encode()) + _field(m.encode())
        for c in CHANNELS[0]
        for lang in LANGUAGES[0]
        for m in months
    ]
    code = (
        year.channel[rows].astype(np.int64) * len(LANGUAGES[0]) + year.language[rows]
    ) * 12 + year.month[rows]
    fixed = _fixed(
        n,
        [
            (6).to_bytes(2, "big"),
            (16).to_bytes(4, "big"),
            year.ids[rows],
            (4).to_bytes(4, "big"),
            _int4(practice_ids[year.practice[rows]]),
            (4).to_bytes(4, "big"),
            _int4(np.full(n, version_id)),
        ],
    )
    return binary_rows(fixed, code, tails)


# --- filling ----------------------------------------------------------------------------


async def _stream(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    yield HEADER
    async for chunk in chunks:
        yield chunk
    yield TRAILER


async def fill(url: str, n_responses: int, n_units: int, year_number: int, seed: int) -> None:
    import asyncpg

    from survey_service.db.migrate import migrate
    from survey_service.questionnaires.loader import load_catalogue
    from survey_service.questionnaires.sync import sync_catalogue

    engine = engine_from_url(url)
    use_engine(engine)
    await migrate()
    ids = await sync_catalogue(load_catalogue())
    version_id = ids[(SLUG, VERSION)]

    rng = np.random.default_rng(seed)
    conn = await asyncpg.connect(url)
    try:
        # The rows are consistent by construction: skip the per-row foreign-key
        # triggers, and build the answer table's indexes once at the end.
        await conn.execute("SET session_replication_role = replica")
        await conn.execute("SET maintenance_work_mem = '1GB'")
        codes = [f"N{i:05d}" for i in range(n_units)]
        await conn.copy_records_to_table(
            "practice",
            columns=["code", "name", "sector", "region_area", "active"],
            records=[
                (code, f"Lægehuset {code}", "gp", f"Kommune {i % AREAS + 1:02d}", True)
                for i, code in enumerate(codes)
            ],
        )
        rows = await conn.fetch("SELECT id, code FROM practice")
        by_code = {r["code"]: r["id"] for r in rows}
        practice_ids = np.array([by_code[c] for c in codes], dtype=np.int64)

        year = draw_year(rng, n_responses, n_units)
        unit_effect = rng.normal(0.0, 0.25, size=n_units)
        chunks = [slice(s, min(s + CHUNK, n_responses)) for s in range(0, n_responses, CHUNK)]

        async def responses() -> AsyncIterator[bytes]:
            for part in chunks:
                yield response_rows(year, part, practice_ids, version_id, year_number)

        await conn.copy_to_table(
            "response",
            source=_stream(responses()),
            columns=[
                "id",
                "practice",
                "questionnaire_version",
                "channel",
                "language",
                "visit_month",
            ],
            format="binary",
        )
        indexes = await conn.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'answer' "
            "AND indexname <> 'answer_pkey'"
        )
        await conn.execute("ALTER TABLE answer DROP CONSTRAINT answer_pkey")
        for index in indexes:
            await conn.execute(f'DROP INDEX "{index["indexname"]}"')

        async def answers() -> AsyncIterator[bytes]:
            for part in chunks:
                drawn = draw_answers(rng, year, unit_effect, part)
                yield answer_rows(rng, year.ids[part], drawn)

        await conn.copy_to_table(
            "answer",
            source=_stream(answers()),
            columns=["id", "response", "item_id", "value"],
            format="binary",
        )
        await conn.execute("ALTER TABLE answer ADD CONSTRAINT answer_pkey PRIMARY KEY (id)")
        for index in indexes:
            await conn.execute(index["indexdef"])
        await conn.execute("VACUUM ANALYZE")
        counted = await conn.fetchval("SELECT COUNT(*) FROM answer")
        print(f"    {counted:,} answer rows")
    finally:
        await conn.close()


# --- measuring --------------------------------------------------------------------------


def _backend_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) of a local server process so far, None if gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class ServerCpu(threading.Thread):
    """Samples the CPU time of the database's server processes while the build runs.

    The build's own CPU time leaves out the server's work (the COPY reads and
    writes). Every ``interval`` s this lists the backends (and parallel workers)
    connected to the scratch database and reads their CPU time from /proc, keeping
    each process's last reading; a process that ends between two samples loses
    at most ``interval`` s of CPU, so the total is a lower bound. Only meaningful
    when the server runs on this machine (otherwise it stays 0 and says so).
    """

    def __init__(self, url: str, database: str, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.url, self.database, self.interval = url, database, interval
        self.seen: dict[int, float] = {}
        self.done = threading.Event()

    def run(self) -> None:
        asyncio.run(self._sample())

    async def _sample(self) -> None:
        import asyncpg

        conn = await asyncpg.connect(self.url)
        try:
            while not self.done.is_set():
                rows = await conn.fetch(
                    "SELECT pid FROM pg_stat_activity WHERE datname = $1 "
                    "AND pid <> pg_backend_pid()",
                    self.database,
                )
                for row in rows:
                    cpu = _backend_cpu(int(row["pid"]))
                    if cpu is not None:
                        self.seen[int(row["pid"])] = cpu
                await asyncio.sleep(self.interval)
        finally:
            await conn.close()

    @property
    def seconds(self) -> float:
        return sum(self.seen.values())


def measure_build(url: str, period: str, database: str) -> tuple[float, float, str]:
    """Run ``report build`` in a child process: (wall seconds, peak RSS in MB, output).

    The output ends with the child's own CPU seconds (user + system) and the
    database server's (sampled, see :class:`ServerCpu`): on a busy machine wall
    time says little, and the server's work is not in the child's figure.
    """
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "DATABASE_URL": url, "SURVEY_SERVICE_DATA_DIR": data_dir}
        env.pop("SURVEY_QUESTIONNAIRE_DIR", None)
        server = ServerCpu(url, database)
        server.start()
        start = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-m", "survey_service", "report", "build", "--period", period],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=str(ROOT),
        )
        assert child.stdout is not None
        output = child.stdout.read().decode("utf-8", "replace")
        # wait4 gives this child's own rusage (RUSAGE_CHILDREN would mix in others).
        _pid, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - start
        server.done.set()
        server.join()
        child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"report build failed ({child.returncode}):\n{output}")
    peak_kb = usage.ru_maxrss  # kilobytes on Linux
    cpu = usage.ru_utime + usage.ru_stime
    where = "" if server.seen else " (server not on this machine, or not seen)"
    return (
        elapsed,
        peak_kb / 1024,
        f"{output}report build CPU (this process): {cpu:.1f} s\n"
        f"database server CPU (its {len(server.seen)} processes, sampled){where}: "
        f"{server.seconds:.1f} s\n"
        f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}\n",
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=(
            "Fill a scratch PostgreSQL database with a national year and time "
            "`report build` on it. A full-size fill takes several minutes."
        )
    )
    parser.add_argument(
        "--database-url",
        default=DEFAULT_SERVER,
        help=f"any database on the PostgreSQL server to use (default {DEFAULT_SERVER}); "
        "the benchmark creates and drops its own database there",
    )
    parser.add_argument("--name", default="report_national_bench", help="scratch database name")
    parser.add_argument("--responses", type=int, default=2_200_000)
    parser.add_argument("--units", type=int, default=8_300)
    parser.add_argument("--year", type=int, default=2025, help="the period built (YYYY)")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="build on a database kept by --keep (no filling; it is kept again)",
    )
    args = parser.parse_args(argv)
    if args.responses < 1 or args.units < 2:
        parser.error("--responses must be at least 1 and --units at least 2")
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, "
        f"{os.cpu_count()} cores, {platform.machine()}, "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}"
    )
    url = scratch_url(args.database_url, args.name)
    try:
        if not args.reuse:
            print(
                f"filling {args.name}: {args.responses:,} responses, {args.units:,} units, "
                f"{len(SCORED_ITEMS)} scored items + {len(CASEMIX)} case-mix items"
            )
            start = time.perf_counter()
            asyncio.run(create_scratch_database(args.database_url, args.name))
            asyncio.run(fill(url, args.responses, args.units, args.year, args.seed))
            print(f"filling: {time.perf_counter() - start:.1f} s")
        elapsed, peak, output = measure_build(url, str(args.year), args.name)
        for line in output.strip().splitlines():
            print(f"    {line}")
    finally:
        # A database this run did not fill (--reuse) is not its to drop.
        if not (args.keep or args.reuse):
            asyncio.run(drop_scratch_database(args.database_url, args.name))
    print(f"report build: {elapsed:.1f} s, peak {peak:.0f} MB")


if __name__ == "__main__":
    main()
