"""The web app: the page, the JSON API and the server-sent event stream, all read-only (GET only).

    GET /                                         the page (static files under /static)
    GET /api/session                              the live session's header (null before any)
    GET /api/standings                            the live standings (the event stream's snapshot)
    GET /api/sessions                             the day's sessions
    GET /api/sessions/{id}/standings              a session's results, recomputed from its journal
    GET /api/sessions/{id}/cars/{number}/laps     one car's laps in a session
    GET /api/events                               server-sent events: a snapshot, then changes

Anything else is 404, and any other method 405 (errors as ``{"detail": ...}``): nothing here changes the event.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from laptiming import engine
from laptiming.errors import InputError
from laptiming.service.control import current_flag
from laptiming.service.day import day_sessions
from laptiming.store import get_session, load_passings, load_setup, open_event_db
from laptiming.web.live import FIRST_LOOK_WAIT_S, Broadcaster, LiveResults, recorder_now
from laptiming.web.views import day_json, laps_json, row_json, session_json

STATIC = Path(__file__).with_name("static")
NO_CACHE = {"Cache-Control": "no-cache"}


class WebState:
    """What the routes share: the database path, the broadcaster and the follower (made at startup)."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.broadcaster = Broadcaster()
        self.live: LiveResults | None = None


def _state(request: Request) -> WebState:
    return request.app.state.web


def _session_result(db_path: Path, session_id: int) -> tuple[dict, engine.SessionResult]:
    db = open_event_db(db_path, readonly=True)
    try:
        try:
            record = get_session(db, session_id)
        except InputError as err:
            raise HTTPException(404, str(err)) from err
        result = engine.derive_session(load_passings(db, session_id), load_setup(db, session_id))
        return session_json(record, current_flag(db, session_id), timing=recorder_now(db_path, record) is not None,
                            leader_laps=engine.leader_laps(result.standings)), result
    finally:
        db.close()


async def page(request: Request) -> Response:
    """The page itself."""
    return FileResponse(STATIC / "index.html", headers=NO_CACHE)


async def live_session(request: Request) -> Response:
    """The live session's header."""
    live = _state(request).live
    return JSONResponse(None if live is None else live.picture.session, headers=NO_CACHE)


async def live_standings(request: Request) -> Response:
    """The live standings, as the event stream's snapshot."""
    live = _state(request).live
    picture = live.picture if live is not None else None
    return JSONResponse({"seq": 0, "session": None, "rows": []} if picture is None else picture.snapshot(),
                        headers=NO_CACHE)


def sessions(request: Request) -> Response:
    """The day's sessions (a thread of the pool: its own read-only connection)."""
    db = open_event_db(_state(request).db_path, readonly=True)
    try:
        return JSONResponse(day_json(day_sessions(db)), headers=NO_CACHE)
    finally:
        db.close()


def session_standings(request: Request) -> Response:
    """A session's results, recomputed from its journal and corrections."""
    header, result = _session_result(_state(request).db_path, request.path_params["session_id"])
    return JSONResponse({"session": header, "rows": [row_json(row) for row in result.standings]}, headers=NO_CACHE)


def car_laps(request: Request) -> Response:
    """One car's laps in a session."""
    header, result = _session_result(_state(request).db_path, request.path_params["session_id"])
    laps = laps_json(result, request.path_params["number"])
    if laps is None:
        raise HTTPException(404, f"no car {request.path_params['number']} in session {header['id']}")
    return JSONResponse({"session": header, **laps}, headers=NO_CACHE)


async def events(request: Request) -> Response:
    """Server-sent events: the latest snapshot first, then each change, as long as the client listens."""
    broadcaster = _state(request).broadcaster

    async def stream() -> AsyncIterator[bytes]:
        client = broadcaster.subscribe()
        try:
            while (message := await client.get()) is not None:
                yield message
        finally:
            broadcaster.unsubscribe(client)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={**NO_CACHE, "X-Accel-Buffering": "no"})


async def http_error(request: Request, error: Exception) -> Response:
    """Errors as JSON, like every other answer of the API."""
    assert isinstance(error, HTTPException)
    return JSONResponse({"detail": error.detail}, status_code=error.status_code, headers=error.headers)


def create_app(db_path: str | Path) -> Starlette:
    """The read-only web app over one event database; following starts with the app and stops with it."""
    web = WebState(Path(db_path))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        web.live = LiveResults(web.db_path, web.broadcaster, asyncio.get_running_loop()).start()
        # No answer before the database has been looked at once: a phone that opens the page (or a program that
        # asks) as the server starts gets the running session, not an empty page.
        await asyncio.to_thread(web.live.ready.wait, FIRST_LOOK_WAIT_S)
        try:
            yield
        finally:
            web.broadcaster.close()
            web.live.stop()

    routes = [
        Route("/", page, methods=["GET"]),
        Route("/api/session", live_session, methods=["GET"]),
        Route("/api/standings", live_standings, methods=["GET"]),
        Route("/api/sessions", sessions, methods=["GET"]),
        Route("/api/sessions/{session_id:int}/standings", session_standings, methods=["GET"]),
        Route("/api/sessions/{session_id:int}/cars/{number}/laps", car_laps, methods=["GET"]),
        Route("/api/events", events, methods=["GET"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={HTTPException: http_error})
    app.state.web = web
    return app
