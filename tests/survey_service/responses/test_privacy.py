"""Anonymity by construction (security test plan, checks 9 and 15), on both databases."""

from __future__ import annotations

import json

import pytest
from piccolo.columns import ForeignKey, Timestamp, Timestamptz

from survey_service.invitations.tables import Invitation
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
    assert len(await Invitation.select(Invitation.token_hash)) == 5


def test_response_tables_cannot_join_to_invitations():
    for table in (Response, Answer):
        for column in table._meta.columns:
            # No time of day: dates only.
            assert not isinstance(column, Timestamp | Timestamptz), column._meta.name
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
        }
    # Random keys, not a sequence that would give away the order of submissions.
    assert Response._meta.primary_key.value_type.__name__ == "UUID"
    assert Answer._meta.primary_key.value_type.__name__ == "UUID"
