"""``laptiming replay`` and ``laptiming record``: captures and live decoders into timed sessions."""

from __future__ import annotations

import argparse
import json
import queue
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from sqlite_utils import Database

from hardware.capture import check_capture, iter_capture_bytes
from hardware.events import LinkState, LinkStatus, Passing
from hardware.framing import Protocol, StreamDecoder
from hardware.reader import DecoderReader
from hardware.urls import parse_decoder_url
from laptiming.cli.session_args import (
    add_rules_arguments,
    rules_from,
    session_result,
    store_command,
)
from laptiming.engine import (
    FinishTimeSet,
    SessionEvent,
    StandingChanged,
    UnknownTransponderSeen,
)
from laptiming.errors import InputError
from laptiming.live import LiveSession
from laptiming.replay import replay_session
from laptiming.report import format_result, format_row, row_dict
from laptiming.store import (
    SessionPhase,
    create_session,
    find_session,
    get_session,
    load_corrections,
    open_event_db,
    update_session,
    write_derived,
    write_transaction,
)
from laptiming.store.sessions import setup_fingerprint


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``replay`` and ``record``."""
    replay = subparsers.add_parser("replay", help="read a raw capture file into a new, finished session")
    replay.add_argument("capture", metavar="CAPTURE", help="raw capture, or hex text one frame a line")
    replay.add_argument("--db", required=True, help="event database (made if missing)")
    replay.add_argument("--protocol", choices=[Protocol.P3.value, Protocol.P98.value], default=Protocol.P3.value)
    replay.add_argument("--name", help="session name (default: the capture's file name)")
    add_rules_arguments(replay)
    replay.set_defaults(handler=replay_command)

    record = subparsers.add_parser("record", help="time a session live from a decoder URL")
    record.add_argument("url", metavar="URL", help="device path, serial://, tcp://host:5403, file://, sim://")
    record.add_argument("--db", required=True, help="event database (made if missing)")
    record.add_argument("--session", required=True, metavar="NAME",
                        help="session name; a running session of that name is resumed")
    record.add_argument("--enter-unknown", action="store_true",
                        help="enter each unknown transponder as a car numbered by the transponder")
    record.add_argument("--json", action="store_true", help="print each change as one JSON object per line")
    record.add_argument("--keep-open", action="store_true",
                        help="when the source ends, leave the session running instead of finishing it")
    add_rules_arguments(record)
    record.set_defaults(handler=record_command)


@store_command
def replay_command(args: argparse.Namespace) -> int:
    """Read the whole capture first (bad input writes nothing), then one transaction for the session."""
    capture = Path(args.capture)
    decoder = StreamDecoder(args.protocol, source=f"file://{capture}")
    passings: list[Passing] = []
    for chunk in iter_capture_bytes(capture):
        passings.extend(event for event in decoder.feed(chunk) if isinstance(event, Passing))
    dropped = decoder.describe_drops()
    if not passings:
        raise InputError(f"{capture}: no passings in the capture ({decoder.frames_decoded} frames decoded, dropped: {dropped})")
    db = open_event_db(args.db, create=True)
    try:
        session_id, result = replay_session(db, args.name or capture.name, rules_from(args), passings)
        print(f"{capture}: {decoder.frames_decoded} frames, {len(passings)} passings, dropped: {dropped}")
        print(format_result(get_session(db, session_id), result, load_corrections(db, session_id)))
    finally:
        db.close()
    return 0


def _describe_event(event: SessionEvent, entering: bool) -> str | None:
    if isinstance(event, StandingChanged):
        return format_row(event.row)
    if isinstance(event, UnknownTransponderSeen):
        unknown = event.unknown
        if entering:
            return f"unknown transponder {unknown.transponder}: entering it as car {unknown.transponder}"
        return f"unknown transponder {unknown.transponder}: {unknown.passings} passings, not counted"
    if isinstance(event, FinishTimeSet) and event.finish_at_us is not None:
        return f"checkered flag at decoder time {event.finish_at_us}"
    return None


def _event_json(event: SessionEvent, entering: bool) -> str | None:
    if isinstance(event, StandingChanged):
        return json.dumps({"type": "standing", **row_dict(event.row)})
    if isinstance(event, UnknownTransponderSeen):
        unknown = event.unknown
        return json.dumps({"type": "unknown", "transponder": unknown.transponder, "passings": unknown.passings,
                           "entering": entering})
    if isinstance(event, FinishTimeSet):
        return json.dumps({"type": "checkered", "finish_at_us": event.finish_at_us})
    return None


class SetupWatcher:
    """Notices, at most once a second, a flag, entry or correction written by another program."""

    def __init__(self, db_path: Path, session_id: int, every_s: float = 1.0) -> None:
        self._db = open_event_db(db_path)
        self._session_id = session_id
        self._every_s = every_s
        self._next = time.monotonic() + every_s
        self._seen = setup_fingerprint(self._db, session_id)

    def changed(self) -> bool:
        """True when the setup differs from the last time it was looked at."""
        if time.monotonic() < self._next:
            return False
        self._next = time.monotonic() + self._every_s
        current = setup_fingerprint(self._db, self._session_id)
        if current == self._seen:
            return False
        self._seen = current
        return True

    def close(self) -> None:
        """Close the watcher's read connection."""
        self._db.close()


class _Stop(Exception):
    """SIGTERM: stop like Ctrl-C, with the session left running."""


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise _Stop


class _Start:
    """How ``record`` found its session: new, planned (never started), or running (resumed)."""

    def __init__(self, session_id: int, phase: SessionPhase | None) -> None:
        self.session_id = session_id
        self.verb = {None: "recording", SessionPhase.PLANNED: "starting planned",
                     SessionPhase.RUNNING: "resuming"}[phase]


def _open_or_resume(args: argparse.Namespace) -> _Start:
    """Find the running or planned session of that name, or make it; one write unit, so two
    recorders started at once on the same name do not make two sessions."""
    db = open_event_db(args.db, create=True)
    try:
        with write_transaction(db):
            existing = find_session(db, args.session, (SessionPhase.RUNNING, SessionPhase.PLANNED))
            if existing is not None:
                return _Start(existing.session_id, existing.phase)
            return _Start(create_session(db, args.session, rules_from(args)), None)
    finally:
        db.close()


@store_command
def record_command(args: argparse.Namespace) -> int:
    """Journal passings into the session and print standings changes until the source ends or Ctrl-C.

    Exit 0 only when everything was written; a flag or an entry that could not be written is
    reported as it happens, the session is left running (run again to resume), and the exit is 2.
    """
    url = parse_decoder_url(args.url)  # a bad URL is refused before anything is written
    if url.scheme == "file":
        check_capture(url.target)  # read through once: a bad line is refused before anything is written
    start = _open_or_resume(args)
    session_id = start.session_id
    live = LiveSession.open(args.db, session_id, enter_unknown=args.enter_unknown)
    lines: queue.Queue[str | LinkStatus] = queue.Queue()

    describe = _event_json if args.json else _describe_event

    def print_changes(events: Sequence[SessionEvent]) -> None:
        for event in events:
            line = describe(event, args.enter_unknown)
            if line is not None:
                lines.put(line)

    def on_link(event: object) -> None:
        if isinstance(event, LinkStatus):
            lines.put(event)

    live.subscribe(print_changes)
    reader = DecoderReader(args.url, [live.on_decoder_event, on_link], last_seen=live.last_seen)
    notes = sys.stderr if args.json else sys.stdout  # with --json, stdout carries only JSON lines
    print(f"{start.verb} session {session_id} ({args.session}) into {args.db}; "
          f"{live.state.passing_count} passings already journaled", file=notes, flush=True)
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    interrupted = False
    state: LinkState | None = None
    watcher = SetupWatcher(Path(args.db), session_id)

    def report_problems() -> None:
        for problem in live.take_problems():
            print(f"laptiming: {problem}", file=sys.stderr, flush=True)

    try:
        reader.start()
        while state is not LinkState.ENDED:
            report_problems()
            if live.writer.error is not None:  # the journal cannot be written: stop, do not read on
                break
            if watcher.changed():
                live.reload_setup()
            try:
                item = lines.get(timeout=0.5)
            except queue.Empty:
                continue
            if isinstance(item, LinkStatus):
                if item.state is not state or item.detail:
                    print(f"link {item.state.value}{': ' + item.detail if item.detail else ''}", file=sys.stderr, flush=True)
                state = item.state
            else:
                print(item, flush=True)
    except (KeyboardInterrupt, _Stop):
        interrupted = True
    finally:
        signal.signal(signal.SIGTERM, previous)
        watcher.close()
        reader.stop()
        reader.join(5)
    try:
        if live.writer.error is not None:
            raise live.writer.error
        if reader.error is not None:
            print(f"laptiming: {reader.error}", file=sys.stderr)
        live.writer.flush()
        while not lines.empty():  # changes committed after the loop ended
            item = lines.get_nowait()
            if not isinstance(item, LinkStatus):
                print(item, flush=True)
        report_problems()
        keep_running = interrupted or args.keep_open or reader.error is not None or live.had_problems
        result = live.save_results() if keep_running else live.finish()
    finally:
        live.close()
    report_problems()
    db = open_event_db(args.db, readonly=True)
    try:
        print(format_result(get_session(db, session_id), result, load_corrections(db, session_id)), file=notes)
    finally:
        db.close()
    if keep_running:
        why = " because of the problems above" if live.had_problems else ""
        print(f"session {session_id} is still running{why}; run the same command again to resume it", file=notes)
    return 2 if reader.error is not None or live.had_problems else 0
