"""Piccolo's configuration module (``PICCOLO_CONF``): the engine and the apps.

The engine comes from DATABASE_URL (or the embedded SQLite file), so the CLI,
the web app and Piccolo's migration runner always agree on the database.
"""

from piccolo.conf.apps import AppRegistry

from survey_service.db import engine_from_url
from survey_service.settings import load_settings

DB = engine_from_url(load_settings().effective_database_url)

APP_REGISTRY = AppRegistry(apps=["survey_service.piccolo_app"])
