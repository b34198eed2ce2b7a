"""``laptiming finish``: end a session (checkered flag, results written), then make its results official.

    laptiming finish --db DB --session ID [--at TIME] --by WHO      finished, results provisional
    laptiming finish --db DB --session ID --confirm --by WHO        provisional -> official
    laptiming finish --db DB --session ID --reopen --by WHO --reason WHY   official -> provisional
    laptiming finish --db DB --session ID --resume --by WHO --reason WHY   finished too soon: running again

It works while a ``laptiming record`` runs on the session: the recorder notices within a second
and ends with exit 0; ``finish`` waits for it, so the results it prints include the passings the
recorder read meanwhile. ``--print-slips URL`` or ``--slips-pdf FILE`` then prints every driver's slip
(a printer that is off keeps the job for ``laptiming print resend``; the session stays finished). The rules live in :mod:`laptiming.service.control`.
"""

from __future__ import annotations

import argparse
import shlex

from laptiming.cli.flag_cmd import decoder_time_text
from laptiming.cli.session_args import (TypedAs, say_if_far, session_ref, session_report, session_result, store_command,
                                        typed_as)
from laptiming.errors import InputError
from laptiming.service.clocktime import session_decoder_time
from laptiming.service.control import confirm_results, finish_session, reopen_results, resume_timing
from laptiming.service.lock import lock_holder, wait_for_release
from laptiming.store import get_session, open_event_db

RECORDER_WAIT_S = 15.0  # a recorder lets go within about a second of a finish; longer means it is stuck


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``finish``."""
    finish = subparsers.add_parser("finish", help="finish a session (checkered flag, results), or confirm its results")
    finish.add_argument("--db", required=True, help="event database")
    finish.add_argument("--session", type=session_ref, required=True, metavar="ID|NAME")
    finish.add_argument("--at", "--at-us", dest="at", metavar="TIME", action=TypedAs,
                        help="checkered flag: decoder µs or a time of day on the decoder clock "
                             "(default: the one shown, else now)")
    action = finish.add_mutually_exclusive_group()
    action.add_argument("--confirm", action="store_true", help="make the finished results official")
    action.add_argument("--reopen", action="store_true",
                        help="official results back to provisional, to correct them (needs --reason)")
    action.add_argument("--resume", action="store_true",
                        help="a session finished too soon: running again, checkered flag withdrawn (needs --reason); "
                             "record it again to go on timing")
    finish.add_argument("--by", required=True, metavar="WHO", help="who finishes or confirms")
    finish.add_argument("--reason", default="", metavar="WHY", help="why (kept with the session)")
    slips = finish.add_mutually_exclusive_group()
    slips.add_argument("--print-slips", metavar="PRINTER_URL",
                       help="then print every driver's slip (usb://, serial://, tcp://host, file://)")
    slips.add_argument("--slips-pdf", metavar="FILE", help="then write every driver's slip to one PDF")
    finish.set_defaults(handler=finish_command)


def _wait_for_the_recorder(db_path: str, session_id: int) -> None:
    """A recorder timing the session takes the finish up within a second and journals what it read meanwhile:
    the results printed here are the ones it leaves, not the ones of a moment before."""
    holder = lock_holder(db_path, session_id)
    if holder is None:
        return
    print(f"waiting for {holder.describe()} to take the finish up", flush=True)
    still = wait_for_release(db_path, session_id, RECORDER_WAIT_S)
    if still is not None:
        print(f"note: {still.describe()} is still timing the session after {RECORDER_WAIT_S:.0f} s; "
              "the results below may still change")


@store_command
def finish_command(args: argparse.Namespace) -> int:
    """Finish, confirm or reopen; then print the results as they stand."""
    db = open_event_db(args.db)
    try:
        record = get_session(db, args.session)
        name = f"session {record.session_id} ({record.name})"
        if (args.confirm or args.reopen or args.resume) and args.at is not None:
            raise InputError(f"{typed_as(args, 'at')}: only for finishing, not with --confirm, --reopen or --resume")
        if args.confirm:
            confirm_results(db, args.session, made_by=args.by, reason=args.reason)
            print(f"{name}: results are official (confirmed by {args.by})")
        elif args.reopen:
            reopen_results(db, args.session, made_by=args.by, reason=args.reason)
            print(f"{name}: results reopened by {args.by}; they are provisional again")
        elif args.resume:
            resume_timing(db, args.session, made_by=args.by, reason=args.reason)
            print(f"{name} is running again (resumed by {args.by}: {args.reason}); the checkered flag is withdrawn. "
                  f"Go on timing it with `laptiming record URL --db {args.db} --session \"{record.name}\"`")
        else:
            typed = None if args.at is None else session_decoder_time(db, args.session, args.at,
                                                                      field=typed_as(args, "at"))
            finished = finish_session(db, args.session, made_by=args.by, reason=args.reason,
                                      at_us=None if typed is None else typed.decoder_time_us)
            flag = ("no checkered flag (no passings)" if finished.checkered_us is None else
                    f"checkered flag {'shown' if finished.checkered_shown_now else 'was shown'} at "
                    f"{decoder_time_text(finished.checkered_us)}")
            print(f"{name} finished by {args.by}; {flag}; results are provisional until "
                  f"`laptiming finish --db {shlex.quote(str(args.db))} --session {record.session_id} --confirm --by WHO`")
            say_if_far(typed)
            _wait_for_the_recorder(args.db, args.session)
        record = get_session(db, args.session)
        print(session_report(db, record, session_result(db, args.session)))
    finally:
        db.close()
    if not (args.confirm or args.reopen or args.resume) and (args.print_slips or args.slips_pdf):
        from laptiming.printouts.session_print import print_session  # loaded only when printing

        printed = print_session(args.db, args.session, printer_url=args.print_slips, pdf_path=args.slips_pdf)
        print(f"{printed.slips} slip(s) of session {printed.session_id} ({printed.session_name}) "
              f"to {printed.destination}")
    return 0
