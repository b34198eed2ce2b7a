"""Entering cars quickly: an unknown transponder entered as a car numbered by the transponder."""

from __future__ import annotations

from collections.abc import Iterable

from sqlite_utils import Database

from laptiming.store.sessions import assign_transponder, enter_car, ensure_car


def enter_by_number(db: Database, session_id: int, transponders: Iterable[int]) -> None:
    """Each transponder without a car becomes car number = transponder, entered in the session."""
    assigned = {row[0] for row in db.execute("SELECT DISTINCT transponder FROM transponder_assignments")}
    for transponder in sorted(set(transponders)):
        if transponder in assigned:
            car_id = int(
                db.execute(
                    "SELECT car_id FROM transponder_assignments WHERE transponder = ? ORDER BY id DESC LIMIT 1",
                    [transponder],
                ).fetchone()[0]
            )
        else:
            car_id = ensure_car(db, str(transponder))
            assign_transponder(db, transponder, car_id, made_by="laptiming", reason="unknown transponder entered by number")
        enter_car(db, session_id, car_id)


def drop_placeholder(db: Database, session_id: int, transponder: int, keep_car_id: int) -> bool:
    """Take the car entered by number for this transponder off the session's entry list.

    Only a placeholder goes: a car numbered exactly as the transponder, with no class and no
    driver in this session, that is not ``keep_car_id``. True when one was removed.
    """
    rows = db.execute(
        """
        SELECT c.id FROM session_entries e JOIN cars c ON c.id = e.car_id
        WHERE e.session_id = ? AND c.number = ? AND c.car_class IS NULL AND e.driver_id IS NULL AND c.id != ?
        """,
        [session_id, str(transponder), keep_car_id],
    ).fetchall()
    for (car_id,) in rows:
        db.execute("DELETE FROM session_entries WHERE session_id = ? AND car_id = ?", [session_id, car_id])
    return bool(rows)
