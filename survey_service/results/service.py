"""Building, releasing and reading stored results (docs/results.md).

Every number comes from :mod:`analysis`, computed on exactly the table
``survey-service responses export --scored`` writes, so stored results equal
``survey-service analyse adjust`` run on that export.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from piccolo.table import Table

from analysis import (
    MIN_UNIT_N,
    AnalysisError,
    AnalysisWarning,
    SharedDesign,
    composite_score,
    shared_design,
)
from analysis.multiplicity import labels_by
from survey_service.accounts.service import record_audit
from survey_service.db import is_postgres, write_transaction
from survey_service.errors import Conflict, NotFound
from survey_service.invitations.counters import COUNTS
from survey_service.invitations.tables import RateCounter
from survey_service.localtime import local_today, utc_now
from survey_service.practices.tree import PRACTICE_LEVEL, unit_tree
from survey_service.questionnaires.loader import Catalogue
from survey_service.results.frame import (
    CASEMIX_COLUMNS,
    ResponseFrame,
    published_versions,
    read_frame,
    scored_items,
    top_box_item,
)
from survey_service.results.gaps import GapRows, gap_rows
from survey_service.results.periods import Period, parse_period
from survey_service.results.revisions import newest_revisions
from survey_service.results.rollup import (
    REFERENCE,
    Level,
    item_row,
    levels_of,
    reference_result,
    relabel,
)
from survey_service.results.shares import EMPTY, shares_by_unit
from survey_service.results.tables import (
    ReportGap,
    ReportItem,
    ReportRate,
    ReportRevision,
    ReportUnit,
)

__all__ = [
    "Built",
    "NoAnswers",
    "NotBuilt",
    "NotEnded",
    "adjusters_of",
    "analyse_targets",
    "build_period",
    "level_rows",
    "practice_results",
    "release_period",
    "released_periods",
    "unit_rows",
]

#: Survey mode and language are adjusted for on every questionnaire (ANALYSIS_SPEC 2).
ALWAYS_ADJUSTED = ("channel", "language")
#: Domains that hold no experience results.
NO_COMPOSITE = ("casemix", "comments")
NUMBERS = ("observed", "adjusted", "se", "ci_low", "ci_high", "reliability", "eb")
SUPPRESSED = "suppressed"
#: The invitation counts a revision keeps (report_rate): counters the table has no
#: column for are summed by nobody's page, and left out rather than failing a build.
STORED_COUNTS = tuple(name for name in COUNTS if hasattr(ReportRate, name))


class NoAnswers(NotFound):
    code = "no_answers"
    default_detail = "period: no answers in this period"


class NotBuilt(NotFound):
    code = "not_built"
    default_detail = "period: no results have been built for this period"


class NotEnded(Conflict):
    code = "period_not_ended"
    default_detail = "period: the period has not ended yet"


@dataclass(frozen=True)
class Built:
    """What one build stored."""

    questionnaire: str
    period: str
    revision: int
    responses: int
    rows: int


def adjusters_of(frame: ResponseFrame) -> list[str]:
    """The questionnaire's patient-reported adjusters, then channel and language.

    An adjuster nobody answered in the period (the questionnaire does not ask
    it) is left out rather than imputed for every respondent: it could not
    adjust anything and would only inflate the imputed count.
    """
    chosen = [
        name
        for name in frame.adjusters
        if name in CASEMIX_COLUMNS and frame.codes[name].notna().any()
    ]
    return chosen + list(ALWAYS_ADJUSTED)


def _number(value: Any) -> float | None:
    return (
        None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
    )


def _top_box(share: dict[str, float | None] | None) -> dict[str, float | None]:
    """The ``top_box`` columns of a unit row (all None without a share)."""
    share = share or EMPTY
    return {"top_box": share["share"], "top_box_low": share["low"], "top_box_high": share["high"]}


Target = tuple[str, str, pd.Series, pd.Series | None]


def targets_of(frame: ResponseFrame, scored: pd.DataFrame) -> list[Target]:
    """(domain, item id or "" for the composite, scores, top-box indicator) to analyse.

    ``scored`` is ``frame.scored()``, computed once by the caller (it scores every item).
    """
    targets: list[Target] = []
    by_domain: dict[str, list[str]] = {}
    for item in scored_items(frame):
        top = top_box_item(item)
        codes = frame.codes[item.id]
        targets.append((item.domain, item.id, scored[item.id], None if top is None else top(codes)))
        if item.domain not in NO_COMPOSITE:
            by_domain.setdefault(item.domain, []).append(item.id)
    for domain, ids in by_domain.items():
        targets.append((domain, "", composite_score(scored, ids, min_share=0.5), None))
    return targets


def unit_rows(
    frame: ResponseFrame,
    on_target: Callable[[], None] | None = None,
    prepared: tuple[pd.DataFrame, list[Target]] | None = None,
) -> list[dict[str, Any]]:
    """Per-unit rows of every scored item and every domain composite (not yet stored).

    ``on_target`` is called before each item or composite (a progress bar's tick);
    ``prepared`` is ``(frame.scored(), targets_of(...))`` when the caller has them.
    The table in ``prepared`` may hold other units in its ``practice`` column (the
    roll-up over the unit tree relabels it), or only some of the rows.
    """
    return analyse_targets(frame, on_target, prepared)[0]


def analyse_targets(
    frame: ResponseFrame,
    on_target: Callable[[], None] | None = None,
    prepared: tuple[pd.DataFrame, list[Target]] | None = None,
    *,
    level: str = PRACTICE_LEVEL,
    labels: str = "spec",
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """:func:`unit_rows` and, per item or composite, the regional funnel parameters.

    ``labels`` is the label method (``RESULTS_LABELS``: ``spec`` or ``fdr``,
    :mod:`analysis.multiplicity`).

    The second list holds one ``report_item`` row per analysed target: mu, s_w,
    tau^2 and phi of the fit, the units that entered the overdispersion estimate
    (the non-suppressed ones) and the respondents, at tree level ``level``.
    """
    if prepared is None:
        scored = frame.scored()
        prepared = (scored, targets_of(frame, scored))
    scored, targets = prepared
    adjusters = adjusters_of(frame)
    rows: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    design: SharedDesign | None = None
    # Units and adjusters are the same for every target: encoded once (the
    # numbers are analyse_item's on the table with that score column). Without
    # rows or units no target has a result; each still ticks.
    with contextlib.suppress(AnalysisError):
        design = shared_design(scored, unit="practice", adjusters=adjusters, min_n=MIN_UNIT_N)
    for domain, item_id, score, top in targets:
        if on_target is not None:
            on_target()
        if design is None:
            continue
        try:
            with warnings.catch_warnings():
                # Single-level adjusters are dropped by analysis; the same
                # happens in `analyse adjust`, which prints the warning.
                warnings.simplefilter("ignore", AnalysisWarning)
                # Aligned on the index: ``scored`` may be a subset of the rows ``score`` has.
                result = design.analyse(score)
        except AnalysisError:
            # Too few units or answers for a comparison: no result on this item.
            continue
        items.append(item_row(result, level, domain, item_id, "mean"))
        units = result.to_frame()
        units["flag"] = labels_by(result, labels)
        imputed = sum(result.casemix.n_imputed.values())
        # Top-box share and its Wilson interval from the count and the answers.
        tops = (
            None if top is None else shares_by_unit(top.reindex(scored.index), scored["practice"])
        )
        for record in units.to_dict("records"):
            suppressed = record["flag"] == "suppressed"
            row = {
                "practice": str(record["unit"]),
                "domain": domain,
                "item": item_id,
                "n": int(record["n"]),
                "flag": str(record["flag"]),
                "suppressed": suppressed,
                "imputed": imputed,
                **_top_box(None),
            }
            for name in NUMBERS:
                row[name] = None if suppressed else _number(record[name])
            if tops is not None and not suppressed:
                row.update(_top_box(tops.get(record["unit"])))
            rows.append(row)
    return rows, items


def level_rows(
    frame: ResponseFrame,
    prepared: tuple[pd.DataFrame, list[Target]],
    level: Level,
    on_target: Callable[[], None] | None = None,
    labels: str = "spec",
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Unit and item rows of one roll-up level: the bottom analysis, relabelled.

    A level with one unit (the region) cannot be compared: each target gets
    that unit's :func:`~survey_service.results.rollup.reference_result` with
    flag ``reference`` (``suppressed`` below 10 answers) and an item row whose
    tau^2 and phi are NULL.
    """
    scored, targets = prepared
    table = relabel(scored, adjusters_of(frame), level)
    if len(level.units) >= 2:
        return analyse_targets(frame, on_target, (table, targets), level=level.name, labels=labels)
    (code,) = level.units
    rows: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    for domain, item_id, score, top in targets:
        if on_target is not None:
            on_target()
        one = reference_result(score.reindex(table.index), top)
        if not one["n"]:
            continue
        suppressed = one["adjusted"] is None
        rows.append(
            {
                "practice": code,
                "domain": domain,
                "item": item_id,
                "n": one["n"],
                "flag": SUPPRESSED if suppressed else REFERENCE,
                "suppressed": suppressed,
                "imputed": 0,
                "top_box": one["top_box"],
                "top_box_low": one["top_box_low"],
                "top_box_high": one["top_box_high"],
                **{name: one.get(name) for name in NUMBERS},
            }
        )
        items.append(
            {
                "level": level.name,
                "domain": domain,
                "item": item_id,
                "measure": "mean",
                "units": 0 if suppressed else 1,
                "n": one["n"],
                "mu": one["mu"],
                "s_w": one["s_w"],
                "tau2": None,
                "phi": None,
            }
        )
    return rows, items


async def _rates(period: Period, practice_ids: Sequence[int]) -> list[dict[str, Any]]:
    if not practice_ids:
        return []
    sums = ", ".join(f"SUM({name}) AS {name}" for name in STORED_COUNTS)
    months = ", ".join(["{}"] * len(period.months))
    ids = ", ".join(["{}"] * len(practice_ids))
    return await RateCounter.raw(
        # Poster answers have no invitation: they would inflate the response rate.
        f"SELECT practice, {sums} FROM rate_counter "
        f"WHERE month IN ({months}) AND practice IN ({ids}) AND channel <> 'poster' "
        "GROUP BY practice",
        *period.months,
        *practice_ids,
    )


async def build_period(
    catalogue: Catalogue,
    period_text: str,
    slug: str | None = None,
    *,
    now: dt.datetime | None = None,
    actor: str = "cli",
    progress: Callable[[int, int], None] | None = None,
    labels: str = "spec",
) -> list[Built]:
    """Compute and store a NEW revision per questionnaire with answers in the period.

    ``labels`` chooses the label method (``RESULTS_LABELS``); it is stored with
    each revision (``label_method``) so every page can say which was used.

    With ``slug`` only that questionnaire; without it, every published
    questionnaire that has answers. Nothing is stored when there are none
    (:class:`NoAnswers`).
    """
    period = parse_period(period_text)
    if slug is not None:
        published_versions(catalogue, slug)  # an unknown slug is refused first
        slugs = [slug]
    else:
        slugs = sorted({q.slug for q in catalogue.questionnaires() if q.published})
    frames = [await read_frame(catalogue, s, period) for s in slugs]
    frames = [f for f in frames if len(f.codes)]
    if not frames:
        which = f"questionnaire {slug!r}" if slug else "any questionnaire"
        raise NoAnswers(f"period: no answers to {which} in {period.label}")
    built_at = now or dt.datetime.now(dt.UTC)
    tree = await unit_tree()
    # Scored once per frame: the progress total and the fits share the targets.
    prepared = []
    for frame in frames:
        scored = frame.scored()
        levels = levels_of(tree, sorted(_codes([frame])))
        prepared.append((scored, targets_of(frame, scored), levels))
    total = sum(len(targets) * (1 + len(levels)) for _, targets, levels in prepared)
    done_targets = 0

    def tick() -> None:
        nonlocal done_targets
        done_targets += 1
        if progress is not None:
            progress(done_targets, total)

    computed = [
        _compute(frame, scored, targets, levels, tick, labels)
        for frame, (scored, targets, levels) in zip(frames, prepared, strict=True)
    ]
    ids = {code: unit.id for code, unit in tree.items()}
    done: list[Built] = []
    async with write_transaction():
        for result in computed:
            done.append(await _store(result, ids, period, built_at, labels))
            await record_audit(
                actor,
                "report_build",
                f"{result.frame.slug} {period.label}",
                f"{len(result.units)} rows",
            )
    return done


@dataclass
class _Computed:
    """Everything one frame's build stores, by unit code (ids are looked up at storing)."""

    frame: ResponseFrame
    units: list[dict[str, Any]]
    items: list[dict[str, Any]]
    gaps: GapRows


def _compute(
    frame: ResponseFrame,
    scored: pd.DataFrame,
    targets: list[Target],
    levels: list[Level],
    tick: Callable[[], None],
    labels: str,
) -> _Computed:
    units, items = analyse_targets(frame, tick, (scored, targets), labels=labels)
    for level in levels:
        more_units, more_items = level_rows(frame, (scored, targets), level, tick, labels)
        units += more_units
        items += more_items
    gaps = gap_rows(frame, adjusters_of(frame), labels)
    return _Computed(frame, units, items, gaps)


def _codes(frames: list[ResponseFrame]) -> set[str]:
    return {str(code) for frame in frames for code in frame.codes["practice"].unique()}


#: Rows per INSERT: PostgreSQL takes at most 32,767 arguments in one query, and a
#: national year stores hundreds of thousands of unit rows.
_INSERT_BATCH = 1000


async def _insert_all(table: type[Table], rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (column name to value; a missing column takes its default)
    in the current transaction.

    On PostgreSQL with COPY of plain tuples: a Piccolo object per row took
    about 0.2 ms to construct, a minute and hundreds of MB for a national year's
    unit rows (and Piccolo builds each INSERT row by row in Python, slower
    still). Elsewhere as Piccolo objects in batches.
    """
    if not rows:
        return
    columns = [c for c in table._meta.columns if not c._meta.primary_key]
    names = {c._meta.name for c in columns}
    for row in rows:
        unknown = row.keys() - names
        if unknown:
            raise ValueError(f"{table._meta.tablename} has no column {sorted(unknown)[0]!r}")
    engine = table._meta.db
    transaction = engine.current_transaction.get() if is_postgres(engine) else None
    if transaction is not None:
        defaults = [(c._meta.name, c.get_default_value()) for c in columns]
        await transaction.connection.copy_records_to_table(
            table._meta.tablename,
            columns=[c._meta.db_column_name for c in columns],
            records=[tuple(row.get(name, default) for name, default in defaults) for row in rows],
        )
        return
    for start in range(0, len(rows), _INSERT_BATCH):
        await table.insert(*(table(**row) for row in rows[start : start + _INSERT_BATCH]))


async def _store(
    computed: _Computed,
    ids: dict[str, int],
    period: Period,
    built_at: dt.datetime,
    labels: str,
) -> Built:
    frame = computed.frame
    latest = await ReportRevision.raw(
        "SELECT MAX(revision) AS latest FROM report_revision "
        "WHERE questionnaire = {} AND period = {}",
        frame.slug,
        period.label,
    )
    number = int(latest[0]["latest"] or 0) + 1
    revision = ReportRevision(
        questionnaire=frame.slug,
        period=period.label,
        revision=number,
        built_at=built_at,
        released_at=None,
        responses=len(frame.codes),
        label_method=labels,
    )
    await revision.save()
    units = [
        {**row, "revision": revision.id, "practice": ids[row["practice"]]} for row in computed.units
    ]
    if units:
        await _insert_all(ReportUnit, units)
    if computed.items:
        await _insert_all(ReportItem, [{**row, "revision": revision.id} for row in computed.items])
    gaps = [
        {
            **row,
            "revision": revision.id,
            "practice": None if row["practice"] is None else ids[row["practice"]],
        }
        for row in [*computed.gaps.region, *computed.gaps.units]
    ]
    if gaps:
        await _insert_all(ReportGap, gaps)
    if computed.gaps.items:
        await _insert_all(
            ReportItem, [{**row, "revision": revision.id} for row in computed.gaps.items]
        )
    practice_ids = sorted({ids[code] for code in _codes([frame]) if code in ids})
    rates: list[dict[str, Any]] = []
    for rate in await _rates(period, practice_ids):
        counts: dict[str, Any] = {name: int(rate[name] or 0) for name in STORED_COUNTS}
        rates.append({"revision": revision.id, "practice": rate["practice"], **counts})
    if rates:
        await _insert_all(ReportRate, rates)
    return Built(frame.slug, period.label, number, len(frame.codes), len(units))


async def release_period(
    period_text: str,
    *,
    delay_days: int,
    slug: str | None = None,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
    actor: str = "cli",
) -> list[tuple[str, int]]:
    """Mark the newest revision of each questionnaire built for the period released.

    Refused (:class:`NotEnded`) until the period has ended ``delay_days`` ago
    (Europe/Copenhagen date), and (:class:`NotBuilt`) when nothing was built.
    """
    period = parse_period(period_text)
    if not period.has_ended(today or local_today(utc_now()), delay_days):
        last = period.end_date + dt.timedelta(days=delay_days)
        raise NotEnded(f"period: {period.label} can be released after {last.isoformat()}")
    newest = {
        r.questionnaire: r.revision
        for r in await newest_revisions("built", period=period.label, questionnaire=slug)
    }
    if not newest:
        raise NotBuilt(f"period: no results have been built for {period.label}")
    stamp = now or dt.datetime.now(dt.UTC)
    async with write_transaction():
        for questionnaire, number in newest.items():
            await ReportRevision.update({ReportRevision.released_at: stamp}).where(
                (ReportRevision.questionnaire == questionnaire)
                & (ReportRevision.period == period.label)
                & (ReportRevision.revision == number)
            )
            await record_audit(
                actor, "report_release", f"{questionnaire} {period.label}", f"revision {number}"
            )
    return sorted(newest.items())


async def _released(slug: str) -> dict[str, int]:
    """Newest released revision id per period label of questionnaire ``slug``."""
    return {r.period: r.id for r in await newest_revisions("released", questionnaire=slug)}


async def released_periods(practice_id: int, slug: str) -> list[str]:
    """Labels of the released periods that hold results of the practice, sorted."""
    released = await _released(slug)
    if not released:
        return []
    rows = await ReportUnit.select(ReportUnit.revision).where(
        (ReportUnit.practice == practice_id) & ReportUnit.revision.is_in(list(released.values()))
    )
    having = {row["revision"] for row in rows}
    return sorted(label for label, rev in released.items() if rev in having)


async def practice_results(practice_id: int, slug: str, period_label: str) -> list[dict[str, Any]]:
    """The practice's rows of the newest RELEASED revision of the period (else none)."""
    revision = (await _released(slug)).get(period_label)
    if revision is None:
        return []
    columns = [getattr(ReportUnit, name) for name in ("domain", "item", "n", *NUMBERS)]
    columns += [ReportUnit.top_box, ReportUnit.top_box_low, ReportUnit.top_box_high]
    columns += [ReportUnit.flag, ReportUnit.suppressed]
    return (
        await ReportUnit.select(*columns)
        .where((ReportUnit.revision == revision) & (ReportUnit.practice == practice_id))
        .order_by(ReportUnit.id)
    )


async def released_label_method(slug: str, period_label: str) -> str | None:
    """How the labels of the newest RELEASED revision of the period were made (else None)."""
    revision = (await _released(slug)).get(period_label)
    if revision is None:
        return None
    rows = await ReportRevision.select(ReportRevision.label_method).where(
        ReportRevision.id == revision
    )
    return str(rows[0]["label_method"]) if rows else None


async def practice_rate(practice_id: int, slug: str, period_label: str) -> dict[str, Any] | None:
    """The practice's invitation counts in the newest RELEASED revision of the period."""
    revision = (await _released(slug)).get(period_label)
    if revision is None:
        return None
    rows = await ReportRate.select(*[getattr(ReportRate, name) for name in STORED_COUNTS]).where(
        (ReportRate.revision == revision) & (ReportRate.practice == practice_id)
    )
    return rows[0] if rows else None
