"""Tokens kept sealed until sent: useless without SECRET_KEY, bound to their invitation."""

from __future__ import annotations

import pytest

from survey_service.distribution.sealing import SealError, seal_token, unseal_token
from survey_service.invitations.tokens import new_token


def test_round_trip_and_no_plain_token_in_the_sealed_form():
    token = new_token()
    sealed = seal_token(token, 7, "key")
    assert token not in sealed
    assert unseal_token(sealed, 7, "key") == token
    assert seal_token(token, 7, "key") != sealed  # random nonce per seal


def test_wrong_key_or_another_invitation_does_not_open():
    sealed = seal_token(new_token(), 7, "key")
    with pytest.raises(SealError):
        unseal_token(sealed, 7, "other key")
    with pytest.raises(SealError):
        unseal_token(sealed, 8, "key")
    with pytest.raises(SealError):
        unseal_token("garbage!", 7, "key")
