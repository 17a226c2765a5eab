"""Languages: gettext catalogues from ``locales/`` and choosing the patient's language.

Interface text is English in the code and templates (the gettext msgids) and
translated through babel catalogues; questionnaire text carries its own Danish
and English. Which language a patient sees: an explicit choice (the visible
switch), else the language on the invitation, else the browser's
Accept-Language, else Danish.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from babel import Locale
from babel.support import NullTranslations, Translations

#: Languages with a complete interface catalogue and complete questionnaire text.
LANGUAGES: tuple[str, ...] = ("da", "en")
DEFAULT_LANGUAGE = "da"
DOMAIN = "messages"


def locales_directory() -> Path:
    return Path(str(resources.files("locales")))


@cache
def translations(language: str) -> NullTranslations:
    return Translations.load(str(locales_directory()), [language], domain=DOMAIN)


@dataclass(frozen=True)
class Language:
    code: str
    #: the language's own name, for the switch ("Dansk", "English")
    name: str
    #: "rtl" or "ltr", for <html dir=...>
    direction: str


@cache
def language_info(code: str) -> Language:
    locale = Locale.parse(code)
    direction = "rtl" if locale.character_order == "right-to-left" else "ltr"
    name = (locale.get_display_name(locale) or code).capitalize()
    return Language(code=code, name=name, direction=direction)


def parse_accept_language(header: str) -> list[str]:
    """Language tags from an Accept-Language header, best first (q=0 dropped)."""
    weighted: list[tuple[float, int, str]] = []
    for n, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip()
        if not tag or tag == "*":
            continue
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > 0:
            weighted.append((-q, n, tag))
    return [tag for _, _, tag in sorted(weighted)]


def choose_language(
    explicit: str | None,
    invitation: str | None,
    accept_language: str | None,
    available: tuple[str, ...] = LANGUAGES,
) -> str:
    """The language to show, by the order of precedence in the module docstring."""
    for candidate in (explicit, invitation):
        if candidate and candidate in available:
            return candidate
    for tag in parse_accept_language(accept_language or ""):
        primary = tag.split("-")[0].split("_")[0].lower()
        if primary in available:
            return primary
    return DEFAULT_LANGUAGE
