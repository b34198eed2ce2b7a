"""``laptiming run``, ``demo`` and ``board``: parse the arguments and start the live timing app."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from laptiming.cli.session_args import tcp_port
from laptiming.errors import InputError
from laptiming.store import SessionRecord, check_event_db, open_event_db, remove_event_db

if TYPE_CHECKING:  # the app (Textual) loads only when a command runs it
    from laptiming.app import LiveTimingApp

DEMO_DB = "out/demo.db"


def _run_app(app: LiveTimingApp) -> int:
    """Run the app; its exit code, and what went wrong as it stopped said on stderr once it has left the terminal."""
    code = app.run() or 0
    if app.exit_problem is not None:
        print(app.exit_problem, file=sys.stderr)
    return code


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``run``, ``demo`` and ``board``."""
    run = subparsers.add_parser("run", help="the live timing app: run the day's sessions on a decoder")
    run.add_argument("--db", required=True, help="event database (made if missing)")
    run.add_argument("--decoder", required=True, metavar="URL", help="device path, serial://, tcp://host:5403, file://, sim://")
    run.add_argument("--by", default=None, metavar="NAME", help="who makes the corrections (default: your login name)")
    run.add_argument("--enter-unknown", action="store_true",
                     help="enter each unknown transponder as a car numbered by the transponder")
    run.add_argument("--printer", metavar="URL", default=None,
                     help="slip printer for the Results screen's p key (usb://, serial://, tcp://host); "
                          "default: a PDF file per session")
    _add_feed_options(run)
    run.set_defaults(handler=run_command)

    demo = subparsers.add_parser("demo", help="the live timing app on the simulator with the sample track day")
    demo.add_argument("--db", default=DEMO_DB, help=f"event database for the demo (default {DEMO_DB}; made if missing)")
    demo.add_argument("--speed", type=float, default=40.0, metavar="X",
                      help="the simulator's pace, times real time (default 40: first lap times within seconds)")
    _add_feed_options(demo)
    demo.set_defaults(handler=demo_command)

    board = subparsers.add_parser("board", help="a read-only standings board for a second screen")
    source = board.add_mutually_exclusive_group(required=True)
    source.add_argument("--db", help="event database to follow (read only)")
    source.add_argument("--feed", metavar="URL",
                        help="follow a web feed instead (laptiming feed web / run --web: http://host:port/); "
                             "no database needed")
    board.add_argument("--web-url", metavar="URL",
                       help="the live results page's address to show as a QR code for phones (http://host:port/)")
    board.set_defaults(handler=board_command)


def _add_feed_options(parser: argparse.ArgumentParser) -> None:
    """``--web``, ``--rmonitor`` and ``--host``: the feeds served beside the app."""
    parser.add_argument("--web", type=tcp_port, default=None, metavar="PORT",
                        help="also serve live results to phones on this port (read only; see laptiming feed web)")
    parser.add_argument("--rmonitor", type=tcp_port, default=None, metavar="PORT",
                        help="also serve the RMonitor scoreboard feed on this port (see laptiming feed rmonitor)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address --web and --rmonitor listen on (default 127.0.0.1; 0.0.0.0 for the whole network)")


def _official(name: str | None) -> str:
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "official"


@contextmanager
def _feeds(db_path: Path, args: argparse.Namespace, made: bool) -> Iterator[list[str]]:
    """The feeds asked for beside the app; a database this command has just made is removed again when one
    cannot start (a port in use), so a refused command leaves nothing behind."""
    from laptiming.cli.beside import feeds_beside

    with ExitStack() as stack:
        try:
            serving = stack.enter_context(feeds_beside(db_path, args.host, args.web, args.rmonitor))
        except InputError:
            if made:
                remove_event_db(db_path)
            raise
        yield serving


def run_command(args: argparse.Namespace) -> int:
    """Open the app on the decoder (with the feeds asked for beside it); the official picks the next session (n)."""
    from laptiming.app import LiveTimingApp, Timing
    from laptiming.printouts.session_print import slip_printer  # reportlab and matplotlib load when printing
    from laptiming.service.recording import check_decoder_url

    check_decoder_url(args.decoder)  # one line and exit 2 now, not a traceback when a session starts
    check_event_db(args.db)  # not an event database, or no folder to make it in: said now, not when n is pressed
    timing = Timing(Path(args.db), args.decoder, enter_unknown=args.enter_unknown,
                    slip_printer=slip_printer(Path(args.db), args.printer))
    made = not Path(args.db).exists()
    if args.web is not None or args.rmonitor is not None:
        open_event_db(Path(args.db), create=True).close()  # the feeds follow the file the app will write
    with _feeds(Path(args.db), args, made) as serving:
        for line in serving:
            print(line, flush=True)
        return _run_app(LiveTimingApp(timing, official=_official(args.by)))


def demo_command(args: argparse.Namespace) -> int:
    """The sample event on the simulator; without a terminal, the text output of ``record`` instead."""
    from laptiming.app import demo

    db_path = Path(args.db)
    if not 0 < args.speed <= 10_000:
        raise InputError(f"--speed {args.speed:g}: give a pace above 0 and up to 10000 times real time")
    made = not db_path.exists()
    record, url = demo.prepare(db_path, args.speed)
    if record is None:
        raise InputError(f"every session in {db_path} is finished; remove it for a fresh demo day")
    with _feeds(db_path, args, made) as serving:
        for line in serving:
            print(line, flush=True)
        if not sys.stdout.isatty():
            from laptiming.cli.timing_cmd import record_command

            print(f"no terminal: printing the demo session as `laptiming record` does ({record.name}, {url})",
                  flush=True)
            return record_command(argparse.Namespace(
                url=url, db=str(db_path), session=record.name, enter_unknown=True, json=False, keep_open=False,
                session_type=record.rules.session_type.value, min_lap=record.rules.min_lap_us,
                duration=record.rules.duration_us, laps=record.rules.lap_count))
        from laptiming.app import LiveTimingApp, Timing

        def url_for(path: Path, session: SessionRecord) -> str:  # each session of the day gets its simulator
            return demo.simulate_session(path, session, args.speed)

        from laptiming.printouts.session_print import slip_printer

        timing = Timing(db_path, url, url_for=url_for, slip_printer=slip_printer(db_path))
        return _run_app(LiveTimingApp(timing, official="demo", autostart=True))


def board_command(args: argparse.Namespace) -> int:
    """The standings board, following the live session of the event database or of a web feed."""
    from laptiming.app import Timing
    from laptiming.app.board import BoardApp
    from laptiming.service.web_feed import page_url

    try:  # a board on the feed shows where phones find the same page
        web_url = None if (args.web_url or args.feed) is None else page_url(args.web_url or args.feed)
    except ValueError as err:
        raise InputError(str(err)) from err
    if args.feed is not None:
        return BoardApp(None, feed_url=args.feed, web_url=web_url).run() or 0
    db_path = Path(args.db)
    if not db_path.exists():
        raise InputError(f"no event database {db_path}")
    open_event_db(db_path, readonly=True).close()  # not a database, or not an event's: said here, not on the board
    return BoardApp(Timing(db_path, ""), web_url=web_url).run() or 0
