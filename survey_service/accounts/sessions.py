"""Server-side login sessions.

The cookie holds 256 random bits; the store keeps only their sha256, so a
copy of the store cannot be replayed as cookies. A session ends after
``idle`` without use, ``absolute`` after the login however busy, or at
logout. Every login makes a new id (a session id planted before the login is
never promoted). Sessions live in the database, or in Redis when
``REDIS_URL`` is set (several app processes, no database writes per request).

Every function takes ``now``, so timeouts are tested with a clock rather
than by waiting.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any, Protocol

from survey_service.accounts.tables import UserSession

__all__ = [
    "DatabaseSessionStore",
    "RedisSessionStore",
    "SessionPolicy",
    "SessionStore",
    "Sessions",
    "StoredSession",
    "make_session_store",
]


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


@dataclass(frozen=True)
class StoredSession:
    user_id: int
    created_at: dt.datetime
    last_seen: dt.datetime


class SessionStore(Protocol):
    async def put(self, id_hash: str, session: StoredSession, ttl_seconds: int) -> None: ...

    async def get(self, id_hash: str) -> StoredSession | None: ...

    async def touch(self, id_hash: str, session: StoredSession, ttl_seconds: int) -> None: ...

    async def delete(self, id_hash: str) -> None: ...

    async def delete_user(self, user_id: int) -> None: ...

    async def close(self) -> None: ...


class DatabaseSessionStore:
    """Sessions as rows of ``account_session``."""

    async def put(self, id_hash: str, session: StoredSession, ttl_seconds: int) -> None:
        await UserSession.insert(
            UserSession(
                id_hash=id_hash,
                user=session.user_id,
                created_at=session.created_at,
                last_seen=session.last_seen,
            )
        )

    async def get(self, id_hash: str) -> StoredSession | None:
        row = await UserSession.objects().where(UserSession.id_hash == id_hash).first()
        if row is None:
            return None
        return StoredSession(int(row.user), row.created_at, row.last_seen)

    async def touch(self, id_hash: str, session: StoredSession, ttl_seconds: int) -> None:
        await UserSession.update({UserSession.last_seen: session.last_seen}).where(
            UserSession.id_hash == id_hash
        )

    async def delete(self, id_hash: str) -> None:
        await UserSession.delete().where(UserSession.id_hash == id_hash)

    async def delete_user(self, user_id: int) -> None:
        await UserSession.delete().where(UserSession.user == user_id)

    async def close(self) -> None:
        return None


class RedisSessionStore:
    """Sessions as Redis keys that expire by themselves (and a set per user)."""

    def __init__(self, url: str, prefix: str = "survey:session:") -> None:
        import redis.asyncio as redis

        self._redis: Any = redis.from_url(url)
        self._prefix = prefix

    def _value(self, session: StoredSession) -> str:
        return json.dumps(
            {
                "user": session.user_id,
                "created": session.created_at.isoformat(),
                "seen": session.last_seen.isoformat(),
            }
        )

    async def put(self, id_hash: str, session: StoredSession, ttl_seconds: int) -> None:
        user_key = f"{self._prefix}user:{session.user_id}"
        pipe = self._redis.pipeline()
        pipe.set(self._prefix + id_hash, self._value(session), ex=max(ttl_seconds, 1))
        pipe.sadd(user_key, id_hash)
        pipe.expire(user_key, max(ttl_seconds, 1), gt=True)
        pipe.expire(user_key, max(ttl_seconds, 1), nx=True)
        await pipe.execute()

    async def get(self, id_hash: str) -> StoredSession | None:
        raw = await self._redis.get(self._prefix + id_hash)
        if raw is None:
            return None
        data = json.loads(raw)
        return StoredSession(
            int(data["user"]),
            dt.datetime.fromisoformat(data["created"]),
            dt.datetime.fromisoformat(data["seen"]),
        )

    async def touch(self, id_hash: str, session: StoredSession, ttl_seconds: int) -> None:
        pipe = self._redis.pipeline()
        pipe.set(self._prefix + id_hash, self._value(session), ex=max(ttl_seconds, 1), xx=True)
        # The user's set must outlive each of its sessions, for delete_user.
        pipe.expire(f"{self._prefix}user:{session.user_id}", max(ttl_seconds, 1), gt=True)
        await pipe.execute()

    async def delete(self, id_hash: str) -> None:
        await self._redis.delete(self._prefix + id_hash)

    async def delete_user(self, user_id: int) -> None:
        user_key = f"{self._prefix}user:{user_id}"
        hashes = await self._redis.smembers(user_key)
        keys = [self._prefix + (h.decode() if isinstance(h, bytes) else h) for h in hashes]
        await self._redis.delete(user_key, *keys)

    async def close(self) -> None:
        await self._redis.aclose()


def make_session_store(redis_url: str) -> SessionStore:
    return RedisSessionStore(redis_url) if redis_url else DatabaseSessionStore()


@dataclass(frozen=True)
class SessionPolicy:
    idle: dt.timedelta
    absolute: dt.timedelta

    @classmethod
    def of(cls, idle_minutes: int, max_hours: int) -> SessionPolicy:
        return cls(dt.timedelta(minutes=idle_minutes), dt.timedelta(hours=max_hours))


class Sessions:
    """Starting, resolving and ending sessions in one store under one policy."""

    def __init__(self, store: SessionStore, policy: SessionPolicy) -> None:
        self.store = store
        self.policy = policy

    def _ttl(self, session: StoredSession, now: dt.datetime) -> int:
        left = min(session.last_seen + self.policy.idle, session.created_at + self.policy.absolute)
        return int((left - now).total_seconds()) + 1

    async def start(self, user_id: int, now: dt.datetime) -> str:
        """A new session for ``user_id``; returns the id for the cookie (never stored)."""
        session_id = secrets.token_urlsafe(32)
        session = StoredSession(user_id, now, now)
        await self.store.put(_hash(session_id), session, self._ttl(session, now))
        return session_id

    async def resolve(self, session_id: str, now: dt.datetime) -> int | None:
        """The user of a live session (and it counts as used now), else None."""
        if not session_id:
            return None
        id_hash = _hash(session_id)
        session = await self.store.get(id_hash)
        if session is None:
            return None
        if now >= session.last_seen + self.policy.idle or (
            now >= session.created_at + self.policy.absolute
        ):
            await self.store.delete(id_hash)
            return None
        touched = StoredSession(session.user_id, session.created_at, now)
        # Writing on every request would cost a database write each time;
        # once a minute keeps the idle timeout accurate enough.
        if now - session.last_seen >= dt.timedelta(minutes=1):
            await self.store.touch(id_hash, touched, self._ttl(touched, now))
        return session.user_id

    async def end(self, session_id: str) -> None:
        if session_id:
            await self.store.delete(_hash(session_id))

    async def end_all(self, user_id: int) -> None:
        """Every session of ``user_id`` (the account was disabled)."""
        await self.store.delete_user(user_id)
