"""A Babel extractor for questionnaire files: their text becomes gettext entries.

Translators of languages beyond the files' own Danish and English work in one
format, the ``questionnaires`` gettext domain. Each entry's msgid is the
file's English text, without msgctxt (the same English in several items is one
entry); its auto comments are ``da: <the Danish text>`` and one line per use
(``gp.access.phone``, ``gp.access.phone help``, ``gp.access.phone option 5``,
``gp-experience/3 title``, ``gp-experience/3 section access``...).

The walk is generic on purpose: besides the keys it knows (title, intro,
sections, items, answer sets), any ``{da: ..., en: ...}`` mapping anywhere in a
file is text and is extracted, located by the path that leads to it, so new
keys in new files (``rotation:``, say) need no change here.

Registered as the Babel extraction method ``questionnaire`` (pyproject.toml);
``extract_from_dir`` also takes ``"survey_service.questionnaires.extract:extract_questionnaire"``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

import yaml

from survey_service.i18n import is_text
from survey_service.questionnaires.loader import _DEFAULT_SETS

#: (line number, function name, message, comments) as Babel wants them
Extracted = tuple[int, str | None, str, list[str]]


def _entry(text: Mapping[str, Any], where: str) -> Extracted:
    comments = []
    if isinstance(text.get("da"), str):
        comments.append(f"da: {text['da']}")
    comments.append(where)
    return 0, None, text["en"], comments


def texts_of_file(data: Any) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(where, text) for every text in one parsed questionnaire file."""
    if not isinstance(data, Mapping):
        return
    base = f"{data.get('slug', '?')}/{data.get('version', '?')}"
    raw_sets = data.get("answer_sets")
    sets: Mapping[str, Any] = raw_sets if isinstance(raw_sets, Mapping) else {}
    used_sets: set[str] = set()
    for key, value in data.items():
        if key == "answer_sets":
            continue  # their options are listed under each item that uses them, below
        if key == "sections" and isinstance(value, list):
            for n, section in enumerate(value):
                yield from _section(section, base, n, sets, used_sets)
        else:
            yield from _generic(value, f"{base} {key}")
    for name, options in sets.items():
        if name not in used_sets:  # defined, not used yet: still worth translating
            yield from _options(options, f"{base} answers {name} option")


def _section(
    section: Any, base: str, n: int, sets: Mapping[str, Any], used: set[str]
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    if not isinstance(section, Mapping):
        return
    where = f"{base} section {section.get('id', n)}"
    for key, value in section.items():
        if key == "items" and isinstance(value, list):
            for item in value:
                yield from _item(item, sets, used)
        elif key == "title":
            yield from _generic(value, where)
        else:
            yield from _generic(value, f"{where} {key}")


def _item(
    item: Any, sets: Mapping[str, Any], used: set[str]
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    if not isinstance(item, Mapping):
        return
    where = str(item.get("id", "?"))
    for key, value in item.items():
        if key == "text":
            yield from _generic(value, where)
        elif key == "answers":
            if isinstance(value, str):
                used.add(value)
                yield from _options(sets.get(value), f"{where} option")
            else:
                yield from _options(value, f"{where} option")
        else:
            yield from _generic(value, f"{where} {key}")
    if "answers" not in item and item.get("type") in _DEFAULT_SETS:
        # The loader supplies these options; their text is shown like any other.
        yield from _options(_DEFAULT_SETS[item["type"]], f"{where} option")


def _options(options: Any, where: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    if not isinstance(options, list):
        return
    for option in options:
        if isinstance(option, Mapping):
            label = f"{where} {option.get('code', '?')}"
            if is_text(option.get("text")):
                yield label, option["text"]
            for key, value in option.items():
                if key not in ("text", "code"):
                    yield from _generic(value, f"{label} {key}")


def _generic(value: Any, where: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Texts anywhere below ``value``; lists are located by each entry's id or code."""
    if is_text(value):
        yield where, value
    elif isinstance(value, Mapping):
        for key, inner in value.items():
            yield from _generic(inner, f"{where} {key}")
    elif isinstance(value, list):
        for n, inner in enumerate(value):
            label = n
            if isinstance(inner, Mapping):
                label = inner.get("id", inner.get("code", n))
            yield from _generic(inner, f"{where} {label}")


def extract_questionnaire(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[Extracted]:
    """Babel extraction method: every text of one questionnaire YAML file."""
    try:
        data = yaml.safe_load(fileobj.read())
    except yaml.YAMLError:
        return  # `questionnaires validate` reports a broken file; extraction skips it
    for where, text in texts_of_file(data):
        yield _entry(text, where)
