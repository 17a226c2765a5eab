"""Export of a questionnaire version as a FHIR R5 ``Questionnaire`` resource.

Built as plain JSON and validated by ``fhir.resources`` (the R5 models), so an
export that the library rejects is a bug here, not at the receiving system.
Sections become ``group`` items, answers ``answerOption`` codings, skip logic
``enableWhen``; the other file language is carried in the standard
translation extension.
"""

from __future__ import annotations

from typing import Any

from fhir.resources.questionnaire import Questionnaire as FhirQuestionnaire

from survey_service.questionnaires.model import FILE_LANGUAGES, Item, Questionnaire, Text

TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
CODE_SYSTEM = "urn:survey-service:answers"

_TYPES = {
    "likert5": "coding",
    "yes_no_na": "coding",
    "fft6": "coding",
    "nps": "coding",
    "single_choice": "coding",
    "free_text": "text",
    "number": "integer",
}


def _text(texts: Text, language: str) -> tuple[str, dict[str, Any]]:
    """The text in ``language`` plus a ``_text`` element translating it."""
    others = [
        {
            "extension": [{"url": "lang", "valueCode": lang}, {"url": "content", "valueString": t}],
            "url": TRANSLATION,
        }
        for lang, t in sorted(texts.items())
        if lang != language and lang in FILE_LANGUAGES
    ]
    return texts.get(language, ""), ({"extension": others} if others else {})


def _item(item: Item, language: str, system: str) -> dict[str, Any]:
    text, translations = _text(item.text, language)
    out: dict[str, Any] = {
        "linkId": item.id,
        "text": text,
        "type": _TYPES[item.type],
        "required": item.required,
    }
    if translations:
        out["_text"] = translations
    if item.options:
        out["answerOption"] = [
            {
                "valueCoding": {
                    "system": system,
                    "code": o.code,
                    "display": o.text.get(language, o.code),
                }
            }
            for o in item.options
        ]
    if item.type == "free_text":
        out["maxLength"] = item.max_length
    if item.show_if:
        out["enableWhen"] = [
            {
                "question": item.show_if.item,
                "operator": "=",
                "answerCoding": {"system": system, "code": code},
            }
            for code in item.show_if.codes
        ]
        out["enableBehavior"] = "any"
    return out


def to_fhir(q: Questionnaire, base_url: str, language: str = "da") -> dict[str, Any]:
    """The questionnaire version as validated FHIR R5 JSON."""
    system = f"{CODE_SYSTEM}:{q.slug}"
    title, title_translations = _text(q.title, language)
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": f"{q.slug}-{q.version}",
        "url": f"{base_url}/api/v1/questionnaires/{q.slug}",
        "version": str(q.version),
        "name": q.slug.replace("-", "_"),
        "title": title,
        "status": "active" if q.published else "draft",
        "language": language,
        "item": [],
    }
    if title_translations:
        resource["_title"] = title_translations
    for section in q.sections:
        group_text, group_translations = _text(section.title, language)
        group: dict[str, Any] = {
            "linkId": f"section.{section.id}",
            "text": group_text,
            "type": "group",
            "item": [_item(item, language, system) for item in section.items],
        }
        if group_translations:
            group["_text"] = group_translations
        resource["item"].append(group)
    FhirQuestionnaire.model_validate(resource)
    return resource
