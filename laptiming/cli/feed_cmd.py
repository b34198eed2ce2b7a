"""``laptiming feed rmonitor`` and ``feed web``: serve the running session to scoreboards (RMonitor) and phones (web)."""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path
from types import FrameType

from laptiming.cli.session_args import kilometres, store_command, tcp_port
from laptiming.feed.hub import FeedHub
from laptiming.feed.live import DatabaseFeed
from laptiming.feed.scoreboard import Track
from laptiming.store import open_event_db

DEFAULT_PORT = 50000  # Orbits 4's RMonitor port, what scoreboards expect first
DEFAULT_WEB_PORT = 8080


def serving_message(url: str) -> str:
    """The line a web server prints on start: where, and that it changes nothing."""
    return f"serving live results at {url} (read only)"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``feed rmonitor``."""
    feed = subparsers.add_parser("feed", help="serve live timing to scoreboards and other programs")
    kinds = feed.add_subparsers(dest="feed_kind", metavar="KIND", required=True)
    rmonitor = kinds.add_parser("rmonitor", help="the running session as an RMonitor feed over TCP")
    rmonitor.add_argument("--db", required=True, help="event database the session is recorded into")
    rmonitor.add_argument("--port", type=tcp_port, default=DEFAULT_PORT, help=f"TCP port (default {DEFAULT_PORT})")
    rmonitor.add_argument("--host", default="127.0.0.1",
                          help="address to listen on (default 127.0.0.1; 0.0.0.0 for the whole network)")
    rmonitor.add_argument("--track", help="track name sent as $E TRACKNAME")
    rmonitor.add_argument("--track-length", type=kilometres,
                          help="track length in km sent as $E TRACKLENGTH (e.g. 2.760)")
    rmonitor.set_defaults(handler=rmonitor_command)

    web = kinds.add_parser("web", help="live results for phones: a read-only web page, JSON API and event stream")
    web.add_argument("--db", required=True, help="event database the sessions are recorded into")
    web.add_argument("--port", type=tcp_port, default=DEFAULT_WEB_PORT, help=f"TCP port (default {DEFAULT_WEB_PORT})")
    web.add_argument("--host", default="127.0.0.1",
                     help="address to listen on (default 127.0.0.1; 0.0.0.0 for the whole network)")
    web.set_defaults(handler=web_command)


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@store_command
def rmonitor_command(args: argparse.Namespace) -> int:
    """Follow the running session (and each one after it) and serve it until Ctrl-C or SIGTERM."""
    open_event_db(Path(args.db), readonly=True).close()  # a missing or foreign file is one line, before listening
    hub = FeedHub(args.host, args.port).start()
    feed = DatabaseFeed(hub, args.db, Track(args.track, args.track_length)).start()
    print(f"RMonitor feed of {args.db} on {args.host}:{hub.server.port}", flush=True)
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    done = threading.Event()
    try:
        while not done.wait(0.5):
            if feed.error is not None:
                raise feed.error
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        feed.stop()
        hub.close()
    return 0


@store_command
def web_command(args: argparse.Namespace) -> int:
    """Serve the live results page of the event database until Ctrl-C or SIGTERM."""
    from laptiming.web.server import WebServer  # starlette and uvicorn load when used

    open_event_db(Path(args.db), readonly=True).close()  # a missing or foreign file is one line, before listening
    server = WebServer(args.db, args.host, args.port).start()
    print(serving_message(server.url), flush=True)
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        while server.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.stop()
    if server.error is not None:
        raise server.error
    return 0
