"""`survey-service visits / worker / qr`: real processes, one-line errors, exit status."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image

from survey_service.distribution.tables import OptOut, OutboxMessage
from survey_service.invitations.tables import Invitation

from .clitools import survey_service, worker_env

pytestmark = pytest.mark.anyio


async def test_import_keeps_good_rows_and_lists_bad_ones(clinic, database_url, tmp_path):
    today = clinic.today()
    csv = tmp_path / "visits.csv"
    csv.write_text(
        "Dato;Telefon;Sprog\n"
        f"{today:%d-%m-%Y};20 12 34 56;\n"
        f"{today.isoformat()};123;da\n"
        "\n"
        f"{today:%d.%m.%Y};+46 70 123 45 67;en\n",
        encoding="cp1252",
    )
    result = await survey_service(
        "visits", "import", str(csv), "--practice", "P0001", env={"DATABASE_URL": database_url}
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip() == f"{csv}: line 3: phone: not a valid phone number"
    assert result.stdout.strip() == (
        "2 invited, 0 already invited, 0 opted out, 1 rejected (of 3 rows)"
    )
    assert await Invitation.count() == 2 and await OutboxMessage.count() == 2


@pytest.mark.parametrize(
    ("content", "args", "fragment"),
    [
        (None, ("--practice", "P0001"), "cannot read"),
        ("visit_date,phone\n", ("--practice", "P0001"), "no visits in the file"),
        ("when,phone\n2026-01-01,20123456\n", ("--practice", "P0001"), "unknown column(s) when"),
        ("phone\n20123456\n", ("--practice", "P0001"), "missing column(s) visit_date"),
        ("visit_date,phone\nTODAY,20123456\n", ("--practice", "NOPE"), "--practice NOPE"),
        (
            "visit_date,phone\n2001-01-01,20123456\n",
            ("--practice", "P0001"),
            "no row could be used",
        ),
    ],
)
async def test_import_errors_are_one_line_exit_2(
    clinic, database_url, tmp_path, content, args, fragment
):
    path = tmp_path / "visits.csv"
    if content is not None:
        path.write_text(content.replace("TODAY", clinic.today().isoformat()))
    result = await survey_service(
        "visits", "import", str(path), *args, env={"DATABASE_URL": database_url}
    )
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: ") and fragment in last, result.stderr
    assert "Traceback" not in result.stderr
    assert await Invitation.count() == 0


async def test_worker_with_an_unusable_backend_is_one_line_exit_2(clinic, database_url):
    result = await survey_service(
        "worker",
        "--once",
        env=worker_env(clinic, database_url, SMS_BACKEND="gatewayapi", GATEWAYAPI_TOKEN=""),
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "Error: SMS_BACKEND=gatewayapi needs GATEWAYAPI_TOKEN"
    result = await survey_service(
        "worker", "--once", env=worker_env(clinic, database_url, SMS_QUIET_HOURS="late")
    )
    assert result.returncode == 2 and "SMS_QUIET_HOURS" in result.stderr


async def test_worker_status_and_operator_opt_out(clinic, database_url):
    await clinic.visit()
    result = await survey_service(
        "worker", "opt-out", "20 12 34 56", env={"DATABASE_URL": database_url}
    )
    assert result.returncode == 0 and result.stdout.strip().endswith("will get no more messages.")
    assert "3456" not in result.stdout
    assert await OptOut.count() == 1
    result = await survey_service("worker", "status", env={"DATABASE_URL": database_url})
    assert result.returncode == 0
    assert result.stdout.splitlines()[0].split() == ["invitation", "cancelled", "1"]
    assert "phone numbers still stored: 0" in result.stdout


async def test_qr_poster_file_decodes(clinic, database_url, tmp_path):
    out = tmp_path / "poster.png"
    result = await survey_service(
        "qr",
        "poster",
        "P0001",
        "--size",
        "A5",
        "--format",
        "png",
        "--out",
        str(out),
        env={"DATABASE_URL": database_url, "PUBLIC_BASE_URL": "https://survey.rm.dk"},
    )
    assert result.returncode == 0, result.stderr
    codes = zxingcpp.read_barcodes(Image.open(io.BytesIO(out.read_bytes())))
    assert [c.text for c in codes] == ["https://survey.rm.dk/p/P0001"]


async def test_a_file_larger_than_one_chunk_is_imported_whole(clinic, database_url, tmp_path):
    from survey_service.cli.visits import IMPORT_CHUNK

    today = clinic.today()
    rows = IMPORT_CHUNK + 7  # two chunks, the second partly filled
    csv = tmp_path / "visits.csv"
    lines = ["visit_date,phone"]
    lines += [f"{today.isoformat()},+45 20 12 {n // 100:02d} {n % 100:02d}" for n in range(rows)]
    lines.append(f"{today.isoformat()},+45 20 12 00 00")  # the first number again
    csv.write_text("\n".join(lines) + "\n")
    result = await survey_service(
        "visits", "import", str(csv), "--practice", "P0001", env={"DATABASE_URL": database_url}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"{rows} invited, 1 already invited, 0 opted out, 0 rejected (of {rows + 1} rows)"
    )
    assert await Invitation.count() == rows
