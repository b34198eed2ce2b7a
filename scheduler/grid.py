"""The slot grid: where sessions can start, and which slots are too close for one driver.

Slots follow each other from the day's start every ``length + changeover`` minutes; a slot
that would overlap a break is dropped and the sequence restarts at the break's end; a slot
must end by the close of the day.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from scheduler.model import Plan, Slot


def build_slots(plan: Plan) -> tuple[Slot, ...]:
    """Every session slot of the event, in time order, numbered from 1."""
    length = timedelta(minutes=plan.session_minutes)
    step = length + timedelta(minutes=plan.changeover_minutes)
    slots: list[Slot] = []
    for day_index, day in enumerate(plan.days):
        cursor = datetime.combine(day.day, day.start)
        close = datetime.combine(day.day, day.end)
        breaks = [(datetime.combine(day.day, a), datetime.combine(day.day, b)) for a, b in day.breaks]
        while cursor + length <= close:
            clash = next(((a, b) for a, b in breaks if cursor < b and cursor + length > a), None)
            if clash is not None:
                cursor = clash[1]
                continue
            slots.append(Slot(len(slots) + 1, day_index, cursor, cursor + length))
            cursor += step
    return tuple(slots)


def rest_conflicts(slots: tuple[Slot, ...], min_rest_minutes: int) -> tuple[tuple[int, ...], ...]:
    """For each slot index, the later slot indices one driver may not also take.

    A driver needs ``min_rest_minutes`` from the end of one run to the start of the next, so
    slot ``j`` conflicts with an earlier slot ``i`` when ``start[j] < end[i] + rest``. Each
    tuple is contiguous, and together with ``i`` itself it is a clique (all pairwise in
    conflict), which the solver uses as one at-most-one.
    """
    rest = timedelta(minutes=min_rest_minutes)
    result: list[tuple[int, ...]] = []
    for i, slot in enumerate(slots):
        later: list[int] = []
        for j in range(i + 1, len(slots)):
            other = slots[j]
            if other.start >= slot.end + rest:
                break
            later.append(j)
        result.append(tuple(later))
    return tuple(result)


def back_to_back(earlier: tuple[datetime, datetime], later: tuple[datetime, datetime],
                 changeover_minutes: int) -> bool:
    """True when the ``(start, end)`` session ``later`` follows ``earlier`` directly.

    That is: the same day, starting no more than the changeover after ``earlier`` ends (a break
    or the night between them leaves more), so a car in both has no time to change driver.
    """
    (first_start, first_end), (second_start, _) = earlier, later
    return (first_start.date() == second_start.date() and first_start < second_start
            and second_start <= first_end + timedelta(minutes=changeover_minutes))


def back_to_back_pairs(slots: tuple[Slot, ...], changeover_minutes: int) -> tuple[tuple[int, int], ...]:
    """Pairs ``(i, i + 1)`` of slot indices that follow each other directly (see :func:`back_to_back`).

    Slots are in time order and at least a changeover apart, so only the next slot can follow
    a slot directly.
    """
    return tuple((i, i + 1) for i in range(len(slots) - 1)
                 if back_to_back((slots[i].start, slots[i].end), (slots[i + 1].start, slots[i + 1].end),
                                 changeover_minutes))


def too_close(first: Slot, second: Slot, min_rest_minutes: int) -> bool:
    """True when one driver cannot run in both (overlap or less rest than required)."""
    early, late = sorted((first, second), key=lambda s: s.start)
    return late.start < early.end + timedelta(minutes=min_rest_minutes)


def max_runs_in(slot_indices: list[int], slots: tuple[Slot, ...], min_rest_minutes: int) -> int:
    """How many runs with the required rest fit in these slots (earliest-first is optimal)."""
    count = 0
    last: Slot | None = None
    for index in sorted(slot_indices):
        slot = slots[index]
        if last is None or not too_close(last, slot, min_rest_minutes):
            count += 1
            last = slot
    return count
