"""Passings as columns (a bulk decode) are journaled and replayed exactly as the same passings as objects."""

from __future__ import annotations

from itertools import accumulate

from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.events import Passing
from hardware.p3.columns import PassingColumns
from laptiming.engine import SessionRules
from laptiming.replay import replay_session
from laptiming.store import (
    bulk_import,
    create_session,
    journal_bulk,
    journal_columns,
    load_passings,
    open_event_db,
    write_transaction,
)

_passing = st.builds(
    Passing, st.sampled_from([7, 268307]), st.integers(0, 30), st.integers(1, 5), st.integers(0, 10**12),
    st.integers(0, 255), st.integers(0, 255), st.none(), st.none(), st.sampled_from([0, 5]), st.sampled_from(["", "file://c"]),
)
# one batch: the same host time and source for all (as one decoded buffer), repeats and resends allowed
_batch = st.tuples(st.lists(_passing, min_size=1, max_size=12), st.sampled_from([0, 5]), st.sampled_from(["", "file://c"])).map(
    lambda t: [p._replace(host_time_ns=t[1], source=t[2]) for p in t[0]])


@settings(max_examples=40, deadline=None)
@given(st.lists(_batch, min_size=1, max_size=3))
def test_columns_journal_as_the_same_passings_as_objects(tmp_path_factory, batches):
    stored = []
    for as_columns in (False, True):
        db = open_event_db(tmp_path_factory.mktemp("db") / "event.db", create=True)
        session_id = create_session(db, "S", SessionRules())
        with write_transaction(db):
            counts = [journal_columns(db.conn, session_id, PassingColumns.from_passings(batch)) if as_columns
                      else journal_bulk(db.conn, session_id, batch) for batch in batches]
        rows = db.execute("SELECT decoder_id, passing_number, transponder, decoder_time_us, strength, hits, "
                          "host_time_ns, source FROM passings ORDER BY id").fetchall()
        stored.append((counts, rows, load_passings(db, session_id)))
        db.close()
    assert stored[0] == stored[1]


def test_a_replay_from_columns_stores_what_a_replay_from_objects_stores(tmp_path):
    missed = (21, 26)  # the loop missed these: the laps around them are suspect
    passings = [Passing(268307, n, 1000 + n % 4, 10**9 + n * 40_000_000, 100, 20, source="file://c")
                for n in range(60) if n not in missed]
    results = []
    for name, given_passings in (("objects", passings), ("columns", PassingColumns.from_passings(passings))):
        db = open_event_db(tmp_path / f"{name}.db", create=True)
        session_id, result = replay_session(db, "S", SessionRules(), given_passings)
        laps = db.execute("SELECT car_id, lap_no, transponder, lap_time_us, crossing_us, flags FROM laps").fetchall()
        results.append((result, laps, load_passings(db, session_id)))
        assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1  # back on after the bulk import
        db.close()
    assert results[0] == results[1]
    assert len(results[0][1]) > 50 and [row[5] for row in results[0][1]].count("suspect") == len(missed)


def test_a_bulk_import_that_fails_writes_nothing_and_checks_foreign_keys_again(tmp_path):
    db = open_event_db(tmp_path / "event.db", create=True)
    try:
        with bulk_import(db):
            create_session(db, "S", SessionRules())
            raise RuntimeError("stop")
    except RuntimeError:
        pass
    assert db.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 0
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    db.close()


def test_laptiming_replay_keeps_a_capture_in_columns_even_when_its_last_read_is_stepped(tmp_path, monkeypatch):
    """A capture is read 64 KiB at a time; the short last read is stepped through as objects. Its passings
    join the columns, so the replay still makes no object per passing, and stores what the objects would."""
    import laptiming.cli.timing_cmd as timing_cmd
    from hardware.p3 import encode_passing
    from laptiming.cli import main

    sent = [Passing(268307, n, 1000 + n % 5, 10**9 + n * 20_000_000, 100, 20) for n in range(3000)]
    sizes = list(accumulate(len(encode_passing(p)) for p in sent))
    sent = sent[: next(n for n in range(len(sent), 0, -1) if 0 < sizes[n - 1] % (64 * 1024) < 4096)]  # a short last read
    capture = tmp_path / "day.p3"
    capture.write_bytes(b"".join(map(encode_passing, sent)))
    given = []
    real = timing_cmd.replay_session

    def spy(db, name, rules, passings):
        given.append(passings)
        return real(db, name, rules, passings)

    monkeypatch.setattr(timing_cmd, "replay_session", spy)
    assert main(["replay", str(capture), "--db", str(tmp_path / "event.db")]) == 0
    assert isinstance(given[0], PassingColumns) and len(given[0]) == len(sent) > 2000
    db = open_event_db(tmp_path / "event.db", readonly=True)
    try:
        assert load_passings(db, 1) == [p._replace(source=f"file://{capture}") for p in sent]
    finally:
        db.close()
