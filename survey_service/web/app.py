"""The app factory: all wiring of the web service in one place."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from survey_service import __version__
from survey_service.db import is_postgres
from survey_service.questionnaires.loader import Catalogue, load_catalogue
from survey_service.questionnaires.sync import sync_catalogue
from survey_service.settings import Settings, load_settings
from survey_service.web.api import ApiController
from survey_service.web.errors import DATABASE_DOWN, database_down, http_error, unexpected
from survey_service.web.guard import LinkGuard, RedisCounterStore, make_store
from survey_service.web.home import home
from survey_service.web.logs import access_log_middleware
from survey_service.web.question_cache import QuestionCache
from survey_service.web.security import add_security_headers
from survey_service.web.state import CatalogueState
from survey_service.web.survey import SurveyController, thanks

PACKAGE_DIR = Path(__file__).resolve().parent.parent

#: A questionnaire page posts at most ~60 short fields and a few free texts of
#: 2,000 characters; anything far larger is not a patient's answer.
MAX_BODY_BYTES = 256 * 1024


def create_app(
    settings: Settings | None = None,
    catalogue: Catalogue | None = None,
    demo_links: list[dict[str, str]] | None = None,
    connection_pool: bool = True,
    link_guard: LinkGuard | None = None,
) -> Litestar:
    """Build the app.

    ``connection_pool=False`` opens a PostgreSQL connection per query instead of
    a pool; tests use it because their client runs the app in another thread's
    event loop, and a pool must never be shared between loops.
    """
    # Imported here, not at the top: the distribution controllers import this
    # package's API helpers, so a top-level import would be circular.
    from survey_service.distribution.controllers import DistributionApi
    from survey_service.distribution.pages import OptOutController, PosterController

    settings = settings or load_settings()
    catalogue = catalogue or load_catalogue()
    catalogue_state = CatalogueState(catalogue)
    link_guard = link_guard or LinkGuard(
        make_store(os.environ.get("REDIS_URL", "")), secret=settings.secret_key
    )

    @asynccontextmanager
    async def database(app: Litestar) -> AsyncIterator[None]:
        from survey_service import piccolo_conf

        engine = piccolo_conf.DB
        pooled = connection_pool and is_postgres(engine)
        if pooled:
            await engine.start_connection_pool(min_size=2, max_size=20)
        try:
            catalogue_state.bind(await sync_catalogue(catalogue))
            yield
        finally:
            if pooled:
                await engine.close_connection_pool()
            if isinstance(link_guard.store, RedisCounterStore):
                await link_guard.store.close()

    secure_cookies = settings.public_base_url.startswith("https://")
    return Litestar(
        route_handlers=[
            home,
            thanks,
            SurveyController,
            ApiController,
            DistributionApi,
            PosterController,
            OptOutController,
            create_static_files_router(
                path="/static",
                directories=[PACKAGE_DIR / "static"],
                include_in_schema=False,
            ),
        ],
        lifespan=[database],
        state=State(
            {
                "catalogue": catalogue_state,
                "demo_links": demo_links or [],
                "settings": settings,
                "link_guard": link_guard,
                "question_cache": QuestionCache(PACKAGE_DIR / "templates"),
            }
        ),
        template_config=TemplateConfig(
            directory=PACKAGE_DIR / "templates",
            engine=JinjaTemplateEngine,
        ),
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            # __Host- needs Secure, which needs HTTPS; plain-HTTP demos use the bare name.
            cookie_name="__Host-csrf" if secure_cookies else "csrf",
            cookie_secure=secure_cookies,
            cookie_httponly=True,
            cookie_samesite="strict",
            exclude=["/api/"],
        ),
        openapi_config=OpenAPIConfig(
            title="Patient survey service",
            version=__version__,
            path="/schema",
            render_plugins=[ScalarRenderPlugin()],
        ),
        exception_handlers={
            HTTPException: http_error,
            **{exc: database_down for exc in DATABASE_DOWN},
            Exception: unexpected,
        },
        before_send=[add_security_headers],
        middleware=[access_log_middleware],
        request_max_body_size=MAX_BODY_BYTES,
    )
