"""Languages: catalogues complete, choice of language, right-to-left ready."""

from __future__ import annotations

from survey_service.catalogues import check, shipped_languages
from survey_service.i18n import (
    LANGUAGES,
    PATIENT_LANGUAGES,
    choose_language,
    language_info,
    parse_accept_language,
    translations,
)
from survey_service.rendering import page


def test_catalogues_are_complete_and_compiled():
    # Danish and English: everything. Every other language that ships a
    # catalogue: the patient interface and every published questionnaire. A
    # language without one is simply not offered (see test_questionnaire_translations).
    problems = check()
    assert set(problems.missing) == set(shipped_languages())
    assert {
        language: missing[:3] for language, missing in problems.missing.items() if missing
    } == {}
    assert problems.stale_mo == []


def test_shipped_languages_are_the_patient_languages_with_a_catalogue():
    assert set(LANGUAGES) <= set(shipped_languages()) <= set(PATIENT_LANGUAGES)


def test_a_danish_and_english_page_asked_for_in_arabic_is_english():
    # The accessibility statement and staff pages exist in Danish and English only.
    statement = page("accessibility.html", "ar")
    assert statement.context["lang"] == "en"
    assert [language.code for language in statement.context["languages"]] == ["da", "en"]


def test_danish_is_really_translated():
    assert translations("da").gettext("Send my answers") == "Send mine svar"
    assert translations("en").gettext("Send my answers") == "Send my answers"


def test_accept_language_parsing_orders_by_quality():
    assert parse_accept_language("en;q=0.5, da, fr;q=0.9, de;q=0") == ["da", "fr", "en"]
    assert parse_accept_language("") == []
    assert parse_accept_language("*;q=0.1, en;q=bad") == []


def test_choice_of_language_follows_precedence():
    assert choose_language("en", "da", "da") == "en"  # the visible switch wins
    assert choose_language(None, "en", "da") == "en"  # then the invitation
    assert choose_language(None, "", "en-US,da;q=0.5") == "en"  # then the browser
    assert choose_language("xx", None, "fr") == "da"  # unknown: Danish
    assert choose_language(None, None, None) == "da"


def test_direction_comes_from_the_locale():
    assert language_info("da").direction == "ltr"
    assert language_info("ar").direction == "rtl"
    assert language_info("da").name == "Dansk"


def test_dates_and_numbers_follow_the_page_language():
    import datetime as dt

    from survey_service.rendering import language_context

    day = dt.date(2026, 12, 14)
    assert language_context("da")["format_date"](day) == "14. december 2026"
    assert language_context("pl")["format_date"](day) == "14 grudnia 2026"
    assert language_context("da")["format_number"](1234.5) == "1.234,5"
    assert language_context("en")["format_number"](1234.5) == "1,234.5"
