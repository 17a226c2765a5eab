"""Maintaining the gettext catalogues in ``locales/`` (``survey-service i18n``).

Developers run ``extract`` after changing interface text, translate the new
entries in each ``.po`` file, then ``compile``. ``check`` (also a test) fails
when a catalogue lacks a translation or a ``.mo`` is older than its ``.po``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from survey_service.web.i18n import DOMAIN, LANGUAGES, locales_directory

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


def _po_path(language: str) -> Path:
    return locales_directory() / language / "LC_MESSAGES" / f"{DOMAIN}.po"


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


def compile_all(languages: tuple[str, ...] = LANGUAGES) -> None:
    for language in languages:
        path = _po_path(language)
        with open(path, "rb") as fh:
            catalog = read_po(fh, locale=language)
        with open(path.with_suffix(".mo"), "wb") as fh:
            write_mo(fh, catalog)


def _translated(string: str | tuple | None) -> bool:
    if isinstance(string, tuple):
        return all(string)
    return bool(string)


@dataclass
class CatalogueProblems:
    missing: dict[str, list[str]]
    stale_mo: list[str]

    @property
    def ok(self) -> bool:
        return not any(self.missing.values()) and not self.stale_mo


def check(languages: tuple[str, ...] = LANGUAGES) -> CatalogueProblems:
    """Which messages lack a translation, and which .mo files differ from their .po."""
    wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in extract() if m.id}
    missing: dict[str, list[str]] = {}
    stale: list[str] = []
    for language in languages:
        path = _po_path(language)
        with open(path, "rb") as fh:
            catalog = read_po(fh, locale=language)
        done = {
            (m.id if isinstance(m.id, str) else m.id[0])
            for m in catalog
            if m.id and _translated(m.string) and not m.fuzzy
        }
        missing[language] = sorted(wanted - done)
        compiled = io.BytesIO()
        write_mo(compiled, catalog)
        mo = path.with_suffix(".mo")
        if not mo.exists() or mo.read_bytes() != compiled.getvalue():
            stale.append(str(mo))
    return CatalogueProblems(missing=missing, stale_mo=stale)
