"""A small TCP proxy on 127.0.0.1 that a test can cut and restore.

Put between the app server and PostgreSQL, it simulates losing the database
without touching the shared PostgreSQL server: :meth:`TcpProxy.cut` stops
listening (new connections are refused) and aborts every open connection in
both directions (the app sees its sockets reset; PostgreSQL sees its clients
vanish and rolls their transactions back); :meth:`TcpProxy.restore` listens on
the same port again. It runs its own event loop in a thread, so it keeps
working while the caller blocks.
"""

from __future__ import annotations

import asyncio
import socket
import threading


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.connections = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._transports: set[asyncio.BaseTransport] = set()

    def __enter__(self) -> TcpProxy:
        self._thread.start()
        self.restore()
        return self

    def __exit__(self, *exc: object) -> None:
        self._run(self._close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def cut(self, reset: bool = True) -> None:
        """Refuse new connections; with ``reset``, also reset every open one."""
        self._run(self._cut(reset))

    def restore(self) -> None:
        """Accept connections again, on the same port."""
        self._run(self._listen())

    def _run(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=10)

    async def _listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(
                self._handle, "127.0.0.1", self.port, reuse_address=True
            )

    async def _cut(self, reset: bool) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()  # stops listening at once
        if reset:
            for transport in list(self._transports):
                transport.abort()
            self._transports.clear()
        if server is not None:
            await server.wait_closed()

    async def _close(self) -> None:
        await self._cut(reset=True)
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        if self._server is None:  # cut while this one was connecting upstream
            writer.transport.abort()
            up_writer.transport.abort()
            return
        self.connections += 1
        pair = {writer.transport, up_writer.transport}
        self._transports |= pair

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except OSError:
                pass

        try:
            _done, pending = await asyncio.wait(
                [
                    asyncio.ensure_future(pipe(reader, up_writer)),
                    asyncio.ensure_future(pipe(up_reader, writer)),
                ],
                return_when=asyncio.FIRST_COMPLETED,
            )
            for task in pending:
                task.cancel()
        finally:
            for transport in pair:
                transport.abort()
            self._transports -= pair
