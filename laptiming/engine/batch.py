"""The batch form: a session's whole result from its passings and setup, in one pass.

This is what a replay, an export and every correction run; the live fold (:mod:`.fold`)
must always agree with it.
"""

from __future__ import annotations

from collections.abc import Iterable

from hardware.events import Passing
from laptiming.engine.corrections import ResolvedSetup, SessionSetup
from laptiming.engine.derive import SessionResult, collect_result, derive_cars, split_by_car, unique_passings

__all__ = ["SessionResult", "derive_session"]


def derive_session(passings: Iterable[Passing], setup: SessionSetup) -> SessionResult:
    """The batch form: the result of a session from its journal passings and its setup."""
    resolved = ResolvedSetup(setup)
    unique = unique_passings((*passings, *resolved.added_passings))
    crossings_by_car, others = split_by_car(unique, resolved)
    cars, finish = derive_cars(crossings_by_car, resolved)
    return collect_result(others, cars, resolved, finish)
