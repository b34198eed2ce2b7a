"""Absolute passing times: UTC_TIME when sent, otherwise the decoder clock shifted by its offset."""

from __future__ import annotations

import json

import pytest

from hardware import Passing
from hardware.clock import DecoderClock
from tests.timing.cli_runner import run_cli

HOUR_US = 3_600_000_000


@pytest.mark.parametrize(("text", "offset"), [("+02:00", 2 * HOUR_US), ("-0500", -5 * HOUR_US),
                                              ("+5:30", 5 * HOUR_US + 1_800_000_000), ("Z", 0)])
def test_offsets_parse(text, offset):
    assert DecoderClock.from_text(text).utc_offset_us == offset


@pytest.mark.parametrize("text", ["2", "+25:00", "+02:75", "CEST"])
def test_bad_offsets_are_refused(text):
    with pytest.raises(ValueError, match=text.replace("+", r"\+")):
        DecoderClock.from_text(text)


def test_utc_time_wins_over_the_offset():
    clock = DecoderClock.from_text("+02:00")
    local = Passing(1, 1, 5, 10 * HOUR_US)
    assert clock.utc_us(local) == 8 * HOUR_US
    assert clock.utc_us(local._replace(utc_time_us=7 * HOUR_US)) == 7 * HOUR_US


def test_listen_adds_utc_with_a_clock_offset(captures):
    # The vmindru decoder's clock read 16:24:00.549 local (-05:00) for this passing (spec §1.13).
    result = run_cli("decoder", "listen", "--json", "--clock-offset=-05:00",
                     f"file://{captures}/p3/vmindru-ambp3client/amb.out", timeout=60)
    passing = next(json.loads(line) for line in result.stdout.splitlines() if '"passing_number": 157820' in line)
    assert passing["utc_us"] - passing["decoder_time_us"] == 5 * HOUR_US
