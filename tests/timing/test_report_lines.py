"""The lines `laptiming record` prints as a session goes: each says what happened, not more."""

from __future__ import annotations

from hardware.events import Passing
from laptiming.engine import AddPassing, DeleteLap, FinishTimeSet
from laptiming.report import describe_action, describe_event
from laptiming.service.clocktime import DecoderClock, parse_decoder_time


def test_the_end_of_a_timed_session_is_said_as_a_time_not_as_a_flag_already_out():
    """The green flag of a session with a duration sets its end at once: the line comes at the start, so
    it must not read as if the checkered flag had fallen (it once said "checkered flag at decoder time")."""
    line = describe_event(FinishTimeSet(1_781_341_800_000_000), entering=False)
    assert line == "the session ends at decoder time 1781341800000000: each car finishes at its next crossing"
    assert describe_event(FinishTimeSet(None), entering=False) is None  # the end taken back (a correction)


def test_a_corrections_decoder_time_reads_as_the_time_of_day_that_types_back_to_it():
    """Results sheets and `corrections list` once printed a deleted lap's crossing as 16 digits of µs."""
    crossing = 1_551_484_800_000_000 + 58_008_933_123  # 16:06:48.933123 on the decoder's wall clock
    passings = [Passing(1, 1, 42, crossing)]
    line = describe_action(DeleteLap(car_id=3, crossing_us=crossing, lap_no=4), {3: "12"}, DecoderClock.learn(passings))
    assert line == "delete lap: car 12 lap 4 (crossing at 16:06:48.933123)"
    on_paper = describe_action(DeleteLap(car_id=3, crossing_us=crossing + 876, lap_no=4), {3: "12"},
                               DecoderClock.learn(passings), exact=False)
    assert on_paper == "delete lap: car 12 lap 4 (crossing at 16:06:48.933)"  # .933999 truncated, as times are
    assert parse_decoder_time("16:06:48.933123", passings, field="--at", where="").decoder_time_us == crossing
    # a clock with no time of day (an uptime decoder without receive times) keeps the decoder time
    uptime = DecoderClock.learn([Passing(1, 1, 42, 5_000_000)])
    assert describe_action(AddPassing(42, 5_000_000), {}, uptime) == "add passing: transponder 42 at decoder time 5000000"
