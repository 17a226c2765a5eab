"""Free text is scrubbed before it is stored, on every way of answering: the
single-use link's form, the waiting-room poster and the JSON API. The raw
comment is never written, so it is in no table and (SQLite) not in the file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from survey_service.responses.tables import Answer

pytestmark = pytest.mark.anyio

COMMENT = "Ring til Hans Jensen på 20 12 34 56, mit cpr er 010190-1234. Tak for sidst."
RAW = ("20 12 34 56", "010190-1234", "Hans Jensen")
BASE = {"mini.listened": "4", "mini.written": "no", "mini.overall": "2"}


def csrf_of(html: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


async def _stored_comments() -> list[str]:
    rows = await Answer.select(Answer.value).where(Answer.item_id == "mini.comment")
    return [r["value"] for r in rows]


async def test_comments_are_scrubbed_on_every_path(clinic, app_client, survey_token, backend, db):
    async with app_client(clinic.settings) as client:
        link = await survey_token()
        page = await client.get(f"/s/{link}")
        form = {**BASE, "mini.comment": COMMENT, "_csrf_token": csrf_of(page.text)}
        assert (await client.post(f"/s/{link}", data=form)).status_code in (200, 303)

        poster = await client.get("/p/P0001")
        form = {**BASE, "mini.comment": COMMENT, "_csrf_token": csrf_of(poster.text)}
        assert (await client.post("/p/P0001", data=form)).status_code in (200, 303)

        api = await client.post(
            "/api/v1/responses",
            json={"token": await survey_token(), "answers": {**BASE, "mini.comment": COMMENT}},
        )
        assert api.status_code == 201, api.text

    stored = await _stored_comments()
    assert len(stored) == 3
    for value in stored:
        assert "[CPR]" in value and "[PHONE]" in value and "Tak for sidst." in value
        assert not any(raw in value for raw in RAW), value
    if backend == "sqlite":
        path = Path(db.removeprefix("sqlite:///"))
        files = [path, path.with_name(path.name + "-wal")]
        data = b"".join(f.read_bytes() for f in files if f.exists())
        assert not any(raw.encode() in data for raw in RAW)


@pytest.fixture
def survey_token(clinic):
    """Single-use links for the clinic's practice (the SMS path's invitation)."""
    import datetime as dt

    from survey_service.invitations import issue_invitation
    from survey_service.practices.tables import Practice
    from survey_service.questionnaires.tables import QuestionnaireVersion

    async def make() -> str:
        practice = await Practice.objects().where(Practice.code == "P0001").first()
        version = await QuestionnaireVersion.objects().first()
        return await issue_invitation(practice, version, visit_date=dt.date(2026, 11, 20))

    return make
