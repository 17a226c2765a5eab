"""The distribution fixtures (a practice, settings, a fake clock, the file backend)."""

from ..distribution.conftest import app_client, clinic, clock

__all__ = ["app_client", "clinic", "clock"]
