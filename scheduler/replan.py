"""Re-planning after the roster was published: keep everyone where they are if possible.

A late entry, a withdrawal, or a driver whose entry changed (a new window, fewer runs, a
different car) is re-solved with every other published run kept. A published run is kept
when it is still legal for the driver and alongside the runs kept before it (so a shared
car's published runs that send it straight back out with another driver are not kept); a
driver whose runs are all kept is frozen. With moves allowed nothing is fixed: the published
roster is the start, and moving runs away from it is the goal right after placing every run.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from scheduler.greedy import legal_subset
from scheduler.grid import max_runs_in, too_close
from scheduler.model import format_time
from scheduler.problem import Driver, Problem, build_problem, restrict_slots
from scheduler.roster import Roster, RosterRow


@dataclass(frozen=True, slots=True)
class KeepPlan:
    """What to keep from a published roster, and what had to go."""

    published: dict[int, tuple[int, ...]]   # driver index -> published slot indices
    fixed: dict[int, tuple[int, ...]]       # runs that stay (legal now)
    frozen: frozenset[int]                  # drivers with every run kept
    withdrawn: tuple[str, ...]              # published driver ids no longer entered
    dropped: tuple[str, ...]                # published runs that can no longer stand, in words


@dataclass(frozen=True, slots=True)
class Closed:
    """A problem with the sessions already started shut to new runs, and the runs that shutting cost."""

    problem: Problem
    slots: frozenset[int]
    lost: tuple[tuple[str, str, int, int], ...]  # (driver id, name, runs no open session can take, runs asked for)


def close_slots(problem: Problem, closed: Collection[int], rows: Sequence[RosterRow] = ()) -> Closed:
    """The problem with ``closed`` slots (sessions already started or run) shut to new runs: a driver may be in one
    only where the published ``rows`` have them (and their window still holds it).

    A driver whose window then holds fewer runs keeps those it holds (the rest are ``lost``, said to the user); one
    whose window holds none leaves the problem, so that every driver still has room for their runs.
    """
    closed = frozenset(closed)
    if not closed:
        return Closed(problem, closed, ())
    slot_of = {(s.start, s.end): i for i, s in enumerate(problem.slots)}
    published: dict[str, set[int]] = {}
    for row in rows:
        slot = slot_of.get((row.start, row.end))
        if slot in closed:
            published.setdefault(row.driver_id, set()).add(slot)

    def open_to(driver: Driver) -> tuple[int, ...]:
        return tuple(s for s in driver.allowed if s not in closed or s in published.get(driver.driver_id, ()))

    rest = problem.plan.min_rest_minutes
    fits = {d.driver_id: max_runs_in(list(open_to(d)), problem.slots, rest) for d in problem.drivers}
    lost = tuple((d.driver_id, d.entry.driver, d.runs - fits[d.driver_id], d.runs) for d in problem.drivers
                 if fits[d.driver_id] < d.runs)
    if any(fits[d.driver_id] == 0 for d in problem.drivers):
        problem = build_problem([d.entry for d in problem.drivers if fits[d.driver_id]], problem.plan)
    narrowed = restrict_slots(problem, [open_to(d) for d in problem.drivers],
                              [min(d.runs, fits[d.driver_id]) for d in problem.drivers])
    return Closed(narrowed, closed, lost)


def pinned_in(keep: KeepPlan, closed: Collection[int]) -> dict[int, tuple[int, ...]]:
    """The kept runs in closed slots: they have been run, so even ``--allow-moves`` leaves them where they are."""
    pinned = {d: tuple(s for s in slots if s in closed) for d, slots in keep.fixed.items()}
    return {d: slots for d, slots in pinned.items() if slots}


def keep_plan(problem: Problem, rows: Sequence[RosterRow]) -> KeepPlan:
    """Match the published rows to the current entries and slots."""
    index_of = {d.driver_id: d.index for d in problem.drivers}
    slot_of = {(s.start, s.end): i for i, s in enumerate(problem.slots)}
    published: dict[int, list[int]] = {}
    withdrawn: list[str] = []
    dropped: list[str] = []
    for row in rows:
        driver = index_of.get(row.driver_id)
        if driver is None:
            if row.driver_id not in withdrawn:
                withdrawn.append(row.driver_id)
            continue
        slot = slot_of.get((row.start, row.end))
        if slot is None:
            dropped.append(f"{row.driver_id}: {format_time(row.start)} is no longer a session slot")
            continue
        published.setdefault(driver, []).append(slot)
    wanted = {d: tuple(sorted(s)) for d, s in published.items()}
    fixed = legal_subset(problem, wanted)
    for driver_index, slots in list(fixed.items()):
        if not _room_for_the_rest(problem, driver_index, slots):
            del fixed[driver_index]  # the kept runs would block the driver's other runs: re-place all
    for driver, slots in wanted.items():
        lost = sorted(set(slots) - set(fixed.get(driver, ())))
        if lost:
            times = ", ".join(f"{problem.slots[s].start:%H:%M}" for s in lost)
            dropped.append(f"{problem.drivers[driver].driver_id}: published run(s) at {times} no "
                           "longer fit the entry or the rules")
    frozen = frozenset(d for d, slots in fixed.items() if len(slots) == problem.drivers[d].runs)
    return KeepPlan(wanted, fixed, frozen, tuple(withdrawn), tuple(dropped))


def _room_for_the_rest(problem: Problem, driver_index: int, kept: tuple[int, ...]) -> bool:
    """True when the driver's window still has room, with rest, for runs beyond the kept ones."""
    driver = problem.drivers[driver_index]
    missing = driver.runs - len(kept)
    if missing <= 0:
        return True
    rest = problem.plan.min_rest_minutes
    free = [s for s in driver.allowed if s not in kept
            and not any(too_close(problem.slots[s], problem.slots[k], rest) for k in kept)]
    return max_runs_in(free, problem.slots, rest) >= missing


def describe_changes(problem: Problem, keep: KeepPlan, roster: Roster) -> list[str]:
    """What changed against the published roster, one line per driver, in words."""
    lines = [f"{driver_id}: withdrawn, their runs are free" for driver_id in keep.withdrawn]

    def when(slots: Sequence[int]) -> str:
        return ", ".join(format_time(problem.slots[s].start) for s in slots)

    for driver in problem.drivers:
        before = keep.published.get(driver.index)
        after = roster.sessions[driver.index]
        label = f"{driver.driver_id} {driver.entry.driver}"
        if before is None:
            lines.append(f"{label}: new entry, runs at {when(after)}" if after
                         else f"{label}: new entry, no run placed")
            continue
        removed = sorted(set(before) - set(after))
        added = sorted(set(after) - set(before))
        if removed and added:
            lines.append(f"{label}: moved from {when(removed)} to {when(added)}")
        elif removed:
            lines.append(f"{label}: dropped {when(removed)}")
        elif added:
            lines.append(f"{label}: added {when(added)}")
    return lines
