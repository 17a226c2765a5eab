"""Languages: gettext catalogues from ``locales/`` and choosing the patient's language.

Two gettext domains. ``messages`` is the interface: English msgids in the code
and templates. ``questionnaires`` is questionnaire text: the msgid is the
file's English text (see :mod:`survey_service.questionnaires.extract`).
Questionnaire files carry Danish and English themselves; every other language
comes from the ``questionnaires`` catalogue.

Danish and English are complete for everything. The other patient languages
need only the patient-facing interface (the messages of :data:`PATIENT_SOURCES`)
and the text of a questionnaire version, and a language is offered for a
version only when both are complete (:func:`offered_languages`): a language
with a missing or half-done catalogue is simply not offered. Staff pages and
the accessibility statement stay Danish and English (Danish law asks for the
statement in Danish; an Arabic patient page links to the English one).

Which language a patient sees: an explicit choice (the visible switch), else
the language on the invitation, else the browser's Accept-Language (best
q-value first), else Danish — always among the languages offered.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from babel import Locale
from babel.messages.extract import extract_from_file
from babel.messages.mofile import read_mo
from babel.support import NullTranslations, Translations

#: Languages complete for everything: every page, every questionnaire file.
LANGUAGES: tuple[str, ...] = ("da", "en")
#: Languages the region offers patients, when their catalogues are complete.
PATIENT_LANGUAGES: tuple[str, ...] = ("da", "en", "ar", "pl", "uk", "tr", "so")
DEFAULT_LANGUAGE = "da"
#: the language a page that exists only in Danish and English falls back to
STAFF_FALLBACK = "en"
DOMAIN = "messages"
QUESTIONNAIRE_DOMAIN = "questionnaires"
KEYWORDS: dict[str, Any] = {"_": None, "gettext": None, "ngettext": (1, 2)}

PACKAGE_DIR = Path(__file__).resolve().parent
#: The patient-facing interface: the source files (relative to this package)
#: whose messages a patient language must translate. Everything else is staff text.
PATIENT_SOURCES: tuple[str, ...] = (
    "distribution/messages.py",
    "distribution/qr.py",
    "templates/_items.html",
    "templates/_language_switch.html",
    "templates/base.html",
    "templates/opt_out.html",
    "templates/survey.html",
    "templates/thanks.html",
    "templates/_questions.html",
    "templates/link_problem.html",
    "templates/error.html",
    "web/errors.py",
    "web/opt_out.py",
    "web/survey.py",
    "web/survey_page.py",
    "web/poster.py",
    "web/resume.py",
    "web/link_cookies.py",
)
#: Templates of patient pages (their switch lists the patient languages).
PATIENT_TEMPLATES: frozenset[str] = frozenset(
    source.removeprefix("templates/") for source in PATIENT_SOURCES if source.endswith(".html")
)


@cache
def locales_directory() -> Path:
    # Cached: resolving the package's files is a stat or two per call, and every
    # page asks (benchmarks/load_survey.py --profile).
    return Path(str(resources.files("locales")))


def _directory(directory: Path | None) -> Path:
    return directory if directory is not None else locales_directory()


def translations(
    language: str, domain: str = DOMAIN, directory: Path | None = None
) -> NullTranslations:
    return _translations(language, domain, _directory(directory))


@cache
def _translations(language: str, domain: str, directory: Path) -> NullTranslations:
    return Translations.load(str(directory), [language], domain=domain)


def extraction_method(filename: str) -> str:
    return "jinja2" if filename.endswith(".html") else "python"


@cache
def patient_msgids() -> frozenset[str]:
    """The msgids (singular) of the patient-facing interface, read from its sources."""
    found: set[str] = set()
    for source in PATIENT_SOURCES:
        for _, message, _, _ in extract_from_file(
            extraction_method(source), str(PACKAGE_DIR / source), keywords=KEYWORDS
        ):
            found.add(message if isinstance(message, str) else message[0])
    return frozenset(found)


@cache
def compiled_msgids(language: str, domain: str, directory: Path) -> frozenset[str]:
    """The msgids a language's compiled ``.mo`` translates (none if there is no file).

    Compiled, so fuzzy entries are already left out; ``unreviewed`` ones count.
    """
    path = directory / language / "LC_MESSAGES" / f"{domain}.mo"
    if not path.is_file():
        return frozenset()
    try:
        with open(path, "rb") as fh:
            catalog = read_mo(fh)
    except (OSError, ValueError, UnicodeDecodeError):
        return frozenset()  # a broken file offers nothing; `i18n check` names it
    done: set[str] = set()
    for message in catalog:
        string = message.string
        complete = all(string) if isinstance(string, tuple | list) else bool(string)
        if message.id and complete:
            done.add(message.id if isinstance(message.id, str) else message.id[0])
    return frozenset(done)


def interface_complete(language: str, directory: Path | None = None) -> bool:
    """Whether ``language`` translates every patient-facing interface message."""
    if language in LANGUAGES:
        return True  # complete by `i18n check`, for every page
    return patient_msgids() <= compiled_msgids(language, DOMAIN, _directory(directory))


def patient_languages(directory: Path | None = None) -> tuple[str, ...]:
    """The patient languages whose interface is complete (before any questionnaire)."""
    return _patient_languages(_directory(directory))


@cache
def _patient_languages(directory: Path) -> tuple[str, ...]:
    return tuple(code for code in PATIENT_LANGUAGES if interface_complete(code, directory))


def is_text(value: object) -> bool:
    """A questionnaire text: a mapping of language codes with English text."""
    return isinstance(value, Mapping) and isinstance(value.get("en"), str) and bool(value["en"])


def _texts(value: object) -> Iterator[Mapping[str, str]]:
    if is_text(value):
        yield value  # type: ignore[misc]
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _texts(getattr(value, f.name))
    elif isinstance(value, tuple | list):
        for inner in value:
            yield from _texts(inner)
    elif isinstance(value, Mapping):
        for inner in value.values():
            yield from _texts(inner)


def questionnaire_msgids(questionnaire: object) -> frozenset[str]:
    """The English text of everything a questionnaire shows, walked generically.

    Texts whose English has no letter (a 0-10 scale's numbers, generated by the
    loader, not written in the file) read the same in every language.
    """
    return frozenset(
        text["en"] for text in _texts(questionnaire) if any(c.isalpha() for c in text["en"])
    )


def offered_languages(questionnaire: Any, directory: Path | None = None) -> tuple[str, ...]:
    """The languages ``questionnaire`` (a loaded version, modules expanded) is offered in.

    Danish and English, plus every patient language whose interface is complete
    and whose ``questionnaires`` catalogue translates every text of the version.
    """
    # A version is immutable once loaded: its key, hash and sections (a patient's
    # form of a split questionnaire has fewer) name its text.
    key = (
        getattr(questionnaire, "key", ""),
        getattr(questionnaire, "content_hash", ""),
        tuple(getattr(s, "id", "") for s in getattr(questionnaire, "sections", ())),
    )
    msgids = _MSGIDS.get(key)
    if msgids is None:
        msgids = _MSGIDS[key] = questionnaire_msgids(questionnaire)
    return _offered(key, _directory(directory))


_MSGIDS: dict[tuple[Any, ...], frozenset[str]] = {}


@cache
def _offered(key: tuple[Any, ...], directory: Path) -> tuple[str, ...]:
    msgids = _MSGIDS[key]
    return tuple(
        code
        for code in patient_languages(directory)
        if code in LANGUAGES or msgids <= compiled_msgids(code, QUESTIONNAIRE_DOMAIN, directory)
    )


def questionnaire_text(
    texts: Mapping[str, str] | None, language: str, directory: Path | None = None
) -> str:
    """A questionnaire text in ``language``: the file's own, else its catalogue's.

    Falls back to English, then Danish (a language is only offered when its
    catalogue is complete, so a patient never sees the fallback).
    """
    if not texts:
        return ""
    own = texts.get(language)
    if own:
        return own
    english = texts.get("en")
    if english:
        return translations(language, QUESTIONNAIRE_DOMAIN, directory).gettext(english)
    return texts.get("da") or ""


def clear_caches() -> None:
    """Forget loaded catalogues (after compiling, or in tests with another directory)."""
    for cached in (_translations, patient_msgids, compiled_msgids, _offered, _patient_languages):
        cached.cache_clear()
    _MSGIDS.clear()


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
    """The language to show, by the order of precedence in the module docstring.

    A choice outside ``available`` is passed over: the browser's next acceptable
    language, else Danish.
    """
    for candidate in (explicit, invitation):
        if candidate and candidate in available:
            return candidate
    for tag in parse_accept_language(accept_language or ""):
        primary = tag.split("-")[0].split("_")[0].lower()
        if primary in available:
            return primary
    return DEFAULT_LANGUAGE
