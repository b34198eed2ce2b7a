"""``laptiming schedule``'s work: solving, checking, writing the roster and importing it (the parser and the
arguments' own checks are in :mod:`laptiming.cli.schedule_cmd`, which imports this only when scheduling,
so every other command starts without the solver: OR-Tools took 0.15-0.3 s of each command's start)."""

from __future__ import annotations

import argparse
import dataclasses
import sqlite3
import sys
from pathlib import Path

from sqlite_utils import Database

from laptiming.cli.schedule_cmd import EXIT_INPUT, EXIT_OK, EXIT_PARTIAL, EXIT_UNSTEADY
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
from scheduler.solver import (
    Progress,
    Solution,
    SolveOptions,
    groups_together,
    solve,
    spread_penalty,
)


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


def check(roster_path: Path, entries_path: Path, plan_path: Path) -> int:
    """``schedule check``: every rule the roster breaks (bad input said in one line each)."""
    return _guard(lambda: _check(roster_path, entries_path, plan_path))


def schedule(args: argparse.Namespace, entries_path: Path) -> int:
    """Build the roster (and its sheets and the event database's sessions, as asked)."""
    return _guard(lambda: _schedule(args, entries_path))
