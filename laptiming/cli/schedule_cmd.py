"""``laptiming schedule``: build the heat roster from the entries and the plan, or check one.

    laptiming schedule ENTRIES --plan PLAN [--out ROSTER.csv [--force]] [--db DB] [--time-limit S]
                       [--wall-limit S] [--seed N] [--workers N] [--keep PUBLISHED.csv
                       [--allow-moves]] [--sheets DIR] [--mix] [--progress]
    laptiming schedule check ROSTER --entries ENTRIES --plan PLAN

Exit codes: 0 a full roster (or a roster that passes ``check``), 1 a partial roster with
runs unmet (or rules broken), 2 bad input or an output that cannot be written (every problem
listed, nothing written), 3 the wall-clock safety limit cut the solve short (nothing written:
such a roster could differ run to run).
"""

from __future__ import annotations

import argparse
import dataclasses
import sqlite3
import sys
from pathlib import Path

from sqlite_utils import Database

from laptiming.cli.schedule_outputs import check_outputs
from laptiming.roster_import import ImportSummary, describe_import, import_roster, session_name, started_slots
from laptiming.store import open_event_db, remove_event_db, store_error
from scheduler.bounds import explain_shortfall
from scheduler.check import check_roster
from scheduler.errors import InputProblem, ScheduleInputError, ScheduleOutputError
from scheduler.mixing import mix_owners, owners_met, random_roster
from scheduler.output import Staged
from scheduler.problem import Problem, groups_too_big, load_problem
from scheduler.records import roster_records
from scheduler.replan import close_slots, describe_changes, keep_plan, pinned_in
from scheduler.roster import Roster, RosterRow, read_roster, roster_file, roster_rows
from scheduler.sheets import sheet_files
from scheduler.solver import Progress, Solution, SolveOptions, groups_together, solve, spread_penalty

EXIT_OK, EXIT_PARTIAL, EXIT_INPUT, EXIT_UNSTEADY = 0, 1, 2, 3
# Options only building a roster uses (None or False when not given), and the defaults of those that have one:
# given to 'check' they would be silently ignored, so they are refused.
BUILD_OPTIONS = ("out", "force", "time_limit", "wall_limit", "progress", "seed", "workers", "mix", "keep",
                 "allow_moves", "sheets", "db")
BUILD_DEFAULTS = {"out": Path("roster.csv"), "time_limit": 20.0, "seed": 0, "workers": 0}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``schedule`` command."""
    parser = subparsers.add_parser(
        "schedule",
        help="build the heat roster from the entries sheet and the plan (or: schedule check ROSTER)",
        usage="laptiming schedule ENTRIES --plan PLAN [options]\n"
              "       laptiming schedule check ROSTER --entries ENTRIES --plan PLAN",
        description="Build the heat roster: every driver's runs in session slots, within the "
                    "track rules, with as few sessions as possible. 'schedule check ROSTER' "
                    "lists every rule a roster breaks.",
    )
    parser.add_argument("files", nargs="+", metavar="ENTRIES | check ROSTER",
                        help="the entries sheet (CSV or XLSX), or 'check' and a roster CSV")
    parser.add_argument("--plan", type=Path, required=True, help="the event plan (TOML)")
    parser.add_argument("--entries", type=Path, help="the entries sheet (for 'check')")
    parser.add_argument("--out", type=Path,
                        help="where to write the roster CSV (default: roster.csv; the folder must exist)")
    parser.add_argument("--force", action="store_true",
                        help="replace the --out file if it exists (a published roster is kept otherwise)")
    parser.add_argument("--time-limit", type=float, metavar="S",
                        help="solver budget in seconds of a 2-core laptop, counted as work done, so "
                             "the roster does not depend on the machine's load (default: 20)")
    parser.add_argument("--wall-limit", type=float, metavar="S",
                        help="wall-clock safety limit (default: 20 x --time-limit, at least 60 s); "
                             "if it stops the solver, nothing is written and the exit code is 3")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="show stage, sessions so far vs the bound and time on stderr "
                             "(default: when stderr is a terminal)")
    parser.add_argument("--seed", type=int, help="solver random seed (default: 0)")
    parser.add_argument("--workers", type=int, metavar="N",
                        help="0 (default): deterministic, same roster every run; N>0: CP-SAT's "
                             "parallel search on N cores, not reproducible")
    parser.add_argument("--mix", action="store_true",
                        help="after every other goal, swap drivers outside groups so each meets as "
                             "many different owners as possible (reported against a random roster)")
    parser.add_argument("--keep", type=Path, metavar="PUBLISHED.csv",
                        help="a published roster: keep everyone where they are, place the rest")
    parser.add_argument("--allow-moves", action="store_true",
                        help="with --keep: allow moving published runs (as few as possible)")
    parser.add_argument("--sheets", type=Path, metavar="DIR",
                        help="also write sessions.csv (grid marshal) and itineraries.csv (drivers)")
    parser.add_argument("--db", type=Path, metavar="DB",
                        help="also put drivers, cars, transponders and the planned sessions with their "
                             "entry lists in this event database (made if missing)")
    parser.set_defaults(handler=run, parser=parser)
    parser.__class__ = _files_anywhere(type(parser))


def _files_anywhere(base: type[argparse.ArgumentParser]) -> type[argparse.ArgumentParser]:
    """The parser's class, taking its file arguments among the options as well as before them: plain argparse
    gives ``check`` alone to the first chunk of them, and ``check --entries E --plan P roster.csv`` said
    'unrecognized arguments: roster.csv'."""

    class FilesAnywhere(base):  # type: ignore[valid-type, misc]
        _mixing = False

        def parse_known_args(self, args=None, namespace=None):  # type: ignore[no-untyped-def, override]
            if self._mixing:  # the intermixed parse calls back in: the plain parse, each pass
                return super().parse_known_args(args, namespace)
            self._mixing = True
            try:
                return self.parse_known_intermixed_args(args, namespace)
            finally:
                self._mixing = False

    return FilesAnywhere


def run(args: argparse.Namespace) -> int:
    """Dispatch to scheduling or checking."""
    parser: argparse.ArgumentParser = args.parser
    if args.files[0] == "check":
        if len(args.files) != 2 or args.entries is None:
            parser.error("usage: laptiming schedule check ROSTER --entries ENTRIES --plan PLAN")
        unused = [f"--{name.replace('_', '-')}" for name in BUILD_OPTIONS if getattr(args, name) not in (None, False)]
        if unused:
            parser.error(f"'schedule check' does not use {', '.join(unused)} (it only reads the roster, "
                         "--entries and --plan)")
        return _guard(lambda: _check(Path(args.files[1]), args.entries, args.plan))
    if len(args.files) != 1:
        parser.error("give one entries file (or 'check ROSTER')")
    if args.entries is not None:
        parser.error("--entries is for 'schedule check'; give the entries file as the first argument")
    for name, default in BUILD_DEFAULTS.items():
        if getattr(args, name) is None:
            setattr(args, name, default)
    if args.allow_moves and args.keep is None:
        parser.error("--allow-moves needs --keep PUBLISHED.csv")
    if args.time_limit <= 0 or args.workers < 0 or (args.wall_limit is not None and args.wall_limit <= 0):
        parser.error("--time-limit and --wall-limit must be positive and --workers at least 0")
    return _guard(lambda: _schedule(args, Path(args.files[0])))


def _guard(action) -> int:
    """Print every input problem on its own line (exit 2) instead of a traceback."""
    try:
        return action()
    except ScheduleInputError as err:
        for problem in err.problems:
            print(f"laptiming: {problem}", file=sys.stderr)
        print(f"laptiming: {len(err.problems)} problem(s) in the input; nothing was written",
              file=sys.stderr)
        return EXIT_INPUT


def _check(roster_path: Path, entries_path: Path, plan_path: Path) -> int:
    """List every rule the roster breaks."""
    notes: list[InputProblem] = []
    try:
        entries, plan, _ = load_problem(entries_path, plan_path, notes)
    finally:
        _print_notes(notes)
    rows = read_roster(roster_path)
    violations = check_roster(rows, entries, plan)
    for violation in violations:
        print(f"{roster_path}: {violation}")
    if violations:
        print(f"{len(violations)} broken rule(s) in {roster_path}")
        return EXIT_PARTIAL
    sessions = len({(r.start, r.end) for r in rows})
    print(f"{roster_path}: no broken rules ({len(rows)} runs in {sessions} sessions, "
          f"{len(entries)} drivers)")
    return EXIT_OK


def _schedule(args: argparse.Namespace, entries_path: Path) -> int:
    """Check every input and output first, solve, then write everything (or nothing)."""
    problem, published = _read_inputs(args, entries_path)
    check_outputs(args, entries_path)
    db = open_event_db(args.db, create=True) if args.db and args.db.exists() else None  # bad file: fails now (an empty one becomes the database)
    try:
        closed = close_slots(problem, started_slots(db, [slot.label for slot in problem.slots]), published or ())
        problem = closed.problem
        keep = keep_plan(problem, published) if published is not None else None
        options = SolveOptions(time_limit_s=args.time_limit, seed=args.seed, workers=args.workers,
                               wall_limit_s=args.wall_limit, progress=_progress_display(args))
        if keep is None:
            solution = solve(problem, options)
        elif args.allow_moves:
            solution = solve(problem, options, fixed=pinned_in(keep, closed.slots), published=keep.published,
                             start=keep.fixed)
        else:
            solution = solve(problem, options, fixed=keep.fixed, frozen=keep.frozen)
        if not solution.deterministic and args.workers == 0:
            return _refuse_unsteady(solution, options)
        if args.mix:
            solution = dataclasses.replace(solution, roster=mix_owners(problem, solution.roster, args.seed))
        rows = roster_rows(problem, solution.roster)
        files = [roster_file(args.out, rows)] + (list(sheet_files(args.sheets, rows)) if args.sheets else [])
        made_folder = bool(args.sheets) and not args.sheets.exists()
        try:
            if made_folder:
                args.sheets.mkdir()
            staged = Staged(files)  # every file in full first: a write error leaves nothing behind
        except OSError as err:
            raise ScheduleOutputError(f"cannot make the sheets folder {args.sheets}: {err.strerror}") from err
        except ScheduleOutputError:
            if made_folder:
                args.sheets.rmdir()
            raise
        try:
            imported = _import(args, db, problem, solution) if args.db else None
        except BaseException:
            staged.discard()
            if made_folder:
                args.sheets.rmdir()
            raise
        staged.commit()
    finally:
        if db is not None:
            db.close()
    _print_summary(problem, solution, args, len(rows))
    if imported is not None:
        print(describe_import(args.db, imported))
    if closed.slots:
        names = ", ".join(session_name(problem.slots[s].label) for s in sorted(closed.slots))
        one = len(closed.slots) == 1
        print(f"{names} {'has' if one else 'have'} already started in {args.db}: nobody new is placed "
              f"in {'it' if one else 'them'}" + (f"; {sum(n for _, _, n, _ in closed.lost)} run(s) have no session "
                                                 "left in their window:" if closed.lost else ""))
        for driver_id, name, lost, runs in closed.lost:
            print(f"  {driver_id} {name}: {lost} of {runs} runs not placed")
    if keep is not None:
        changes = list(keep.dropped) + describe_changes(problem, keep, solution.roster)
        print(f"changes against {args.keep}: {len(changes) or 'none'}")
        for line in changes:
            print(f"  {line}")
    return EXIT_PARTIAL if any(solution.roster.unmet(problem)) or closed.lost else EXIT_OK


def _read_inputs(args: argparse.Namespace, entries_path: Path) -> tuple[Problem, tuple[RosterRow, ...] | None]:
    """The problem and the published roster, with every problem of all three files at once."""
    problems = []
    notes: list[InputProblem] = []
    problem: Problem | None = None
    published = None
    try:
        _, _, problem = load_problem(entries_path, args.plan, notes)
    except ScheduleInputError as err:
        problems.extend(err.problems)
    _print_notes(notes)
    if args.keep is not None:
        try:
            published = read_roster(args.keep)
        except ScheduleInputError as err:
            problems.extend(err.problems)
    if problems or problem is None:
        raise ScheduleInputError(problems)
    return problem, published


def _print_notes(notes: list[InputProblem]) -> None:
    """What was read but is worth saying (ignored columns, a kept-apart class no entry has), on stderr."""
    for note in notes:
        print(f"laptiming: note: {note}", file=sys.stderr)


def _import(args: argparse.Namespace, db: Database | None, problem: Problem, solution: Solution) -> ImportSummary:
    """Put the roster in the event database (made now if missing, removed again if that fails)."""
    made = db is None
    target = db if db is not None else open_event_db(args.db, create=True)
    try:
        try:
            return import_roster(target, roster_records(problem, solution.roster))
        except sqlite3.Error as err:  # a lock held past the wait, a full disk: one line (the import rolled back)
            raise store_error(args.db, err) from err
    except BaseException:
        if made:
            target.close()
            remove_event_db(args.db)
        raise
    finally:
        if made:
            target.close()


def _refuse_unsteady(solution: Solution, options: SolveOptions) -> int:
    """The wall-clock safety net cut a stage: say so, write nothing."""
    first, *left = [s.name for s in solution.stages if s.stopped_by_wall_clock]
    after = f" (stages left: {', '.join(repr(name) for name in left)})" if left else ""
    print(f"laptiming: the wall-clock safety limit ({options.wall_limit:g} s) stopped the {first!r} stage "
          f"before its work was done{after}, so the roster could differ run to run; nothing was written "
          f"(run it on a less busy machine, or raise --wall-limit)", file=sys.stderr)
    return EXIT_UNSTEADY


def _progress_display(args: argparse.Namespace):
    """Stage, sessions so far against the bound, and time spent, on stderr (when asked or a terminal)."""
    show = args.progress if args.progress is not None else sys.stderr.isatty()
    if not show:
        return None
    last = [-1.0, ""]

    def display(progress: Progress) -> None:
        text = (f"{progress.stage}: {progress.sessions} sessions (bound {progress.bound})"
                + (f", {progress.unmet} runs unmet" if progress.unmet else ""))
        if text == last[1] and progress.elapsed_s - last[0] < 5:
            return
        last[0], last[1] = progress.elapsed_s, text
        print(f"  [{progress.elapsed_s:5.1f} s] {text}", file=sys.stderr, flush=True)

    return display


def _unexplained_shortfall(args: argparse.Namespace) -> str:
    """What may place runs the bounds do not prove impossible: with a kept roster pinning runs, moving them."""
    if args.keep is not None and not args.allow_moves:
        return ("the bounds do not prove the rules impossible, and the published runs are kept where they "
                "are: --allow-moves may place the missing runs by moving some")
    return "the bounds do not prove the rules impossible; a longer --time-limit may place the missing runs"


def _print_summary(problem: Problem, solution: Solution, args: argparse.Namespace, row_count: int) -> None:
    """Sessions used vs the bound, runs unmet, groups together, spread and time."""
    roster: Roster = solution.roster
    plan = problem.plan
    used = len(roster.used_slots())
    unmet = roster.unmet(problem)
    possible = sum(1 for g in problem.groups if g.pairs)
    last = max((problem.slots[s].end for s in roster.used_slots()), default=None)
    print(f"{plan.event_name}: {len(problem.drivers)} drivers, {problem.total_runs} runs, "
          f"{len(problem.slots)} session slots over {len(plan.days)} day(s)")
    if solution.unmet_runs:
        proof = "the bound is for a full roster"
    elif solution.sessions_proven_optimal and solution.constrained_by and used > solution.bound.total:
        proof = f"the fewest possible with {solution.constrained_by}"
    elif solution.sessions_proven_optimal:
        proof = "optimal"
    else:
        proof = f"{100 * (used - solution.bound.total) / max(1, solution.bound.total):.1f}% above the bound"
    print(f"sessions used: {used} (lower bound {solution.bound.total}, {proof})"
          + (f", last session ends {last:%Y-%m-%d %H:%M}" if last else ""))
    left_out = sum(1 for d in problem.drivers if d.runs and not roster.sessions[d.index])
    proof = ""
    if sum(unmet) and solution.runs_proven and args.keep is not None and not args.allow_moves:
        # Proven with the published runs pinned: moving some may place more (the why lines say so).
        proof = (" (the fewest possible with the published runs kept"
                 + (f", {left_out} driver(s) left without a run)" if left_out else "; every driver runs at least once)"))
    elif sum(unmet) and solution.runs_proven:
        proof = (" (the fewest possible; every driver runs at least once)" if not left_out else
                 f" (the fewest possible with {left_out} driver(s) left without a run, the fewest possible)")
    print(f"runs unmet: {sum(unmet)}{proof}")
    for driver in problem.drivers:
        if unmet[driver.index]:
            print(f"  {driver.driver_id} {driver.entry.driver}: {unmet[driver.index]} of "
                  f"{driver.runs} runs not placed")
    if sum(unmet):
        several = sum(1 for u in unmet if u > 1)
        print(f"  shared out: {several} driver(s) miss more than one run"
              + (" (the fewest possible)" if solution.shortage_shared_proven else ""))
        reasons = explain_shortfall(problem, solution.bound)
        if args.keep is not None and not args.allow_moves:  # the bounds know nothing of the pinned runs
            reasons.append(_unexplained_shortfall(args) if not reasons else
                           "the published runs are kept where they are: --allow-moves may place more by moving some")
        for reason in reasons or [_unexplained_shortfall(args)]:
            print(f"  why: {reason}")
    print(f"groups together: {groups_together(problem, roster)} of {possible}")
    for reason in groups_too_big(problem):
        print(f"  {reason}")
    print(f"spread: {spread_penalty(problem, roster)} runs beyond a fair share of a half-day "
          f"or of the early/late slots")
    if args.mix:
        met = owners_met(problem, roster)
        baseline = owners_met(problem, random_roster(problem, roster, args.seed))
        print(f"owners met per driver: mean {met.mean:.1f}, least {met.least} (a random roster: mean "
              f"{baseline.mean:.1f}, least {baseline.least})")
    mode = ("deterministic" if solution.deterministic else "stopped by the wall clock, may vary") \
        if args.workers == 0 else f"{args.workers} workers, not reproducible"
    print(f"solve time: {solution.seconds:.1f} s ({mode}, seed {args.seed})")
    print(f"roster: {args.out} ({row_count} rows)" + (f", sheets in {args.sheets}" if args.sheets else ""))
