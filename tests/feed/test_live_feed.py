"""The feed served in-process from a live ``Recording`` subscription, as ``laptiming run --rmonitor`` will."""

from __future__ import annotations

from laptiming.engine import SessionRules
from laptiming.feed import rmonitor_records as rec
from laptiming.feed.hub import FeedHub
from laptiming.feed.live import SubscriptionFeed
from laptiming.service import Recording, RecordingRequest
from tests.feed.rmonitor_client import RMonitorClient, fields


def test_a_subscription_feed_ends_with_the_recordings_results_beside_a_client_that_never_reads(tmp_path):
    request = RecordingRequest(tmp_path / "event.db", "Practice 1", "sim://?cars=6&seed=5&speed=100&minutes=6",
                               SessionRules(min_lap_us=10_000_000), enter_unknown=True)
    recording = Recording.start(request)
    hub = FeedHub().start()
    subscription = recording.subscribe()
    before = {(lap.car_id, lap.lap_no) for car in subscription.snapshot.cars.values() for lap in car.laps}
    feed = SubscriptionFeed(hub, subscription, recording.session_id, request.session_name,
                            lambda: recording.live.state.setup).start()
    try:
        stalled = RMonitorClient(hub.server.port, receive_buffer=4096)  # connected, never reads
        client = RMonitorClient(hub.server.port)
        client.read_until(lambda lines: any(line.startswith("$B,") for line in lines))
        for _ in recording.notices():
            pass
        outcome = recording.close(finish=True)
        assert outcome.finished
        expected = {str(row.position): rec.practice_position(row.position, row.number, row.best_lap_no or 0,
                                                             row.best_lap_us)
                    for row in outcome.result.standings}

        def shows_results(lines: list[str]) -> bool:
            last = {fields(line)[1]: line for line in lines if line.startswith("$H,")}
            return last == expected

        lines = client.read_until(shows_results)
        assert len(expected) == 6
        laps = sorted((fields(line)[1], fields(line)[2]) for line in lines
                      if line.startswith("$J,") and fields(line)[2] != rec.NO_TIME)
        numbers = {row.car_id: row.number for row in outcome.result.standings}
        after = [lap for lap in outcome.result.laps if (lap.car_id, lap.lap_no) not in before]
        assert len(after) > 6 * 2  # most of the session came after the subscription ($J is never repeated)
        assert laps == sorted((numbers[lap.car_id], rec.race_time(lap.lap_time_us)[1:-1]) for lap in after)
        assert feed.error is None
        stalled.close()
        client.close()
    finally:
        feed.stop()
        hub.close()


def test_a_subscription_feed_clock_stands_while_the_recording_cannot_hear_its_decoder(tmp_path):
    """A decoder (a process of its own) unplugged under an in-process recording: the feed's ``$F`` race time
    went on counting as if passings could still come; it now stands until the decoder is back."""
    from laptiming.store import open_event_db
    from tests.feed.test_feed_command import WAIT_S, race_times
    from tests.web.decoder_rig import DecoderRig

    db = tmp_path / "event.db"
    open_event_db(db, create=True).close()
    rig = DecoderRig(db, "Practice 1")
    rig.plug_in()
    recording = Recording.start(RecordingRequest(db, "Practice 1", rig.url, enter_unknown=True))
    hub = FeedHub().start()
    feed = SubscriptionFeed(hub, recording.subscribe(), recording.session_id, "Practice 1",
                            lambda: recording.live.state.setup).start()
    try:
        client = RMonitorClient(hub.server.port)
        client.read_until(lambda lines: len(set(race_times(lines))) >= 3, WAIT_S)  # heard: it runs
        rig.unplug()
        cut = len(client.lines)

        def stands(lines: list[str]) -> bool:
            return len(race_times(lines[cut:])) >= 3 and len(set(race_times(lines)[-3:])) == 1

        client.read_until(stands, WAIT_S)  # once the recording's reader has lost the link, three beats alike
        start = len(client.lines)
        stood = race_times(client.read_until(lambda lines: len(race_times(lines[start:])) >= 3, WAIT_S))
        assert len(set(stood[-6:])) == 1, stood[-6:]  # and it stays where it stood
        assert recording.link_now() is not None and not recording.link_now().heard
        rig.plug_in()  # the reader reconnects by itself: the clock runs on
        start = len(client.lines)
        client.read_until(lambda lines: len(set(race_times(lines[start:]))) >= 3, WAIT_S)
        assert feed.error is None
        client.close()
    finally:
        feed.stop()
        hub.close()
        recording.stop()
        recording.close(finish=False)
        rig.stop()


def test_a_subscription_feed_says_a_new_lap_count_while_no_car_crosses(tmp_path):
    """A lap count set while no car crossed (under a red flag, before the start) reached the boards' ``$F`` only
    with the next passing: a lap count moves no row, so no engine event said it."""
    from laptiming.engine import SessionType
    from laptiming.service.length import LengthChange, set_length
    from laptiming.store import open_event_db
    from tests.feed.test_feed_command import WAIT_S
    from tests.web.decoder_rig import DecoderRig

    db = tmp_path / "event.db"
    open_event_db(db, create=True).close()
    rig = DecoderRig(db, "Race")  # never plugged in: no passing comes
    recording = Recording.start(RecordingRequest(db, "Race", rig.url,
                                                 SessionRules(session_type=SessionType.RACE, lap_count=20)))
    hub = FeedHub().start()
    feed = SubscriptionFeed(hub, recording.subscribe(), recording.session_id, "Race",
                            lambda: recording.live.state.setup).start()

    def laps_to_go(lines: list[str]) -> list[str]:
        return [fields(line)[1] for line in lines if line.startswith("$F,")]

    try:
        client = RMonitorClient(hub.server.port)
        client.read_until(lambda lines: laps_to_go(lines)[-1:] == ["20"], WAIT_S)
        writer = open_event_db(db)
        set_length(writer, recording.session_id, LengthChange(lap_count=12), made_by="Clerk", reason="red flag")
        writer.close()
        client.read_until(lambda lines: laps_to_go(lines)[-1:] == ["12"], WAIT_S)
        reader = open_event_db(db, readonly=True)
        assert reader.execute("SELECT COUNT(*) FROM passings").fetchone()[0] == 0  # no car crossed
        reader.close()
        assert feed.error is None
        client.close()
    finally:
        feed.stop()
        hub.close()
        recording.stop()
        recording.close(finish=False)
