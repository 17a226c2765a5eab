"""Scratch locales folders for translation tests: Danish and English as shipped,
plus a made-up catalogue for another language, complete or with gaps.

The translators' own files in ``locales/`` are never touched: every test works
on a copy in a temporary folder.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from survey_service import catalogues, i18n


def scratch_locales(root: Path) -> Path:
    """A locales folder holding only the shipped Danish and English catalogues."""
    root.mkdir(parents=True, exist_ok=True)
    for language in i18n.LANGUAGES:
        shutil.copytree(i18n.locales_directory() / language, root / language)
    catalogues.compile_all(i18n.LANGUAGES, root)
    return root


def fake(language: str, msgid: str) -> str:
    # Keeps every %(name)s placeholder, so formatting still works.
    return f"[{language}] {msgid}"


def write_language(
    root: Path,
    language: str,
    questionnaire_texts: Iterable[str],
    *,
    drop_interface: str | None = None,
    drop_text: str | None = None,
    compile_: bool = True,
) -> None:
    """Catalogues for ``language``: every patient message and every given text,
    flagged ``unreviewed``, except the one named in ``drop_*``."""
    messages = Catalog(locale=language, domain=i18n.DOMAIN, fuzzy=False)
    for message in catalogues.patient_subset(catalogues.extract()):
        if not message.id or message.id == drop_interface:
            continue
        if isinstance(message.id, str):
            string: str | tuple[str, ...] = fake(language, message.id)
        else:
            string = tuple(fake(language, message.id[1]) for _ in range(messages.num_plurals))
        messages.add(message.id, string, flags=["unreviewed", *message.flags])
    texts = Catalog(locale=language, domain=i18n.QUESTIONNAIRE_DOMAIN, fuzzy=False)
    for text in sorted(set(questionnaire_texts)):
        if text != drop_text:
            texts.add(text, fake(language, text), flags=["unreviewed"])
    folder = root / language / "LC_MESSAGES"
    folder.mkdir(parents=True, exist_ok=True)
    for catalog in (messages, texts):
        with open(folder / f"{catalog.domain}.po", "wb") as fh:
            write_po(fh, catalog, width=100)
    if compile_:
        catalogues.compile_all((language,), root)


def read_from(root: Path, monkeypatch) -> None:
    """Make the running code read catalogues from ``root`` (undone by ``monkeypatch``)."""
    monkeypatch.setattr(i18n, "locales_directory", lambda: root)
    monkeypatch.setattr(catalogues, "locales_directory", lambda: root)
    i18n.clear_caches()
