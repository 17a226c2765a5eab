"""The shipped questionnaires: valid, complete in Danish and English, immutable."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from survey_service.questionnaires import Catalogue, load_catalogue
from survey_service.questionnaires.model import ADJUSTERS, FILE_LANGUAGES


@pytest.fixture(scope="module")
def shipped() -> Catalogue:
    return load_catalogue()


def changed_ids(catalogue: Catalogue) -> list[str]:
    """Item ids that carry different text, type or answers anywhere in the catalogue."""
    seen: dict[str, set] = defaultdict(set)
    where: dict[str, list[str]] = defaultdict(list)
    for q in catalogue:
        for item in q.items:
            seen[item.id].add(item.signature())
            where[item.id].append(q.key)
    return [f"{i} in {sorted(set(where[i]))}" for i, sigs in seen.items() if len(sigs) > 1]


def test_every_shipped_file_loads(shipped):
    slugs = {q.slug for q in shipped}
    assert {"gp-experience", "practice-short", "cross-sector", "casemix"} <= slugs
    assert all(q.published for q in shipped)


def test_an_item_id_never_changes_its_meaning(shipped):
    assert changed_ids(shipped) == []


def test_the_immutability_check_catches_a_reworded_item(tmp_path: Path, shipped):
    """Copy a version to version 2 with one question reworded but its id kept."""
    import shutil

    import yaml

    root = tmp_path / "catalogue"
    shutil.copytree(Path(shipped.get("gp-experience", 1).source).parent.parent, root)
    for later in (root / "gp-experience").glob("*.yaml"):
        if later.name != "1.yaml":  # only the copy below may share version 1's ids
            later.unlink()
    data = yaml.safe_load((root / "gp-experience" / "1.yaml").read_text())
    data["version"] = 2
    first = data["sections"][0]["items"][0]
    first["text"]["da"] = first["text"]["da"] + " (ny formulering)"
    (root / "gp-experience" / "2.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    catalogue = load_catalogue(root)
    # The rotating module gp-access/1 carries the same item, worded as version 1.
    assert changed_ids(catalogue) == [
        f"{first['id']} in ['gp-access/1', 'gp-experience/1', 'gp-experience/2']"
    ]


def test_texts_in_both_file_languages(shipped):
    for q in shipped:
        texts = [q.title] if q.kind == "questionnaire" else []
        for section in q.sections:
            texts.append(section.title)
            for item in section.items:
                texts += [item.text] + [o.text for o in item.options]
        for text in texts:
            for lang in FILE_LANGUAGES:
                assert text.get(lang, "").strip(), (q.key, text)


def test_required_content_is_there(shipped):
    gp = shipped.latest("gp-experience")
    domains = {item.domain for item in gp.items}
    assert {
        "access",
        "communication",
        "information",
        "involvement",
        "continuity",
        "overall",
        "comments",
        "coordination",
        "casemix",
    } <= domains
    assert {i.casemix for i in gp.items if i.casemix} == {
        "age_band",
        "sex",
        "general_health",
        "mental_health",
        "education",
        "language",
    }
    assert set(gp.adjusters) <= set(ADJUSTERS)
    transitions = {(i.transition.source, i.transition.target) for i in gp.items if i.transition}
    for sector in ("hospital", "municipality", "psychiatry", "specialist"):
        assert (sector, "gp") in transitions
    assert any(i.type == "free_text" for i in gp.items)
    short = shipped.latest("practice-short")
    assert {
        "specialist",
        "physiotherapy",
        "chiropractic",
        "psychology",
        "dentistry",
        "podiatry",
    } <= set(short.provider_groups)
    assert len(short.items) < len(gp.items)
