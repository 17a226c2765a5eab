"""API documentation that works offline and under the app's CSP.

Swagger UI's files come from the ``swagger-ui-bundle`` package and are served
by the app itself (``/schema/assets``); the page starts it from
``/static/api-docs.js`` instead of an inline script, so ``script-src 'self'``
holds on this page too and nothing is fetched from a CDN.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Request
from litestar.datastructures import CacheControlHeader
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.router import Router
from litestar.static_files import create_static_files_router
from swagger_ui_bundle import swagger_ui_path

ASSETS = "/schema/assets"


class OfflineSwagger(SwaggerRenderPlugin):
    """Swagger UI from the app's own files, started by a static script."""

    def __init__(self) -> None:
        super().__init__(
            js_url=f"{ASSETS}/swagger-ui-bundle.js",
            css_url=f"{ASSETS}/swagger-ui.css",
            standalone_preset_js_url=f"{ASSETS}/swagger-ui-standalone-preset.js",
            path=["/swagger", "/"],
        )

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        title = openapi_schema["info"]["title"]
        return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="/favicon.ico" type="image/svg+xml">
<link rel="stylesheet" href="{self.css_url}">
<script src="{self.js_url}"></script>
<script src="{self.standalone_preset_js_url}"></script>
<script src="/static/api-docs.js"></script>
</head>
<body><div id="swagger-container"></div></body>
</html>""".encode()


def assets_router() -> Router:
    return create_static_files_router(
        path=ASSETS,
        directories=[Path(str(swagger_ui_path))],
        name="api-docs-assets",
        include_in_schema=False,
        cache_control=CacheControlHeader(max_age=86400, public=True),
    )
