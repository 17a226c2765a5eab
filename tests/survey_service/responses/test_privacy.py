"""Anonymity by construction (security test plan, checks 9 and 15), on both databases."""

from __future__ import annotations

import json

import pytest
from piccolo.columns import Date, ForeignKey, Timestamp, Timestamptz

from survey_service.invitations.tables import Invitation
from survey_service.invitations.tokens import hash_token
from survey_service.piccolo_app import APP_CONFIG
from survey_service.responses.service import record_response
from survey_service.responses.tables import Answer, Response

pytestmark = pytest.mark.anyio


async def dump_everything() -> str:
    """Every row of every table, as a database dump would hold them."""
    rows = {}
    for table in APP_CONFIG.table_classes:
        rows[table._meta.tablename] = await table.select()
    return json.dumps(rows, default=str)


async def test_no_raw_token_anywhere_in_the_database(survey):
    tokens = [await survey.token() for _ in range(5)]
    await record_response(tokens[0], {"mini.listened": "4"}, "da")
    dump = await dump_everything()
    for token in tokens:
        assert token not in dump
    # The answered link is gone entirely, hash included; the others keep theirs.
    assert hash_token(tokens[0]) not in dump
    assert all(hash_token(t) in dump for t in tokens[1:])
    assert len(await Invitation.select(Invitation.token_hash)) == 4


def test_response_tables_cannot_join_to_invitations():
    for table in (Response, Answer):
        for column in table._meta.columns:
            # No time of day, and no day either: the visit month only.
            assert not isinstance(column, Timestamp | Timestamptz | Date), column._meta.name
            if isinstance(column, ForeignKey):
                assert column._foreign_key_meta.resolved_references is not Invitation
        names = {c._meta.name for c in table._meta.columns}
        assert not names & {
            "invitation",
            "token",
            "token_hash",
            "ip",
            "user_agent",
            "phone",
            "created_at",
            "submitted_at",
            "visit_date",
        }
    # Random keys, not a sequence that would give away the order of submissions.
    assert Response._meta.primary_key.value_type.__name__ == "UUID"
    assert Answer._meta.primary_key.value_type.__name__ == "UUID"


async def test_an_expired_link_is_refused_and_keeps_its_rows_for_the_sweep(survey):
    import datetime as dt

    from survey_service.responses.service import ExpiredLink, UnknownLink

    token = await survey.token()
    await Invitation.update(
        {Invitation.expires_at: dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)}, force=True
    )
    with pytest.raises(ExpiredLink):
        await record_response(token, {"mini.listened": "4"}, "da")
    # Refused, so nothing was deleted: the sweep deletes and counts it as expired.
    assert await Invitation.count() == 1 and await Response.count() == 0
    await Invitation.delete(force=True)  # what the sweep does
    with pytest.raises(UnknownLink):
        await record_response(token, {"mini.listened": "4"}, "da")
