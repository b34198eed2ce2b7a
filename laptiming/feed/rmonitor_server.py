"""The RMonitor TCP server: the same records to any number of clients, none able to hold up another.

An asyncio server on its own thread. :meth:`LineServer.publish` may be called from any thread:
it hands bytes to the loop, which writes them to every client without waiting. Each client's
unsent bytes are bounded (``max_buffer_bytes``): a client that stops reading is dropped when its
backlog passes the bound, so a stalled scoreboard never delays anyone, least of all the journal.

A client that connects is sent the snapshot first (``snapshot()`` returns it with the sequence
number of the last publication it includes); publications up to that number are not sent to it
again, later ones are. So nothing is doubled or lost between the snapshot and the stream.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from laptiming.errors import InputError

log = logging.getLogger(__name__)

MAX_BUFFER_BYTES = 256 * 1024  # a client this far behind is dropped (a full refresh of 100 cars is ~20 KiB)

Snapshot = Callable[[], tuple[int, bytes]]


@dataclass(eq=False, slots=True)
class _Client:
    """One connected scoreboard: its writer and the last publication it already has."""

    writer: asyncio.StreamWriter
    seen_seq: int
    peer: str = field(default="")


class LineServer:
    """Serves published bytes over TCP; start with :meth:`start`, stop with :meth:`close`."""

    def __init__(self, snapshot: Snapshot, host: str = "127.0.0.1", port: int = 0,
                 max_buffer_bytes: int = MAX_BUFFER_BYTES) -> None:
        self._snapshot = snapshot
        self.host = host
        self.port = port
        self.max_buffer_bytes = max_buffer_bytes
        self._loop = asyncio.new_event_loop()
        self._clients: set[_Client] = set()
        self._server: asyncio.base_events.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="rmonitor-server", daemon=True)
        self.dropped = 0  # clients dropped for not reading
        self.served = 0  # clients that ever connected

    def start(self) -> LineServer:
        """Listen (port 0: any free port, then :attr:`port` says which); an :class:`InputError` if it cannot."""
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._listen(), self._loop)
        try:
            future.result(10)
        except OSError as err:
            self._stop_loop()
            raise InputError(f"cannot listen on {self.host}:{self.port}: {err.strerror or err}") from err
        return self

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    @property
    def clients(self) -> int:
        """Clients connected now."""
        return len(self._clients)

    def publish(self, seq: int, data: bytes) -> None:
        """Send publication number ``seq`` to every client that does not have it yet (any thread; never blocks)."""
        if data:
            self._loop.call_soon_threadsafe(self._broadcast, seq, data)

    def _broadcast(self, seq: int, data: bytes) -> None:
        for client in list(self._clients):
            if client.seen_seq < seq:
                self._send(client, data)

    def _send(self, client: _Client, data: bytes) -> None:
        transport = client.writer.transport
        if transport.is_closing():
            self._clients.discard(client)
            return
        client.writer.write(data)
        if transport.get_write_buffer_size() > self.max_buffer_bytes:
            log.warning("rmonitor client %s is not reading: dropped", client.peer)
            self.dropped += 1
            self._clients.discard(client)
            transport.abort()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        seq, data = self._snapshot()
        client = _Client(writer, seq, str(writer.get_extra_info("peername")))
        self.served += 1
        self._clients.add(client)
        self._send(client, data)
        try:
            while await reader.read(4096):  # clients have nothing to say; read until they hang up
                pass
        except (ConnectionError, OSError):
            pass
        finally:
            self._clients.discard(client)
            writer.close()

    def close(self) -> None:
        """Stop listening, hang up on every client and stop the loop thread."""
        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
            self._stop_loop()

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        for client in list(self._clients):
            client.writer.transport.abort()
        self._clients.clear()

    def _stop_loop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()
