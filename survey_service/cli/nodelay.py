"""uvicorn's HTTP protocols with Nagle's algorithm off on every connection.

asyncio turns on ``TCP_NODELAY`` only for sockets whose protocol number is
``IPPROTO_TCP``. With ``--workers`` above 1, uvicorn binds the listening socket
itself as ``socket.socket(AF_INET)`` (protocol number 0), so asyncio leaves
Nagle on for every accepted connection. A response written as headers and then
a body then waits for the client's delayed ACK: about 40 ms per survey page on
Linux (benchmarks/load_survey.py measured GET p50 48 ms with two workers and
3.4 ms with one). Setting the option in ``connection_made`` works for both
ways of starting, whatever the socket's protocol number says.

The classes live at module level so uvicorn's worker processes, which get the
configuration pickled, can import them.
"""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.h11_impl import H11Protocol


def set_nodelay(transport: asyncio.BaseTransport) -> None:
    """Turn Nagle's algorithm off on a TCP transport's socket (a no-op otherwise)."""
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class NoDelayH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, with ``TCP_NODELAY`` on each connection."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        set_nodelay(transport)
        super().connection_made(transport)


try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # httptools not installed: h11 it is
    HTTP_PROTOCOL: type[asyncio.Protocol] = NoDelayH11Protocol
else:

    class NoDelayHttpToolsProtocol(HttpToolsProtocol):
        """uvicorn's httptools protocol, with ``TCP_NODELAY`` on each connection."""

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            set_nodelay(transport)
            super().connection_made(transport)

    HTTP_PROTOCOL = NoDelayHttpToolsProtocol
