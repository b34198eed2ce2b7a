"""The lines `laptiming record` prints as a session goes: each says what happened, not more."""

from __future__ import annotations

from laptiming.engine import FinishTimeSet
from laptiming.report import describe_event


def test_the_end_of_a_timed_session_is_said_as_a_time_not_as_a_flag_already_out():
    """The green flag of a session with a duration sets its end at once: the line comes at the start, so
    it must not read as if the checkered flag had fallen (it once said "checkered flag at decoder time")."""
    line = describe_event(FinishTimeSet(1_781_341_800_000_000), entering=False)
    assert line == "the session ends at decoder time 1781341800000000: each car finishes at its next crossing"
    assert describe_event(FinishTimeSet(None), entering=False) is None  # the end taken back (a correction)
