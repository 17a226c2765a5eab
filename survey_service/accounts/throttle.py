"""Slowing down password guessing without locking anyone out.

Failed logins are counted per account and per client address (a keyed hash of
it). The first few failures cost nothing; after that each further attempt
must wait twice as long as the one before, up to :data:`MAX_DELAY_SECONDS`,
and is answered 429 with ``Retry-After`` until then. A throttled attempt is
not checked and not counted, so the real user who waits can always log in;
a success clears the account's counter, and counters are forgotten after
:data:`FORGET_SECONDS` without failures. Nothing is ever locked for good.

Addresses get a higher allowance than accounts because a clinic's staff may
share one address.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math

from survey_service.accounts.tables import LoginThrottle
from survey_service.errors import TooManyRequests

__all__ = ["ACCOUNT_FREE", "ADDRESS_FREE", "Throttle", "delay_after"]

ACCOUNT_FREE = 5
ADDRESS_FREE = 20
MAX_DELAY_SECONDS = 300
FORGET_SECONDS = 3600


def delay_after(failures: int, free: int) -> int:
    """Seconds the next attempt must wait after ``failures`` recent failures."""
    if failures < free:
        return 0
    return min(2 ** (failures - free + 1), MAX_DELAY_SECONDS)


def _ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


class LoginThrottled(TooManyRequests):
    code = "login_throttled"
    default_detail = "too many failed logins; wait before trying again"


class Throttle:
    """The two counters one login attempt is judged by."""

    def __init__(self, secret: str) -> None:
        self._secret = secret.encode()

    def keys(self, email: str, address: str) -> list[tuple[str, int]]:
        hashed = hmac.new(self._secret, address.encode(), hashlib.sha256).hexdigest()[:32]
        return [(f"account:{email.lower()}", ACCOUNT_FREE), (f"address:{hashed}", ADDRESS_FREE)]

    async def check(self, email: str, address: str, now: dt.datetime) -> None:
        """Raise :class:`LoginThrottled` when this attempt comes too early."""
        wait = 0.0
        for key, free in self.keys(email, address):
            row = await LoginThrottle.objects().where(LoginThrottle.key == key).first()
            if row is None:
                continue
            since = (_ms(now) - row.last_failure_ms) / 1000
            if since >= FORGET_SECONDS:
                continue
            wait = max(wait, delay_after(row.failures, free) - since)
        if wait > 0:
            raise LoginThrottled(retry_after=math.ceil(wait))

    async def failed(self, email: str, address: str, now: dt.datetime) -> None:
        stale = _ms(now) - FORGET_SECONDS * 1000
        for key, _free in self.keys(email, address):
            # One statement, so concurrent failures are all counted.
            await LoginThrottle.raw(
                "INSERT INTO account_login_throttle (key, failures, last_failure_ms) "
                "VALUES ({}, 1, {}) ON CONFLICT (key) DO UPDATE SET "
                "failures = CASE WHEN account_login_throttle.last_failure_ms < {} THEN 1 "
                "ELSE account_login_throttle.failures + 1 END, "
                "last_failure_ms = excluded.last_failure_ms",
                key,
                _ms(now),
                stale,
            )

    async def succeeded(self, email: str) -> None:
        # Only the account: an address shared with a guesser keeps its count.
        await LoginThrottle.delete().where(LoginThrottle.key == f"account:{email.lower()}")
