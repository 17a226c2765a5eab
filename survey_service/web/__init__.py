"""The web layer: patient pages, JSON API, wiring."""

from survey_service.web.app import create_app

__all__ = ["create_app"]
