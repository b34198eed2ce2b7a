"""Display of decoder microseconds: truncated to the thousandth, never rounded."""

from __future__ import annotations

import pytest

from laptiming.timefmt import format_lap_time, format_seconds, parse_seconds


@pytest.mark.parametrize(
    ("time_us", "text"),
    [
        (83_456_999, "1:23.456"),
        (59_999_999, "0:59.999"),
        (60_000_000, "1:00.000"),
        (5_000, "0:00.005"),
        (4_999, "0:00.004"),
        (3_599_999_999, "59:59.999"),
        (3_725_000_000, "1:02:05.000"),  # a race's total time over an hour: as the feed and the app give hours
        (None, ""),
    ],
)
def test_lap_time_is_truncated_to_thousandths(time_us, text):
    assert format_lap_time(time_us) == text


def test_gaps_under_a_minute_are_plain_seconds():
    assert format_seconds(1_234_999) == "1.234"
    assert format_seconds(75_250_999) == "1:15.250"


@pytest.mark.parametrize(("text", "time_us"), [("12", 12_000_000), ("1.5", 1_500_000), ("0.000001", 1), (".25", 250_000)])
def test_seconds_typed_by_a_person_become_exact_microseconds(text, time_us):
    assert parse_seconds(text) == time_us


@pytest.mark.parametrize("text", ["", "abc", "1.2.3", "0.0000001", "1e3"])
def test_bad_seconds_are_refused(text):
    with pytest.raises(ValueError):
        parse_seconds(text)
