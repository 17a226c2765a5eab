"""Test set-up shared by every test.

Storage tests take the ``db`` fixture, which is parametrised over SQLite and
PostgreSQL: each test runs once per database. PostgreSQL comes from
TEST_DATABASE_URL; each test session creates its own database there (so two
runs never collide) and drops it at the end. When TEST_DATABASE_URL is set and
PostgreSQL is unreachable the PostgreSQL tests fail; they never skip. When it
is not set they are skipped with that reason shown (``-ra``).
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from survey_service.db.scratch import create_scratch_database, drop_scratch_database

# Every test process gets its own data dir and secret, never the user's demo data.
os.environ.setdefault(
    "SURVEY_SERVICE_DATA_DIR",
    str(Path(os.environ.get("TMPDIR", "/tmp")) / f"survey-tests-{os.getpid()}"),
)
os.environ.setdefault("SECRET_KEY", "test-secret-key")
os.environ["PICCOLO_CONF"] = "survey_service.db.piccolo_conf"

FIXTURES = Path(__file__).parent / "survey_service" / "fixtures"
BACKENDS = ("sqlite", "postgres")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _postgres_admin_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


def _migrate(url: str) -> None:
    from survey_service.db import engine_from_url, use_engine
    from survey_service.db.migrate import migrate

    use_engine(engine_from_url(url))
    asyncio.run(migrate())


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated, empty database of each kind for the whole session."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "test.sqlite"
        url = f"sqlite:///{path}"
        _migrate(url)
        yield url
        return
    admin_url = _postgres_admin_url()
    if admin_url is None:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL tests not run")
    name = f"survey_test_{os.getpid()}_{secrets.token_hex(3)}"
    # Fails loudly when PostgreSQL is unreachable: never a skip.
    url = asyncio.run(create_scratch_database(admin_url, name))
    try:
        _migrate(url)
        yield url
    finally:
        asyncio.run(drop_scratch_database(admin_url, name))


@pytest.fixture
def backend(database_url: str) -> str:
    return "postgres" if database_url.startswith("postgres") else "sqlite"


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[str]:
    """An empty database (rows from earlier tests removed), bound to every table."""
    from survey_service.db import engine_from_url, use_engine

    engine = engine_from_url(database_url)
    use_engine(engine)
    await empty_tables()
    yield database_url


async def empty_tables() -> None:
    from piccolo.table import sort_table_classes

    from survey_service.piccolo_app import APP_CONFIG
    from survey_service.practices.tables import Practice

    # The unit tree references itself (ON DELETE RESTRICT): unhook it first.
    await Practice.update({Practice.parent: None}, force=True)
    for table in reversed(sort_table_classes(list(APP_CONFIG.table_classes))):
        await table.delete(force=True)


@pytest.fixture(scope="session")
def fixture_catalogue():
    """A small questionnaire catalogue whose content tests can rely on."""
    from survey_service.questionnaires import load_catalogue

    return load_catalogue(FIXTURES / "catalogue")


class SurveySetup:
    """A practice with the fixture questionnaire synced, able to issue links."""

    def __init__(self, practice, version, catalogue) -> None:
        self.practice = practice
        self.version = version
        self.catalogue = catalogue
        self.questionnaire = catalogue.get("mini", 1)

    async def token(self, **kwargs) -> str:
        import datetime as dt

        from survey_service.invitations import issue_invitation

        kwargs.setdefault("visit_date", dt.date(2026, 11, 20))
        return await issue_invitation(self.practice, self.version, **kwargs)


@pytest.fixture
async def survey(db: str, fixture_catalogue) -> SurveySetup:
    from survey_service.practices import add_practice
    from survey_service.questionnaires.sync import sync_catalogue
    from survey_service.questionnaires.tables import QuestionnaireVersion

    ids = await sync_catalogue(fixture_catalogue)
    practice, _key = await add_practice("P0001", "Lægehuset Test", "gp", "Aarhus")
    version = (
        await QuestionnaireVersion.objects()
        .where(QuestionnaireVersion.id == ids[("mini", 1)])
        .first()
    )
    return SurveySetup(practice, version, fixture_catalogue)


@pytest.fixture
async def client(db: str, fixture_catalogue):
    """An HTTP client for the app, running in the test's own event loop."""
    from litestar.testing import AsyncTestClient

    from survey_service.web import create_app

    app = create_app(catalogue=fixture_catalogue, connection_pool=False)
    async with AsyncTestClient(app=app) as test_client:
        yield test_client
