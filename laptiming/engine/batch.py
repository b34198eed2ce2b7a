"""The batch form: a session's whole result from its passings and setup, in one pass.

This is what a replay, an export and every correction run; the live fold (:mod:`.fold`)
must always agree with it.
"""

from __future__ import annotations

from collections.abc import Iterable

from hardware.events import Passing
from laptiming.engine.corrections import ResolvedSetup, SessionSetup
from laptiming.engine.derive import (
    SessionResult,
    collect_result,
    derive_cars_flagged,
    split_by_car,
    unique_passings,
)

__all__ = ["SessionResult", "derive_session", "derive_session_per_crossing"]


# The array form (numpy) pays when cars have many crossings each: its cost per car is fixed (a few
# dozen numpy calls). Measured: 5,000 passings of 50 cars, 27 ms crossing by crossing and 31 ms on arrays;
# 33,000 of 50 cars (a weekend session), 2x faster on arrays.
ARRAYS_MIN_PASSINGS = 2000
ARRAYS_MIN_PER_TRANSPONDER = 200


def derive_session(
    passings: Iterable[Passing], setup: SessionSetup, *, flag_at_leader: bool = False
) -> SessionResult:
    """The batch form: the result of a session from its journal passings and its setup.

    A large session (a replay, a re-derive after a correction) is derived on arrays
    (:mod:`.arrays`), with the same result. ``flag_at_leader``: when nothing else ends the session
    (no flag, no time run, no lap count reached), the checkered flag falls as the leader completes
    its last lap (a race capture replayed); the result's setup then carries that flag.
    """
    passings = passings if isinstance(passings, list | tuple) else list(passings)
    if len(passings) >= ARRAYS_MIN_PASSINGS and len(passings) >= ARRAYS_MIN_PER_TRANSPONDER * len(
        {passing.transponder for passing in passings}
    ):
        from laptiming.engine.arrays import derive_session_arrays  # numpy, loaded only when needed

        return derive_session_arrays(passings, setup, flag_at_leader=flag_at_leader)
    return derive_session_per_crossing(passings, setup, flag_at_leader=flag_at_leader)


def derive_session_per_crossing(
    passings: Iterable[Passing], setup: SessionSetup, *, flag_at_leader: bool = False
) -> SessionResult:
    """The batch form crossing by crossing (the reference the array form is tested against)."""
    resolved = ResolvedSetup(setup)
    unique = unique_passings((*passings, *resolved.added_passings))
    crossings_by_car, others = split_by_car(unique, resolved)
    cars, finish, resolved = derive_cars_flagged(crossings_by_car, resolved, flag_at_leader)
    return collect_result(others, cars, resolved, finish)
