"""Times as an official types them: a time of day on the decoder's clock becomes exact decoder µs."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

import pytest

from hardware.capture import read_capture
from hardware.events import Passing
from laptiming.errors import InputError
from laptiming.service.clocktime import (
    ClockKind,
    DecoderClock,
    clock_kind,
    parse_decoder_time,
)
from laptiming.timefmt import US_PER_DAY, format_time_of_day, parse_time_of_day
from tests.timing.cli_runner import run_cli

AMB = ("p3", "vmindru-ambp3client", "amb.out")
MARCH_2_2019 = 1_551_484_800_000_000  # 2019-03-02 00:00 on the decoder's naive clock, in µs since 1970


def passing(time_us: int, number: int = 1, *, host_ns: int = 0, source: str = "test") -> Passing:
    return Passing(1, number, 42, time_us, host_time_ns=host_ns, source=source)


@pytest.mark.parametrize(
    ("text", "micros"),
    [("14:02", 50_520_000_000), ("09:07:48.791", 32_868_791_000), ("9:07", 32_820_000_000),
     ("23:59:59.999999", US_PER_DAY - 1), ("00:00:00.000001", 1)],
)
def test_times_of_day_are_read_exactly(text, micros):
    assert parse_time_of_day(text) == micros
    assert parse_time_of_day(format_time_of_day(micros)) == micros


@pytest.mark.parametrize("text", ["24:00", "14:60", "14:2", "14:02:5", "14:02:05.", "1402", "a:b", "009:07",
                                  "14:02:05.1234567", "14:02:60"])
def test_anything_else_is_refused(text):
    with pytest.raises(ValueError):
        parse_time_of_day(text)


def test_a_wall_clock_decoder_takes_the_day_of_the_passings_and_the_nearest_day_over_midnight():
    day = 20_000 * US_PER_DAY
    one_day = [passing(day + parse_time_of_day("10:00"))]
    assert clock_kind(one_day) is ClockKind.WALL
    assert DecoderClock.learn(one_day).decoder_time_us(parse_time_of_day("09:07:48.791")) == day + 32_868_791_000
    over_midnight = [passing(day + parse_time_of_day("23:50")), passing(day + US_PER_DAY + parse_time_of_day("00:20"), 2)]
    assert DecoderClock.learn(over_midnight).decoder_time_us(parse_time_of_day("00:05")) == day + US_PER_DAY + 300_000_000
    assert DecoderClock.learn(over_midnight).decoder_time_us(parse_time_of_day("23:55")) == day + parse_time_of_day("23:55")


def test_a_protime_clock_counts_from_midnight():
    passings = [passing(parse_time_of_day("09:00"), source="serial:///dev/ttyUSB1?protocol=protime")]
    assert clock_kind(passings) is ClockKind.TIME_OF_DAY
    assert DecoderClock.learn(passings).decoder_time_us(parse_time_of_day("09:07:48.791")) == 32_868_791_000


def test_an_uptime_clock_is_placed_through_the_host_clock_in_local_time():
    arrived = datetime(2026, 6, 13, 10, 0, 0).astimezone()  # host local wall time when the passing arrived
    host_ns = int(arrived.timestamp()) * 10**9
    passings = [passing(5_000_000, host_ns=host_ns)]  # 5 s after the decoder started
    assert clock_kind(passings) is ClockKind.UPTIME
    assert DecoderClock.learn(passings).decoder_time_us(parse_time_of_day("10:00:05.250")) == 10_250_000


def test_an_uptime_clock_without_receive_times_cannot_take_a_time_of_day():
    with pytest.raises(InputError, match="give decoder µs"):
        parse_decoder_time("10:00", [passing(5_000_000)], field="--at", where="session 1")


def _uptime_passings() -> list[Passing]:
    """An uptime (P98) decoder started at 10:00 local time on the host, its passings received at once."""
    started = datetime(2026, 6, 13, 10, 0, 0).astimezone()
    host_ns = int(started.timestamp()) * 10**9
    return [passing(5_000_000, host_ns=host_ns + 5 * 10**9), passing(97_123_456, 2, host_ns=host_ns + 97_123_456_000)]


@pytest.mark.parametrize(
    ("passings", "shown"),
    [([passing(MARCH_2_2019 + 58_008_933_123)], "16:06:48.933123"),  # a wall clock: µs since 1970
     ([passing(32_868_791_000, source="serial:///dev/ttyUSB1?protocol=protime")], "09:07:48.791000"),
     (_uptime_passings(), "10:00:05.000000")],  # through the host's local clock
    ids=["wall", "time-of-day", "uptime"],
)
def test_a_decoder_time_is_shown_as_the_time_of_day_that_types_back_to_it(passings, shown):
    clock = DecoderClock.learn(passings)
    assert clock.time_of_day_text(passings[0].decoder_time_us) == shown
    for p in passings:
        text = clock.time_of_day_text(p.decoder_time_us)
        assert text is not None
        typed = parse_decoder_time(text, passings, field="--time", where="session 1")
        assert typed.decoder_time_us == p.decoder_time_us


def test_a_wall_clock_over_midnight_shows_each_side_on_its_own_day():
    day = 20_000 * US_PER_DAY
    passings = [passing(day + parse_time_of_day("23:59:59.999999")), passing(day + US_PER_DAY + 1, 2)]
    clock = DecoderClock.learn(passings)
    assert [clock.time_of_day_text(p.decoder_time_us) for p in passings] == ["23:59:59.999999", "00:00:00.000001"]
    assert [clock.decoder_time_us(parse_time_of_day(clock.time_of_day_text(p.decoder_time_us) or ""))
            for p in passings] == [p.decoder_time_us for p in passings]


def test_an_uptime_clock_over_midnight_types_each_side_back_on_its_own_day():
    """A P98 session received from 23:50 to 00:20 host time: 00:05 is after midnight, 23:55 before it."""
    before = datetime(2026, 6, 13, 23, 50, 0).astimezone()
    host_ns = int(before.timestamp()) * 10**9
    passings = [passing(5_000_000, host_ns=host_ns), passing(1_805_000_000, 2, host_ns=host_ns + 1_800 * 10**9)]
    clock = DecoderClock.learn(passings)
    assert clock.decoder_time_us(parse_time_of_day("00:05")) == 5_000_000 + 900_000_000
    assert clock.decoder_time_us(parse_time_of_day("23:55")) == 5_000_000 + 300_000_000
    for p in passings:
        assert clock.decoder_time_us(parse_time_of_day(clock.time_of_day_text(p.decoder_time_us) or "")) \
            == p.decoder_time_us


def test_an_uptime_clock_without_receive_times_shows_no_time_of_day():
    assert DecoderClock.learn([passing(5_000_000)]).time_of_day_text(5_000_000) is None


def test_raw_microseconds_stay_accepted_and_garbage_names_the_field():
    assert parse_decoder_time("1551543840549000", [], field="--at", where="x").decoder_time_us == 1551543840549000
    with pytest.raises(InputError, match="^--at: .*'1.5e6'"):
        parse_decoder_time("1.5e6", [], field="--at", where="x")
    with pytest.raises(InputError, match="^--at: not a time of day"):
        parse_decoder_time("25:00", [passing(MARCH_2_2019)], field="--at", where="x")


@pytest.fixture
def recorded(captures, tmp_path):
    """amb.out recorded into a session left running (a real capture of a wall-clock P3 decoder)."""
    db = tmp_path / "event.db"
    result = run_cli("record", f"file://{captures.joinpath(*AMB)}", "--db", db, "--session", "Race 1",
                     "--session-type", "race", "--keep-open", "--enter-unknown")
    assert result.returncode == 0, result.stderr
    return db


def test_the_real_capture_a_passings_time_of_day_typed_back_is_its_decoder_time(captures, recorded):
    first = next(e for e in read_capture(captures.joinpath(*AMB)) if isinstance(e, Passing))
    typed = format_time_of_day(first.decoder_time_us)[:12]  # the decoder's clock, to the ms, as shown
    assert typed == "16:06:48.933"
    added = run_cli("correct", "add-passing", "--db", recorded, "--session", "1", "--by", "J. Smith",
                    "--reason", "camera", "--transponder", first.transponder, "--time-us", typed)
    assert added.returncode == 0, added.stderr
    assert f"at 16:06:48.933000 (decoder time {first.decoder_time_us})" in added.stdout
    with sqlite3.connect(recorded) as conn:
        (payload,) = conn.execute("SELECT payload FROM corrections").fetchone()
    assert json.loads(payload)["decoder_time_us"] == first.decoder_time_us == MARCH_2_2019 + parse_time_of_day(typed)


def test_flags_and_transponder_moves_take_times_of_day_on_the_capture_day(recorded):
    flagged = run_cli("flag", "checkered", "--db", recorded, "--session", "1", "--at", "17:30")
    assert flagged.returncode == 0, flagged.stderr
    moved = run_cli("transponder", "move", "5691251", "--car", "5691251", "--db", recorded, "--from", "16:24:00.549",
                    "--by", "clerk", "--reason", "spare fitted")
    assert moved.returncode == 0, moved.stderr
    assert "from 16:24:00.549000 (decoder time 1551543840549000)" in moved.stdout
    with sqlite3.connect(recorded) as conn:
        assert conn.execute("SELECT checkered_us FROM sessions").fetchone()[0] == MARCH_2_2019 + 17 * 3600 * 10**6 + 30 * 60 * 10**6
        assert conn.execute("SELECT MAX(from_us) FROM transponder_assignments").fetchone()[0] == 1551543840549000


def test_a_session_without_passings_takes_only_microseconds(tmp_path):
    db = tmp_path / "event.db"
    from laptiming.engine import SessionRules
    from laptiming.store import create_session, open_event_db

    store = open_event_db(db, create=True)
    create_session(store, "Practice 3", SessionRules())
    store.close()
    refused = run_cli("flag", "green", "--db", db, "--session", "1", "--at", "09:00")
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        ("laptiming: --at: session 1 (Practice 3) has no passings yet, so the decoder clock's time of day is "
         "unknown; give the time as decoder µs")]
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT green_us FROM sessions").fetchone()[0] is None
    bad = run_cli("correct", "add-passing", "--db", db, "--session", "1", "--by", "a", "--reason", "b",
                  "--transponder", "1", "--time-us", "9h07")
    assert bad.returncode == 2 and "--time-us: '9h07' is neither decoder µs" in bad.stderr
    # the message names the option as typed, not its alias (`--time 9h07` once said `--time-us`)
    bad = run_cli("correct", "add-passing", "--db", db, "--session", "1", "--by", "a", "--reason", "b",
                  "--transponder", "1", "--time", "9h07")
    assert bad.returncode == 2 and bad.stderr.startswith("laptiming: --time: '9h07' is neither decoder µs")


def test_a_time_of_day_over_an_hour_outside_the_passings_carries_a_note():
    day = 20_000 * US_PER_DAY
    passings = [passing(day + parse_time_of_day("09:00")), passing(day + parse_time_of_day("09:25:12"), 2)]
    near = parse_decoder_time("10:25", passings, field="--at", where="session 3 (Race 1)")
    assert near.far == "" and near.decoder_time_us == day + parse_time_of_day("10:25")
    late = parse_decoder_time("16:30", passings, field="--at", where="session 3 (Race 1)")
    assert late.decoder_time_us == day + parse_time_of_day("16:30")  # taken as typed all the same
    assert late.far == ("16:30 is 7 h 04 min after the last passing of session 3 (Race 1) (09:25:12); "
                        "check the time if you meant another")
    early = parse_decoder_time("07:59", passings, field="--at", where="session 3 (Race 1)")
    assert early.far.startswith("07:59 is 1 h 01 min before the first passing of session 3 (Race 1) (09:00:00)")
    among = day + parse_time_of_day("09:10")
    assert parse_decoder_time(str(among), passings, field="--at", where="session 3 (Race 1)").far == ""
    midnight = parse_decoder_time(str(day), passings, field="--at", where="session 3 (Race 1)")  # decoder µs too
    assert midnight.decoder_time_us == day and midnight.far == (
        f"decoder time {day} (00:00:00.000) is 9 h 00 min before the first passing of session 3 (Race 1) "
        "(09:00:00); check the time if you meant another")


def test_the_commands_print_the_note_after_doing_what_was_asked(tmp_path):
    from laptiming.engine import SessionRules
    from laptiming.store import create_session, journal_bulk, open_event_db

    db = tmp_path / "event.db"
    store = open_event_db(db, create=True)
    with store.atomic():
        session_id = create_session(store, "Race 1", SessionRules())
        journal_bulk(store.conn, session_id, [passing(MARCH_2_2019 + parse_time_of_day("09:00") + k * 90_000_000, k + 1)
                                              for k in range(10)])
    store.close()
    green = run_cli("flag", "green", "--db", db, "--session", "1", "--at", "08:59")
    assert green.returncode == 0 and "note:" not in green.stdout
    flagged = run_cli("flag", "yellow", "--db", db, "--session", "1", "--at", "16:30")
    assert flagged.returncode == 0, flagged.stderr
    assert "note: 16:30 is 7 h 16 min after the last passing of session 1 (Race 1) (09:13:30)" in flagged.stdout
    finished = run_cli("finish", "--db", db, "--session", "1", "--at", "7:00", "--by", "clerk", "--reason", "done")
    assert finished.returncode == 0, finished.stderr
    assert "note: 7:00 is 2 h 00 min before the first passing of session 1 (Race 1) (09:00:00)" in finished.stdout
