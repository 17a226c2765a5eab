"""`survey-service qr poster/slip`: no code that leads to a 404, and the file format asked for."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from survey_service.invitations.tables import Invitation
from survey_service.practices import add_practice
from survey_service.practices.tables import Practice

from .clitools import survey_service

pytestmark = pytest.mark.anyio

PNG = b"\x89PNG\r\n\x1a\n"
BASE = "https://survey.rm.dk"


def _env(database_url: str) -> dict[str, str]:
    return {"DATABASE_URL": database_url, "PUBLIC_BASE_URL": BASE}


def _one_error_line(result) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Error: ")
    return line


def test_the_cli_offers_the_formats_the_renderers_draw():
    from survey_service.cli.qr import FORMATS as CLI_FORMATS
    from survey_service.distribution.qr import FORMATS

    assert CLI_FORMATS == FORMATS


async def test_no_poster_for_a_unit_without_a_poster_questionnaire(clinic, database_url, tmp_path):
    # The demo's hospital: no questionnaire is meant for its sector, so /p/H8001 is a 404.
    await add_practice("H8001", "Regionshospitalet Midt (demo)", "hospital", "Viborg")
    out = tmp_path / "poster.svg"
    result = await survey_service(
        "qr", "poster", "H8001", "--out", str(out), env=_env(database_url)
    )
    line = _one_error_line(result)
    assert "no published questionnaire for sector 'hospital'" in line
    assert "/p/H8001 would answer 404" in line
    assert not out.exists()


async def test_no_slip_for_a_unit_without_a_questionnaire(clinic, database_url, tmp_path):
    await add_practice("H8001", "Regionshospitalet Midt (demo)", "hospital", "Viborg")
    out = tmp_path / "slip.svg"
    result = await survey_service("qr", "slip", "H8001", "--out", str(out), env=_env(database_url))
    line = _one_error_line(result)
    assert "sector 'hospital'" in line and "--questionnaire" in line
    assert not out.exists()
    assert await Invitation.count() == 0
    # Naming a questionnaire is the way out: a slip link works for any questionnaire.
    named = await survey_service(
        "qr",
        "slip",
        "H8001",
        "--questionnaire",
        "gp-experience",
        "--out",
        str(out),
        env=_env(database_url),
    )
    assert named.returncode == 0, named.stderr
    assert await Invitation.count() == 1


async def test_no_poster_for_an_inactive_practice(clinic, database_url, tmp_path):
    await Practice.update({Practice.active: False}).where(Practice.code == "P0001")
    out = tmp_path / "poster.svg"
    result = await survey_service(
        "qr", "poster", "P0001", "--out", str(out), env=_env(database_url)
    )
    assert "inactive" in _one_error_line(result)
    assert not out.exists()


@pytest.mark.parametrize("command", ["slip", "poster"])
async def test_the_out_extension_chooses_the_format(
    clinic, database_url, tmp_path: Path, command: str
):
    png = tmp_path / f"{command}.png"
    result = await survey_service("qr", command, "P0001", "--out", str(png), env=_env(database_url))
    assert result.returncode == 0, result.stderr
    data = png.read_bytes()
    assert data.startswith(PNG)
    (code,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(data)))
    assert code.text.startswith(f"{BASE}/s/" if command == "slip" else f"{BASE}/p/P0001")

    svg = tmp_path / f"{command}.SVG"
    result = await survey_service("qr", command, "P0001", "--out", str(svg), env=_env(database_url))
    assert result.returncode == 0, result.stderr
    assert svg.read_bytes().startswith(b"<?xml") and b"<svg" in svg.read_bytes()

    # An explicit --format wins over a name without a known extension.
    bare = tmp_path / command
    result = await survey_service(
        "qr", command, "P0001", "--format", "png", "--out", str(bare), env=_env(database_url)
    )
    assert result.returncode == 0, result.stderr
    assert bare.read_bytes().startswith(PNG)
    # Neither: SVG, as before.
    other = tmp_path / f"{command}-plain"
    result = await survey_service(
        "qr", command, "P0001", "--out", str(other), env=_env(database_url)
    )
    assert result.returncode == 0 and other.read_bytes().startswith(b"<?xml")


@pytest.mark.parametrize("command", ["slip", "poster"])
async def test_a_format_contradicting_the_extension_is_refused(
    clinic, database_url, tmp_path: Path, command: str
):
    out = tmp_path / f"{command}.svg"
    result = await survey_service(
        "qr", command, "P0001", "--format", "png", "--out", str(out), env=_env(database_url)
    )
    assert "--format png contradicts --out" in _one_error_line(result)
    assert not out.exists()
    odd = tmp_path / f"{command}.jpg"
    result = await survey_service("qr", command, "P0001", "--out", str(odd), env=_env(database_url))
    assert "give a .svg or .png file" in _one_error_line(result)
    assert await Invitation.count() == 0  # refused before any link was issued
