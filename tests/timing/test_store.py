"""The event database: schema and open errors, journal idempotence, sessions, entries, corrections."""

from __future__ import annotations

import sqlite3

import pytest

from laptiming.engine import (
    AddPassing,
    AssignTransponder,
    CarStatus,
    DeleteLap,
    SessionRules,
    SessionType,
    SetMinLap,
    SetStatus,
    TimePenalty,
    VoidPassing,
)
from laptiming.errors import InputError, StoreError
from laptiming.store import (
    SessionPhase,
    append_correction,
    assign_transponder,
    count_passings,
    create_session,
    ensure_car,
    ensure_driver,
    enter_car,
    find_session,
    get_session,
    journal_bulk,
    journal_passing,
    load_corrections,
    load_passings,
    load_setup,
    open_event_db,
    update_session,
    write_transaction,
)
from tests.timing.timing_builders import S, T0, passing


@pytest.fixture
def db(tmp_path):
    database = open_event_db(tmp_path / "event.db", create=True)
    yield database
    database.close()


def test_schema_is_applied_once_in_wal_mode_with_full_sync(tmp_path):
    path = tmp_path / "event.db"
    open_event_db(path, create=True).close()
    db = open_event_db(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert [m["name"] for m in db.query("SELECT name FROM _sqlite_migrations")] == [
        "m001_initial", "m002_assignment_author", "m003_session_control", "m004_session_capacity"]
    assert {"passings", "session_passings", "corrections", "laps", "results", "transponder_assignments"} <= set(
        db.table_names()
    )


def test_a_commit_that_fails_leaves_no_transaction_open_for_the_next_unit(db):
    # A deferred foreign key is checked at COMMIT: the COMMIT fails and SQLite keeps the transaction open.
    db.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
    db.execute("CREATE TABLE child (parent_id INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)")
    with pytest.raises(sqlite3.IntegrityError):
        with write_transaction(db):
            db.execute("INSERT INTO child VALUES (42)")
    assert not db.conn.in_transaction  # rolled back, so the next unit is a transaction of its own
    with write_transaction(db):
        db.execute("INSERT INTO parent VALUES (1)")
    assert db.execute("SELECT COUNT(*) FROM child").fetchone()[0] == 0


def test_missing_database_is_an_input_error_and_no_file_is_created(tmp_path):
    with pytest.raises(InputError, match="database not found: .*nothere.db"):
        open_event_db(tmp_path / "nothere.db")
    assert list(tmp_path.iterdir()) == []


def test_a_file_that_is_not_a_database_is_named(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n" * 100)
    with pytest.raises(InputError, match="notes.db: not a database file"):
        open_event_db(path)
    assert path.read_text().startswith("these are my notes")


def test_a_database_from_a_newer_version_is_refused(tmp_path):
    path = tmp_path / "event.db"
    open_event_db(path, create=True).close()
    raw = sqlite3.connect(path)
    raw.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('laptiming', 'm999_future', 'x')")
    raw.commit()
    raw.close()
    with pytest.raises(StoreError, match="newer laptiming"):
        open_event_db(path)


def test_journal_is_idempotent_and_a_reset_counter_gives_a_new_passing(db):
    session_id = create_session(db, "Practice 1", SessionRules())
    with db.atomic():
        assert journal_passing(db.conn, session_id, passing(7, T0, 100))
        assert not journal_passing(db.conn, session_id, passing(7, T0, 100))  # resend
        assert journal_passing(db.conn, session_id, passing(7, T0 + 60 * S, 100))  # counter reset
    assert count_passings(db) == 2
    assert [p.decoder_time_us for p in load_passings(db, session_id)] == [T0, T0 + 60 * S]


def test_bulk_journal_links_a_replayed_capture_into_a_second_session_without_storing_it_twice(db):
    first = create_session(db, "replay", SessionRules())
    second = create_session(db, "replay again", SessionRules())
    passings = [passing(7, T0 + i * 60 * S, 10 + i) for i in range(5)]
    with db.atomic():
        assert journal_bulk(db.conn, first, passings + passings[:2]) == 5
        assert journal_bulk(db.conn, second, passings) == 5
        assert journal_bulk(db.conn, second, passings) == 0
    assert count_passings(db) == 5
    assert load_passings(db, first) == load_passings(db, second) == passings


def test_passing_fields_round_trip_through_the_journal(db):
    session_id = create_session(db, "P", SessionRules())
    original = passing(7, T0, 5)
    original = type(original)(
        decoder_id=1, passing_number=2, transponder=3, decoder_time_us=4, strength=None, hits=None,
        transponder_code="FL-94890", utc_time_us=99, host_time_ns=123456789, source="tcp://decoder:5403",
    )
    with db.atomic():
        journal_passing(db.conn, session_id, original)
    assert load_passings(db, session_id) == [original]


def test_sessions_are_created_found_and_updated(db):
    rules = SessionRules(session_type=SessionType.RACE, min_lap_us=20 * S, lap_count=10)
    session_id = create_session(db, "Race 1", rules, planned_start="2026-06-13T14:00")
    assert find_session(db, "Race 1", (SessionPhase.PLANNED,)).session_id == session_id
    update_session(db, session_id, phase=SessionPhase.RUNNING, green_us=T0)
    record = get_session(db, session_id)
    assert (record.rules, record.phase, record.green_us, record.planned_start) == (
        rules, SessionPhase.RUNNING, T0, "2026-06-13T14:00"
    )
    assert find_session(db, "Race 1", (SessionPhase.PLANNED,)) is None
    with pytest.raises(InputError, match="no session 99 in .*event.db"):
        get_session(db, 99)


def test_setup_holds_entries_with_this_sessions_driver_and_event_wide_transponders(db):
    first = create_session(db, "Practice", SessionRules())
    second = create_session(db, "Race", SessionRules(session_type=SessionType.RACE))
    car = ensure_car(db, "12", "GT4")
    assert ensure_car(db, "12") == car
    assign_transponder(db, 5691251, car, made_by="test", reason="entry list")
    assign_transponder(db, 5691251, ensure_car(db, "44"), from_us=T0 + 600 * S, made_by="test", reason="moved")
    enter_car(db, first, car, ensure_driver(db, "Ada"))
    enter_car(db, second, car, ensure_driver(db, "Grace"))  # two drivers share one car
    setup_one, setup_two = load_setup(db, first), load_setup(db, second)
    assert [(e.number, e.driver, e.car_class) for e in setup_one.entries] == [("12", "Ada", "GT4")]
    assert [(e.number, e.driver) for e in setup_two.entries] == [("12", "Grace")]
    assert [(a.transponder, a.from_us) for a in setup_one.assignments] == [(5691251, None), (5691251, T0 + 600 * S)]


@pytest.mark.parametrize(
    "action",
    [
        AddPassing(7, T0 + 5 * S),
        VoidPassing(268307, 157842),
        VoidPassing(268307, 157842, T0),
        TimePenalty(1, 5 * S),
        DeleteLap(1, T0 + 60 * S, 3),
        SetStatus(1, CarStatus.DSQ),
        AssignTransponder(99, 1),
        SetMinLap(15 * S),
    ],
)
def test_every_correction_kind_round_trips_with_who_when_and_why(db, action):
    session_id = create_session(db, "P", SessionRules())
    stored = append_correction(db, session_id, action, made_by="clerk", reason="because")
    [loaded] = load_corrections(db, session_id)
    assert loaded == stored
    assert loaded.correction.action == action
    assert (loaded.made_by, loaded.reason) == ("clerk", "because")
    assert loaded.made_at.endswith("+00:00")
    assert load_setup(db, session_id).corrections == (stored.correction,)


def test_only_a_car_entered_by_the_transponders_number_makes_way_for_the_real_car(db):
    from laptiming.store.entries import drop_placeholder, enter_by_number

    session_id = create_session(db, "P", SessionRules())
    enter_by_number(db, session_id, [3292480, 5691251])
    real = ensure_car(db, "77", "GT4")
    enter_car(db, session_id, real)
    classed = ensure_car(db, "5691251")  # the same number as a transponder, but a real car with a class
    ensure_car(db, "5691251", "GT3")
    assert drop_placeholder(db, session_id, 3292480, keep_car_id=real)
    assert not drop_placeholder(db, session_id, 5691251, keep_car_id=real)
    assert not drop_placeholder(db, session_id, 77, keep_car_id=real)
    assert sorted(e.number for e in load_setup(db, session_id).entries) == ["5691251", "77"]
    assert classed == ensure_car(db, "5691251")
