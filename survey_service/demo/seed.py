"""Seeding the demo database (idempotent: a second run adds only fresh links)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from survey_service.db import write_transaction
from survey_service.demo.answers import answer_all, patient
from survey_service.demo.feedback import seed_accounts, seed_feedback
from survey_service.demo.region import DEMO_REGION, DEMO_STRUCTURE, DEMO_UNITS, demo_parent
from survey_service.invitations.service import issue_invitation
from survey_service.practices.service import add_practice
from survey_service.practices.tables import Practice
from survey_service.practices.tree import UnitRow, store_units
from survey_service.questionnaires.loader import Catalogue
from survey_service.questionnaires.model import Questionnaire
from survey_service.questionnaires.sync import sync_catalogue
from survey_service.questionnaires.tables import QuestionnaireVersion
from survey_service.responses.service import store_response
from survey_service.responses.tables import Response


@dataclass
class SeedSummary:
    practices: int = 0
    responses: int = 0
    seeded: bool = False
    #: (label, raw token) of fresh survey links, for the console and the front page
    links: list[tuple[str, str]] = field(default_factory=list)
    #: released feedback periods, and the demo accounts (email, role, password)
    periods: list[str] = field(default_factory=list)
    accounts: list[tuple[str, str, str]] = field(default_factory=list)


async def seed_demo(
    catalogue: Catalogue,
    links: int = 5,
    seed: int = 20261123,
    per_unit: tuple[int, int] = (40, 140),
) -> SeedSummary:
    summary = SeedSummary()
    ids = await sync_catalogue(catalogue)
    if not await Practice.exists().where(Practice.code == DEMO_UNITS[0].code):
        await _seed_units(catalogue, ids, np.random.default_rng(seed), per_unit)
        summary.seeded = True
    if not await Practice.exists().where(Practice.code == DEMO_REGION.code):
        await _seed_tree()  # also gives a demo database seeded before the tree its tree
    # Units patients answer about or meet; the groupings above them are not practices.
    grouping = sorted({n.sector for n in DEMO_STRUCTURE})
    summary.practices = await Practice.count().where(Practice.sector.not_in(grouping))
    summary.responses = await Response.count()
    summary.links = await _fresh_links(catalogue, ids, links)
    summary.periods = await seed_feedback(catalogue, dt.date.today())
    summary.accounts = await seed_accounts()
    return summary


async def _seed_units(
    catalogue: Catalogue,
    ids: dict[tuple[str, int], int],
    rng: np.random.Generator,
    per_unit: tuple[int, int],
) -> None:
    today = dt.date.today()
    for unit in DEMO_UNITS:
        practice, _key = await add_practice(unit.code, unit.name, unit.sector, unit.area)
        q = _seeded_version(catalogue, unit.sector)
        if q is None:
            continue  # hospitals etc. appear as the other side of transitions only
        effect = float(rng.normal(0, 0.45))
        async with write_transaction():
            for _ in range(int(rng.integers(*per_unit))):
                person = patient(rng, unit)
                answers = answer_all(rng, q, person, effect)
                await store_response(
                    practice_id=practice.id,
                    questionnaire_version_id=ids[(q.slug, q.version)],
                    channel=str(rng.choice(["sms", "poster", "receipt"], p=[0.7, 0.2, 0.1])),
                    language=str(person["language"]),
                    visit_date=today - dt.timedelta(days=int(rng.integers(1, 365))),
                    answers=answers,
                )


def _seeded_version(catalogue: Catalogue, sector: str) -> Questionnaire | None:
    """The version the synthetic responses answer: the newest without a rotation.

    The synthetic patients answer every item; a split questionnaire's module
    items are missing by design, so its history stays with the earlier
    version (fresh links issue the newest one, module drawn).
    """
    candidates = [
        q
        for q in catalogue.questionnaires()
        if q.published and sector in q.provider_groups and not q.rotation
    ]
    return max(candidates, key=lambda q: (q.slug, q.version), default=None)


async def _seed_tree() -> None:
    """The region's tree above the demo units (see survey_service/demo/region.py)."""
    nodes = [(n.code, n.name, n.sector, n.parent) for n in DEMO_STRUCTURE]
    nodes += [(u.code, u.name, u.sector, demo_parent(u)) for u in DEMO_UNITS]
    check, _summary = await store_units([UnitRow(i, *n) for i, n in enumerate(nodes, 1)])
    if check.refused:  # the demo's own data is wrong: say where, loudly
        raise RuntimeError(f"demo tree: {check.refused[0]}")


async def _fresh_links(
    catalogue: Catalogue, ids: dict[tuple[str, int], int], count: int
) -> list[tuple[str, str]]:
    practices = await Practice.objects().order_by(Practice.code)
    surveyable = [p for p in practices if catalogue.for_sector(p.sector) is not None]
    links: list[tuple[str, str]] = []
    for n in range(count):
        if not surveyable:
            break
        practice = surveyable[(n * 7) % len(surveyable)]
        q = catalogue.for_sector(practice.sector)
        assert q is not None
        version = (
            await QuestionnaireVersion.objects()
            .where(QuestionnaireVersion.id == ids[(q.slug, q.version)])
            .first()
        )
        assert version is not None  # synced just above
        token = await issue_invitation(
            practice,
            version,
            visit_date=dt.date.today(),
            channel="sms",
            language="en" if n % 3 == 2 else "",
            module=q.draw_module(),
        )
        links.append((f"{practice.name} – {q.title.get('en', q.slug)}", token))
    return links
