"""Maintaining the gettext catalogues in ``locales/`` (``survey-service i18n``).

Two domains (see :mod:`survey_service.i18n`): ``messages`` (interface text,
extracted from the code and templates) and ``questionnaires`` (questionnaire
text, extracted from the questionnaire files by
:mod:`survey_service.questionnaires.extract`).

``extract`` writes ``messages.pot`` and ``questionnaires.pot``; ``update`` merges
them into every language's ``.po``, keeping translations and flags (the
``unreviewed`` flag included), and generates the Danish and English
``questionnaires.po`` from the files themselves; ``compile`` writes the ``.mo``
files. A language beyond Danish and English gets only the patient-facing
interface messages (:data:`~survey_service.i18n.PATIENT_SOURCES`).

``check`` (also a test) fails when a shipped catalogue lacks a translation or a
``.mo`` says something other than its ``.po``. Danish and English must be
complete for everything; another language is shipped when its ``messages.po``
exists, and must then be complete for the patient interface and every
published questionnaire. It compares the messages read back from the ``.mo``,
never its bytes: those embed the compiling Babel's version
(``Generated-By``), so a byte comparison fails on any machine with another Babel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

from survey_service.i18n import (
    DOMAIN,
    KEYWORDS,
    LANGUAGES,
    PATIENT_LANGUAGES,
    PATIENT_SOURCES,
    QUESTIONNAIRE_DOMAIN,
    clear_caches,
    locales_directory,
    questionnaire_msgids,
)

PACKAGE_DIR = Path(__file__).resolve().parent
METHOD_MAP = [("**.py", "python"), ("templates/**.html", "jinja2")]
QUESTIONNAIRE_METHOD_MAP = [
    ("**.yaml", "survey_service.questionnaires.extract:extract_questionnaire")
]
DOMAINS = (DOMAIN, QUESTIONNAIRE_DOMAIN)
#: the flag a translator puts on an entry no native speaker has reviewed yet
UNREVIEWED = "unreviewed"
DANISH_COMMENT = "da: "


def extract() -> Catalog:
    """Every interface message in the code and templates (English msgids)."""
    catalog = Catalog(project="survey-service", domain=DOMAIN)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(PACKAGE_DIR), METHOD_MAP, keywords=KEYWORDS
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def patient_subset(catalog: Catalog) -> Catalog:
    """The entries of ``catalog`` used by a patient-facing source file."""
    subset = Catalog(project=catalog.project, domain=DOMAIN)
    for message in catalog:
        if message.id and any(f in PATIENT_SOURCES for f, _ in message.locations):
            subset[message.id] = message
    return subset


def questionnaire_directory() -> Path:
    from survey_service.questionnaires.loader import default_directory

    return default_directory()


def extract_questionnaires(directory: Path | None = None) -> Catalog:
    """Every questionnaire text (English msgids, ``da:`` and where-used comments)."""
    catalog = Catalog(project="survey-service", domain=QUESTIONNAIRE_DOMAIN)
    for filename, lineno, message, comments, _ in extract_from_dir(
        str(directory or questionnaire_directory()), QUESTIONNAIRE_METHOD_MAP
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments)
    return catalog


def _po_path(language: str, directory: Path | None = None, domain: str = DOMAIN) -> Path:
    return (directory or locales_directory()) / language / "LC_MESSAGES" / f"{domain}.po"


def shipped_languages(directory: Path | None = None) -> tuple[str, ...]:
    """Danish, English and every patient language that has a ``messages.po``."""
    return tuple(
        code
        for code in PATIENT_LANGUAGES
        if code in LANGUAGES or _po_path(code, directory).exists()
    )


def _read(path: Path, language: str) -> Catalog:
    with open(path, "rb") as fh:
        return read_po(fh, locale=language)


def _write(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        write_po(fh, catalog, width=100, no_location=True, sort_output=True, ignore_obsolete=True)


def write_templates(directory: Path | None = None) -> tuple[Catalog, Catalog]:
    """Write ``messages.pot`` and ``questionnaires.pot``; return both templates."""
    root = directory or locales_directory()
    templates = (extract(), extract_questionnaires())
    for template in templates:
        with open(root / f"{template.domain}.pot", "wb") as fh:
            write_po(fh, template, width=100, omit_header=True, no_location=True, sort_output=True)
    return templates


def _merge(path: Path, language: str, domain: str, template: Catalog) -> Catalog:
    catalog = (
        _read(path, language)
        if path.exists()
        else Catalog(locale=language, domain=domain, fuzzy=False)
    )
    # Catalog.update adds new entries by reference: merge a copy, or filling one
    # language's entries (English identity) would fill every later language's too.
    fresh = Catalog(project=template.project, domain=domain)
    for message in template:
        if message.id:
            fresh[message.id] = message.clone()
    catalog.update(fresh, no_fuzzy_matching=True)  # keeps strings, flags, comments
    return catalog


def generated_questionnaire_catalogue(language: str, template: Catalog) -> Catalog:
    """Danish or English ``questionnaires.po``: the files' own text, always complete.

    The msgid is the English; Danish is the ``da:`` comment (the first, where one
    English text has several Danish wordings: the page shows the file's own).
    """
    catalog = Catalog(
        locale=language, domain=QUESTIONNAIRE_DOMAIN, project="survey-service", fuzzy=False
    )
    for message in template:
        if not message.id:
            continue
        danish = [c.removeprefix(DANISH_COMMENT) for c in message.auto_comments]
        danish = [c for c, raw in zip(danish, message.auto_comments, strict=True) if c != raw]
        string = message.id if language == "en" else (danish[0] if danish else "")
        catalog.add(message.id, string, auto_comments=message.auto_comments)
    return catalog


def update_questionnaires(
    languages: tuple[str, ...] | None = None,
    directory: Path | None = None,
    template: Catalog | None = None,
) -> None:
    """Merge the questionnaire template into each language's ``questionnaires.po``."""
    template = template if template is not None else extract_questionnaires()
    for language in languages if languages is not None else shipped_languages(directory):
        path = _po_path(language, directory, QUESTIONNAIRE_DOMAIN)
        if language in LANGUAGES:
            _write(path, generated_questionnaire_catalogue(language, template))
        else:
            _write(path, _merge(path, language, QUESTIONNAIRE_DOMAIN, template))


def update(languages: tuple[str, ...] | None = None, directory: Path | None = None) -> None:
    """Write both templates and merge them into each shipped language's ``.po`` files."""
    messages, questionnaires = write_templates(directory)
    patient = patient_subset(messages)
    for language in languages if languages is not None else shipped_languages(directory):
        path = _po_path(language, directory)
        catalog = _merge(path, language, DOMAIN, messages if language in LANGUAGES else patient)
        if language == "en":  # the msgids are English: the English catalogue is identity
            for message in catalog:
                if message.id and not _translated(message.string):
                    message.string = message.id
        _write(path, catalog)
    update_questionnaires(languages, directory, questionnaires)


def compile_all(languages: tuple[str, ...] | None = None, directory: Path | None = None) -> None:
    """Write each ``.mo`` from its ``.po``, both domains (``directory``: default the shipped)."""
    for language in languages if languages is not None else shipped_languages(directory):
        for domain in DOMAINS:
            path = _po_path(language, directory, domain)
            if not path.exists():
                continue
            catalog = _read(path, language)
            with open(path.with_suffix(".mo"), "wb") as fh:
                write_mo(fh, catalog)  # leaves fuzzy entries out, keeps unreviewed ones
    clear_caches()


def _translated(string: str | tuple[str, ...] | list[str] | None) -> bool:
    if isinstance(string, tuple | list):
        return all(string)
    return bool(string)


@dataclass
class CatalogueProblems:
    missing: dict[str, list[str]]
    stale_mo: list[str]
    #: .mo path -> how its messages differ from the .po's
    differences: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(self.missing.values()) and not self.stale_mo


#: (context, msgid) -> msgstr; plural entries have tuples for both
Messages = dict[tuple[str | None, str | tuple[str, ...]], str | tuple[str, ...]]


def _key(message: Message) -> tuple[str | None, str | tuple[str, ...]]:
    msgid = message.id
    return message.context, msgid if isinstance(msgid, str) else tuple(msgid)


def compiled_messages(catalog: Catalog) -> Messages:
    """What a correct ``.mo`` of ``catalog`` holds, as gettext will read it.

    As gettext compilers do, fuzzy and untranslated entries are left out, and
    an empty plural form falls back to the msgid.
    """
    messages: Messages = {}
    for message in catalog:
        if not message.id or message.fuzzy or not message.string:
            continue
        string = message.string
        if isinstance(string, str):
            messages[_key(message)] = string
        else:
            ids = tuple(message.id) if isinstance(message.id, list | tuple) else (message.id,)
            messages[_key(message)] = tuple(form or ids[min(n, 1)] for n, form in enumerate(string))
    return messages


def mo_messages(path: Path) -> tuple[Messages, str]:
    """The messages of a ``.mo`` file and its Plural-Forms header."""
    with open(path, "rb") as fh:
        catalog = read_mo(fh)
    messages: Messages = {}
    for message in catalog:
        if not message.id:  # the header entry: metadata, not a message
            continue
        string = message.string
        messages[_key(message)] = string if isinstance(string, str) else tuple(string or ())
    return messages, catalog.plural_forms


def mo_differences(catalog: Catalog, path: Path) -> list[str]:
    """How the ``.mo`` at ``path`` differs from ``catalog`` (empty: it is current)."""
    if not path.exists():
        return ["not compiled"]
    try:
        actual, plural_forms = mo_messages(path)
    except (OSError, UnicodeDecodeError) as exc:
        return [f"unreadable ({exc})"]
    wanted = compiled_messages(catalog)
    problems = [f"lacks {_label(k)}" for k in wanted.keys() - actual.keys()]
    problems += [f"has {_label(k)}, which the .po does not" for k in actual.keys() - wanted.keys()]
    problems += [
        f"translates {_label(k)} differently"
        for k in wanted.keys() & actual.keys()
        if wanted[k] != actual[k]
    ]
    if plural_forms != catalog.plural_forms:
        problems.append(f"Plural-Forms {plural_forms!r}, the .po has {catalog.plural_forms!r}")
    return sorted(problems)


def _label(key: tuple[str | None, str | tuple[str, ...]]) -> str:
    context, msgid = key
    text = msgid if isinstance(msgid, str) else msgid[0]
    return f"{text!r}" + (f" (context {context!r})" if context else "")


def _msgid(message: Message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def _done(catalog: Catalog) -> set[str]:
    return {_msgid(m) for m in catalog if m.id and _translated(m.string) and not m.fuzzy}


def offered_questionnaire_msgids() -> frozenset[str]:
    """The text of every published questionnaire (modules expanded): what patients see."""
    from survey_service.questionnaires.loader import load_catalogue

    texts: set[str] = set()
    for questionnaire in load_catalogue(questionnaire_directory()):
        if questionnaire.published and questionnaire.kind == "questionnaire":
            texts |= questionnaire_msgids(questionnaire)
    return frozenset(texts)


@dataclass(frozen=True)
class Wanted:
    """What each kind of language must translate, per domain (singular msgids)."""

    interface: frozenset[str]
    patient: frozenset[str]
    questionnaires: frozenset[str]
    offered: frozenset[str]

    @classmethod
    def now(cls) -> Wanted:
        messages = extract()
        return cls(
            interface=frozenset(_msgid(m) for m in messages if m.id),
            patient=frozenset(_msgid(m) for m in patient_subset(messages) if m.id),
            questionnaires=frozenset(_msgid(m) for m in extract_questionnaires() if m.id),
            offered=offered_questionnaire_msgids(),
        )

    def of(self, language: str, domain: str) -> frozenset[str]:
        if domain == DOMAIN:
            return self.interface if language in LANGUAGES else self.patient
        return self.questionnaires if language in LANGUAGES else self.offered


def check(
    languages: tuple[str, ...] | None = None, directory: Path | None = None
) -> CatalogueProblems:
    """Which messages lack a translation, and which .mo files differ from their .po.

    ``directory`` is the locales folder (default: the shipped one); ``languages``
    default to the shipped ones (:func:`shipped_languages`).
    """
    wanted = Wanted.now()
    missing: dict[str, list[str]] = {}
    stale: list[str] = []
    differences: dict[str, list[str]] = {}
    for language in languages if languages is not None else shipped_languages(directory):
        lacking: set[str] = set()
        for domain in DOMAINS:
            path = _po_path(language, directory, domain)
            if not path.exists():
                lacking |= wanted.of(language, domain)
                continue
            catalog = _read(path, language)
            lacking |= wanted.of(language, domain) - _done(catalog)
            mo = path.with_suffix(".mo")
            found = mo_differences(catalog, mo)
            if found:
                stale.append(str(mo))
                differences[str(mo)] = found
        missing[language] = sorted(lacking)
    return CatalogueProblems(missing=missing, stale_mo=stale, differences=differences)


@dataclass(frozen=True)
class DomainStatus:
    translated: int
    missing: tuple[str, ...]
    #: translated, but flagged ``unreviewed`` (no native speaker has checked them)
    unreviewed: tuple[str, ...]


@dataclass(frozen=True)
class LanguageStatus:
    language: str
    domains: dict[str, DomainStatus]


def status(directory: Path | None = None) -> list[LanguageStatus]:
    """Per shipped language and domain: translated, missing and unreviewed entries.

    Counted against what the language must translate (for a language beyond
    Danish and English: the patient interface and every questionnaire file).
    """
    wanted = Wanted.now()
    found: list[LanguageStatus] = []
    for language in shipped_languages(directory):
        domains: dict[str, DomainStatus] = {}
        for domain in DOMAINS:
            needed = wanted.interface if domain == DOMAIN else wanted.questionnaires
            if domain == DOMAIN and language not in LANGUAGES:
                needed = wanted.patient
            path = _po_path(language, directory, domain)
            catalog = _read(path, language) if path.exists() else Catalog(locale=language)
            done = _done(catalog) & needed
            unreviewed = {
                _msgid(m) for m in catalog if m.id and UNREVIEWED in m.flags and _msgid(m) in done
            }
            domains[domain] = DomainStatus(
                translated=len(done),
                missing=tuple(sorted(needed - done)),
                unreviewed=tuple(sorted(unreviewed)),
            )
        found.append(LanguageStatus(language, domains))
    return found
