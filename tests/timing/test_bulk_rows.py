"""Rows in bulk: multi-row INSERT statements store what one row per statement stores, and the
column-backed laps and verdicts of the array engine read as tuples of records."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from laptiming.engine.columns import LapColumns
from laptiming.engine.model import Lap, LapFlag
from laptiming.store.bulk import ROWS_PER_STATEMENT, insert_flat


def _table(path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b TEXT, k INTEGER, s TEXT, UNIQUE (a, k))")
    return conn


@pytest.mark.parametrize("count", [0, 1, ROWS_PER_STATEMENT, 2 * ROWS_PER_STATEMENT + 57])
def test_multi_row_statements_store_the_rows_one_statement_per_row_stores(tmp_path, count):
    rows = [(n, f"row {n}") for n in range(count)]
    flat = [value for row in rows for value in row]
    stored = []
    for name, write in (
        ("one", lambda conn: conn.executemany("INSERT INTO t (a, b, k, s) VALUES (?, ?, 7, 'x')", rows)),
        ("many", lambda conn: insert_flat(conn, "INSERT INTO t (a, b, k, s)", 2, flat, (7, "x"))),
    ):
        conn = _table(tmp_path / f"{name}.db")
        write(conn)
        stored.append(conn.execute("SELECT id, a, b, k, s FROM t ORDER BY id").fetchall())
    assert stored[0] == stored[1] and len(stored[1]) == count


def test_a_conflict_clause_applies_to_each_row_and_a_ragged_list_is_refused(tmp_path):
    conn = _table(tmp_path / "t.db")
    insert_flat(conn, "INSERT INTO t (a, b, k)", 3, [1, "one", 5, 1, "again", 5, 2, "two", 5],
                on_conflict="ON CONFLICT (a, k) DO NOTHING")
    assert conn.execute("SELECT a, b FROM t ORDER BY id").fetchall() == [(1, "one"), (2, "two")]
    with pytest.raises(ValueError, match="do not make rows of 3"):
        insert_flat(conn, "INSERT INTO t (a, b, k)", 3, [1, 2])


def test_column_backed_laps_read_as_the_tuple_of_their_records():
    laps = (Lap(3, 1, 90, 1090, 7), Lap(3, 2, 200, 1290, 7, frozenset({LapFlag.SUSPECT})),
            Lap(4, 1, 95, 1100, 8, frozenset({LapFlag.SUSPECT, LapFlag.DELETED})))
    columns = LapColumns.from_laps(laps)
    assert isinstance(columns.lap_no, np.ndarray) and len(columns) == 3
    assert columns == laps and laps == columns and tuple(columns) == laps and hash(columns) == hash(laps)
    assert columns[-1] == laps[-1] and columns[1:] == laps[1:] and columns[::-2] == laps[::-2]
    assert columns != laps[:2] and columns != (*laps[:2], Lap(4, 1, 95, 1100, 8))
    with pytest.raises(IndexError):
        columns[3]
    assert LapColumns.concatenate([LapColumns.from_laps(laps[:1]), LapColumns.from_laps(laps[1:])]) == laps
    assert LapColumns.concatenate([]) == ()
