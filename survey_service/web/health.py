"""Probes for a load balancer or orchestrator.

``/health`` says the process is alive and answers requests (it touches
nothing else); ``/ready`` says this process can serve patients: the database
answers and every shipped migration has been applied. Both are 200 or 503
with a small JSON body, and neither is logged as an error when it fails.
"""

from __future__ import annotations

import logging

from litestar import MediaType, Response, get

from survey_service.db.migrate import pending_migrations

log = logging.getLogger("survey_service.web")


@get("/health", include_in_schema=False, media_type=MediaType.JSON)
async def health() -> dict[str, str]:
    return {"status": "ok"}


@get("/ready", include_in_schema=False, media_type=MediaType.JSON)
async def ready() -> Response[dict[str, object]]:
    try:
        pending = await pending_migrations()
    except Exception as exc:  # any failure to ask means "not ready", never a 500
        log.warning("not ready: database unavailable (%s)", type(exc).__name__)
        return Response({"status": "database unavailable"}, status_code=503)
    if pending:
        return Response({"status": "migrations pending", "pending": len(pending)}, status_code=503)
    return Response({"status": "ready"})
