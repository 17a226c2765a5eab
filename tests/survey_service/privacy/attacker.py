"""What an attacker holding the database gets, and how they would try to pair.

Dumps are taken the way an operator would: ``pg_dump`` (rows in the order
PostgreSQL stores them), SQLite rows in rowid order, the live PostgreSQL
database with ``xmin`` and ``ctid``, and the raw bytes of the SQLite file and
its write-ahead log and of PostgreSQL's table files.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from survey_service.distribution import housekeeping
from survey_service.distribution.phones import dedup_key, opt_out_key, phone_digest
from survey_service.distribution.tables import SmsContact
from survey_service.invitations.tables import Invitation
from survey_service.invitations.tokens import hash_token
from survey_service.responses.service import record_response

Row = dict[str, str]

#: answers carry this marker so the test (not the attacker) knows whose they are
MARKER_ITEM = "probe.patient"


@dataclass(eq=False)
class Patient:
    index: int
    phone: str
    token: str = ""
    #: every value that names this patient anywhere (long enough not to occur by chance)
    names: set[str] = field(default_factory=set)

    @property
    def phone_forms(self) -> list[str]:
        national = self.phone.removeprefix("+45")
        return [self.phone, self.phone.lstrip("+"), national]


def phones(n: int, rng: random.Random) -> list[str]:
    """``n`` different Danish mobile numbers."""
    numbers = rng.sample(range(100_000, 1_000_000), n)
    return [f"+4520{number:06d}" for number in numbers]


async def invite_and_send(clinic, patients: list[Patient]) -> None:
    """Report every patient's visit and let the worker send (file backend)."""
    for patient in patients:
        assert (await clinic.visit(patient.phone)).status == "invited"
    report = await clinic.worker().run_once()
    assert report.sent == len(patients)
    by_phone = {p.phone: p for p in patients}
    for sms in clinic.sent():
        patient = by_phone[sms["to"]]
        patient.token = sms["body"].split("/s/")[1].split()[0]
        patient.names |= {patient.token, hash_token(patient.token), sms["idempotency_key"]}
    contacts = await SmsContact.select(
        SmsContact.phone_sealed,
        SmsContact.sealed_token,
        SmsContact.opt_out_key,
        SmsContact.invitation.token_hash,
    )
    by_hash = {hash_token(p.token): p for p in patients}
    for contact in contacts:
        patient = by_hash[contact["invitation.token_hash"]]
        kept = (contact["sealed_token"], contact["opt_out_key"], contact["phone_sealed"])
        patient.names |= {value for value in kept if value}
    for patient in patients:
        digest = phone_digest(patient.phone, clinic.settings)
        patient.names |= {opt_out_key(digest), dedup_key(digest, clinic.practice.code)}
        patient.names |= set(patient.phone_forms)
    assert await Invitation.count() == len(patients)


async def answer_in_random_order(patients: list[Patient], rng: random.Random) -> list[Patient]:
    """Every patient answers, in a random order; returns the order."""
    order = patients[:]
    rng.shuffle(order)
    for patient in order:
        answers = {"mini.listened": str(1 + patient.index % 5), MARKER_ITEM: f"p{patient.index}"}
        await record_response(patient.token, answers, "da")
    return order


async def sweep(clinic) -> None:
    await housekeeping.sweep(clinic.clock(), clinic.settings)


# --- dumps -----------------------------------------------------------------------


def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgres")


def sqlite_path(database_url: str) -> Path:
    return Path(database_url.removeprefix("sqlite:///"))


async def logical_dump(database_url: str) -> dict[str, list[Row]]:
    """Every table's rows, in stored order, as text: what a dump or backup holds."""
    if is_postgres(database_url):
        return await _pg_dump(database_url)
    return await _sqlite_rows()


async def _pg_dump(database_url: str) -> dict[str, list[Row]]:
    if shutil.which("pg_dump") is None:
        return await _pg_rows(order="ctid")
    process = await asyncio.create_subprocess_exec(
        "pg_dump",
        "--data-only",
        "--no-owner",
        "-d",
        database_url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return parse_pg_dump(out.decode())


def parse_pg_dump(text: str) -> dict[str, list[Row]]:
    """The COPY blocks of a plain-format ``pg_dump``, row order kept."""
    tables: dict[str, list[Row]] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if not line.startswith("COPY "):
            continue
        name = line.split()[1].removeprefix("public.")
        columns = [
            c.strip().strip('"') for c in line[line.index("(") + 1 : line.index(")")].split(",")
        ]
        rows = tables.setdefault(name, [])
        for row in lines:
            if row == "\\.":
                break
            rows.append(dict(zip(columns, row.split("\t"), strict=True)))
    return tables


async def _tables() -> list[str]:
    rows = await Invitation.raw(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    return [r["name"] for r in rows]


async def _sqlite_rows() -> dict[str, list[Row]]:
    dump: dict[str, list[Row]] = {}
    for name in await _tables():
        rows = await Invitation.raw(f'SELECT rowid AS _rowid, * FROM "{name}" ORDER BY rowid')
        dump[name] = [{k: _text(v) for k, v in row.items()} for row in rows]
    return dump


async def pg_live_rows() -> dict[str, list[Row]]:
    """The live PostgreSQL tables with transaction ids and physical positions."""
    return await _pg_rows(order="ctid", system_columns=True)


async def _pg_rows(order: str, system_columns: bool = False) -> dict[str, list[Row]]:
    names = await Invitation.raw("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    extra = "xmin::text AS _xmin, ctid::text AS _ctid, " if system_columns else ""
    dump: dict[str, list[Row]] = {}
    for name in (r["tablename"] for r in names):
        rows = await Invitation.raw(f'SELECT {extra}* FROM "{name}" ORDER BY {order}')
        dump[name] = [{k: _text(v) for k, v in row.items()} for row in rows]
    return dump


def _text(value: object) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return "" if value is None else str(value)


async def raw_bytes(database_url: str) -> bytes:
    """The database's files as a file-system thief gets them."""
    if not is_postgres(database_url):
        path = sqlite_path(database_url)
        files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-journal")]
        return b"".join(f.read_bytes() for f in files if f.exists())
    # Superuser functions: the test database runs as postgres. CHECKPOINT first,
    # so that what is in shared buffers is in the files.
    await Invitation.raw("CHECKPOINT")
    relations = await Invitation.raw(
        "SELECT c.oid::regclass::text AS name FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname IN ('public', 'pg_toast') AND c.relkind IN ('r', 'i', 't') "
        "AND pg_relation_filepath(c.oid) IS NOT NULL"
    )
    chunks = []
    for relation in relations:
        rows = await Invitation.raw(
            "SELECT pg_read_binary_file(pg_relation_filepath({}::regclass)) AS data",
            relation["name"],
        )
        chunks.append(bytes(rows[0]["data"]))
    return b"".join(chunks)


def text_of(dump: dict[str, list[Row]]) -> str:
    return "\n".join("\t".join(row.values()) for rows in dump.values() for row in rows)


# --- pairing ---------------------------------------------------------------------


def whose_response(dump: dict[str, list[Row]], patients: list[Patient]) -> list[Patient]:
    """The true author of each response row, in dump order (from the marker)."""
    by_marker = {f"p{p.index}": p for p in patients}
    author = {
        a["response"]: by_marker[a["value"]] for a in dump["answer"] if a["item_id"] == MARKER_ITEM
    }
    return [author[r["id"]] for r in dump["response"]]


def who_is_named(row: Row, patients: list[Patient]) -> Patient | None:
    values = set(row.values())
    for patient in patients:
        if values & patient.names or any(n in v for v in values for n in patient.names):
            return patient
    return None


def orderings(dump: dict[str, list[Row]]) -> Iterator[tuple[str, list[Row]]]:
    """Every way of lining up another table's rows against the responses.

    Stored order and order by each column, of the whole table and of every
    subset with one value of a low-cardinality column (``used = t`` in the
    old schema was exactly such a subset).
    """
    for name, rows in dump.items():
        if name in ("response", "answer") or not rows:
            continue
        columns = list(rows[0])
        subsets = [("all", rows)]
        for column in columns:
            values = {r[column] for r in rows}
            if 1 < len(values) <= 5:
                subsets += [(f"{column}={v}", [r for r in rows if r[column] == v]) for v in values]
        for label, subset in subsets:
            yield f"{name}[{label}] stored order", subset
            for column in columns:
                yield f"{name}[{label}] by {column}", sorted(subset, key=lambda r, c=column: r[c])


@dataclass(frozen=True)
class Attempt:
    how: str
    correct: int


def pairing_attempts(dump: dict[str, list[Row]], patients: list[Patient]) -> list[Attempt]:
    """Pair the k-th response with the k-th row, every way; count right guesses."""
    authors = whose_response(dump, patients)
    attempts = []
    for how, rows in orderings(dump):
        named = [who_is_named(row, patients) for row in rows]
        correct = sum(1 for author, guess in zip(authors, named, strict=False) if guess is author)
        attempts.append(Attempt(how, correct))
    return attempts


def xmin_attempts(live: dict[str, list[Row]], patients: list[Patient]) -> list[Attempt]:
    """Pair each response with rows written in its transaction (same ``xmin``)."""
    authors = whose_response(live, patients)
    attempts = []
    for name, rows in live.items():
        if name in ("response", "answer"):
            continue
        by_xmin: dict[str, list[Row]] = {}
        for row in rows:
            by_xmin.setdefault(row["_xmin"], []).append(row)
        correct = 0
        for response, author in zip(live["response"], authors, strict=True):
            named = {who_is_named(r, patients) for r in by_xmin.get(response["_xmin"], [])}
            correct += author in named
        attempts.append(Attempt(f"{name} by xmin", correct))
    return attempts


def chance_bound(n: int) -> int:
    """Right guesses a random line-up of ``n`` gets with probability below 0.5 %.

    The number of fixed points of a random permutation is close to Poisson(1):
    P(X >= 5) = 0.37 %.
    """
    return 4 if n >= 10 else n
