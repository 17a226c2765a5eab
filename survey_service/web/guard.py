"""Slowing down guessing of survey links (security test plan, check 9).

A survey token has 120 random bits, so guessing cannot succeed; the guard keeps
a guesser from costing database work and from filling the logs. Only lookups
of *unknown* links count: a patient reopening a used or expired link, or five
browser tabs racing on one link, are never blocked. After ``limit`` misses in
``window`` seconds a client gets 429 on every unknown link (and unknown poster
code) until the window ends; a real link is looked up first and always opens.
Clients are keyed by a keyed hash of :func:`client_address` (``X-Forwarded-For``
only from ``TRUSTED_PROXIES``), held only in memory or Redis with the window's
expiry — never in the database.

The counter store is memory (one process) or Redis (``REDIS_URL``, when
several app processes share the load).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from litestar import Request

from survey_service.settings import IPNetwork

DEFAULT_LIMIT = 20
DEFAULT_WINDOW_SECONDS = 600


class CounterStore(Protocol):
    async def count(self, key: str) -> int: ...

    async def add(self, key: str, window_seconds: int) -> int: ...


class MemoryCounterStore:
    """Fixed-window counters in this process (enough for one app process)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000):
        self._clock = clock
        self._max_keys = max_keys
        self._windows: dict[str, tuple[float, int]] = {}

    async def count(self, key: str) -> int:
        entry = self._windows.get(key)
        if entry is None or entry[0] <= self._clock():
            return 0
        return entry[1]

    async def add(self, key: str, window_seconds: int) -> int:
        now = self._clock()
        ends, hits = self._windows.get(key, (0.0, 0))
        if ends <= now:
            ends, hits = now + window_seconds, 0
            if len(self._windows) >= self._max_keys:
                self._forget_expired(now)
        self._windows[key] = (ends, hits + 1)
        return hits + 1

    def _forget_expired(self, now: float) -> None:
        for stale in [k for k, (ends, _) in self._windows.items() if ends <= now]:
            del self._windows[stale]


class RedisCounterStore:
    """Fixed-window counters shared by every app process through Redis."""

    def __init__(self, url: str, prefix: str = "survey:guess:") -> None:
        import redis.asyncio as redis

        self._redis = redis.from_url(url)
        self._prefix = prefix

    async def count(self, key: str) -> int:
        value = await self._redis.get(self._prefix + key)
        return int(value or 0)

    async def add(self, key: str, window_seconds: int) -> int:
        pipe = self._redis.pipeline()
        pipe.incr(self._prefix + key)
        pipe.expire(self._prefix + key, window_seconds, nx=True)
        hits, _ = await pipe.execute()
        return int(hits)

    async def close(self) -> None:
        await self._redis.aclose()


def _trusted(address: str, trusted: Sequence[IPNetwork]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False  # not an address (a test client's name, garbage): never a proxy
    return any(ip in network for network in trusted)


def client_address(request: Request, trusted: Sequence[IPNetwork] = ()) -> str:
    """The one address this request is counted under.

    The connecting address, unless it is a trusted proxy (``TRUSTED_PROXIES``):
    then the right-most address in ``X-Forwarded-For`` that is not a trusted
    proxy. Everything left of it was written by the client itself and can be
    rotated at will, so it is never believed.
    """
    peer = request.client.host if request.client else "unknown"
    if not trusted or not _trusted(peer, trusted):
        return peer
    hops = [
        hop.strip()
        for header in request.headers.getall("x-forwarded-for", [])
        for hop in header.split(",")
        if hop.strip()
    ]
    for hop in reversed(hops):
        if not _trusted(hop, trusted):
            return hop
    # Only proxies in the chain: the left-most is as close to the client as we know.
    return hops[0] if hops else peer


class LinkGuard:
    """Counts unknown-link lookups per client and says when to refuse."""

    def __init__(
        self,
        store: CounterStore,
        secret: str,
        limit: int = DEFAULT_LIMIT,
        window_seconds: int = DEFAULT_WINDOW_SECONDS,
        trusted_proxies: Sequence[IPNetwork] = (),
    ) -> None:
        self.store = store
        self.limit = limit
        self.window_seconds = window_seconds
        self.trusted_proxies = tuple(trusted_proxies)
        self._secret = secret.encode()

    def client_key(self, request: Request) -> str:
        """A keyed hash of the client's address (the address itself is never kept)."""
        address = client_address(request, self.trusted_proxies)
        return hmac.new(self._secret, address.encode(), hashlib.sha256).hexdigest()[:32]

    async def blocked(self, request: Request) -> bool:
        return await self.store.count(self.client_key(request)) >= self.limit

    async def record_miss(self, request: Request) -> None:
        await self.store.add(self.client_key(request), self.window_seconds)


def make_store(redis_url: str) -> CounterStore:
    return RedisCounterStore(redis_url) if redis_url else MemoryCounterStore()


@dataclass(frozen=True)
class BoundGuard:
    """The guard as one request's client sees it (the answer use case's ``ClientGuard``)."""

    guard: LinkGuard
    request: Request

    async def blocked(self) -> bool:
        return await self.guard.blocked(self.request)

    async def record_miss(self) -> None:
        await self.guard.record_miss(self.request)
