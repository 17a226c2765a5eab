"""Questionnaire text through gettext, languages beyond Danish and English.

The extractor turns questionnaire files into ``questionnaires`` entries; a
version is offered in a language only when that language's interface and its
text are complete; ``update`` keeps the translators' ``unreviewed`` flags and
``compile`` keeps those entries; ``status`` lists them for the region.
"""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po, write_po
from click.testing import CliRunner

from survey_service import catalogues, i18n
from survey_service.cli import main
from survey_service.i18n import (
    choose_language,
    offered_languages,
    patient_languages,
    questionnaire_msgids,
    questionnaire_text,
)
from survey_service.rendering import language_context

from .translation_fixtures import scratch_locales, write_language

METHOD = [("**.yaml", "survey_service.questionnaires.extract:extract_questionnaire")]

YAML = """\
slug: tiny
version: 2
kind: questionnaire
status: published
title: {da: "Lille", en: "Small"}
intro: {da: "Tak.", en: "Thanks."}
provider_groups: [gp]
rotation:
  note: {da: "Du får et af to moduler.", en: "You get one of two modules."}
answer_sets:
  agree:
    - {code: "yes", text: {da: "Ja", en: "Yes"}}
    - {code: "no", text: {da: "Nej", en: "No"}}
  unused:
    - {code: "x", text: {da: "Måske", en: "Maybe"}}
sections:
  - id: main
    title: {da: "Besøget", en: "The visit"}
    help: {da: "Tænk på besøget.", en: "Think of the visit."}
    items:
      - id: tiny.listened
        type: single_choice
        answers: agree
        domain: communication
        text: {da: "Lyttede lægen?", en: "Did the doctor listen?"}
        help: {da: "Svar ærligt.", en: "Answer honestly."}
      - id: tiny.clear
        type: single_choice
        domain: information
        answers:
          - {code: "yes", text: {da: "Ja, helt", en: "Yes"}}
          - {code: "no", text: {da: "Nej", en: "No"}}
        text: {da: "Var det klart?", en: "Was it clear?"}
      - id: tiny.written
        type: yes_no_na
        domain: information
        text: {da: "Fik du noget skriftligt?", en: "Did you get anything in writing?"}
"""


def extracted(folder: Path) -> Catalog:
    catalog = Catalog()
    for filename, lineno, message, comments, _ in extract_from_dir(str(folder), METHOD):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments)
    return catalog


def test_the_extractor_gives_english_msgids_with_danish_and_where_used(tmp_path: Path) -> None:
    (tmp_path / "tiny").mkdir()
    (tmp_path / "tiny" / "2.yaml").write_text(YAML, encoding="utf-8")
    catalog = extracted(tmp_path)
    assert {m.id for m in catalog if m.id} == {
        "Small",
        "Thanks.",
        "You get one of two modules.",  # a key the extractor does not know: still text
        "The visit",
        "Think of the visit.",
        "Did the doctor listen?",
        "Answer honestly.",
        "Yes",
        "No",
        "Maybe",
        "Was it clear?",
        "Did you get anything in writing?",
        "Don't know / not relevant",  # yes_no_na's built-in third answer
    }
    assert catalog["Small"].auto_comments == ["da: Lille", "tiny/2 title"]
    assert catalog["Thanks."].auto_comments == ["da: Tak.", "tiny/2 intro"]
    assert catalog["The visit"].auto_comments == ["da: Besøget", "tiny/2 section main"]
    assert catalog["Think of the visit."].auto_comments == [
        "da: Tænk på besøget.",
        "tiny/2 section main help",
    ]
    assert catalog["Answer honestly."].auto_comments == ["da: Svar ærligt.", "tiny.listened help"]
    assert catalog["You get one of two modules."].auto_comments == [
        "da: Du får et af to moduler.",
        "tiny/2 rotation note",
    ]
    # One entry for one English text, however many items use it; each Danish
    # wording and each use is a comment.
    assert catalog["Yes"].auto_comments == [
        "da: Ja",
        "tiny.listened option yes",
        "da: Ja, helt",
        "tiny.clear option yes",
        "tiny.written option yes",
    ]
    assert catalog["Yes"].context is None
    assert catalog["Maybe"].auto_comments == ["da: Måske", "tiny/2 answers unused option x"]


def test_the_shipped_files_extract_to_every_text_patients_see() -> None:
    from survey_service.questionnaires import load_catalogue

    template = {m.id for m in catalogues.extract_questionnaires() if m.id}
    for questionnaire in load_catalogue():
        missing = questionnaire_msgids(questionnaire) - template
        assert not missing, f"{questionnaire.key}: not extracted: {sorted(missing)[:3]}"


@pytest.fixture
def locales(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A scratch locales folder the running code reads instead of the shipped one."""
    root = scratch_locales(tmp_path / "locales")
    monkeypatch.setattr(i18n, "locales_directory", lambda: root)
    monkeypatch.setattr(catalogues, "locales_directory", lambda: root)
    i18n.clear_caches()
    yield root
    i18n.clear_caches()


def render_switch(language: str, languages: tuple[str, ...]) -> str:
    templates = Path(i18n.PACKAGE_DIR) / "templates"
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(templates), autoescape=True)
    return env.get_template("_language_switch.html").render(language_context(language, languages))


def test_a_version_is_offered_only_where_its_text_is_complete(
    locales: Path, fixture_catalogue
) -> None:
    mini = fixture_catalogue.get("mini", 1)
    texts = questionnaire_msgids(mini)
    assert "Have you been to hospital?" in texts  # the included module's text counts too
    write_language(locales, "pl", texts, drop_text="Have you been to hospital?")
    write_language(locales, "uk", texts)
    # ar has no catalogue at all: simply not offered.
    assert patient_languages() == ("da", "en", "pl", "uk")
    assert offered_languages(mini) == ("da", "en", "uk")

    switch = render_switch("da", offered_languages(mini))
    assert 'hreflang="uk"' in switch and 'hreflang="pl"' not in switch
    # A request for the incomplete language falls back: to the browser's next
    # acceptable language, else Danish.
    available = offered_languages(mini)
    assert choose_language("pl", None, "pl, en;q=0.8", available) == "en"
    assert choose_language(None, "pl", None, available) == "da"
    assert choose_language(None, None, "uk-UA,da;q=0.5", available) == "uk"

    assert questionnaire_text(mini.title, "uk") == "[uk] Small questionnaire"
    assert questionnaire_text(mini.title, "da") == "Lille spørgeskema"


def test_an_incomplete_interface_offers_no_questionnaire(locales: Path, fixture_catalogue) -> None:
    mini = fixture_catalogue.get("mini", 1)
    write_language(locales, "tr", questionnaire_msgids(mini), drop_interface="Send my answers")
    assert "tr" not in patient_languages()
    assert offered_languages(mini) == ("da", "en")


def test_check_fails_for_a_shipped_language_with_a_gap(locales: Path, fixture_catalogue) -> None:
    write_language(locales, "so", [], drop_interface="Send my answers")
    problems = catalogues.check(directory=locales)
    assert "Send my answers" in problems.missing["so"]
    # ... and every text of the published questionnaires it must cover is listed too.
    assert set(catalogues.offered_questionnaire_msgids()) <= set(problems.missing["so"])
    assert "ar" not in problems.missing  # no catalogue: not shipped, nothing to fail
    assert not problems.ok


def test_update_keeps_translations_and_the_unreviewed_flag(locales: Path) -> None:
    texts = catalogues.offered_questionnaire_msgids()
    write_language(
        locales, "pl", texts, drop_interface="You can close this page now.", compile_=False
    )
    po = locales / "pl" / "LC_MESSAGES" / "messages.po"
    with open(po, "rb") as fh:
        catalog = read_po(fh, locale="pl")
    catalog["Send my answers"].flags = {"fuzzy"}  # a translator's doubt: not compiled
    catalog.add("A message no longer in the code", "Stara wiadomość")
    with open(po, "wb") as fh:
        write_po(fh, catalog)

    english = locales / "en" / "LC_MESSAGES" / "messages.po"
    with open(english, "rb") as fh:
        catalog = read_po(fh, locale="en")
    del catalog["You can close this page now."]  # new to English too: filled by identity
    with open(english, "wb") as fh:
        write_po(fh, catalog)

    catalogues.update(directory=locales)
    catalogues.compile_all(directory=locales)

    with open(po, "rb") as fh:
        merged = read_po(fh, locale="pl")
    thanks = merged["Thank you for your answers"]
    assert thanks.string == "[pl] Thank you for your answers" and "unreviewed" in thanks.flags
    assert "fuzzy" in merged["Send my answers"].flags
    # A new entry comes in empty, never with the English that `en` is filled with.
    assert merged["You can close this page now."].string == ""
    assert "A message no longer in the code" not in merged
    # Only the patient interface goes to a patient language, not staff text.
    assert "Log in" not in merged
    with open(po.with_suffix(".mo"), "rb") as fh:
        compiled = {m.id: m.string for m in read_mo(fh) if isinstance(m.id, str) and m.id}
    assert compiled["Thank you for your answers"] == "[pl] Thank you for your answers"
    assert "Send my answers" not in compiled
    # Danish and English questionnaire catalogues are generated from the files.
    with open(locales / "da" / "LC_MESSAGES" / "questionnaires.po", "rb") as fh:
        danish = read_po(fh, locale="da")
    assert danish["About you"].string == "Om dig"
    assert not any(m.fuzzy for m in danish if m.id)
    assert (locales / "questionnaires.pot").exists() and (locales / "messages.pot").exists()


def test_status_counts_and_lists_unreviewed_translations(locales: Path) -> None:
    texts = sorted(catalogues.offered_questionnaire_msgids())
    write_language(locales, "ar", texts[1:])
    result = CliRunner().invoke(main, ["i18n", "status", "--unreviewed"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    patient = len(catalogues.patient_subset(catalogues.extract()))
    assert f"ar messages: {patient} translated, 0 missing, {patient} unreviewed" in lines
    template = {m.id for m in catalogues.extract_questionnaires() if m.id}
    done = template & set(texts[1:])
    assert (
        f"ar questionnaires: {len(done)} translated, {len(template - done)} missing, "
        f"{len(done)} unreviewed"
    ) in lines
    assert texts[0] in template - done
    assert f"  unreviewed: {'[ar] ' + texts[1]!r}" not in lines  # msgids are listed, not text
    assert f"  unreviewed: {texts[1]!r}" in lines
    assert any(line.startswith("da messages:") and "0 unreviewed" in line for line in lines)


def test_the_patient_sources_exist() -> None:
    for source in i18n.PATIENT_SOURCES:
        assert (i18n.PACKAGE_DIR / source).is_file(), source
