"""The lap engine: passings to laps to standings, as pure functions of their input.

No I/O, no clock, no UI and no store in here, so a replay of the journal gives the same
result as the live day, to the microsecond. ``derive_session`` is the batch form; ``start`` /
``step`` / ``resetup`` the live fold that must agree with it.
"""

from laptiming.engine.batch import SessionResult, derive_session
from laptiming.engine.corrections import (
    AddPassing,
    AssignTransponder,
    Correction,
    CorrectionAction,
    CorrectionKind,
    DeleteLap,
    SessionSetup,
    SetMinLap,
    SetStatus,
    TimePenalty,
    VoidPassing,
)
from laptiming.engine.events import (
    FinishTimeSet,
    LapChanged,
    LapRemoved,
    PassingJudged,
    SessionEvent,
    StandingChanged,
    UnknownTransponder,
    UnknownTransponderSeen,
)
from laptiming.engine.fold import SessionState, resetup, result, start, step
from laptiming.engine.model import (
    MANUAL_DECODER_ID,
    NEVER_US,
    Entry,
    Lap,
    LapFlag,
    PassingReason,
    TransponderAssignment,
    Verdict,
    passing_id,
)
from laptiming.engine.rules import CarStatus, SessionMarkers, SessionRules, SessionType
from laptiming.engine.standings import Gap, StandingRow, leader_laps

__all__ = [
    "MANUAL_DECODER_ID",
    "NEVER_US",
    "AddPassing",
    "AssignTransponder",
    "CarStatus",
    "Correction",
    "CorrectionAction",
    "CorrectionKind",
    "DeleteLap",
    "Entry",
    "FinishTimeSet",
    "Gap",
    "Lap",
    "LapChanged",
    "LapFlag",
    "LapRemoved",
    "PassingJudged",
    "PassingReason",
    "SessionEvent",
    "SessionMarkers",
    "SessionResult",
    "SessionRules",
    "SessionSetup",
    "SessionState",
    "SessionType",
    "SetMinLap",
    "SetStatus",
    "StandingChanged",
    "StandingRow",
    "TimePenalty",
    "TransponderAssignment",
    "UnknownTransponder",
    "UnknownTransponderSeen",
    "Verdict",
    "VoidPassing",
    "derive_session",
    "passing_id",
    "resetup",
    "result",
    "start",
    "step",
    "leader_laps",
]
