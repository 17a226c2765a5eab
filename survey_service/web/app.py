"""The app factory: all wiring of the web service in one place.

Handlers live with their concepts (``web/`` for the patient pages and the
survey API, ``distribution/`` for the practice systems' API); this module
plugs them together with the dependencies they are given, the one mapping of
the error tree to HTTP, the security headers and the access log.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from litestar import Litestar, Request, Response, get
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import CacheControlHeader, State
from litestar.exceptions import HTTPException
from litestar.openapi import OpenAPIConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from survey_service import __version__
from survey_service.accounts.sessions import SessionPolicy, Sessions, make_session_store
from survey_service.accounts.throttle import Throttle
from survey_service.db import is_postgres
from survey_service.distribution.controllers import DistributionApi
from survey_service.errors import ServiceError
from survey_service.questionnaires.loader import Catalogue, load_catalogue
from survey_service.questionnaires.published import PublishedCatalogue
from survey_service.questionnaires.sync import sync_catalogue
from survey_service.settings import Settings, load_settings
from survey_service.web.accessibility import accessibility
from survey_service.web.admin import AdminController
from survey_service.web.api import ApiController
from survey_service.web.api_docs import OfflineSwagger, assets_router
from survey_service.web.compression import compression
from survey_service.web.dependencies import dependencies
from survey_service.web.errors import (
    DATABASE_DOWN,
    database_down,
    http_error,
    service_error,
    unexpected,
)
from survey_service.web.feedback import FeedbackController
from survey_service.web.fhir import FhirController
from survey_service.web.guard import LinkGuard, RedisCounterStore, make_store
from survey_service.web.health import health, ready
from survey_service.web.home import home
from survey_service.web.input_checks import check_input
from survey_service.web.login import LoginController
from survey_service.web.logs import access_log_middleware
from survey_service.web.opt_out import OptOutController
from survey_service.web.poster import PosterController
from survey_service.web.public import PublicResultsController
from survey_service.web.question_cache import QuestionCache
from survey_service.web.region import RegionController
from survey_service.web.security import add_security_headers, check_origin
from survey_service.web.survey import SurveyController, thanks
from survey_service.web.timeouts import body_timeout_middleware

PACKAGE_DIR = Path(__file__).resolve().parent.parent

#: A questionnaire page posts at most ~60 short fields and a few free texts of
#: 2,000 characters; anything far larger is not a patient's answer.
MAX_BODY_BYTES = 256 * 1024

#: Stylesheet, icon and scripts change only with a release: a day in caches.
STATIC_CACHE = CacheControlHeader(max_age=86400, public=True)


@get("/favicon.ico", include_in_schema=False, cache_control=STATIC_CACHE)
async def favicon() -> Response[bytes]:
    return Response(
        (PACKAGE_DIR / "static" / "favicon.svg").read_bytes(), media_type="image/svg+xml"
    )


async def _before_request(request: Request) -> None:
    # Hostile input first: nothing below should see a body it cannot parse safely.
    await check_input(request)
    await check_origin(request)


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
    settings = settings or load_settings()
    catalogue = catalogue or load_catalogue(settings=settings)
    published = PublishedCatalogue(catalogue)
    link_guard = link_guard or LinkGuard(
        make_store(settings.redis_url),
        secret=settings.secret_key,
        trusted_proxies=settings.trusted_networks,
    )
    sessions = Sessions(
        make_session_store(settings.redis_url),
        SessionPolicy.of(settings.session_idle_minutes, settings.session_max_hours),
    )

    @asynccontextmanager
    async def database(app: Litestar) -> AsyncIterator[None]:
        from survey_service.db import piccolo_conf

        engine = piccolo_conf.DB
        pooled = connection_pool and is_postgres(engine)
        if pooled:
            await engine.start_connection_pool(min_size=2, max_size=20)
        try:
            published.bind(await sync_catalogue(catalogue))
            yield
        finally:
            if pooled:
                await engine.close_connection_pool()
            if isinstance(link_guard.store, RedisCounterStore):
                await link_guard.store.close()
            await sessions.store.close()

    secure_cookies = settings.public_base_url.startswith("https://")
    return Litestar(
        route_handlers=[
            home,
            thanks,
            accessibility,
            favicon,
            health,
            ready,
            SurveyController,
            ApiController,
            DistributionApi,
            PosterController,
            OptOutController,
            LoginController,
            FeedbackController,
            RegionController,
            PublicResultsController,
            FhirController,
            AdminController,
            create_static_files_router(
                path="/static",
                directories=[PACKAGE_DIR / "static"],
                include_in_schema=False,
                cache_control=STATIC_CACHE,
            ),
            assets_router(),
        ],
        dependencies=dependencies(),
        lifespan=[database],
        state=State(
            {
                "published": published,
                "demo_links": demo_links or [],
                "settings": settings,
                "link_guard": link_guard,
                "question_cache": QuestionCache(PACKAGE_DIR / "templates"),
                "sessions": sessions,
                "throttle": Throttle(settings.secret_key),
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
            render_plugins=[OfflineSwagger()],
        ),
        exception_handlers={
            ServiceError: service_error,
            HTTPException: http_error,
            **{exc: database_down for exc in DATABASE_DOWN},
            Exception: unexpected,
        },
        before_send=[add_security_headers],
        before_request=_before_request,
        middleware=[
            access_log_middleware,
            body_timeout_middleware(settings.request_body_timeout_seconds),
        ],
        request_max_body_size=MAX_BODY_BYTES,
        compression_config=compression(),
    )
