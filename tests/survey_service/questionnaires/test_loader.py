"""The questionnaire loader: every problem names file, item and fault."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from survey_service.questionnaires import QuestionnaireError, load_catalogue

from ...conftest import FIXTURES

MINI = FIXTURES / "catalogue"


@pytest.fixture
def catalogue_dir(tmp_path: Path) -> Path:
    target = tmp_path / "catalogue"
    shutil.copytree(MINI, target)
    return target


def edit(directory: Path, slug: str, change) -> None:
    path = directory / slug / "1.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True))


def items_of(data):
    return data["sections"][0]["items"]


def problems(directory: Path) -> list[str]:
    with pytest.raises(QuestionnaireError) as caught:
        load_catalogue(directory)
    return caught.value.problems


def test_fixture_catalogue_loads():
    catalogue = load_catalogue(MINI)
    q = catalogue.get("mini", 1)
    assert q is not None and q.published
    assert [i.id for i in q.items][-3:] == [
        "mini.hospital_contact",
        "mini.gp_knew",
        "casemix.age_band",
    ]
    gp_knew = q.item("mini.gp_knew")
    assert gp_knew.transition.source == "hospital" and gp_knew.transition.target == "gp"
    assert catalogue.for_sector("physiotherapy") is q
    assert catalogue.for_sector("dentistry") is None


@pytest.mark.parametrize(
    ("slug", "change", "expected"),
    [
        (
            "mini",
            lambda d: items_of(d)[0].update(type="likert7"),
            "mini/1.yaml: item 'mini.listened': type 'likert7'",
        ),
        (
            "mini",
            lambda d: items_of(d)[0]["text"].pop("da"),
            "mini/1.yaml: item 'mini.listened': text in 'da' is missing",
        ),
        (
            "mini",
            lambda d: items_of(d)[1].update(id="mini.listened"),
            "mini/1.yaml: item 'mini.listened': id is used twice",
        ),
        (
            "mini",
            lambda d: items_of(d)[2].update(show_if={"item": "mini.nothing", "in": ["yes"]}),
            "mini/1.yaml: item 'mini.written_clear': show_if refers to 'mini.nothing'",
        ),
        (
            "mini",
            lambda d: items_of(d)[2].update(show_if={"item": "mini.written", "in": ["maybe"]}),
            "show_if codes ['maybe'] are not answers of 'mini.written'",
        ),
        (
            "mini",
            lambda d: d["answer_sets"]["agreement"].pop(0),
            'likert5 needs scored codes "1".."5"',
        ),
        (
            "mini",
            lambda d: items_of(d)[0].update(answers="nosuchset"),
            "answer set 'nosuchset' is not defined",
        ),
        (
            "mini",
            lambda d: d.update(version=2),
            "mini/1.yaml: version: 2 differs from the file name",
        ),
        (
            "mini",
            lambda d: d.update(slug="other"),
            "mini/1.yaml: slug: 'other' differs from its folder",
        ),
        ("mini", lambda d: d["include"][0].update(version=9), "no module mini-module/9"),
        ("mini", lambda d: d.update(provider_groups=["bakery"]), "unknown value 'bakery'"),
        (
            "mini",
            lambda d: items_of(d)[0].update(colour="red"),
            "item 'mini.listened': unknown key 'colour'",
        ),
        ("mini", lambda d: items_of(d)[5].update(max_length=5000), "max_length must be 1..2000"),
        (
            "mini",
            lambda d: items_of(d)[4].pop("max"),
            "a number item needs whole numbers min <= max",
        ),
        (
            "mini-module",
            lambda d: items_of(d)[1].update(problem_codes=["never"]),
            "mini-module/1.yaml: item 'mini.gp_knew': problem code 'never'",
        ),
        (
            "mini-module",
            lambda d: items_of(d)[1].pop("problem_codes"),
            "an item with a transition needs problem_codes",
        ),
        (
            "mini-module",
            lambda d: items_of(d)[1].update(transition={"from": "moon", "to": "gp"}),
            "transition needs from and to",
        ),
        ("mini-module", lambda d: items_of(d)[2].pop("casemix"), "a casemix item needs casemix"),
    ],
)
def test_problems_name_file_item_and_fault(catalogue_dir, slug, change, expected):
    edit(catalogue_dir, slug, change)
    found = problems(catalogue_dir)
    assert any(expected in p for p in found), found


def test_invalid_yaml_names_the_line(catalogue_dir):
    (catalogue_dir / "mini" / "1.yaml").write_text("slug: mini\nversion: [1\n")
    found = problems(catalogue_dir)
    assert any(p.startswith("mini/1.yaml: not valid YAML (line") for p in found), found


def test_all_problems_of_a_file_are_reported_together(catalogue_dir):
    def two_faults(d):
        items_of(d)[0].update(type="nope")
        items_of(d)[1].update(domain="nowhere")

    edit(catalogue_dir, "mini", two_faults)
    found = problems(catalogue_dir)
    assert len([p for p in found if p.startswith("mini/1.yaml")]) >= 2


def test_content_hash_ignores_formatting_but_not_wording(catalogue_dir):
    before = load_catalogue(catalogue_dir).get("mini", 1).content_hash
    path = catalogue_dir / "mini" / "1.yaml"
    path.write_text("# a comment\n" + path.read_text())
    assert load_catalogue(catalogue_dir).get("mini", 1).content_hash == before
    edit(catalogue_dir, "mini", lambda d: items_of(d)[0]["text"].update(en="Changed."))
    assert load_catalogue(catalogue_dir).get("mini", 1).content_hash != before


def test_a_module_can_be_placed_between_sections(catalogue_dir):
    def inline(d):
        include = d.pop("include")
        d["sections"].insert(0, include[0])

    edit(catalogue_dir, "mini", inline)
    ids = [i.id for i in load_catalogue(catalogue_dir).get("mini", 1).items]
    assert ids[:3] == ["mini.hospital_contact", "mini.gp_knew", "casemix.age_band"]
    assert ids[-1] == "mini.comment"


def test_a_module_cannot_include_a_module(catalogue_dir):
    edit(
        catalogue_dir,
        "mini-module",
        lambda d: d["sections"].append({"module": "mini-module", "version": 1}),
    )
    assert any("modules cannot include modules" in p for p in problems(catalogue_dir))
