"""The corrections table: each correction appended with who made it, when and why, never edited."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlite_utils import Database

from laptiming.engine import (
    AddPassing,
    AssignTransponder,
    CarStatus,
    Correction,
    CorrectionAction,
    CorrectionKind,
    DeleteLap,
    SetMinLap,
    SetStatus,
    TimePenalty,
    VoidPassing,
)


@dataclass(frozen=True, slots=True)
class CorrectionRecord:
    """A stored correction: what it does, who made it, when (host wall time) and why."""

    correction: Correction
    session_id: int
    made_by: str
    made_at: str

    @property
    def reason(self) -> str:
        """Why it was made."""
        return self.correction.reason


def action_payload(action: CorrectionAction) -> dict[str, Any]:
    """The action's fields as JSON-ready values."""
    payload: dict[str, Any] = {}
    for name in action.__slots__:  # type: ignore[union-attr]
        if name == "kind":
            continue
        value = getattr(action, name)
        payload[name] = value.value if isinstance(value, CarStatus) else value
    return payload


_ACTIONS: dict[CorrectionKind, type] = {
    CorrectionKind.ADD_PASSING: AddPassing,
    CorrectionKind.VOID_PASSING: VoidPassing,
    CorrectionKind.TIME_PENALTY: TimePenalty,
    CorrectionKind.DELETE_LAP: DeleteLap,
    CorrectionKind.SET_STATUS: SetStatus,
    CorrectionKind.ASSIGN_TRANSPONDER: AssignTransponder,
    CorrectionKind.SET_MIN_LAP: SetMinLap,
}


def action_from_payload(kind: CorrectionKind, payload: dict[str, Any]) -> CorrectionAction:
    """The inverse of :func:`action_payload`."""
    if kind is CorrectionKind.SET_STATUS:
        payload = {**payload, "status": CarStatus(payload["status"])}
    return _ACTIONS[kind](**payload)  # type: ignore[no-any-return]


def append_correction(
    db: Database, session_id: int, action: CorrectionAction, made_by: str, reason: str
) -> CorrectionRecord:
    """Append one correction; the stored record (its id orders it among the session's corrections)."""
    made_at = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
    table = db["corrections"].insert(
        {
            "session_id": session_id,
            "kind": action.kind.value,
            "payload": json.dumps(action_payload(action), sort_keys=True),
            "made_by": made_by,
            "reason": reason,
            "made_at": made_at,
        }
    )
    correction = Correction(int(table.last_pk), action, reason)  # type: ignore[arg-type]
    return CorrectionRecord(correction, session_id, made_by, made_at)


def load_corrections(db: Database, session_id: int) -> list[CorrectionRecord]:
    """The session's corrections in the order they were made."""
    records = []
    for row in db.query("SELECT * FROM corrections WHERE session_id = ? ORDER BY id", [session_id]):
        action = action_from_payload(CorrectionKind(row["kind"]), json.loads(row["payload"]))
        records.append(
            CorrectionRecord(Correction(row["id"], action, row["reason"] or ""), session_id, row["made_by"], row["made_at"])
        )
    return records
