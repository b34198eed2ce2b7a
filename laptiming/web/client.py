"""Reading the web feed back: ``/api/events`` (a snapshot, then changes) merged into the picture it describes.

The board's feed source (``laptiming board --feed URL``) and the tests use it. ``FeedPicture`` is
pure (events in, rows out); ``FeedReader`` is the I/O around it, and reconnects: each new
connection starts with a full snapshot, so nothing said while away is missed.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx
from httpx_sse import connect_sse

from laptiming.web.live import EventKind
from laptiming.web.views import Json

RECONNECT_S = 1.0  # the wait before connecting again, as EventSource does with the server's retry
READ_TIMEOUT_S = 60.0  # a stream silent this long (keep-alives come every 15 s) is taken as lost


def events_url(url: str) -> str:
    """The event stream of a feed given as ``http://host:port/`` (or ``host:port``)."""
    if "://" not in url:
        url = f"http://{url}"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not a web feed address like http://host:8080/: {url!r}")
    return urljoin(url if url.endswith("/") else url + "/", "api/events")


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


class FeedReader:
    """Follows a web feed on a thread, calling ``on_picture`` after each event and ``on_problem`` when cut off."""

    def __init__(self, url: str, on_picture: Callable[[FeedPicture], None],
                 on_problem: Callable[[str], None] = lambda message: None) -> None:
        self.url = events_url(url)
        self.on_picture = on_picture
        self.on_problem = on_problem
        self._stop = threading.Event()
        self._client = httpx.Client(trust_env=False, timeout=httpx.Timeout(10.0, read=READ_TIMEOUT_S))
        self._thread = threading.Thread(target=self._run, name="web-feed", daemon=True)

    def start(self) -> FeedReader:
        """Start following."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop following (the open stream is closed under the reader)."""
        self._stop.set()
        self._client.close()
        self._thread.join(10)

    def _read(self) -> None:
        picture = FeedPicture()
        with connect_sse(self._client, "GET", self.url) as source:
            source.response.raise_for_status()
            for event in source.iter_sse():
                if self._stop.is_set():
                    return
                picture.apply(event.event, json.loads(event.data))
                self.on_picture(picture)
        raise httpx.ReadError("the feed ended the stream")

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._read()
            except (httpx.HTTPError, RuntimeError, ValueError) as err:
                if self._stop.is_set():
                    return
                self.on_problem(f"lost the feed {self.url} ({err or type(err).__name__}); reconnecting")
            self._stop.wait(RECONNECT_S)
