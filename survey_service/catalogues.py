"""Maintaining the gettext catalogues in ``locales/`` (``survey-service i18n``).

Developers run ``extract`` after changing interface text, translate the new
entries in each ``.po`` file, then ``compile``. ``check`` (also a test) fails
when a catalogue lacks a translation or a ``.mo`` says something other than
its ``.po``. It compares the messages read back from the ``.mo``, never its
bytes: those embed the compiling Babel's version (``Generated-By``), so a
byte comparison fails on any machine with another Babel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

from survey_service.i18n import DOMAIN, LANGUAGES, locales_directory

PACKAGE_DIR = Path(__file__).resolve().parent
METHOD_MAP = [("**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}


def extract() -> Catalog:
    """Every interface message in the code and templates (English msgids)."""
    catalog = Catalog(project="survey-service", domain=DOMAIN)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(PACKAGE_DIR), METHOD_MAP, keywords=KEYWORDS
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def _po_path(language: str, directory: Path | None = None) -> Path:
    return (directory or locales_directory()) / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def update(languages: tuple[str, ...] = LANGUAGES) -> None:
    """Write messages.pot and merge it into each language's .po."""
    template = extract()
    with open(locales_directory() / f"{DOMAIN}.pot", "wb") as fh:
        write_po(fh, template, width=100, omit_header=True, no_location=True, sort_output=True)
    for language in languages:
        path = _po_path(language)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            with open(path, "rb") as fh:
                catalog = read_po(fh, locale=language)
        else:
            catalog = Catalog(locale=language, domain=DOMAIN)
        catalog.update(template, no_fuzzy_matching=True)
        if language == "en":  # the msgids are English: the English catalogue is identity
            for message in catalog:
                if message.id and not _translated(message.string):
                    message.string = message.id
        with open(path, "wb") as fh:
            write_po(
                fh, catalog, width=100, no_location=True, sort_output=True, ignore_obsolete=True
            )


def compile_all(languages: tuple[str, ...] = LANGUAGES, directory: Path | None = None) -> None:
    """Write each language's .mo from its .po (``directory``: default the shipped locales)."""
    for language in languages:
        path = _po_path(language, directory)
        with open(path, "rb") as fh:
            catalog = read_po(fh, locale=language)
        with open(path.with_suffix(".mo"), "wb") as fh:
            write_mo(fh, catalog)


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


def check(
    languages: tuple[str, ...] = LANGUAGES, directory: Path | None = None
) -> CatalogueProblems:
    """Which messages lack a translation, and which .mo files differ from their .po.

    ``directory`` is the locales folder (default: the shipped one).
    """
    wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in extract() if m.id}
    missing: dict[str, list[str]] = {}
    stale: list[str] = []
    differences: dict[str, list[str]] = {}
    for language in languages:
        path = _po_path(language, directory)
        with open(path, "rb") as fh:
            catalog = read_po(fh, locale=language)
        done = {
            (m.id if isinstance(m.id, str) else m.id[0])
            for m in catalog
            if m.id and _translated(m.string) and not m.fuzzy
        }
        missing[language] = sorted(wanted - done)
        mo = path.with_suffix(".mo")
        found = mo_differences(catalog, mo)
        if found:
            stale.append(str(mo))
            differences[str(mo)] = found
    return CatalogueProblems(missing=missing, stale_mo=stale, differences=differences)
