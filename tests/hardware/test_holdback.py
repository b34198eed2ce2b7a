"""Holding a decoder's passings behind a gap asked for: handed over in number order, or after the wait."""

from __future__ import annotations

from hardware import Passing
from hardware.holdback import HeldPassings, HoldEnd, Reasks, Released


def passing(number: int, decoder: int = 1) -> Passing:
    return Passing(decoder, number, 4242, number * 1000)


def numbers(passings: list[Passing]) -> list[int]:
    return [p.passing_number for p in passings]


def test_passings_after_a_gap_wait_for_it_and_come_out_in_number_order():
    held = HeldPassings(wait_s=1.0)
    assert held.offer(passing(10), 0.0) is None  # no gap asked for: delivered as usual
    held.open(1, (11, 13), 0.0)
    assert held.offer(passing(14), 0.0) == []  # the live one that revealed the gap
    assert held.offer(passing(15), 0.1) == []
    assert held.offer(passing(7, decoder=2), 0.1) is None  # another decoder is not held up
    assert held.offer(passing(12), 0.2) == []
    assert held.offer(passing(11), 0.3) == []
    assert numbers(held.offer(passing(13), 0.4)) == [11, 12, 13, 14, 15]
    assert not held.holds


def test_a_decoder_silent_about_its_gap_is_handed_over_after_the_wait_and_each_answer_restarts_it():
    held = HeldPassings(wait_s=1.0)
    held.open(1, (11, 13), 0.0)
    held.offer(passing(14), 0.0)
    held.offer(passing(11), 0.8)  # an answer: the wait starts again
    assert held.due(1.5) == []
    [release] = held.due(1.8)
    assert numbers(release.passings) == [11, 14]
    assert (release.end, release.not_resent, release.asked) == (HoldEnd.SILENT, 2, ((11, 13),))
    assert release.describe(1.0) == ("decoder 1: 2 of passings 11-13 not resent within 1 s (asked for again while "
                                     "the link lasts); 2 held passing(s) shown without them")
    assert not held.holds


def test_a_number_below_the_gap_is_not_held_and_release_hands_over_every_decoder():
    held = HeldPassings()
    held.open(1, (11, 13), 0.0)
    held.open(2, (5, 5), 0.0)
    held.offer(passing(14), 0.0)
    held.offer(passing(6, decoder=2), 0.0)
    assert held.offer(passing(3), 0.0) is None  # the decoder's counter was reset: nothing to wait for
    released = held.release(HoldEnd.STOPPED)
    assert {r.decoder_id: numbers(r.passings) for r in released} == {1: [14], 2: [6]}
    assert not held.holds


def test_a_gap_given_up_on_for_silence_is_asked_again_less_and_less_often_until_answered():
    reasks = Reasks(first_s=5.0, cap_s=20.0)
    reasks.after_silence(Released(1, [], ((11, 13),), 0, HoldEnd.SILENT), 0.0)  # all came: nothing to ask
    reasks.after_silence(Released(2, [], ((4, 4),), 1, HoldEnd.REFUSED), 0.0)  # the decoder said it cannot
    reasks.after_silence(Released(3, [], ((5, 6),), 2, HoldEnd.LINK_LOST), 0.0)  # the next connection asks
    assert not reasks.pending
    reasks.after_silence(Released(1, [], ((11, 13),), 2, HoldEnd.SILENT), 0.0)
    reasks.after_silence(Released(1, [], ((20, 20),), 1, HoldEnd.SILENT), 1.0)  # a second gap joins the first
    asked_at = [now for now in range(0, 100) if reasks.due(float(now))]
    assert asked_at == [5, 15, 35, 55, 75, 95]  # after 5 s, then 10, 20, and never more than 20 apart
    assert reasks.answered(1) == "decoder 1: passings 11-13, 20 came when asked for again; their laps are counted"
    assert not reasks.pending
