"""Piccolo's configuration module (``PICCOLO_CONF``): the engine and the apps.

The engine comes from DATABASE_URL (or the embedded SQLite file), so the CLI,
the web app and Piccolo's migration runner always agree on the database. It is
built on first use, not at import, so importing this module reads nothing from
the environment; :func:`survey_service.db.use_engine` replaces it.
"""

from __future__ import annotations

from typing import Any

from piccolo.conf.apps import AppRegistry

APP_REGISTRY = AppRegistry(apps=["survey_service.piccolo_app"])


def __getattr__(name: str) -> Any:
    if name != "DB":
        raise AttributeError(name)
    from survey_service.db import engine_from_url
    from survey_service.settings import load_settings

    engine = engine_from_url(load_settings().effective_database_url)
    globals()["DB"] = engine
    return engine
