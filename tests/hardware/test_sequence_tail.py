"""The tail: what to ask a decoder for on a new connection, and how its answer is taken in."""

from __future__ import annotations

from hardware import Passing
from hardware.sequence import RESEND_TO_NEWEST, PassingSequence, Verdict


def passing(number: int, decoder: int = 1) -> Passing:
    return Passing(decoder, number, 4242, number * 1000)


def test_the_tail_starts_after_the_last_passing_of_that_decoder_and_is_open():
    sequence = PassingSequence({1: 10, 2: 500})
    assert sequence.tail(1) == (11, RESEND_TO_NEWEST)
    assert sequence.tail(2) == (501, RESEND_TO_NEWEST)
    assert sequence.tail(3) is None  # never heard of: nothing old to ask for
    assert PassingSequence().tail(1) is None


def test_the_tail_follows_what_arrived_on_earlier_connections():
    sequence = PassingSequence()
    for number in (7, 8, 9):
        sequence.accept(passing(number))
    assert sequence.tail(1) == (10, RESEND_TO_NEWEST)


def test_a_tail_answered_after_a_live_passing_is_delivered_once_and_leaves_no_false_gap():
    sequence = PassingSequence({1: 10})
    sequence.tail(1)
    assert sequence.accept(passing(20)) == Verdict(True, (11, 19))  # the live passing heard first
    assert [sequence.accept(passing(n)).deliver for n in range(11, 21)] == [True] * 9 + [False]
    assert sequence.highest(1) == 20
    assert sequence.accept(passing(21)) == Verdict(True)


def test_a_counter_reset_below_the_tail_is_still_a_reset():
    sequence = PassingSequence({1: 10})
    sequence.tail(1)
    assert sequence.accept(passing(3)) == Verdict(True)
    assert sequence.highest(1) == 3
