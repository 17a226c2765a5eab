"""The demo's feedback: two released periods and one account per role.

The passwords are printed by ``survey-service demo`` and are for the demo
only; they are fixed so that the README and the screenshots can name them.
"""

from __future__ import annotations

import datetime as dt

from survey_service.accounts.service import add_user
from survey_service.accounts.tables import User
from survey_service.questionnaires.loader import Catalogue
from survey_service.results.publication import publish_period
from survey_service.results.service import build_period, release_period
from survey_service.results.tables import ReportRevision

#: (email, role, practice codes): demo only, never for a real installation
DEMO_ACCOUNTS = (
    ("laege@demo.invalid", "practitioner", ("L1001", "L1002")),
    ("analytiker@demo.invalid", "analyst", ()),
    ("admin@demo.invalid", "admin", ()),
)
DEMO_PASSWORD = "demo-only Password 2026"


def last_ended_quarters(today: dt.date, count: int = 2) -> list[str]:
    """Labels of the ``count`` most recent quarters that ended before ``today``, oldest first."""
    year, quarter = today.year, (today.month - 1) // 3  # the current one has not ended
    labels = []
    for _ in range(count):
        if quarter == 0:
            year, quarter = year - 1, 4
        labels.append(f"{year}-Q{quarter}")
        quarter -= 1
    return list(reversed(labels))


async def seed_feedback(catalogue: Catalogue, today: dt.date) -> list[str]:
    """Build and release the last two ended quarters (once); the periods released.

    The older one is also published on ``/results``; the newer one stays in the
    units' preview window (released, not yet public).
    """
    periods = last_ended_quarters(today)
    for label in periods:
        if await ReportRevision.exists().where(ReportRevision.period == label):
            continue
        await build_period(catalogue, label)
        await release_period(label, delay_days=0, today=today, actor="demo")
        if label == periods[0]:
            # Demo only: a real installation waits RESULTS_PUBLICATION_DELAY_DAYS
            # after the release; the demo has just released it, so it skips the wait.
            await publish_period(label, delay_days=0, actor="demo")
    return periods


async def seed_accounts() -> list[tuple[str, str, str]]:
    """The demo accounts (created once): (email, role, password)."""
    for email, role, practices in DEMO_ACCOUNTS:
        if not await User.exists().where(User.email == email):
            await add_user(email, DEMO_PASSWORD, role, practices, actor="demo")
    return [(email, role, DEMO_PASSWORD) for email, role, _ in DEMO_ACCOUNTS]
