"""Rendering pages in a language: gettext and questionnaire text in the context."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar.response import Template

from survey_service.i18n import LANGUAGES, language_info, translations


def text_in(texts: Mapping[str, str] | None, language: str) -> str:
    """A questionnaire text in ``language``, falling back to English, then Danish."""
    if not texts:
        return ""
    return texts.get(language) or texts.get("en") or texts.get("da") or ""


def page(
    name: str,
    language: str,
    status_code: int = 200,
    **context: Any,
) -> Template:
    """A template response with ``_``, ``ngettext`` and ``t`` bound to ``language``."""
    return Template(
        template_name=name,
        status_code=status_code,
        context={**language_context(language), **context},
    )


def language_context(language: str) -> dict[str, Any]:
    """What every template needs to speak ``language``."""
    trans = translations(language)
    info = language_info(language)
    return {
        "_": trans.gettext,
        "ngettext": trans.ngettext,
        "t": lambda texts: text_in(texts, language),
        "lang": info.code,
        "dir": info.direction,
        "languages": [language_info(code) for code in LANGUAGES],
    }
