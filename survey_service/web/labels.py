"""The words staff and public pages put on stored codes: flags, domains, sectors, levels.

One place for them, so the feedback, region and public pages cannot drift
apart by accident; where they differ on purpose (the public says "Not shown",
a practitioner reads "worth a look"; the public lists provider groups, the
region names the sector of a hand-over) there is one function per wording.
Each returns a dict bound to the page's language; codes without an entry are
shown as they are by the templates.
"""

from __future__ import annotations

from survey_service.i18n import translations
from survey_service.practices.service import SECTORS
from survey_service.questionnaires.published import PublishedCatalogue
from survey_service.rendering import text_in

__all__ = [
    "domain_names",
    "feedback_flags",
    "gap_flags",
    "group_names",
    "item_texts",
    "level_names",
    "public_flags",
    "sector_names",
]


def feedback_flags(language: str) -> dict[str, str]:
    """Comparison labels as a practitioner or analyst reads them."""
    _ = translations(language).gettext
    return {
        "above": _("Better than the region"),
        "alarm_above": _("Clearly better than the region"),
        "below": _("Below the region"),
        "alarm_below": _("Clearly below the region: worth a look"),
        "as_expected": _("As expected"),
        "low_reliability": _("No label: the result is not yet reliable enough"),
        "suppressed": _("No result: fewer than 10 answers"),
    }


def gap_flags(language: str) -> dict[str, str]:
    """Labels of a transition's units: above the region means MORE problems there."""
    _ = translations(language).gettext
    return {
        **feedback_flags(language),
        "above": _("More problems than the region"),
        "alarm_above": _("Clearly more problems than the region: worth a look"),
        "below": _("Fewer problems than the region"),
        "alarm_below": _("Clearly fewer problems than the region"),
    }


def public_flags(language: str) -> dict[str, str]:
    """Comparison labels on the public pages (results.publication.public_flag's codes)."""
    _ = translations(language).gettext
    return {
        "above": _("Better than the region"),
        "alarm_above": _("Clearly better than the region"),
        "below": _("Below the region"),
        "alarm_below": _("Clearly below the region"),
        "as_expected": _("As expected"),
        "low_reliability": _("No label: not reliable enough yet"),
        "too_few": _("No label: fewer than 20 answers"),
        "suppressed": _("Not shown: fewer than 10 answers"),
    }


def domain_names(language: str) -> dict[str, str]:
    """Questionnaire domains."""
    _ = translations(language).gettext
    return {
        "access": _("Access"),
        "communication": _("Communication"),
        "information": _("Information"),
        "involvement": _("Involvement"),
        "continuity": _("Continuity"),
        "coordination": _("Coordination between sectors"),
        "overall": _("Overall"),
        "outcome": _("Outcome"),
    }


def group_names(language: str) -> dict[str, str]:
    """Provider groups as the public pages head them (plural), for every known sector."""
    _ = translations(language).gettext
    names = {
        "gp": _("General practice"),
        "specialist": _("Practising specialists"),
        "physiotherapy": _("Physiotherapy"),
        "chiropractic": _("Chiropractic"),
        "psychology": _("Psychology"),
        "dentistry": _("Dentistry"),
        "podiatry": _("Podiatry"),
        "hospital": _("Hospitals"),
        "psychiatry": _("Psychiatry"),
        "municipality": _("Municipal services"),
        "prehospital": _("Pre-hospital services"),
    }
    return {code: names.get(code, label) for code, label in SECTORS.items()}


def sector_names(language: str) -> dict[str, str]:
    """Sectors as the region's pages name them: a unit's group, a hand-over's ends."""
    _ = translations(language).gettext
    return {
        "gp": _("General practice"),
        "specialist": _("Practising specialist"),
        "physiotherapy": _("Physiotherapy"),
        "chiropractic": _("Chiropractic"),
        "psychology": _("Psychology"),
        "dentistry": _("Dentistry"),
        "podiatry": _("Podiatry"),
        "hospital": _("Hospital"),
        "psychiatry": _("Mental health services"),
        "municipality": _("Municipality"),
        "prehospital": _("Pre-hospital"),
    }


def level_names(language: str) -> dict[str, str]:
    """Levels of the region's tree of units."""
    _ = translations(language).gettext
    return {
        "practice": _("Practice or clinic"),
        "area": _("Area"),
        "region": _("Region"),
        "hospital": _("Hospital"),
        "department": _("Department"),
        "section": _("Section"),
    }


def item_texts(published: PublishedCatalogue, slug: str, language: str) -> dict[str, str]:
    """Question text per item id, newest published version first (ids never change meaning)."""
    texts: dict[str, str] = {}
    versions = [q for q in published.catalogue.questionnaires() if q.slug == slug and q.published]
    for questionnaire in sorted(versions, key=lambda q: q.version, reverse=True):
        for item in questionnaire.items:
            texts.setdefault(item.id, text_in(item.text, language))
    return texts
