"""`survey-service i18n check` compares messages, not the bytes of the .mo files.

The .mo bytes embed the compiling Babel's version, so the check must pass on a
machine with another Babel and still fail when a translation is missing or a
.mo says something other than its .po.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from click.testing import CliRunner

from survey_service import catalogues
from survey_service.cli import main
from survey_service.i18n import locales_directory

DA = Path("da") / "LC_MESSAGES"


@pytest.fixture
def locales(tmp_path: Path) -> Path:
    """A copy of the shipped catalogues, compiled by the installed Babel."""
    root = tmp_path / "locales"
    shutil.copytree(locales_directory(), root)
    catalogues.compile_all(directory=root)
    return root


def _read(path: Path):
    with open(path, "rb") as fh:
        return read_po(fh, locale="da")


def _write_mo(catalog, path: Path) -> None:
    with open(path, "wb") as fh:
        write_mo(fh, catalog)


def test_a_mo_from_another_babel_version_is_current(locales: Path) -> None:
    mo = locales / DA / "messages.mo"
    data = mo.read_bytes()
    assert re.search(rb"Generated-By: Babel \d+\.\d+\.\d+", data)
    # Same messages, another compiler version: the byte comparison used to call it stale.
    mo.write_bytes(re.sub(rb"Babel \d+\.\d+\.\d+", b"Babel 9.99.9", data))
    problems = catalogues.check(directory=locales)
    assert problems.stale_mo == [] and problems.differences == {}


def test_a_missing_translation_fails(locales: Path) -> None:
    po = locales / DA / "messages.po"
    catalog = _read(po)
    catalog["Send my answers"].string = ""
    with open(po, "wb") as fh:
        write_po(fh, catalog)
    problems = catalogues.check(directory=locales)
    assert "Send my answers" in problems.missing["da"]
    assert not problems.ok


def test_a_mo_with_other_messages_fails(locales: Path) -> None:
    po = locales / DA / "messages.po"
    mo = po.with_suffix(".mo")
    catalog = _read(po)
    catalog["Send my answers"].string = "Send svarene"
    _write_mo(catalog, mo)
    problems = catalogues.check(directory=locales)
    assert problems.stale_mo == [str(mo)]
    assert problems.differences[str(mo)] == ["translates 'Send my answers' differently"]

    catalog = _read(po)
    del catalog["Send my answers"]
    _write_mo(catalog, mo)
    problems = catalogues.check(directory=locales)
    assert problems.differences[str(mo)] == ["lacks 'Send my answers'"]

    mo.unlink()
    assert catalogues.check(directory=locales).differences[str(mo)] == ["not compiled"]


def test_a_mo_with_a_message_the_po_lacks_fails(locales: Path) -> None:
    po = locales / DA / "messages.po"
    catalog = _read(po)
    catalog.add("An old message", "En gammel besked")
    _write_mo(catalog, po.with_suffix(".mo"))
    (found,) = catalogues.check(directory=locales).differences.values()
    assert found == ["has 'An old message', which the .po does not"]


def test_a_changed_plural_form_fails(locales: Path) -> None:
    po = locales / DA / "messages.po"
    catalog = _read(po)
    plural = next(m for m in catalog if m.pluralizable)
    plural.string = (plural.string[0], "andet flertal")  # the plural form now differs
    _write_mo(catalog, po.with_suffix(".mo"))
    (found,) = catalogues.check(directory=locales).differences.values()
    assert found == [f"translates {plural.id[0]!r} differently"]


def test_cli_names_the_difference(locales: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    po = locales / DA / "messages.po"
    catalog = _read(po)
    catalog["Send my answers"].string = "Send svarene"
    _write_mo(catalog, po.with_suffix(".mo"))
    monkeypatch.setattr(catalogues, "locales_directory", lambda: locales)
    result = CliRunner().invoke(main, ["i18n", "check"])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert (
        f"{po.with_suffix('.mo')}: out of date (translates 'Send my answers' differently), "
        "run `survey-service i18n compile`"
    ) in lines
    assert lines[-1] == "Error: catalogues are incomplete"


def test_the_shipped_mo_files_are_current() -> None:
    # The committed .mo files must match their .po files message for message.
    problems = catalogues.check()
    assert problems.differences == {}
