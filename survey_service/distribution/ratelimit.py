"""A small sliding-window limiter for the QR poster's open entry.

The fallback for an app without the shared counter store of its link guard
(``web/guard.py``, memory or Redis): in memory, per app process. Keys are
hashed so the table holds no client address.
"""

from __future__ import annotations

import hashlib
import time
from collections import deque
from collections.abc import Callable


class SlidingWindowLimiter:
    def __init__(
        self,
        limit: int,
        window_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window_seconds
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._last_prune = clock()

    def hit(self, *parts: str) -> bool:
        """Count one use of ``parts``; False when over the limit (and not counted)."""
        now = self.clock()
        if now - self._last_prune > self.window:
            self._prune(now)
        key = hashlib.sha256("\x00".join(parts).encode()).hexdigest()
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            return False
        hits.append(now)
        return True

    def _prune(self, now: float) -> None:
        # Forget clients whose last hit left the window, so memory stays bounded
        # by the number of recent clients.
        self._hits = {k: v for k, v in self._hits.items() if v and v[-1] > now - self.window}
        self._last_prune = now
