"""Following a web feed from another laptop: ``/api/events`` (a snapshot, then changes) merged into its picture.

The board's feed source (``laptiming board --feed URL``) and the tests use it; the web server
(``laptiming.web``) sends what :class:`EventKind` names. ``FeedPicture`` is
pure (events in, rows out); ``follow_feed`` is the I/O around it (a coroutine: cancel it to stop), and
reconnects: each new connection starts with a full snapshot, so nothing said while away is missed.
"""

from __future__ import annotations

import asyncio
import enum
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
from httpx_sse import aconnect_sse


Json = dict[str, Any]
RECONNECT_S = 1.0  # the wait before connecting again, as EventSource does with the server's retry
READ_TIMEOUT_S = 60.0  # a stream silent this long (keep-alives come every 15 s) is taken as lost


class EventKind(enum.Enum):
    """The server-sent events of a web feed's ``/api/events``."""

    SNAPSHOT = "snapshot"  # everything: the session header and every row in order
    CHANGE = "change"  # the header, the rows that changed, the order when it moved, the cars gone
    PING = "ping"  # nothing changed: the stream is alive (a page that hears nothing for long reconnects)


def page_url(url: str) -> str:
    """A feed's page as given (``http://host:port/`` or just ``host:port``), as a full address ending in ``/``."""
    full = url if "://" in url else f"http://{url}"
    parts = urlsplit(full)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not a web feed address like http://host:8080/: {url!r}")
    return full if full.endswith("/") else full + "/"


def events_url(url: str) -> str:
    """The event stream of a feed given as ``http://host:port/`` (or ``host:port``)."""
    return urljoin(page_url(url), "api/events")


@dataclass(slots=True)
class FeedPicture:
    """The session header and the rows as the last snapshot and the changes after it say."""

    seq: int = 0
    session: Json | None = None
    rows: dict[int, Json] = field(default_factory=dict)
    order: list[int] = field(default_factory=list)

    def apply(self, kind: str, data: Json) -> None:
        """Take one event of the stream (unknown kinds are ignored, as EventSource does)."""
        if kind == EventKind.SNAPSHOT.value:
            self.rows = {row["car_id"]: row for row in data["rows"]}
            self.order = [row["car_id"] for row in data["rows"]]
        elif kind == EventKind.CHANGE.value:
            self.rows.update((row["car_id"], row) for row in data["rows"])
            for car_id in data.get("removed", ()):
                self.rows.pop(car_id, None)
            if "order" in data:
                self.order = list(data["order"])
            else:
                self.order = [car_id for car_id in self.order if car_id in self.rows]
        else:
            return
        self.seq = data["seq"]
        self.session = data["session"]

    def standings(self) -> list[Json]:
        """The rows in order."""
        return [self.rows[car_id] for car_id in self.order if car_id in self.rows]


async def follow_feed(url: str, on_picture: Callable[[FeedPicture], None],
                      on_problem: Callable[[str], None] = lambda message: None,
                      reconnect_s: float = RECONNECT_S) -> None:
    """Follow a web feed until cancelled: ``on_picture`` after each event, ``on_problem`` each time it is cut off.

    Each connection starts afresh from the server's snapshot, so a reconnect catches up on everything.
    """
    address = events_url(url)
    timeout = httpx.Timeout(10.0, read=READ_TIMEOUT_S)
    async with httpx.AsyncClient(trust_env=False, timeout=timeout) as client:
        while True:
            try:
                async with aconnect_sse(client, "GET", address) as source:
                    source.response.raise_for_status()
                    picture = FeedPicture()
                    async for event in source.aiter_sse():
                        if not event.data or event.event == EventKind.PING.value:  # the stream is alive, no more
                            continue
                        picture.apply(event.event, json.loads(event.data))
                        on_picture(picture)
                problem = "the feed ended the stream"
            except (httpx.HTTPError, ValueError) as err:
                problem = str(err) or type(err).__name__
            on_problem(f"lost the feed {address} ({problem}); reconnecting")
            await asyncio.sleep(reconnect_s)
