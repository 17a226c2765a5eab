"""Gettext catalogues: ``<lang>/LC_MESSAGES/messages.po`` and compiled ``.mo``."""
