"""Entering cars quickly: an unknown transponder entered as a car numbered by the transponder."""

from __future__ import annotations

from collections.abc import Iterable

from sqlite_utils import Database

from laptiming.store.sessions import assign_transponder, enter_car, ensure_car, is_entered


def enter_by_number(db: Database, session_id: int, transponders: Iterable[int]) -> None:
    """Each transponder without a car becomes car number = transponder, entered in the session; a car the
    event knows is entered as it is, with its driver when it has only one (the roster's, in a replay)."""
    assigned = {row[0] for row in db.execute("SELECT DISTINCT transponder FROM transponder_assignments")}
    for transponder in sorted(set(transponders)):
        if transponder in assigned:
            car_id = int(
                db.execute(
                    "SELECT car_id FROM transponder_assignments WHERE transponder = ? ORDER BY id DESC LIMIT 1",
                    [transponder],
                ).fetchone()[0]
            )
            if not is_entered(db, session_id, car_id):
                enter_car(db, session_id, car_id, sole_driver(db, car_id))
        else:
            car_id = ensure_car(db, str(transponder))
            assign_transponder(db, transponder, car_id, made_by="laptiming", reason="unknown transponder entered by number")
            enter_car(db, session_id, car_id)


def sole_driver(db: Database, car_id: int) -> int | None:
    """The one driver the car has been entered with in the event's sessions; None for a shared car or none."""
    drivers = db.execute("SELECT DISTINCT driver_id FROM session_entries WHERE car_id = ? AND driver_id IS NOT NULL "
                         "LIMIT 2", [car_id]).fetchall()
    return int(drivers[0][0]) if len(drivers) == 1 else None


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
