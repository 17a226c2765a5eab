"""Tokens and numbers kept sealed until sent: useless without their keys, bound to
their invitation; numbers under a key ring that can be rotated."""

from __future__ import annotations

import pytest

from survey_service.distribution.keys import PhoneKeys
from survey_service.distribution.sealing import (
    SealError,
    open_phone,
    seal_phone,
    seal_token,
    unseal_token,
)
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


# --- phone numbers under PHONE_KEYS -------------------------------------------------


def _ring(*ids: str) -> PhoneKeys:
    keys = {key_id: key_id.encode().ljust(32, b"-") for key_id in ids}
    return PhoneKeys(primary=ids[0], ring=keys, hash_key=b"h" * 32)


def test_a_sealed_number_names_its_key_and_opens_only_with_it():
    sealed = seal_phone("+4520123456", 7, _ring("k1"))
    assert sealed.startswith("k1.") and "20123456" not in sealed
    assert open_phone(sealed, 7, _ring("k2", "k1")) == "+4520123456"  # k1 still in the ring
    with pytest.raises(SealError, match="k1"):
        open_phone(sealed, 7, _ring("k2"))  # dropped from the ring
    with pytest.raises(SealError):
        open_phone(sealed, 8, _ring("k1"))  # bound to its invitation
    with pytest.raises(SealError):
        open_phone(sealed.replace("k1.", "k1.A"), 7, _ring("k1"))


@pytest.mark.anyio
async def test_rotation_reseals_kept_numbers_under_the_new_key(clinic):
    import base64

    from survey_service.distribution.housekeeping import outbox_stats, sweep
    from survey_service.distribution.tables import SmsContact

    def spec(*pairs: tuple[str, int]) -> str:
        return ",".join(f"{k}:{base64.b64encode(bytes([n]) * 32).decode()}" for k, n in pairs)

    clinic.settings_with(phone_keys=spec(("k1", 1)), sms_reminder_days=3)
    await clinic.visit()
    assert (await outbox_stats()).numbers_by_key == {"k1": 1}
    clinic.settings_with(phone_keys=spec(("k2", 2), ("k1", 1)))
    assert (await sweep(clinic.clock(), clinic.settings)).resealed == 1
    assert (await outbox_stats()).numbers_by_key == {"k2": 1}
    # k1 can go now; the worker still sends with k2 alone.
    clinic.settings_with(phone_keys=spec(("k2", 2)))
    assert (await clinic.worker().run_once()).sent == 1
    assert clinic.sent()[0]["to"] == "+4520123456"
    assert (await SmsContact.objects().first()).phone_sealed.startswith("k2.")


def test_a_token_opens_with_any_key_of_a_rotation_in_order():
    token = new_token()
    sealed = seal_token(token, 7, "old key")
    assert unseal_token(sealed, 7, ("new key", "old key")) == token
    with pytest.raises(SealError, match="SECRET_KEY_PREVIOUS"):
        unseal_token(sealed, 7, ("new key",))


@pytest.mark.anyio
async def test_links_sealed_before_a_secret_key_rotation_are_still_sent(clinic):
    clinic.settings_with(secret_key="k" * 64, secret_key_previous="")
    await clinic.visit()
    # SECRET_KEY rotated before the worker ran: without the old key the link
    # could not be opened and the patient would never get it.
    clinic.settings_with(secret_key="n" * 64, secret_key_previous="k" * 64)
    assert clinic.settings.secret_keys == ("n" * 64, "k" * 64)
    assert (await clinic.worker().run_once()).sent == 1
    from survey_service.responses.service import record_response

    token = clinic.sent()[0]["body"].split("/s/")[1].split()[0]
    # The link the patient got is the real one: it can be answered (an
    # unknown token would raise UnknownLink).
    await record_response(token, {"mini.listened": "5"}, "da")
