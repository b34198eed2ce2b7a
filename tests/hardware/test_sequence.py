"""Passing-number bookkeeping: duplicates dropped, gaps found exactly, counter resets accepted."""

from __future__ import annotations

from hardware import Passing
from hardware.sequence import PassingSequence, Verdict


def passing(number: int, time_us: int | None = None, decoder: int = 1) -> Passing:
    return Passing(decoder, number, 4242, time_us if time_us is not None else number * 1000)


def test_in_order_passings_are_delivered_without_requests():
    sequence = PassingSequence()
    assert [sequence.accept(passing(n)) for n in (5, 6, 7)] == [Verdict(True)] * 3


def test_a_gap_asks_for_exactly_the_missing_range():
    sequence = PassingSequence()
    sequence.accept(passing(10))
    assert sequence.accept(passing(14)) == Verdict(True, (11, 13))
    assert sequence.highest(1) == 14


def test_resent_passings_fill_the_gap_once():
    sequence = PassingSequence()
    for number in (10, 14):
        sequence.accept(passing(number))
    assert [sequence.accept(passing(n)).deliver for n in (11, 12, 13, 11, 14)] == [True, True, True, False, False]
    assert sequence.duplicates == 2
    assert sequence.highest(1) == 14


def test_same_number_with_a_new_time_is_a_counter_reset():
    sequence = PassingSequence()
    for number in (500, 501):
        sequence.accept(passing(number))
    assert sequence.accept(passing(1, time_us=9_999_000)) == Verdict(True)
    assert sequence.highest(1) == 1
    assert sequence.accept(passing(2, time_us=9_999_500)) == Verdict(True)


def test_decoders_are_tracked_separately():
    sequence = PassingSequence()
    sequence.accept(passing(10, decoder=1))
    assert sequence.accept(passing(10, decoder=2)).deliver
    assert sequence.accept(passing(12, decoder=2)) == Verdict(True, (11, 11))


def test_last_seen_seeds_gap_detection_after_a_restart():
    sequence = PassingSequence(last_seen={1: 100})
    assert sequence.accept(passing(104)) == Verdict(True, (101, 103))


def test_the_parts_of_gaps_that_never_came_are_known_to_ask_again():
    sequence = PassingSequence(last_seen={1: 100})
    assert sequence.unanswered(1) == []
    for number in (104, 110):  # gaps 101..103 and 105..109
        sequence.accept(passing(number))
    for number in (102, 106, 107):  # part of each answered
        sequence.accept(passing(number))
    assert sequence.unanswered(1) == [(101, 101), (103, 103), (105, 105), (108, 109)]
    for number in (101, 103, 105, 108, 109):
        sequence.accept(passing(number))
    assert sequence.unanswered(1) == [] and sequence.unanswered(2) == []
    sequence.accept(passing(1, time_us=5))  # a counter reset forgets the old gaps
    sequence.accept(passing(3, time_us=6))
    assert sequence.unanswered(1) == [(2, 2)]


def test_gaps_of_the_journal_are_asked_for_again_and_delivered_when_they_come():
    sequence = PassingSequence(last_seen={1: 100}, gaps={1: [(90, 92)]})
    assert sequence.unanswered(1) == [(90, 92)]
    assert sequence.accept(passing(91)) == Verdict(True)  # asked for: delivered, not taken for a counter reset
    assert sequence.highest(1) == 100 and sequence.unanswered(1) == [(90, 90), (92, 92)]
