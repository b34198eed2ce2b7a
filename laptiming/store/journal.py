"""The passing journal: append-only, idempotent, and written by one thread before anything reacts.

A passing's identity is (decoder id, passing number, decoder time): a resend or a replay of the
same passing is ignored; the same number with a new time is a new passing (the decoder's counter
was reset). Each session links the journal passings that belong to it, so a capture replayed
into two sessions is stored once and counted once in each.

The hot paths use the connection's ``execute``/``executemany`` directly inside sqlite-utils'
``atomic()`` transactions; everything else goes through sqlite-utils.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from itertools import chain
from operator import attrgetter
from typing import TYPE_CHECKING

from sqlite_utils import Database

from hardware.events import Passing
from laptiming.engine import MANUAL_DECODER_ID
from laptiming.store.bulk import insert_flat

if TYPE_CHECKING:
    from hardware.p3.columns import PassingColumns

_COLUMNS = (
    "decoder_id, passing_number, transponder, decoder_time_us, strength, hits, "
    "transponder_code, utc_time_us, host_time_ns, source"
)
_ON_CONFLICT = "ON CONFLICT (decoder_id, passing_number, decoder_time_us) DO NOTHING"
_INTO = f"INSERT INTO passings ({_COLUMNS})"
_WIDTH = len(_COLUMNS.split(","))
_INSERT = f"{_INTO} VALUES ({', '.join('?' * _WIDTH)}) {_ON_CONFLICT}"
_key = attrgetter("decoder_id", "passing_number", "decoder_time_us")
_FIND = "SELECT id FROM passings WHERE decoder_id = ? AND passing_number = ? AND decoder_time_us = ?"
_LINK = "INSERT OR IGNORE INTO session_passings (session_id, passing_id) VALUES (?, ?)"

PassingRow = tuple[int, int, int, int, int | None, int | None, str | None, int | None, int, str]


_row: Callable[[Passing], PassingRow] = attrgetter(
    "decoder_id", "passing_number", "transponder", "decoder_time_us", "strength", "hits",
    "transponder_code", "utc_time_us", "host_time_ns", "source",
)


# A Passing is a tuple of exactly the journal's columns in order, so it is bound as it is.
_PASSINGS_ARE_ROWS = Passing._fields == tuple(name.strip() for name in _COLUMNS.split(","))


def journal_passing(conn: sqlite3.Connection, session_id: int | None, passing: Passing) -> bool:
    """Journal one passing (inside the caller's transaction); True when it is new to the session."""
    cursor = conn.execute(_INSERT, _row(passing))
    if cursor.rowcount == 1:
        passing_id = cursor.lastrowid
        new_to_journal = True
    else:
        passing_id = conn.execute(
            _FIND, (passing.decoder_id, passing.passing_number, passing.decoder_time_us)
        ).fetchone()[0]
        new_to_journal = False
    if session_id is None:
        return new_to_journal
    return conn.execute(_LINK, (session_id, passing_id)).rowcount == 1


def journal_bulk(conn: sqlite3.Connection, session_id: int, passings: Sequence[Passing]) -> int:
    """Journal many passings for one session (inside the caller's transaction); how many were new to it.

    Rows this call inserts are the ones above the journal's highest id before it (the journal
    is append-only and this is the only writer), so they are linked in one statement; only
    passings that were already journaled (or repeated in ``passings``) are looked up one by one.
    """
    rows = passings if _PASSINGS_ARE_ROWS else map(_row, passings)
    values = list(chain.from_iterable(rows))
    return _journal_rows(conn, session_id, lambda: insert_flat(conn, _INTO, _WIDTH, values, on_conflict=_ON_CONFLICT),
                         len(passings), lambda: set(map(_key, passings)))


def journal_columns(conn: sqlite3.Connection, session_id: int, columns: PassingColumns) -> int:
    """:func:`journal_bulk` for passings as columns (a bulk decode): no Python object per passing.

    The host time and source, one value for the whole batch, are bound once per statement; rows
    are stored exactly as :func:`journal_bulk` stores them.
    """
    import numpy as np  # bulk work only

    by_name = {"decoder_id": columns.decoder_id, "passing_number": columns.passing_number,
               "transponder": columns.transponder, "decoder_time_us": columns.rtc_time_us,
               "strength": columns.strength, "hits": columns.hits}
    constants = {"host_time_ns": columns.host_time_ns, "source": columns.source}
    decoders = columns.decoder_id
    if len(decoders) and (decoders == decoders[0]).all():  # one decoder, as usual: its id bound once a statement
        constants = {"decoder_id": int(decoders[0]), **constants}
        del by_name["decoder_id"]
    table = np.empty((len(columns), len(by_name)), dtype=np.int64)  # each column at its wire width, made int64
    for index, column in enumerate(by_name.values()):
        table[:, index] = column
    into = f"INSERT INTO passings ({', '.join([*by_name, *constants])})"

    def keys() -> set[tuple[int, int, int]]:
        return set(zip(columns.decoder_id.tolist(), columns.passing_number.tolist(), columns.rtc_time_us.tolist()))

    return _journal_rows(
        conn, session_id,
        lambda: insert_flat(conn, into, len(by_name), table.ravel().tolist(), tuple(constants.values()), _ON_CONFLICT),
        len(columns), keys)


def _journal_rows(conn: sqlite3.Connection, session_id: int, insert: Callable[[], None], count: int,
                  keys: Callable[[], set[tuple[int, int, int]]]) -> int:
    """Insert ``count`` rows with ``insert``, link the new ones in one statement and look up only the rest."""
    before = conn.execute("SELECT COALESCE(MAX(id), 0) FROM passings").fetchone()[0]
    changes_before = conn.total_changes
    insert()
    inserted = conn.total_changes - changes_before
    changes_before = conn.total_changes
    conn.execute(
        "INSERT OR IGNORE INTO session_passings (session_id, passing_id) SELECT ?, id FROM passings WHERE id > ?",
        (session_id, before),
    )
    if inserted < count:  # resends within the batch, or passings already journaled
        known = {
            key
            for key in conn.execute(
                "SELECT decoder_id, passing_number, decoder_time_us FROM passings WHERE id > ?", (before,)
            )
        }
        for key in keys() - known:
            passing_id = conn.execute(_FIND, key).fetchone()[0]
            conn.execute(_LINK, (session_id, passing_id))
    return conn.total_changes - changes_before


def _passing(row: Sequence) -> Passing:
    return Passing(
        decoder_id=row[0],
        passing_number=row[1],
        transponder=row[2],
        decoder_time_us=row[3],
        strength=row[4],
        hits=row[5],
        transponder_code=row[6],
        utc_time_us=row[7],
        host_time_ns=row[8] or 0,
        source=row[9] or "",
    )


_SESSION_COLUMNS = ", ".join(f"p.{name.strip()}" for name in _COLUMNS.split(","))


def load_passings(db: Database, session_id: int) -> list[Passing]:
    """The session's journal passings in the order they were committed."""
    cursor = db.execute(
        f"SELECT {_SESSION_COLUMNS} FROM session_passings s JOIN passings p ON p.id = s.passing_id "
        "WHERE s.session_id = ? ORDER BY p.id",
        [session_id],
    )
    return [_passing(row) for row in cursor]


def passings_since(db: Database, session_id: int, after_id: int) -> tuple[list[Passing], int]:
    """The session's passings journaled after journal id ``after_id`` (ids only grow), and the last id seen:
    what a follower reads on each look instead of the whole session."""
    cursor = db.execute(
        f"SELECT p.id, {_SESSION_COLUMNS} FROM session_passings s JOIN passings p ON p.id = s.passing_id "
        "WHERE s.session_id = ? AND s.passing_id > ? ORDER BY s.passing_id",
        [session_id, after_id],
    )
    passings, last = [], after_id
    for row in cursor:
        last = row[0]
        passings.append(_passing(row[1:]))
    return passings, last


def count_passings(db: Database, session_id: int | None = None) -> int:
    """Passings in the journal (or linked to one session)."""
    if session_id is None:
        return int(db.execute("SELECT COUNT(*) FROM passings").fetchone()[0])
    return int(db.execute("SELECT COUNT(*) FROM session_passings WHERE session_id = ?", [session_id]).fetchone()[0])


def last_passing_numbers(passings: Iterable[Passing]) -> dict[int, int]:
    """Highest passing number per decoder (for the reader to ask for what it missed while down)."""
    highest: dict[int, int] = {}
    for passing in passings:
        if passing.decoder_id != MANUAL_DECODER_ID and passing.passing_number > highest.get(passing.decoder_id, -1):
            highest[passing.decoder_id] = passing.passing_number
    return highest
