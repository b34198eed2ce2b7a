"""What the live screens show, kept from the service's notices: plain data, no widgets.

The subscription worker hands notices to :meth:`LiveModel.apply` on the UI thread; the refresh
tick takes :meth:`LiveModel.take_changed` and updates only those rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from hardware.events import DecoderStatus, LinkStatus
from laptiming import engine
from laptiming.engine import (
    FinishTimeSet,
    PassingJudged,
    PassingReason,
    SessionState,
    StandingChanged,
    StandingRow,
    UnknownTransponder,
    UnknownTransponderSeen,
    Verdict,
    passing_id,
)
from laptiming.engine.model import PassingId
from laptiming.service import Notice, Problem

PASSINGS_KEPT = 2_000  # the Passings screen shows the newest of these


@dataclass(slots=True)
class LiveModel:
    """Standings rows keyed by car, the passings log, unknown transponders, problems and the link."""

    rows: dict[int, StandingRow] = field(default_factory=dict)
    verdicts: dict[PassingId, Verdict] = field(default_factory=dict)  # in arrival order; a re-judgement replaces
    unknown: dict[int, UnknownTransponder] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    link: LinkStatus | None = None
    noise: int | None = None  # the loop noise of the decoder's latest STATUS
    finish_at_us: int | None = None
    changed: set[int] = field(default_factory=set)
    crossed: set[int] = field(default_factory=set)  # cars whose passing counted since the last tick
    passings_changed: bool = False

    @classmethod
    def from_snapshot(cls, snapshot: SessionState, link: LinkStatus | None) -> LiveModel:
        """The model as a subscription's snapshot stands, with the session's passings journaled so far
        (called from a worker: judging them all takes a moment on a long session)."""
        model = cls(link=link, finish_at_us=snapshot.finish_at_us)
        model.rows = {row.car_id: row for row in snapshot.standings}
        model.unknown = dict(snapshot.unknown)
        model.changed = set(model.rows)
        verdicts = engine.result(snapshot).verdicts  # the journal's passings so far, each with why it counted or not
        model.verdicts = {passing_id(v.passing): v for v in verdicts[-PASSINGS_KEPT:]}
        model.passings_changed = True
        return model

    def apply(self, notices: Iterable[Notice]) -> None:
        """Take in notices, oldest first."""
        for notice in notices:
            if isinstance(notice, Problem):
                self.problems.append(notice.message)
            elif isinstance(notice, LinkStatus):
                self.link = notice
            elif isinstance(notice, DecoderStatus):
                self.noise = notice.noise
            else:
                for event in notice:
                    self._apply_event(event)

    def _apply_event(self, event: object) -> None:
        if isinstance(event, StandingChanged):
            self.rows[event.row.car_id] = event.row
            self.changed.add(event.row.car_id)
        elif isinstance(event, PassingJudged):
            self.verdicts[passing_id(event.verdict.passing)] = event.verdict
            if len(self.verdicts) > PASSINGS_KEPT:
                del self.verdicts[next(iter(self.verdicts))]
            self.passings_changed = True
            if event.verdict.car_id is not None and event.verdict.reason.counted:
                self.crossed.add(event.verdict.car_id)
        elif isinstance(event, UnknownTransponderSeen):
            self.unknown[event.unknown.transponder] = event.unknown
        elif isinstance(event, FinishTimeSet):
            self.finish_at_us = event.finish_at_us

    def resync(self, state: SessionState) -> None:
        """Take the standings whole from the engine (after a correction, a car may leave the list)."""
        rows = {row.car_id: row for row in state.standings}
        self.changed |= {car_id for car_id, row in rows.items() if self.rows.get(car_id) != row}
        self.changed |= set(self.rows) - set(rows)
        self.rows = rows
        self.unknown = dict(state.unknown)

    def take_changed(self) -> tuple[set[int], set[int]]:
        """The cars whose rows changed and the cars that crossed, since the last call."""
        changed, crossed = self.changed, self.crossed
        self.changed, self.crossed = set(), set()
        return changed, crossed

    def unknown_now(self, known_transponders: set[int]) -> list[UnknownTransponder]:
        """Unknown transponders no row has taken over yet (an assignment clears the alert)."""
        return [u for t, u in sorted(self.unknown.items()) if t not in known_transponders]

    def not_entered_now(self) -> list[int]:
        """Transponders of cars the event knows but this session has not entered, seen on track (first seen first;
        counted again once the car is entered)."""
        known = self.known_transponders()
        seen = dict.fromkeys(v.passing.transponder for v in self.verdicts.values()
                             if v.reason is PassingReason.NOT_ENTERED)
        return [transponder for transponder in seen if transponder not in known]

    def known_transponders(self) -> set[int]:
        """Transponders that belong to a car in the standings."""
        return {t for row in self.rows.values() for t in row.transponders}
