"""``laptiming print``: driver slips, a driver's day, results sheets, the leaderboard and roster sheets."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from laptiming.cli.session_args import positive_int, session_ref, store_command
from laptiming.errors import InputError

# The printouts (reportlab, matplotlib, python-escpos) load only when a print command runs, so every
# other command starts without them.



def _outputs(parser: argparse.ArgumentParser, allowed: tuple[str, ...]) -> None:
    group = parser.add_mutually_exclusive_group(required=True)
    helps = {"pdf": "write a PDF", "html": "write an HTML page", "csv": "write CSV", "xlsx": "write an Excel workbook",
             "printer": "ESC/POS printer URL: usb://VID:PID, serial:///dev/ttyUSB0, tcp://HOST[:9100], file://FILE "
                        "(options ?paper=58|80&timeout=S&status=0, status=0: do not ask for paper first; "
                        "serial: &baudrate=N)"}
    for name in allowed:
        group.add_argument(f"--{name}", metavar="URL" if name == "printer" else "FILE", help=helps[name])


def _db_session(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", required=True, help="event database")
    parser.add_argument("--session", type=session_ref, metavar="ID|NAME",
                        help="session id or name (default: the latest finished session)")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``print`` and its printouts."""
    printing = subparsers.add_parser("print", help="slips, a driver's day, results sheets, leaderboard, roster sheets")
    kinds = printing.add_subparsers(dest="printout", metavar="PRINTOUT", required=True)

    slip = kinds.add_parser("slip", help="driver slips of a session (every car, or --car N)")
    _db_session(slip)
    slip.add_argument("--car", metavar="N", help="only this car number")
    _outputs(slip, ("pdf", "printer"))
    slip.set_defaults(handler=slip_command)

    results = kinds.add_parser("results", help="a session's results sheet")
    _db_session(results)
    results.add_argument("--laps", action="store_true", help="add lap-by-lap pages (and the lap chart of a race)")
    results.add_argument("--circuit", default="", help="circuit name for the header")
    _outputs(results, ("pdf", "html", "csv", "xlsx"))
    results.set_defaults(handler=results_command)

    day = kinds.add_parser("day", help="a driver's day: every run, best laps, improvement, rank in class")
    day.add_argument("--db", required=True, help="event database")
    who = day.add_mutually_exclusive_group()
    who.add_argument("--driver", metavar="ID|NAME", help="driver id or name in the event database (default: every driver)")
    who.add_argument("--car", metavar="N", help="a car entered without a driver")
    _outputs(day, ("pdf",))
    day.set_defaults(handler=day_command)

    board = kinds.add_parser("leaderboard", help="the day's best lap per class and overall")
    board.add_argument("--db", required=True, help="event database")
    board.add_argument("--top", type=positive_int, default=10, help="drivers per board (default 10)")
    _outputs(board, ("pdf", "html"))
    board.set_defaults(handler=leaderboard_command)

    roster = kinds.add_parser("roster", help="roster sheets from the scheduler's roster CSV")
    roster.add_argument("--roster", required=True, metavar="CSV", help="roster CSV written by laptiming schedule")
    roster.add_argument("--by", choices=("session", "driver"),
                        help="session sheets for the grid marshal (default), or an itinerary per driver")
    roster.add_argument("--driver", metavar="ID|NAME", help="only this driver's itinerary (registration id or "
                                                           "name, any case; not with --by session)")
    _outputs(roster, ("pdf",))
    roster.set_defaults(handler=roster_command)

    jobs = kinds.add_parser("jobs", help="list print jobs kept because a printer could not take them")
    jobs.add_argument("--db", required=True, help="event database (jobs are kept beside it)")
    jobs.set_defaults(handler=jobs_command)

    resend = kinds.add_parser("resend", help="send kept print jobs again")
    resend.add_argument("--db", required=True, help="event database (jobs are kept beside it)")
    resend.add_argument("--job", metavar="ID", help="only this job (default: every kept job, oldest first)")
    resend.add_argument("--printer", metavar="URL", help="send to this printer instead of the one each job was for")
    resend.set_defaults(handler=resend_command)


def _wrote(what: str, where: str) -> None:
    print(f"{what} -> {where}", file=sys.stderr)


@store_command
def slip_command(args: argparse.Namespace) -> int:
    """Slips of a session to a PDF or a receipt printer."""
    from laptiming.printouts.session_print import print_session

    printed = print_session(args.db, args.session, printer_url=args.printer, pdf_path=args.pdf, car=args.car)
    _wrote(f"{printed.slips} slip(s) of session {printed.session_id} ({printed.session_name})", printed.destination)
    return 0


@store_command
def results_command(args: argparse.Namespace) -> int:
    """The results sheet as PDF, HTML, CSV or XLSX."""
    from laptiming.printouts.data import load_session_sheet
    from laptiming.printouts.output import write_bytes_atomically
    from laptiming.printouts.results_files import results_csv, results_html, results_xlsx
    from laptiming.printouts.results_pdf import results_pdf
    from laptiming.printouts.results_table import build_results

    sheet = build_results(load_session_sheet(args.db, args.session), args.circuit)
    if args.pdf:
        path, data = args.pdf, results_pdf(sheet, with_laps=args.laps)
    elif args.html:
        path, data = args.html, results_html(sheet, with_laps=args.laps).encode("utf-8")
    elif args.csv:
        path, data = args.csv, results_csv(sheet).encode("utf-8")
    else:
        path, data = args.xlsx, results_xlsx(sheet)
    write_bytes_atomically(path, data)
    _wrote(f"results of {sheet.session} ({len(sheet.classified)} classified)", path)
    return 0


@store_command
def day_command(args: argparse.Namespace) -> int:
    """One page per driver (or the one asked for)."""
    from laptiming.printouts.data import load_event_day
    from laptiming.printouts.day_model import build_days
    from laptiming.printouts.driver_day import days_pdf
    from laptiming.printouts.output import write_bytes_atomically

    day = load_event_day(args.db)
    if not day.sessions:
        raise InputError(f"{args.db}: no session has started yet")
    keys = None
    if args.driver:
        keys = [("driver", _driver_id(day.drivers, args.driver))]
    elif args.car:
        keys = [("car", args.car)]
    days = build_days(day, keys)
    write_bytes_atomically(args.pdf, days_pdf(days, day.event_name))
    _wrote(f"{len(days)} driver's day page(s) over {len(day.sessions)} session(s)", args.pdf)
    return 0


def _driver_id(drivers: dict[int, str], wanted: str) -> str:
    """A driver's id from ``--driver``: the id itself, the name as entered (any case), or the name without the
    roster's id in brackets when one driver alone has it (``Clara Fischer`` for ``Clara Fischer (D0017)``)."""
    from laptiming.service.entries import base_name

    if wanted.isdigit():
        return wanted
    found = [driver_id for driver_id, name in drivers.items() if name.casefold() == wanted.casefold()]
    if found:
        return str(found[0])
    named = sorted((driver_id, name) for driver_id, name in drivers.items() if base_name(name) == base_name(wanted))
    if len(named) == 1:
        return str(named[0][0])
    if named:
        choices = ", ".join(f"{name} (--driver {driver_id})" for driver_id, name in named)
        raise InputError(f"{len(named)} drivers are named {wanted!r}: {choices}; say which")
    raise InputError(f"no driver named {wanted!r} in the event database")


@store_command
def leaderboard_command(args: argparse.Namespace) -> int:
    """The day's best laps."""
    from laptiming.printouts.data import load_event_day
    from laptiming.printouts.leaderboard import build_leaderboard, leaderboard_html, leaderboard_pdf
    from laptiming.printouts.output import write_bytes_atomically

    board = build_leaderboard(load_event_day(args.db))
    if args.pdf:
        write_bytes_atomically(args.pdf, leaderboard_pdf(board, args.top))
    else:
        write_bytes_atomically(args.html, leaderboard_html(board, args.top).encode("utf-8"))
    _wrote(f"leaderboard of {len(board.boards) - 1} class(es)", args.pdf or args.html)
    return 0


def roster_command(args: argparse.Namespace) -> int:
    """Session sheets or itineraries."""
    from laptiming.printouts.output import write_bytes_atomically
    from laptiming.printouts.roster_sheets import load_roster, pick_driver, refuse_non_pdf, roster_pdf, roster_source

    if args.driver and args.by == "session":
        raise InputError(f"--driver {args.driver} prints one driver's itinerary, not session sheets: "
                         "leave out --by session")
    rows = load_roster(args.roster)
    refuse_non_pdf(args.pdf)
    driver_id = pick_driver(rows, args.driver, Path(args.roster).name) if args.driver else None
    write_bytes_atomically(args.pdf, roster_pdf(rows, by_driver=args.by == "driver", driver_id=driver_id,
                                                source=roster_source(args.roster)))
    if driver_id:
        runs = [row for row in rows if row.driver_id == driver_id]
        what = f"itinerary of {driver_id} {runs[0].driver} ({len(runs)} runs)"
    else:
        what = f"{'itineraries' if args.by == 'driver' else 'session sheets'} of {len(rows)} runs"
    _wrote(what, args.pdf)
    return 0


def jobs_command(args: argparse.Namespace) -> int:
    """Kept jobs, one line each."""
    from laptiming.printouts.printers import JobQueue

    jobs = JobQueue.beside(args.db).pending()
    for job in jobs:
        print(f"{job.job_id}  {job.made_at}  {job.printer_url}  {job.description}"
              + (f"  -- {job.last_error}" if job.last_error else ""))
    if not jobs:
        print("no kept print jobs")
    return 0


def resend_command(args: argparse.Namespace) -> int:
    """Send kept jobs; stop at the first printer that still cannot take one (it stays kept)."""
    from laptiming.printouts.printers import JobQueue, parse_printer_url, print_kept

    queue = JobQueue.beside(args.db)
    jobs = [queue.get(args.job)] if args.job else queue.pending()
    if not jobs:
        print("no kept print jobs", file=sys.stderr)
        return 0
    for job in jobs:
        printer = parse_printer_url(args.printer or job.printer_url)
        print_kept(queue, job, printer)
        _wrote(f"job {job.job_id} ({job.description})", printer.url)
    return 0


