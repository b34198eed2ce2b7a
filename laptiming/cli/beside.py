"""The feeds served beside the live timing app (``run --web PORT`` / ``--rmonitor PORT``), following its database.

Each follows the event database the app writes, read-only, on threads of its own: decoupled from
the app's internals, and never able to slow the recorder down.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from laptiming.cli.feed_cmd import serving_message


@contextmanager
def feeds_beside(db_path: Path, host: str, web_port: int | None, rmonitor_port: int | None) -> Iterator[list[str]]:
    """Start the asked-for feeds; the lines saying where each serves; stop them all on leaving."""
    lines: list[str] = []
    with ExitStack() as stack:
        if web_port is not None:
            from laptiming.web.server import WebServer  # starlette and uvicorn load when used

            web = WebServer(db_path, host, web_port).start()
            stack.callback(web.stop)
            lines.append(serving_message(web.url))
        if rmonitor_port is not None:
            from laptiming.feed.hub import FeedHub
            from laptiming.feed.live import DatabaseFeed

            hub = FeedHub(host, rmonitor_port).start()  # a port it cannot have: an InputError saying why
            stack.callback(hub.close)
            feed = DatabaseFeed(hub, db_path).start()
            stack.callback(feed.stop)
            lines.append(f"RMonitor feed of {db_path} on {host}:{hub.server.port}")
        yield lines
