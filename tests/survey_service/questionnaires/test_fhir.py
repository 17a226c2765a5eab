"""FHIR R5 export of questionnaire versions."""

from __future__ import annotations

import pytest
from fhir.resources.questionnaire import Questionnaire as FhirQuestionnaire

from survey_service.questionnaires import load_catalogue
from survey_service.questionnaires.fhir import TRANSLATION, to_fhir


def leaves(items):
    for item in items:
        if item.type == "group":
            yield from leaves(item.item or [])
        else:
            yield item


@pytest.mark.parametrize("key", [("gp-experience", 1), ("practice-short", 1)])
def test_export_is_valid_r5_and_keeps_every_item(key):
    q = load_catalogue().get(*key)
    resource = FhirQuestionnaire.model_validate(to_fhir(q, "https://survey.example", "da"))
    exported = list(leaves(resource.item))
    assert [i.linkId for i in exported] == [i.id for i in q.items]
    by_id = {i.linkId: i for i in exported}
    for item in q.items:
        fhir_item = by_id[item.id]
        assert fhir_item.text == item.text["da"]
        assert [o.valueCoding.code for o in fhir_item.answerOption or []] == list(item.codes)
        if item.show_if:
            assert {w.question for w in fhir_item.enableWhen} == {item.show_if.item}
    assert resource.url == f"https://survey.example/api/v1/questionnaires/{q.slug}"


def test_the_other_language_travels_as_a_translation():
    q = load_catalogue().get("gp-experience", 1)
    first = q.items[0]
    data = to_fhir(q, "https://x", "en")
    item = data["item"][0]["item"][0]
    assert item["text"] == first.text["en"]
    (translation,) = item["_text"]["extension"]
    assert translation["url"] == TRANSLATION
    assert {"url": "content", "valueString": first.text["da"]} in translation["extension"]
