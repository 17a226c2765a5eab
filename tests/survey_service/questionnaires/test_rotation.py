"""Split questionnaires: the rotation in the file, each patient's form, the time claim."""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from survey_service.questionnaires import QuestionnaireError, load_catalogue
from survey_service.questionnaires.answers import check_answers
from survey_service.questionnaires.length import (
    Length,
    answers_needed,
    claimed_minutes,
    form_length,
    over_patients,
    text_in_file,
)

ROOT = Path(__file__).parents[3]
ROTATION = ROOT / "tests" / "survey_service" / "fixtures" / "rotation"


@pytest.fixture(scope="module")
def split():
    q = load_catalogue(ROTATION).get("split", 1)
    assert q is not None
    return q


@pytest.fixture(scope="module")
def shipped():
    return load_catalogue(ROOT / "questionnaires")


def ids(q) -> list[str]:
    return [i.id for i in q.items]


def test_the_rotation_is_read_with_normalised_weights(split):
    assert [(m.key, m.weight) for m in split.rotation] == [("mod-a/1", 0.75), ("mod-b/1", 0.25)]
    # Every item of the version, for analysis and export columns; modules in place.
    assert ids(split) == [
        "split.listened",
        "split.other",
        "split.hospital",
        "split.hospital_knew",
        "split.a.friendly",
        "split.b.written",
        "split.b.read",
        "split.overall",
    ]
    assert split.module_of("split.b.read") == "mod-b/1" and split.module_of("split.overall") == ""


def test_a_form_is_the_core_plus_one_module(split):
    a = split.form("mod-a/1")
    assert "split.a.friendly" in ids(a) and "split.b.written" not in ids(a)
    assert ids(a)[-1] == "split.overall"  # the module sits where the file put it
    assert a.module == "mod-a/1" and a.rotation == () and a.key == "split/1"
    with pytest.raises(KeyError):
        split.form("mod-c/1")
    with pytest.raises(KeyError):
        split.form("")


def test_modules_are_drawn_with_the_fixed_weights(split):
    rng = random.Random(7)
    counts = Counter(split.draw_module(rng) for _ in range(4000))
    assert set(counts) == {"mod-a/1", "mod-b/1"}
    assert 0.72 < counts["mod-a/1"] / 4000 < 0.78
    # Without a rotation there is nothing to draw, and the version is its own form.
    mini = load_catalogue(ROOT / "tests/survey_service/fixtures/catalogue").get("mini", 1)
    assert mini.draw_module() == "" and mini.form("") is mini


def _write(root: Path, slug: str, data: dict) -> None:
    (root / slug).mkdir(parents=True, exist_ok=True)
    (root / slug / "1.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d["rotation"][0].update(module="nope"), "no module nope/1"),
        (lambda d: d["rotation"][0].update(weight=0), "weight must be a positive number"),
        (lambda d: d["rotation"][1].update(module="mod-a"), "listed twice"),
        (lambda d: d["rotation"].pop(), "at least two"),
        (lambda d: d["rotation"][0].pop("weight"), "weight must be a positive number"),
    ],
)
def test_a_bad_rotation_names_the_entry(tmp_path: Path, change, problem):
    shutil.copytree(ROTATION, tmp_path / "c")
    data = yaml.safe_load((ROTATION / "split" / "1.yaml").read_text())
    change(data)
    _write(tmp_path / "c", "split", data)
    with pytest.raises(QuestionnaireError) as caught:
        load_catalogue(tmp_path / "c")
    assert any(
        problem in p and p.startswith("split/1.yaml: rotation") for p in caught.value.problems
    )


def test_a_module_item_clashing_with_the_core_is_refused(tmp_path: Path):
    shutil.copytree(ROTATION, tmp_path / "c")
    module = yaml.safe_load((ROTATION / "mod-a" / "1.yaml").read_text())
    module["sections"][0]["items"][0]["id"] = "split.listened"
    _write(tmp_path / "c", "mod-a", module)
    with pytest.raises(QuestionnaireError, match=r"'split\.listened': id is used twice"):
        load_catalogue(tmp_path / "c")


def test_a_condition_on_another_module_is_refused(tmp_path: Path):
    shutil.copytree(ROTATION, tmp_path / "c")
    module = yaml.safe_load((ROTATION / "mod-b" / "1.yaml").read_text())
    # mod-b's item now depends on mod-a's, which a mod-b patient never sees.
    module["sections"][0]["items"][0]["show_if"] = {"item": "split.a.friendly", "in": ["5"]}
    module["answer_sets"] = {}
    _write(tmp_path / "c", "mod-b", module)
    with pytest.raises(QuestionnaireError) as caught:
        load_catalogue(tmp_path / "c")
    assert any("of module mod-a/1" in p for p in caught.value.problems)


def test_answers_behind_an_unmet_chain_are_discarded(split):
    form = split.form("mod-a/1")
    # The hospital follow-up's condition is itself conditional: with "no" to
    # the first screen, both answers below it are dropped.
    checked = check_answers(
        form,
        {
            "split.other": "no",
            "split.hospital": "yes",
            "split.hospital_knew": "no",
            "split.overall": "1",
        },
    )
    assert checked.ok and checked.values == {"split.other": "no", "split.overall": "1"}
    checked = check_answers(
        form,
        {
            "split.other": "yes",
            "split.hospital": "yes",
            "split.hospital_knew": "no",
            "split.overall": "1",
        },
    )
    assert checked.values["split.hospital_knew"] == "no"
    checked = check_answers(
        form,
        {
            "split.other": "yes",
            "split.hospital": "no",
            "split.hospital_knew": "no",
            "split.overall": "1",
        },
    )
    assert "split.hospital_knew" not in checked.values


def test_the_shipped_gp_core_is_short_and_cross_sector_waits_for_the_screen(shipped):
    gp = shipped.latest("gp-experience")
    assert gp.key == "gp-experience/4" and len(gp.rotation) >= 2
    for module in gp.rotation:
        form = gp.form(module.key)
        core = [i for i in form.items if gp.module_of(i.id) == "" and i.show_if is None]
        assert len(core) <= 15, module.key
        assert sum(i.role == "casemix" for i in core) == 6
        assert gp.item("gp.overall.fft").required
        for item in form.items:
            if item.id.startswith("xs.") and item.id != "xs.other_sector.contact":
                assert item.show_if is not None, item.id
    # Every gp-experience/3 item but one comment box is still asked of someone.
    old = {i.id for i in shipped.get("gp-experience", 3).items if i.id.startswith("gp.")}
    assert old - set(ids(gp)) == {"gp.comments.good"}
    # A new version states no time: the page computes it.
    assert "minut" not in gp.intro["da"] and "minute" not in gp.intro["en"]


def test_words_count_a_repeated_scale_once(split):
    form = split.form("mod-b/1")
    text = text_in_file("en")
    # Items shown without follow-ups: listened, other, written, overall.
    without = form_length(form, text, conditional=False)
    with_all = form_length(form, text, conditional=True)
    assert (without.items, with_all.items) == (4, 7)
    # Three more yes/no items, same answer scale as the screen: their question words only.
    extra = sum(
        len(form.item(i).text["en"].split())
        for i in ("split.hospital", "split.hospital_knew", "split.b.read")
    )
    assert with_all.words - without.words == extra
    assert Length(items=6, words=200).minutes == pytest.approx(1.2)
    assert claimed_minutes(form, text) == 1
    with pytest.raises(ValueError):
        form_length(split, text, conditional=False)


def test_median_and_max_over_the_rotation(split):
    text = text_in_file("en")
    everyone = over_patients(split, text, contact_share=0.0)
    # Both forms show 4 items without follow-ups; mod-b's has more words.
    assert (everyone.median_items, everyone.max_items) == (4, 4)
    assert everyone.median_words < everyone.max_words
    # All screening yes: mod-a shows 2 follow-ups (6), mod-b 3 (7).
    all_yes = over_patients(split, text, contact_share=1.0)
    assert (all_yes.median_items, all_yes.max_items) == (6, 7)
    # A module drawn for a quarter of patients needs about four times the volume.
    assert answers_needed(1.0) == 10
    assert 50 <= answers_needed(0.25) <= 60


def test_the_length_script_passes_for_the_shipped_files_and_fails_an_old_catalogue(
    tmp_path: Path,
):
    script = ROOT / "scripts" / "questionnaire_length.py"
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "gp-experience/4 (current)" in run.stdout and "module gp-access/1" in run.stdout
    assert "responses per period" in run.stdout
    # Without version 4, gp-experience/3 is current, and it takes over 3 minutes.
    catalogue = tmp_path / "c"
    shutil.copytree(ROOT / "questionnaires", catalogue)
    (catalogue / "gp-experience" / "4.yaml").unlink()
    run = subprocess.run(
        [sys.executable, str(script), "--directory", str(catalogue)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 1 and "gp-experience/3" in run.stderr
    bad = subprocess.run(
        [sys.executable, str(script), "--contact-share", "2"], capture_output=True, text=True
    )
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1


def test_the_page_claims_the_computed_time_only_where_the_intro_states_none(shipped):
    from survey_service.web.survey_page import time_claim

    gp = shipped.latest("gp-experience")
    for module in gp.module_keys:
        form = gp.form(module)
        minutes = form_length(form, text_in_file("da"), conditional=False).minutes
        assert time_claim(form, "da") == claimed_minutes(form, text_in_file("da"))
        assert time_claim(form, "da") - 1 < minutes <= time_claim(form, "da")
    # gp-experience/3's intro says "about 3 minutes" itself: no second figure.
    assert time_claim(shipped.get("gp-experience", 3), "en") is None
