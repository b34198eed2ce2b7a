"""``laptiming replay`` and ``laptiming record``: captures and live decoders into timed sessions."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from hardware.capture import capture_protocol, iter_capture_bytes, no_passings_error
from hardware.drops import describe_drops
from hardware.events import LinkState, LinkStatus, Passing
from hardware.framing import Protocol, StreamDecoder
from laptiming.cli.session_args import add_rules_arguments, rules_from, session_name, session_report, store_command
from laptiming.engine import SessionRules, UnknownTransponderSeen
from laptiming.replay import replay_session
from laptiming.report import ColumnWidths, describe_event, event_json
from laptiming.service import Notice, Problem, Recording, RecordingRequest
from laptiming.store import get_session, open_event_db

if TYPE_CHECKING:
    from hardware.p3.columns import PassingColumns


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``replay`` and ``record``."""
    replay = subparsers.add_parser("replay", help="read a raw capture file into a new, finished session")
    replay.add_argument("capture", metavar="CAPTURE",
                        help="raw capture, hex text one frame a line, or P98 records one a line")
    replay.add_argument("--db", required=True, help="event database (made if missing)")
    replay.add_argument("--protocol", choices=[Protocol.P3.value, Protocol.P98.value], default=None,
                        help="the capture's protocol (default: p98 for a file of P98 lines, else p3)")
    replay.add_argument("--name", type=session_name, help="session name (default: the capture's file name)")
    add_rules_arguments(replay)
    replay.set_defaults(handler=replay_command)

    record = subparsers.add_parser("record", help="time a session live from a decoder URL")
    record.add_argument("url", metavar="URL", help="device path, serial://, tcp://host:5403, file://, sim://")
    record.add_argument("--db", required=True, help="event database (made if missing)")
    record.add_argument("--session", type=session_name, required=True, metavar="NAME",
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
    from hardware.p3.columns import PassingColumns  # numpy, loaded only for a replay

    capture = Path(args.capture)
    protocol = capture_protocol(capture, args.protocol)
    decoder = StreamDecoder(protocol, source=f"file://{capture}")
    decoded = [decoder.feed_columns(chunk) for chunk in iter_capture_bytes(capture, protocol=protocol)]
    decoder.end()  # a half frame at the end is counted as dropped
    columns = [part.passing_columns() for part in decoded]  # a short last read is stepped: its passings join too
    passings: list[Passing] | PassingColumns
    if all(part is not None for part in columns):
        passings = PassingColumns.concatenate(columns, source=decoder.source)  # type: ignore[arg-type]
    else:  # a passing with a UTC time or a transponder code: the capture goes as objects
        passings = [event for part in decoded for event in part.events() if isinstance(event, Passing)]
    if not len(passings):
        raise no_passings_error(capture, decoder)
    dropped = decoder.describe_drops()
    db = open_event_db(args.db, create=True)
    try:
        session_id, result = replay_session(db, args.name or capture.name, rules_from(args) or SessionRules(), passings)
        print(f"{capture}: {decoder.frames_decoded} frames, {len(passings)} passings, dropped: {dropped}")
        print(session_report(db, get_session(db, session_id), result))
    finally:
        db.close()
    return 0


@store_command
def record_command(args: argparse.Namespace) -> int:
    """Time the session and print standings changes until the source ends or Ctrl-C (or SIGTERM).

    Exit 0 only when everything was written; a flag or an entry that could not be written is
    reported as it happens, the session is left running (run again to resume), and the exit is 2.
    """
    request = RecordingRequest(Path(args.db), args.session, args.url, rules_from(args), args.enter_unknown)
    recording = Recording.start(request)
    terminated: list[int] = []

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        """Stop like Ctrl-C, with the session left running, between two notices: raised inside ``print``, the
        stop cut a line short; and a second one, or one while the recording closes, changes nothing."""
        terminated.append(signum)
        recording.stop()

    previous = signal.signal(signal.SIGTERM, on_sigterm)  # from here to the end, a SIGTERM closes the recording
    try:
        return _record(args, recording, terminated)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _record(args: argparse.Namespace, recording: Recording, terminated: list[int]) -> int:
    """Show the recording's notices until it ends or is stopped (Ctrl-C, a SIGTERM in ``terminated``), close it
    and say how it stands."""
    notes = sys.stderr if args.json else sys.stdout  # with --json, stdout carries only JSON lines
    link_state: LinkState | None = None
    widths = ColumnWidths.fitting(recording.live.state.setup.entries)  # lines stay in columns
    entering_said: set[int] = set()  # "entering it as car X" once a car: its next passings may come before the entry

    def show(notice: Notice) -> None:
        nonlocal link_state
        if isinstance(notice, Problem):
            print(f"laptiming: {notice.message}", file=sys.stderr, flush=True)
        elif isinstance(notice, LinkStatus):
            if notice.state is not link_state or notice.detail:
                detail = f": {notice.detail}" if notice.detail else ""
                print(f"link {notice.state.value}{detail}", file=sys.stderr, flush=True)
            link_state = notice.state
        else:
            for event in notice:
                if args.enter_unknown and not args.json and isinstance(event, UnknownTransponderSeen):
                    if event.unknown.transponder in entering_said:
                        continue
                    entering_said.add(event.unknown.transponder)
                line = (event_json(event, args.enter_unknown) if args.json
                        else describe_event(event, args.enter_unknown, widths))
                if line is not None:
                    print(line, flush=True)

    interrupted = output_closed = False
    try:
        print(f"{recording.started_how} session {recording.session_id} ({args.session}) into {args.db}; "
              f"{recording.passings_journaled} passings already journaled", file=notes, flush=True)
        for notice in recording.notices():
            show(notice)
        interrupted = bool(terminated)
    except KeyboardInterrupt:
        interrupted = True
    except BrokenPipeError:  # whoever read the standings went away (`| head`): stop as on Ctrl-C, never finish
        interrupted = output_closed = True
        sys.stdout = notes = open(os.devnull, "w")  # noqa: SIM115 - what is left to print goes nowhere
    finally:
        outcome = recording.close(finish=not (interrupted or bool(terminated) or args.keep_open))
        for notice in recording.pending_notices():
            show(notice)
    if outcome.decoder_error is not None:
        print(f"laptiming: {outcome.decoder_error}", file=sys.stderr)
    print(f"{args.url}: {outcome.link.frames_decoded} frames, dropped: {describe_drops(outcome.link.frames_dropped)}",
          file=notes)  # as replay says it: noise on the loop, a capture cut short
    db = open_event_db(args.db, readonly=True)
    try:
        print(session_report(db, get_session(db, outcome.session_id), outcome.result), file=notes)
    finally:
        db.close()
    if not outcome.finished:
        why = (" because the output was closed" if output_closed
               else " because of the problems above" if outcome.problems or outcome.decoder_error else "")
        print(f"session {outcome.session_id} is still running{why}; run the same command again to resume it",
              file=sys.stderr if output_closed else notes)
    return 2 if outcome.decoder_error is not None or outcome.problems else 0
