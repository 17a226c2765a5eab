"""SMS texts: in the patient's language, one GSM-7 segment, no sensitive names."""

from __future__ import annotations

import pytest

from survey_service.distribution.messages import (
    compose_sms,
    gsm7_length,
    measure,
    to_gsm7,
)

TOKEN = "AbCdEfGhIjKlMnOpQrSt"
BASE = "https://survey.rm.dk"


def sms(kind="invitation", language="da", name="Lægehuset Test", sector="gp", base=BASE):
    return compose_sms(
        kind,
        language,
        practice_name=name,
        sector=sector,
        link=f"{base}/s/{TOKEN}",
        stop_link=f"{base}/s/{TOKEN}/stop",
    )


#: the longest PUBLIC_BASE_URL docs/distribution.md promises one segment for
LONGEST_BASE = "https://patientsvar.rmidt.dk"


@pytest.mark.parametrize("kind", ["invitation", "reminder"])
@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("base", [BASE, LONGEST_BASE])
def test_every_text_fits_one_gsm7_segment(kind, language, base):
    assert len(LONGEST_BASE) == 28
    text = sms(kind, language, base=base)
    assert text.encoding == "gsm7"
    assert text.segments == 1
    assert gsm7_length(text.body) <= 160
    assert f"{base}/s/{TOKEN}" in text.body
    assert f"{base}/s/{TOKEN}/stop" in text.body


def test_danish_text_is_danish_and_english_is_english():
    assert "besøg" in sms(language="da").body
    assert "visit" in sms(language="en").body


def test_the_practice_name_is_shortened_to_fit_or_left_out():
    long_name = "Lægerne i Vestergade og Omegn Sundhedshus Afdeling Nord"
    text = sms(name=long_name)
    assert text.segments == 1
    assert text.body.startswith("Lægerne")
    very_long_base = "https://patientoplevelser.region-midtjylland.dk"
    text = sms(name=long_name, base=very_long_base)
    assert not text.body.startswith("Lægerne")  # no room left: the name goes


def test_psychiatry_and_psychology_are_never_named_on_a_lock_screen():
    for sector in ("psychiatry", "psychology"):
        assert "Klinik" not in sms(name="Psykiatrisk Klinik", sector=sector).body
    assert sms(name="Fysioterapi Nord", sector="physiotherapy").body.startswith("Fysioterapi")


def test_typographic_characters_in_names_do_not_force_ucs2():
    assert to_gsm7("Lægehuset – “Åen”") == 'Lægehuset - "Åen"'
    assert to_gsm7("Clinique Œuvre ç") == "Clinique uvre c"
    text = sms(name="Læge – Åby")
    assert text.encoding == "gsm7" and text.body.startswith("Læge - Åby: ")


def test_segment_arithmetic():
    assert measure("a" * 160).segments == 1
    assert measure("a" * 161).segments == 2
    assert measure("€" * 80).segments == 1  # extension characters take two septets
    assert measure("€" * 81).segments == 2
    assert measure("ש" * 70).encoding == "ucs2"
    assert measure("ש" * 70).segments == 1
    assert measure("ש" * 71).segments == 2
