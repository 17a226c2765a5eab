"""SMS parts: the counter against hand-counted strings, and every shipped language's texts.

The languages are read from ``locales/*/LC_MESSAGES/messages.po``, so a new
catalogue is measured the day it lands. The figures asserted here are the ones
docs/distribution.md ("SMS length per language") promises.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from survey_service.distribution.messages import (
    compose_sms,
    count_segments,
    gsm7_length,
    plain_gsm7,
)
from survey_service.i18n import locales_directory
from survey_service.invitations.tokens import new_token

#: the region's address, and the longest one docs/distribution.md promises figures for
BASES = ("https://survey.rm.dk", "https://patientsvar.rmidt.dk")
#: a UCS-2 language's text: two links take 92 of its 201 characters in three
#: parts, so three is what docs/distribution.md promises (two would leave 42
#: characters for both sentences)
UCS2_PARTS = 3
MSGIDS = {
    "invitation": "How was your visit? Answer anonymously: %(link)s",
    "reminder": "Reminder: tell us about your visit: %(link)s",
}


def shipped_languages() -> list[str]:
    return sorted(
        p.parent.parent.name for p in locales_directory().glob("*/LC_MESSAGES/messages.po")
    )


def msgstr(language: str, msgid: str) -> str:
    path = locales_directory() / language / "LC_MESSAGES" / "messages.po"
    with Path(path).open("rb") as fh:
        message = read_po(fh, locale=language).get(msgid)
    text = message.string if message is not None else ""
    return text if isinstance(text, str) and text else msgid


def test_languages_are_discovered_from_the_catalogues():
    assert {"da", "en"} <= set(shipped_languages())


# --- the counter, against strings counted by hand ------------------------------


def test_gsm7_with_extension_characters_counts_them_twice():
    text = "Pris: 10 € [ca.]"  # 14 basic characters, € [ ] two septets each
    assert gsm7_length(text) == 13 + 3 * 2
    assert count_segments(text) == ("gsm7", 1)
    assert count_segments("€" * 80) == ("gsm7", 1)  # 160 septets
    assert count_segments("€" * 80 + "a") == ("gsm7", 2)  # 161: two parts of 153
    assert count_segments("a" * 306) == ("gsm7", 2)
    assert count_segments("a" * 307) == ("gsm7", 3)


def test_danish_letters_are_gsm7():
    text = "Blåbærgrød på Ærø og Øster Åby"
    assert count_segments(text) == ("gsm7", 1)
    assert gsm7_length(text) == len(text)
    assert count_segments("æøå" * 53 + "Æ") == ("gsm7", 1)  # 160
    assert count_segments("æøå" * 54) == ("gsm7", 2)  # 162


def test_arabic_is_ucs2_at_70_per_part_and_67_when_concatenated():
    greeting = "كيف كانت زيارتك؟"  # 16 UTF-16 code units
    assert count_segments(greeting) == ("ucs2", 1)
    assert count_segments("ب" * 70) == ("ucs2", 1)
    assert count_segments("ب" * 71) == ("ucs2", 2)
    assert count_segments("ب" * 134) == ("ucs2", 2)
    assert count_segments("ب" * 135) == ("ucs2", 3)
    # one Latin letter outside GSM-7 is enough to make a whole text UCS-2
    assert count_segments("a" * 69 + "ł") == ("ucs2", 1)
    assert count_segments("a" * 70 + "ł") == ("ucs2", 2)


def test_ucs2_counts_utf16_code_units():
    assert count_segments("😀" * 35) == ("ucs2", 1)  # 70 code units
    assert count_segments("😀" * 35 + "a") == ("ucs2", 2)


def test_accents_come_off_latin_letters_but_other_scripts_are_kept():
    assert plain_gsm7("Jak minęła wizyta? Łódź") == "Jak minela wizyta? Lodz"
    assert plain_gsm7("Ziyaretiniz nasıl geçti? Şimdi") == "Ziyaretiniz nasil gecti? Simdi"
    assert plain_gsm7("Як пройшов ваш візит?") is None
    assert plain_gsm7("كيف كانت زيارتك؟") is None
    assert plain_gsm7("Hvordan var dit besøg?") == "Hvordan var dit besøg?"


# --- every shipped language's texts --------------------------------------------

#: Parts of the invitation and the reminder per language, with BASES[0] and
#: BASES[1]: the table in docs/distribution.md. A language not listed (a new
#: catalogue) must still keep GSM-7 to two parts and UCS-2 to three.
PARTS = {
    "da": (1, 1),
    "en": (1, 1),
    "so": (1, 1),
    "pl": (1, 2),
    "tr": (1, 2),
    "ar": (2, 3),
    "uk": (2, 3),
}


class _PoTranslations:
    """A language's sentences straight from its .po, compiled or not."""

    def __init__(self, language: str) -> None:
        path = locales_directory() / language / "LC_MESSAGES" / "messages.po"
        with Path(path).open("rb") as fh:
            self.catalog = read_po(fh, locale=language)

    def gettext(self, msgid: str) -> str:
        message = self.catalog.get(msgid)
        text = message.string if message is not None else ""
        return text if isinstance(text, str) and text else msgid


def _sms(kind: str, language: str, base: str, name: str = "Lægehuset Søndergade"):
    token = new_token()
    link, stop = f"{base}/s/{token}", f"{base}/s/{token}/stop"
    text = compose_sms(kind, language, practice_name=name, sector="gp", link=link, stop_link=stop)
    assert link in text.body and stop in text.body
    return text


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("kind", ["invitation", "reminder"])
@pytest.mark.parametrize("language", shipped_languages())
def test_each_language_fits_the_parts_documented(monkeypatch, language, kind, base):
    monkeypatch.setattr("survey_service.i18n.translations", _PoTranslations)
    assert len(new_token()) == 20
    text = _sms(kind, language, base)
    sentence = msgstr(language, MSGIDS[kind]).split("%(link)s")[0].strip()
    assert sentence in text.body or (plain_gsm7(sentence) or "") in text.body
    assert (text.encoding, text.segments) == count_segments(text.body)
    if language in PARTS:
        assert text.segments == PARTS[language][BASES.index(base)], text.body
    else:
        assert text.segments <= (2 if text.encoding == "gsm7" else UCS2_PARTS), text.body


@pytest.mark.parametrize("language", shipped_languages())
def test_the_sms_goes_out_in_the_invitations_language(language):
    """Through the compiled catalogue the worker uses, not the .po."""
    expected = msgstr(language, MSGIDS["invitation"])
    if expected == MSGIDS["invitation"] or language == "en":
        return  # English, or not translated: the English text is the right one
    mo = locales_directory() / language / "LC_MESSAGES" / "messages.mo"
    assert mo.is_file(), f"{mo} missing: run `survey-service i18n compile`"
    body = _sms("invitation", language, BASES[0]).body
    sentence = expected.split("%(link)s")[0].strip()
    assert sentence in body or (plain_gsm7(sentence) or "") in body


def test_a_ucs2_language_keeps_the_name_only_while_it_adds_no_part(monkeypatch):
    arabic = {
        MSGIDS["invitation"]: "كيف كانت زيارتك؟ أجب دون ذكر اسمك: %(link)s",
        "Stop texts: %(link)s": "لإيقاف الرسائل: %(link)s",
    }

    class Arabic:
        def gettext(self, message: str) -> str:
            return arabic.get(message, message)

    monkeypatch.setattr("survey_service.i18n.translations", lambda language: Arabic())
    link = f"{BASES[1]}/s/{'A' * 20}"

    def sms(name: str):
        return compose_sms(
            "invitation", "ar", practice_name=name, sector="gp", link=link, stop_link=link + "/stop"
        )

    bare = sms("")
    assert bare.encoding == "ucs2" and bare.segments == UCS2_PARTS
    assert sms("Lægehuset Søndergade").body.startswith("Lægehuset Søndergade: ")
    long_name = " ".join(["Sundhedshuset"] * 6)
    named = sms(long_name)
    assert named.segments == UCS2_PARTS
    assert named.body.startswith("Sundhedshuset") and long_name not in named.body
