"""Serving the web app with uvicorn on a socket bound here, on a thread of its own.

Binding first means a port already taken is one clear error before anything starts, port 0 gets
a free port we can print, and clients that connect early wait in the listen backlog. The same
runner serves ``laptiming feed web`` and ``laptiming run --web`` (beside the app).
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import httptools
import uvicorn
import uvloop

from laptiming.errors import InputError
from laptiming.web.routes import create_app

BACKLOG = 2048  # phones connecting at once wait here rather than being refused
SHUTDOWN_GRACE_S = 2  # open event streams are told to end; this long, then they are cut
# uvicorn's HTTP protocol on httptools' parser: with uvloop, the fan-out to 500 phones takes 15% of a core
# where h11 took 26% (bench/bench_web.py, load 0.9 and 1.6). Imported above, so a missing one fails at start.
HTTP_PROTOCOL = httptools.__name__


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port``; an :class:`InputError` saying why when it cannot be had."""
    if not 0 <= port <= 65535:
        raise InputError(f"--port {port}: give a TCP port from 0 to 65535")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        family, kind, proto, _, address = infos[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(BACKLOG)
    except OSError as err:
        raise InputError(f"cannot listen on {host}:{port}: {err.strerror or err}") from err
    return sock


class WebServer:
    """The read-only web app of one event database, served on ``host:port`` from a background thread."""

    def __init__(self, db_path: str | Path, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.sock = bind(host, port)
        self.port: int = self.sock.getsockname()[1]
        self.app = create_app(db_path)
        config = uvicorn.Config(self.app, log_level="warning", lifespan="on", access_log=False,
                                timeout_graceful_shutdown=SHUTDOWN_GRACE_S, loop="none", http=HTTP_PROTOCOL)
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._serve, name="web-server", daemon=True)
        self.error: BaseException | None = None

    @property
    def url(self) -> str:
        """The page's address (the host as given: 0.0.0.0 serves every address of this machine)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def _serve(self) -> None:
        try:
            uvloop.run(self.server.serve(sockets=[self.sock]))  # the thread's own loop, libuv's
        except BaseException as err:  # noqa: BLE001 - kept for the command to report
            self.error = err

    def start(self) -> WebServer:
        """Serve on the background thread (the socket already listens)."""
        self._thread.start()
        return self

    @property
    def running(self) -> bool:
        """Whether the server thread is still serving."""
        return self._thread.is_alive()

    def wait(self, timeout_s: float) -> bool:
        """Wait at most ``timeout_s`` for the server to end by itself; whether it still runs."""
        self._thread.join(timeout_s)
        return self._thread.is_alive()

    def stop(self) -> None:
        """End the event streams, stop serving and wait for the thread."""
        live = self.app.state.web.live
        if live is not None and self._thread.is_alive():
            try:
                live.loop.call_soon_threadsafe(self.app.state.web.broadcaster.close)
            except RuntimeError:  # the loop is gone already
                pass
        self.server.should_exit = True
        self._thread.join(SHUTDOWN_GRACE_S + 10)
        self.sock.close()
