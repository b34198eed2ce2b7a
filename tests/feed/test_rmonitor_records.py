"""The encoder writes what Orbits writes: every record of the real feeds re-encoded byte for byte."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from laptiming.feed import rmonitor_records as rec
from laptiming.feed.rmonitor_records import FlagStatus, Setting

ORBITS = "rmonitor/Orbits_Mock_Session.txt"
SEBRING = "rmonitor/2009_Sebring_ALMS_Session_5.txt"


def clock_s(text: str) -> int:
    hours, minutes, seconds = text.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + int(seconds)


def time_us(text: str) -> int:
    clock, _, ms = text.partition(".")
    return clock_s(clock) * 1_000_000 + int(ms) * 1000


def optional_int(text: str) -> int | None:
    return int(text) if text else None


def reencode(line: str) -> str | None:
    """Our encoding of the record a real feed line carries (None: a record we do not send)."""
    command, *f = next(csv.reader([line]))
    if command == "$F":
        return rec.heartbeat(int(f[0]), clock_s(f[1]), clock_s(f[2]), clock_s(f[3]), FlagStatus(f[4]))
    if command == "$A":
        return rec.competitor(f[0], f[1], int(f[2]), f[3], f[4], f[5], int(f[6]))
    if command == "$COMP":
        return rec.comp(f[0], f[1], int(f[2]), f[3], f[4], f[5], f[6])
    if command == "$B":
        return rec.run(int(f[0]), f[1])
    if command == "$C":
        return rec.car_class(int(f[0]), f[1])
    if command == "$E":
        return rec.setting(Setting(f[0]), f[1])
    if command == "$G":
        return rec.race_position(int(f[0]), f[1], optional_int(f[2]), time_us(f[3]))
    if command == "$H":
        return rec.practice_position(int(f[0]), f[1], int(f[2]), time_us(f[3]))
    if command == "$J":
        return rec.passing(f[0], time_us(f[1]), time_us(f[2]))
    return None


def feed_lines(captures: Path, name: str) -> list[str]:
    return (captures / name).read_bytes().decode("ascii").splitlines()


def test_every_record_of_the_orbits_feed_is_reproduced_byte_for_byte(captures: Path) -> None:
    lines = feed_lines(captures, ORBITS)
    kinds = set()
    for line in lines:
        assert reencode(line) == line
        kinds.add(line.split(",")[0])
    assert kinds == {"$A", "$B", "$C", "$COMP", "$E", "$F", "$G", "$H", "$J"}  # every record was checked


@pytest.mark.parametrize("command", ["$F", "$B", "$C", "$E", "$G", "$H", "$J"])
def test_the_imsa_feed_reads_the_same_where_our_data_fits(captures: Path, command: str) -> None:
    """Sebring (IMSA, CR LF): positions, passings, heartbeats, run, classes and settings."""
    lines = [line for line in feed_lines(captures, SEBRING) if line.startswith(command + ",")]
    assert lines
    for line in lines:
        assert reencode(line) == line


def test_wire_ends_each_record_with_cr_lf(captures: Path) -> None:
    """Sebring's capture kept Orbits' CR LF: ours are the same bytes."""
    raw = (captures / SEBRING).read_bytes()
    first = raw.split(b"\r\n", 1)[0].decode("ascii")
    assert rec.wire([reencode(first) or ""]) == first.encode("ascii") + b"\r\n"


def test_flags_are_six_characters_padded() -> None:
    assert {len(flag.value) for flag in FlagStatus} == {6}
    assert rec.heartbeat(9999, 300, 84015, 0, FlagStatus.NONE) == '$F,9999,"00:05:00","23:20:15","00:00:00","      "'


def test_times_truncate_to_the_thousandth_and_unknown_is_empty_or_zero() -> None:
    assert rec.race_time(33_271_999) == '"00:00:33.271"'  # truncated, never rounded up
    assert rec.race_time(None) == '"00:00:00.000"'
    assert rec.race_position(1, "21", None, None) == '$G,1,"21",,"00:00:00.000"'
    assert rec.race_time(3 * 3600 * 1_000_000 + 1) == '"03:00:00.000"'


def test_init_carries_time_of_day_and_the_english_date() -> None:
    assert rec.init(16 * 3600 + 36 * 60 + 8, date(2009, 1, 27)) == '$I,"16:36:08","27 Jan 09"'


def test_text_cannot_break_the_record() -> None:
    """A quote or a line end in a name would split the record; names are cut to the specification's length."""
    line = rec.competitor("12", "12", 5, 'Jean "JJ"', "O'Neil\r\nX", "", 1)
    assert line == '$A,"12","12",5,"Jean \'JJ\'","O\'Neil  X","",1'
    assert rec.competitor("1", "1", 1, "Maximilian", "", "", 1).split(",")[4] == '"Maximilia"'
    assert rec.car_class(1, "Ä" * 50) == '$C,1,"' + "A" * 40 + '"'
    assert rec.competitor("7", "7", 1, "Chloé", "Øster-Müller", "", 1) == '$A,"7","7",1,"Chloe","Oster-Muller","",1'
    # names in other scripts are spelt in Latin letters, never question marks (the wire is ASCII)
    assert rec.competitor("7", "7", 1, "Сергей", "Иванов", "", 1).endswith('"Sergey","Ivanov","",1')
    assert rec.competitor("7", "7", 1, "Wei", "张", "", 1).endswith('"Wei","Zhang","",1')
    # as the printouts spell them: a Chinese name's syllables are words (it went out as "ZhangWei"); a name in
    # capitals stays one word
    assert rec.competitor("7", "7", 1, "张伟", "СЕРГЕЕВ", "", 1).endswith('"Zhang Wei","SERGEEV","",1')
    assert rec.competitor("7", "7", 1, "Ana", "“Speedy” O’Neill", "", 1).endswith(""""Ana","'Speedy' O'Neill","",1""")
