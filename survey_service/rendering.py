"""Rendering pages in a language: gettext and questionnaire text in the context."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal
from litestar.response import Template

from survey_service.i18n import (
    LANGUAGES,
    PATIENT_TEMPLATES,
    STAFF_FALLBACK,
    language_info,
    offered_languages,
    patient_languages,
    questionnaire_text,
    translations,
)


def text_in(texts: Mapping[str, str] | None, language: str) -> str:
    """A questionnaire text in ``language``: the file's own, else the catalogue's.

    Falls back to English, then Danish.
    """
    return questionnaire_text(texts, language)


def switch_languages(name: str, context: Mapping[str, Any]) -> tuple[str, ...]:
    """The languages the page ``name`` is offered in (its switch lists them).

    A survey form: those its questionnaire version is complete in; another
    patient page: every patient language with a complete interface; any other
    page (staff pages, the accessibility statement): Danish and English.
    """
    questionnaire = context.get("questionnaire")
    if name in PATIENT_TEMPLATES and questionnaire is not None:
        return offered_languages(questionnaire)
    if name in PATIENT_TEMPLATES:
        return patient_languages()
    return LANGUAGES


def page(
    name: str,
    language: str,
    status_code: int = 200,
    **context: Any,
) -> Template:
    """A template response with ``_``, ``ngettext`` and ``t`` bound to ``language``."""
    offered = switch_languages(name, context)
    if language not in offered and language not in LANGUAGES:
        # A page that exists only in Danish and English, asked for in another
        # language (an Arabic patient following the accessibility link): English.
        language = STAFF_FALLBACK
    return Template(
        template_name=name,
        status_code=status_code,
        context={**language_context(language, offered), **context},
    )


def language_context(language: str, languages: Sequence[str] = LANGUAGES) -> dict[str, Any]:
    """What every template needs to speak ``language``; ``languages`` go in the switch."""
    trans = translations(language)
    info = language_info(language)
    return {
        "_": trans.gettext,
        "ngettext": trans.ngettext,
        "t": lambda texts: text_in(texts, language),
        "lang": info.code,
        "dir": info.direction,
        "languages": [language_info(code) for code in languages],
        # Dates and numbers the way the page's language writes them.
        "format_date": lambda day, style="long": format_date(day, style, locale=language),
        "format_number": lambda number: format_decimal(number, locale=language),
        # The accessibility statement is Danish and English only (Danish law
        # asks for Danish); a page in another language links to the English one.
        "statement_lang": language if language in LANGUAGES else STAFF_FALLBACK,
    }
