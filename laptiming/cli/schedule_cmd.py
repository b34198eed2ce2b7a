"""``laptiming schedule``: build the heat roster from the entries and the plan, or check one.

    laptiming schedule ENTRIES --plan PLAN [--out ROSTER.csv] [--db DB] [--time-limit S] [--seed N]
                       [--workers N] [--keep PUBLISHED.csv [--allow-moves]] [--sheets DIR]
    laptiming schedule check ROSTER --entries ENTRIES --plan PLAN

Exit codes: 0 a full roster (or a roster that passes ``check``), 1 a partial roster with
runs unmet (or rules broken), 2 bad input (every problem listed, nothing written).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from laptiming.roster_import import describe_import, import_roster
from laptiming.store import open_event_db
from scheduler.bounds import explain_shortfall
from scheduler.check import check_roster
from scheduler.errors import ScheduleInputError
from scheduler.problem import Problem, load_problem
from scheduler.records import roster_records
from scheduler.replan import describe_changes, keep_plan
from scheduler.roster import Roster, read_roster, roster_rows, write_roster
from scheduler.sheets import write_sheets
from scheduler.solver import Solution, SolveOptions, groups_together, solve, spread_penalty

EXIT_OK, EXIT_PARTIAL, EXIT_INPUT = 0, 1, 2


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
    parser.add_argument("--out", type=Path, default=Path("roster.csv"),
                        help="where to write the roster CSV (default: roster.csv)")
    parser.add_argument("--time-limit", type=float, default=20.0, metavar="S",
                        help="solver time limit in seconds (default: 20)")
    parser.add_argument("--seed", type=int, default=0, help="solver random seed (default: 0)")
    parser.add_argument("--workers", type=int, default=0, metavar="N",
                        help="0 (default): deterministic, same roster every run; N>0: CP-SAT's "
                             "parallel search on N cores, not reproducible")
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


def run(args: argparse.Namespace) -> int:
    """Dispatch to scheduling or checking."""
    parser: argparse.ArgumentParser = args.parser
    if args.files[0] == "check":
        if len(args.files) != 2 or args.entries is None:
            parser.error("usage: laptiming schedule check ROSTER --entries ENTRIES --plan PLAN")
        return _guard(lambda: _check(Path(args.files[1]), args.entries, args.plan))
    if len(args.files) != 1:
        parser.error("give one entries file (or 'check ROSTER')")
    if args.allow_moves and args.keep is None:
        parser.error("--allow-moves needs --keep PUBLISHED.csv")
    if args.time_limit <= 0 or args.workers < 0:
        parser.error("--time-limit must be positive and --workers at least 0")
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
    entries, plan, _ = load_problem(entries_path, plan_path)
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
    """Solve, write the roster (and sheets), print the summary."""
    entries, plan, problem = load_problem(entries_path, args.plan)
    db = open_event_db(args.db, create=True) if args.db else None  # a bad path fails before solving
    keep = keep_plan(problem, read_roster(args.keep)) if args.keep else None
    options = SolveOptions(time_limit_s=args.time_limit, seed=args.seed, workers=args.workers)
    if keep is None:
        solution = solve(problem, options)
    elif args.allow_moves:
        solution = solve(problem, options, published=keep.published, start=keep.fixed)
    else:
        solution = solve(problem, options, fixed=keep.fixed, frozen=keep.frozen)
    rows = roster_rows(problem, solution.roster)
    write_roster(args.out, rows)
    if args.sheets:
        write_sheets(args.sheets, rows)
    _print_summary(problem, solution, args, len(rows))
    if db is not None:
        try:
            summary = import_roster(db, roster_records(problem, solution.roster))
        finally:
            db.close()
        print(describe_import(args.db, summary))
    if keep is not None:
        changes = list(keep.dropped) + describe_changes(problem, keep, solution.roster)
        print(f"changes against {args.keep}: {len(changes) or 'none'}")
        for line in changes:
            print(f"  {line}")
    return EXIT_PARTIAL if any(solution.roster.unmet(problem)) else EXIT_OK


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
    print(f"runs unmet: {sum(unmet)}")
    for driver in problem.drivers:
        if unmet[driver.index]:
            print(f"  {driver.driver_id} {driver.entry.driver}: {unmet[driver.index]} of "
                  f"{driver.runs} runs not placed")
    if sum(unmet):
        reasons = explain_shortfall(problem, solution.bound)
        for reason in reasons or ["the bounds do not prove the rules impossible; a longer "
                                  "--time-limit may place the missing runs"]:
            print(f"  why: {reason}")
    print(f"groups together: {groups_together(problem, roster)} of {possible}")
    print(f"spread: {spread_penalty(problem, roster)} runs beyond a fair share of a half-day "
          f"or of the early/late slots")
    mode = ("deterministic" if solution.deterministic else "stopped by the wall clock, may vary") \
        if args.workers == 0 else f"{args.workers} workers, not reproducible"
    print(f"solve time: {solution.seconds:.1f} s ({mode}, seed {args.seed})")
    print(f"roster: {args.out} ({row_count} rows)" + (f", sheets in {args.sheets}" if args.sheets else ""))
