"""Languages: catalogues complete, choice of language, right-to-left ready."""

from __future__ import annotations

from survey_service.catalogues import check
from survey_service.i18n import (
    choose_language,
    language_info,
    parse_accept_language,
    translations,
)


def test_catalogues_are_complete_and_compiled():
    problems = check()
    assert problems.missing == {"da": [], "en": []}
    assert problems.stale_mo == []


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
