"""The responses of one questionnaire and period as one wide table.

One row per response, one column per item; every text column is a pandas
Categorical (small integer codes and the few distinct answer codes), so a
national year (2.2 M responses, ~67 M answers) fits in about a hundred MB and
scoring maps a handful of categories instead of millions of cells.

On PostgreSQL the answers are read with ``COPY ... TO STDOUT (FORMAT binary)``
as integer triples (response number, item number, answer code number) that the
server computes, straight into numpy; building ORM objects or even plain rows
per answer would not survive a national year. SQLite, which has no COPY, reads
plain rows. Only the ids of the catalogue's non-free-text items are ever
selected, so free text cannot reach a frame, an export or a result.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from analysis import fft_positive, indicator, likert_score
from survey_service.db import is_postgres
from survey_service.errors import NotFound
from survey_service.questionnaires.loader import Catalogue
from survey_service.questionnaires.model import Item, Questionnaire
from survey_service.responses.tables import Response
from survey_service.results.periods import Period

__all__ = [
    "BASE_COLUMNS",
    "CASEMIX_COLUMNS",
    "ResponseFrame",
    "UnknownQuestionnaire",
    "published_versions",
    "read_frame",
    "score_item",
    "scored_items",
    "top_box_item",
]

#: Patient-reported case-mix adjusters, in the export's order.
CASEMIX_COLUMNS: tuple[str, ...] = (
    "age_band",
    "sex",
    "general_health",
    "mental_health",
    "education",
)
#: The export's leading columns; one column per item id follows.
BASE_COLUMNS: tuple[str, ...] = (
    "practice",
    "sector",
    "region_area",
    "questionnaire",
    "version",
    "period",
    "channel",
    "language",
    *CASEMIX_COLUMNS,
)
#: Roles whose items get a 0..100 score (case-mix and screening items are not results).
SCORED_ROLES = ("experience", "outcome")


class UnknownQuestionnaire(NotFound):
    code = "unknown_questionnaire"
    default_detail = "questionnaire: no published questionnaire of that name"


@dataclass(frozen=True)
class ResponseFrame:
    """One row per response: :data:`BASE_COLUMNS`, then one column per item id.

    ``codes`` holds answer codes as Categoricals (missing: NaN), ``version`` as
    integers; rows are sorted by practice, period and response id.
    """

    slug: str
    period: Period
    #: the items with a column, in catalogue order (newest version first)
    items: tuple[Item, ...]
    #: the adjusters the questionnaire configures (``questionnaire.adjusters``)
    adjusters: tuple[str, ...]
    codes: pd.DataFrame

    @property
    def item_ids(self) -> list[str]:
        return [item.id for item in self.items]

    def scored(self) -> pd.DataFrame:
        """The same table with each item's 0..100 score (empty: unanswered or unscored)."""
        frame = self.codes[list(BASE_COLUMNS)].copy()
        scores: dict[str, pd.Series] = {}
        for item in self.items:
            score = score_item(item)
            scores[item.id] = _compact(
                pd.Series(np.nan, index=frame.index, dtype=float)
                if score is None
                else score(self.codes[item.id])
            )
        return pd.concat([frame, pd.DataFrame(scores, index=frame.index)], axis=1)


def _compact(score: pd.Series) -> pd.Series:
    """The scores as float32 when that loses nothing (multiples of 25, 0 or 100 do).

    Half the memory of a national year's score table; every consumer reads
    the values back as float64, exactly.
    """
    small = score.astype(np.float32)
    same = (small.to_numpy(dtype=float) == score.to_numpy(dtype=float)) | score.isna().to_numpy()
    return small if bool(same.all()) else score


def published_versions(catalogue: Catalogue, slug: str) -> list[Questionnaire]:
    """Every published version of questionnaire ``slug``, newest first."""
    versions = [
        q for q in catalogue.questionnaires() if q.slug == slug and q.kind == "questionnaire"
    ]
    published = sorted((q for q in versions if q.published), key=lambda q: -q.version)
    if not published:
        raise UnknownQuestionnaire(f"questionnaire: {slug!r} is not a published questionnaire")
    return published


def _pooled_items(versions: list[Questionnaire]) -> tuple[Item, ...]:
    # Versions are pooled by item id: the newest version's order, then items
    # only older versions had (an item id never changes meaning, see
    # Item.signature, so pooling by id is sound).
    seen: dict[str, Item] = {}
    for questionnaire in versions:
        for item in questionnaire.items:
            if item.type != "free_text" and item.id not in seen:
                seen[item.id] = item
    return tuple(seen.values())


def score_item(item: Item) -> Callable[[pd.Series], pd.Series] | None:
    """The 0..100 scoring of an item's answer codes (ANALYSIS_SPEC 1), or None.

    likert5: (k - 1) * 25; fft6: 100 for very good / good, 0 for the other
    scored answers; yes/no: 100 for yes; a cross-sector item (with problem
    codes): 100 when no problem was reported, so every score points the same
    way and the gap rate (ANALYSIS_SPEC 7) is 100 minus it. Not applicable /
    don't know (unscored options) give NaN.
    """
    if item.role not in SCORED_ROLES:
        return None
    scored = tuple(o.code for o in item.options if o.scored)
    if item.type == "likert5":
        return likert_score
    if item.type == "fft6":
        return lambda values: 100.0 * fft_positive(values)
    if item.type == "yes_no_na":
        return lambda values: 100.0 * indicator(values, positive=("yes",), scored=scored)
    if item.type == "single_choice" and item.problem_codes:
        fine = tuple(c for c in scored if c not in item.problem_codes)
        return lambda values: 100.0 * indicator(values, positive=fine, scored=scored)
    return None


def top_box_item(item: Item) -> Callable[[pd.Series], pd.Series] | None:
    """0/1 indicator (float32) of an item's best answer (ANALYSIS_SPEC 1), or None."""
    if item.role not in SCORED_ROLES:
        return None
    scored = tuple(o.code for o in item.options if o.scored)
    best = {"likert5": "5", "fft6": "1", "yes_no_na": "yes"}.get(item.type)
    if best is None:
        return None
    # float32: 0, 1 and NaN are exact, and counts of them stay exact (below 2**24);
    # half the memory of a national year's 25 top-box series.
    return lambda values: indicator(values, positive=(best,), scored=scored).astype(np.float32)


def scored_items(frame: ResponseFrame) -> list[Item]:
    """Items that have a score, in catalogue order."""
    return [item for item in frame.items if score_item(item) is not None]


async def read_frame(catalogue: Catalogue, slug: str, period: Period) -> ResponseFrame:
    """Every response of questionnaire ``slug`` (all published versions) in ``period``."""
    versions = published_versions(catalogue, slug)
    items = _pooled_items(versions)
    query = _Query(slug, tuple(q.version for q in versions), period, items)
    engine = Response._meta.db
    read = _read_postgres if is_postgres(engine) else _read_plain
    columns = await read(engine, query)
    return ResponseFrame(
        slug=slug,
        period=period,
        items=items,
        adjusters=versions[0].adjusters,
        codes=_assemble(columns, slug, items),
    )


# --- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Query:
    slug: str
    versions: tuple[int, ...]
    period: Period
    items: tuple[Item, ...]

    @property
    def ids(self) -> list[str]:
        return [item.id for item in self.items]


@dataclass
class _Columns:
    """What a read gives, before sorting: one entry per response.

    ``order`` sorts the responses by response id (any stable key with the
    order of the id as text); ``base`` holds the other leading columns and
    ``answers`` one column per item id, each a Categorical of answer codes.
    """

    order: np.ndarray
    base: dict[str, pd.Categorical | np.ndarray]
    answers: dict[str, pd.Categorical]


def _categorical(values: Sequence[object] | np.ndarray) -> pd.Categorical:
    """Codes of ``values`` with their distinct values as categories, sorted.

    Sorted exactly as :func:`pandas.factorize` with ``sort=True`` sorts them,
    so the analysis encodes a categorical column with the codes it would have
    given the plain text.
    """
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), sort=True)
    return pd.Categorical.from_codes(codes, categories=pd.Index(uniques, dtype=object))


def _recoded(codes: np.ndarray, words: Sequence[str]) -> pd.Categorical:
    """A Categorical from dictionary codes (0: missing, k: ``words[k - 1]``).

    Only the words that occur become categories, sorted as :func:`_categorical` sorts.
    """
    present = np.flatnonzero(np.bincount(codes, minlength=len(words) + 1)[1:])
    labels = [words[int(k)] for k in present]
    order = sorted(range(len(labels)), key=lambda k: labels[k])
    remap = np.full(len(words) + 1, -1, dtype=np.int64)
    for rank, k in enumerate(order):
        remap[present[k] + 1] = rank
    small = remap.astype(np.int16 if len(labels) > 120 else np.int8)
    return pd.Categorical.from_codes(
        small[codes], categories=pd.Index([labels[k] for k in order], dtype=object)
    )


def _assemble(columns: _Columns, slug: str, items: tuple[Item, ...]) -> pd.DataFrame:
    n = len(columns.order)
    base = columns.base
    # Sorted by practice, period, then response id, as the export has always been.
    practice = pd.Categorical(base["practice"])
    period = pd.Categorical(base["period"])
    order = np.lexsort((columns.order, period.codes, practice.codes))
    empty = pd.Categorical.from_codes(
        np.full(n, -1, dtype=np.int8), categories=pd.Index([], dtype=object)
    )
    data: dict[str, object] = {}
    for name in ("practice", "sector", "region_area"):
        data[name] = base[name]
    data["questionnaire"] = pd.Categorical.from_codes(
        np.zeros(n, dtype=np.int8), categories=pd.Index([slug], dtype=object)
    )
    for name in ("version", "period", "channel", "language"):
        data[name] = base[name]
    casemix_of = {
        item.casemix: item.id
        for item in items
        if item.role == "casemix" and item.casemix in CASEMIX_COLUMNS
    }
    for name in CASEMIX_COLUMNS:
        source = casemix_of.get(name)
        data[name] = columns.answers[source] if source is not None else empty
    for item in items:
        data[item.id] = columns.answers[item.id]
    frame = pd.DataFrame(
        {name: _take(values, order) for name, values in data.items()},
        index=pd.RangeIndex(n),
    )
    frame["version"] = frame["version"].astype(int)
    return frame


def _take(values: object, order: np.ndarray) -> pd.Categorical | np.ndarray:
    if isinstance(values, pd.Categorical):
        return pd.Categorical.from_codes(values.codes[order], dtype=values.dtype)
    return np.asarray(values)[order]


async def _read_plain(engine: Engine, query: _Query) -> _Columns:
    """Row by row through Piccolo: for SQLite, which has no COPY (and small data)."""
    versions = query.versions
    version_marks = ", ".join(["{}"] * len(versions))
    where = (
        f"qv.slug = {{}} AND qv.version IN ({version_marks}) "
        "AND r.visit_month >= {} AND r.visit_month <= {}"
    )
    args = [query.slug, *versions, query.period.first_month, query.period.last_month]
    rows = await Response.raw(
        "SELECT r.id AS response, p.code AS practice, p.sector AS sector, "
        "p.region_area AS region_area, qv.version AS version, r.visit_month AS period, "
        "r.channel AS channel, r.language AS language "
        "FROM response r JOIN practice p ON p.id = r.practice "
        "JOIN questionnaire_version qv ON qv.id = r.questionnaire_version "
        f"WHERE {where}",
        *args,
    )
    responses = [str(row["response"]) for row in rows]
    position = {response: k for k, response in enumerate(responses)}
    ids = query.ids
    cells: dict[str, list[object]] = {item_id: [None] * len(rows) for item_id in ids}
    if ids and rows:
        id_marks = ", ".join(["{}"] * len(ids))
        answer_rows = await Response.raw(
            "SELECT a.response AS response, a.item_id AS item_id, a.value AS value "
            "FROM answer a JOIN response r ON r.id = a.response "
            "JOIN questionnaire_version qv ON qv.id = r.questionnaire_version "
            f"WHERE {where} AND a.item_id IN ({id_marks})",
            *args,
            *ids,
        )
        for answer in reversed(answer_rows):  # the first of duplicates wins
            cells[answer["item_id"]][position[str(answer["response"])]] = answer["value"]
    base: dict[str, pd.Categorical | np.ndarray] = {
        name: _categorical([row[name] for row in rows])
        for name in ("practice", "sector", "region_area", "period", "channel", "language")
    }
    base["version"] = np.array([int(row["version"]) for row in rows], dtype=np.int64)
    return _Columns(
        order=pd.factorize(np.asarray(responses, dtype=object), sort=True)[0],
        base=base,
        answers={item_id: _categorical(values) for item_id, values in cells.items()},
    )


# PostgreSQL: COPY ... TO STDOUT (FORMAT binary) of fixed-width rows, read straight
# into numpy (about 34 bytes per answer instead of three Python objects). The
# server only turns (item id, value) into (item number, code number) with a small
# hash table; which response an answer belongs to is matched here, run by run,
# because answers are stored together with their response: a join with the
# period's responses on the server would probe a 2.2 M-row hash per answer, the
# single most expensive step of a national read.

_COPY_HEADER = 19  # signature (11), flags (4), header extension length (4)
_BASE_ROW = np.dtype(
    [
        ("fields", ">i2"),
        ("id_len", ">i4"),
        ("id_high", ">u8"),
        ("id_low", ">u8"),
        ("practice_len", ">i4"),
        ("practice", ">i4"),
        ("version_len", ">i4"),
        ("version", ">i4"),
        ("month_len", ">i4"),
        ("month", ">i4"),
        ("channel_len", ">i4"),
        ("channel", ">i2"),
        ("language_len", ">i4"),
        ("language", ">i2"),
    ]
)
_ANSWER_ROW = np.dtype(
    [
        ("fields", ">i2"),
        ("id_len", ">i4"),
        ("id_high", ">u8"),
        ("id_low", ">u8"),
        ("item_len", ">i4"),
        ("item", ">i2"),
        ("code_len", ">i4"),
        ("code", ">i2"),
    ]
)
#: Bytes of COPY output decoded at a time (keeps the read's memory flat).
_CHUNK_BYTES = 32 * 2**20


#: Decoded pieces that may wait for the decoding thread before reading pauses.
_PIECES_AHEAD = 2


class _RowSink:
    """Receives COPY BINARY output in pieces and hands whole rows to ``consume``.

    asyncpg stops reading the socket while this sink is awaited, and the server
    stops producing once the socket's buffer is full. Decoding a piece on the
    event loop therefore made the server and this process take turns (a
    national read: ~19 s of server work, then ~7 s of decoding here, in
    series). So the sink only cuts whole rows off the bytes and hands them to
    one decoding thread (numpy lets go of the GIL in its loops), and awaits it
    only when ``_PIECES_AHEAD`` pieces are already waiting: the server keeps
    producing while rows are decoded, and memory stays bounded. One thread, so
    ``consume`` sees the rows in order and never runs twice at once.
    """

    def __init__(
        self,
        dtype: np.dtype,
        consume: Callable[[np.ndarray], None],
        decoder: ThreadPoolExecutor | None = None,
    ) -> None:
        self.dtype = dtype
        self.consume = consume
        self.pending: list[bytes] = []
        self.size = 0
        self.header = True
        # Sinks of one read may share a decoder, so ``consume`` never runs twice at once.
        self.own_decoder = decoder is None
        self.decoder = decoder or ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="copy-decode"
        )
        self.waiting: deque[asyncio.Future[None]] = deque()

    async def __call__(self, piece: bytes) -> None:
        self.pending.append(bytes(piece))
        self.size += len(piece)
        if self.size >= _CHUNK_BYTES:
            await self._hand_over()

    async def _hand_over(self) -> None:
        whole = self._cut()
        if whole:
            loop = asyncio.get_running_loop()
            self.waiting.append(loop.run_in_executor(self.decoder, self._decode, whole))
        while len(self.waiting) > _PIECES_AHEAD:
            await self.waiting.popleft()

    def _cut(self) -> bytes:
        """The whole rows received so far (the header skipped); the rest stays pending."""
        buffer = b"".join(self.pending)
        if self.header:
            if len(buffer) < _COPY_HEADER:
                return b""
            extension = int.from_bytes(buffer[15:19], "big")
            buffer = buffer[_COPY_HEADER + extension :]
            self.header = False
        whole = len(buffer) // self.dtype.itemsize * self.dtype.itemsize
        rest = buffer[whole:]
        self.pending = [rest] if rest else []
        self.size = len(rest)
        return buffer[:whole]

    def _decode(self, whole: bytes) -> None:
        rows = np.frombuffer(whole, dtype=self.dtype)
        if len(rows):
            self.consume(rows)

    async def finish(self) -> None:
        """Decode what is left and wait for every piece; raises if the output was cut."""
        await self._hand_over()
        while self.waiting:
            await self.waiting.popleft()
        rest = b"".join(self.pending)
        if rest != b"\xff\xff":  # the trailer: a field count of -1
            raise RuntimeError(f"unexpected end of COPY output ({len(rest)} bytes left)")

    def close(self) -> None:
        """Stop the sink's own decoding thread (waits for a running piece)."""
        if self.own_decoder:
            self.decoder.shutdown(wait=True, cancel_futures=True)


async def _copy_rows(connection: Any, query: str, args: list[Any], sink: _RowSink) -> None:
    """``COPY (query) TO STDOUT (FORMAT binary)`` into ``sink``, every row decoded on return."""
    try:
        await connection.copy_from_query(query, *args, output=sink, format="binary")
        await sink.finish()
    finally:
        sink.close()


async def _read_postgres(engine: Engine, query: _Query) -> _Columns:
    transaction = engine.current_transaction.get()
    if transaction is not None:
        return await _copy_frame(transaction.connection, query)
    postgres = cast(PostgresEngine, engine)
    connection = await postgres.get_new_connection()
    helper = await postgres.get_new_connection()
    try:
        # One snapshot for every read, on both connections: an answer never
        # misses its response, and the two halves of the answers read the same.
        async with connection.transaction(isolation="repeatable_read"):
            snapshot = await connection.fetchval("SELECT pg_export_snapshot()")
            async with helper.transaction(isolation="repeatable_read"):
                await helper.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
                return await _copy_frame(connection, query, helper)
    finally:
        await helper.close()
        await connection.close()


async def _copy_answers(
    connection: Any,
    helper: Any,
    item_ids: list[str],
    pairs: list[tuple[str, str, int, int]],
    take_answers: Callable[[np.ndarray], None],
) -> None:
    """Every answer of ``item_ids`` as (response, item number, code number) rows.

    The server's side of a national read (a scan of ~65 M rows and a hash
    lookup of each (item, value)) takes longer than decoding the rows here, and
    runs on one core. With a second connection on the same snapshot and a large
    table, each reads half of the table's pages (a TID range scan), so both
    cores serve it. A response's answers may then arrive in two pieces, one per
    half; each piece is matched to its response on its own, so that is fine.
    """
    halves: list[tuple[Any, str]] = [(connection, "")]
    if helper is not None:
        pages = await connection.fetchval(
            "SELECT (pg_relation_size('answer') / current_setting('block_size')::int8)::int8"
        )
        if pages >= max(PARALLEL_MIN_PAGES, 1):
            middle = f"'({pages // 2},0)'::tid"
            halves = [(connection, f" AND a.ctid < {middle}"), (helper, f" AND a.ctid >= {middle}")]
    decoder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="copy-decode")

    async def read(conn: Any, part: str) -> None:
        # A table with statistics, so the planner hashes these few rows and
        # streams the answers past them in stored order (given a function's
        # rows it may hash the whole answer table instead).
        await conn.execute(
            "CREATE TEMPORARY TABLE frame_codes "
            "(item_id text, value text, item int2, code int2) ON COMMIT DROP"
        )
        await conn.copy_records_to_table("frame_codes", records=pairs)
        await conn.execute("ANALYZE frame_codes")
        await _copy_rows(
            conn,
            "SELECT a.response, COALESCE(c.item, 0)::int2, COALESCE(c.code, -1)::int2 "
            "FROM answer a LEFT JOIN frame_codes c "
            "ON c.item_id = a.item_id AND c.value = a.value "
            f"WHERE a.item_id = ANY($1::text[]){part}",
            [item_ids],
            _RowSink(_ANSWER_ROW, take_answers, decoder),
        )
        await conn.execute("DROP TABLE frame_codes")

    try:
        await asyncio.gather(*(read(conn, part) for conn, part in halves))
    finally:
        decoder.shutdown(wait=True, cancel_futures=True)


class _Responses:
    """Row numbers of the period's responses, looked up by id (high, low 64 bits)."""

    def __init__(self, high: np.ndarray, low: np.ndarray) -> None:
        self.order = np.lexsort((low, high))
        self.high = high[self.order]
        self.low = low[self.order]

    def rows(self, high: np.ndarray, low: np.ndarray) -> np.ndarray:
        """Row number of each id, -1 for ids outside the period."""
        first = np.searchsorted(self.high, high, side="left")
        last = np.searchsorted(self.high, high, side="right")
        found = np.full(len(high), -1, dtype=np.int64)
        single = (last - first) == 1
        hit = single & (self.low[np.minimum(first, len(self.low) - 1)] == low)
        found[hit] = self.order[first[hit]]
        for k in np.flatnonzero(last - first > 1):  # 64-bit prefixes shared: rare
            span = np.arange(first[k], last[k])
            match = span[self.low[span] == low[k]]
            if len(match):
                found[k] = self.order[match[0]]
        return found


#: Below this many pages (8 KB each) of answers one COPY reads them all; above,
#: two connections read half each (see _copy_answers).
PARALLEL_MIN_PAGES = 20_000


async def _copy_frame(connection: Any, query: _Query, helper: Any = None) -> _Columns:
    where = (
        "qv.slug = $1 AND qv.version = ANY($2::int4[]) "
        "AND r.visit_month >= $3 AND r.visit_month <= $4"
    )
    args = [query.slug, list(query.versions), query.period.first_month, query.period.last_month]
    source = (
        "FROM response r JOIN questionnaire_version qv ON qv.id = r.questionnaire_version "
        f"WHERE {where}"
    )
    kinds = await connection.fetch(
        f"SELECT r.channel, r.language {source} GROUP BY r.channel, r.language", *args
    )
    channels = sorted({str(row["channel"]) for row in kinds})
    languages = sorted({str(row["language"]) for row in kinds})
    practices = {
        row["id"]: row
        for row in await connection.fetch("SELECT id, code, sector, region_area FROM practice")
    }

    parts: list[np.ndarray] = []
    await _copy_rows(
        connection,
        # visit_month is YYYY-MM (a CHECK constraint): sent as the number YYYYMM.
        "SELECT r.id, r.practice, qv.version, "
        "(substr(r.visit_month, 1, 4) || substr(r.visit_month, 6, 2))::int4, "
        "array_position($5::text[], r.channel::text)::int2, "
        f"array_position($6::text[], r.language::text)::int2 {source}",
        [*args, channels, languages],
        _RowSink(_BASE_ROW, lambda rows: parts.append(rows.copy())),
    )
    rows = np.concatenate(parts) if parts else np.zeros(0, dtype=_BASE_ROW)
    n = len(rows)
    high = rows["id_high"].astype(np.uint64)
    low = rows["id_low"].astype(np.uint64)
    responses = _Responses(high, low)

    coded = [item for item in query.items if item.options]
    vocabulary = {item.id: [o.code for o in item.options] for item in coded}
    pairs = [
        (item_id, code, position + 1, k + 1)
        for position, (item_id, codes) in enumerate(vocabulary.items())
        for k, code in enumerate(codes)
    ]
    # Answer codes: 0 unanswered, k the item's k-th option, -1 a value outside them.
    matrix = np.zeros((n, len(coded)), dtype=np.int16)
    outside: set[int] = set()  # not empty: some value lies outside its item's set

    def take_answers(chunk: np.ndarray) -> None:
        chunk_high = chunk["id_high"].astype(np.uint64)
        chunk_low = chunk["id_low"].astype(np.uint64)
        # A response's answers arrive together: look each run up once.
        starts = np.flatnonzero(
            np.concatenate(
                [[True], (chunk_high[1:] != chunk_high[:-1]) | (chunk_low[1:] != chunk_low[:-1])]
            )
        )
        run_rows = responses.rows(chunk_high[starts], chunk_low[starts])
        at = np.repeat(run_rows, np.diff(np.append(starts, len(chunk))))
        item = chunk["item"].astype(np.int64)
        code = chunk["code"].astype(np.int16)
        keep = at >= 0
        odd = code < 0
        if (odd & keep).any():  # read again as text below
            outside.add(len(outside))
        if keep.all() and not odd.any():
            # The usual chunk (one period's answers, all coded): no masked copies.
            matrix[at, item - 1] = code
            return
        keep &= ~odd
        matrix[at[keep], item[keep] - 1] = code[keep]

    if coded and n:
        await _copy_answers(connection, helper, list(vocabulary), pairs, take_answers)
    # Items without an answer set (numbers), and any value outside an item's set,
    # come as text: small, or never seen in practice, so plain rows will do.
    as_text = [item.id for item in query.items if not item.options]
    as_text += [item.id for item in coded] if outside else []
    extra: list[Any] = []
    if as_text and n:
        extra = await connection.fetch(
            "SELECT a.response, a.item_id, a.value FROM answer a "
            "LEFT JOIN unnest($2::text[], $3::text[]) AS c(item_id, value) "
            "ON c.item_id = a.item_id AND c.value = a.value "
            "WHERE a.item_id = ANY($1::text[]) AND c.item_id IS NULL",
            as_text,
            [p[0] for p in pairs],
            [p[1] for p in pairs],
        )
    by_item: dict[str, list[tuple[int, str]]] = {}
    if extra:
        ids = np.frombuffer(b"".join(row["response"].bytes for row in extra), dtype=">u8")
        found = responses.rows(ids[0::2].astype(np.uint64), ids[1::2].astype(np.uint64))
        for row, at in zip(extra, found, strict=True):
            if at >= 0:
                by_item.setdefault(row["item_id"], []).append((int(at), row["value"]))
    column_of = {item.id: k for k, item in enumerate(coded)}
    answers: dict[str, pd.Categorical] = {}
    for item in query.items:
        words_of = list(vocabulary.get(item.id, []))
        if item.id in column_of:
            codes = matrix[:, column_of[item.id]].astype(np.int64)
        else:
            codes = np.zeros(n, dtype=np.int64)
        number_of = {word: k + 1 for k, word in enumerate(words_of)}
        for at, value in by_item.get(item.id, []):
            if value not in number_of:
                words_of.append(value)
                number_of[value] = len(words_of)
            if codes[at] == 0:
                codes[at] = number_of[value]
        answers[item.id] = _recoded(codes, words_of)

    practice_ids, practice_codes = np.unique(rows["practice"].astype(np.int64), return_inverse=True)
    columns: dict[str, pd.Categorical | np.ndarray] = {}
    for name, key in (("practice", "code"), ("sector", "sector"), ("region_area", "region_area")):
        labels = np.asarray([str(practices[int(pid)][key]) for pid in practice_ids], dtype=object)
        columns[name] = _categorical(labels[practice_codes])
    columns["version"] = rows["version"].astype(np.int64)
    month = rows["month"].astype(np.int64)
    months, month_codes = np.unique(month, return_inverse=True)
    labels = np.asarray([f"{m // 100:04d}-{m % 100:02d}" for m in months], dtype=object)
    columns["period"] = _categorical(labels[month_codes])
    columns["channel"] = _recoded(rows["channel"].astype(np.int64), channels)
    columns["language"] = _recoded(rows["language"].astype(np.int64), languages)
    rank = np.empty(n, dtype=np.int64)
    rank[responses.order] = np.arange(n)
    return _Columns(order=rank, base=columns, answers=answers)
