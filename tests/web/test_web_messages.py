"""The web feed's messages: rows as text, changes against the picture before, the client merge, the broadcaster."""

from __future__ import annotations

import asyncio
import json

from laptiming.engine import CarStatus, Gap, StandingRow
from laptiming.service.web_feed import FeedPicture, events_url, page_url
from laptiming.service.web_feed import EventKind
from laptiming.web.live import Broadcaster, Picture, changes, sse
from laptiming.web.views import row_json


def standing(car_id: int, position: int, laps: int, last_us: int | None, gap: Gap | None = None) -> StandingRow:
    return StandingRow(car_id=car_id, position=position, number=str(car_id), driver=f"Driver {car_id}",
                       car_class="GT", transponders=(car_id,), laps=laps, last_lap_us=last_us,
                       best_lap_us=last_us, best_lap_no=laps or None, gap=gap, interval=gap,
                       personal_best=True, session_best=position == 1, status=CarStatus.RUNNING)


def row(car_id: int, pos: int, laps: int) -> dict:
    return {"car_id": car_id, "pos": pos, "laps": laps}


def test_a_row_shows_times_as_timing_sheets_print_them() -> None:
    shown = row_json(standing(7, 2, 3, 61_234_999, Gap(laps=1)))
    assert shown["last"] == shown["best"] == "1:01.234"  # truncated, never rounded
    assert (shown["gap"], shown["laps"], shown["pos"], shown["number"]) == ("+1 L", 3, 2, "7")
    assert (shown["driver"], shown["class"], shown["pb"], shown["sb"]) == ("Driver 7", "GT", True, False)
    assert row_json(standing(8, 1, 0, None))["last"] == ""


def test_a_change_names_the_changed_rows_the_new_order_and_the_cars_gone() -> None:
    before = Picture(4, {"name": "P1"}, (row(1, 1, 2), row(2, 2, 2), row(3, 3, 1)))
    change = changes(before, {"name": "P1"}, [row(2, 1, 3), row(1, 2, 2)])
    assert change == {"seq": 5, "session": {"name": "P1"}, "rows": [row(2, 1, 3), row(1, 2, 2)],
                      "order": [2, 1], "removed": [3]}
    same_order = changes(before, None, [row(1, 1, 3), row(2, 2, 2), row(3, 3, 1)])
    assert same_order == {"seq": 5, "session": None, "rows": [row(1, 1, 3)]}


def test_a_client_that_merges_the_changes_has_the_rows_the_server_has() -> None:
    first = Picture(1, {"name": "P1"}, (row(1, 1, 0), row(2, 2, 0), row(3, 3, 0)))
    steps = [[row(2, 1, 1), row(1, 2, 0), row(3, 3, 0)], [row(2, 1, 1), row(3, 2, 1)],
             [row(2, 1, 2), row(3, 2, 1), row(4, 3, 0)]]
    client = FeedPicture()
    client.apply(EventKind.SNAPSHOT.value, first.snapshot())
    picture = first
    for rows in steps:
        client.apply(EventKind.CHANGE.value, changes(picture, picture.session, rows))
        picture = Picture(picture.seq + 1, picture.session, tuple(rows))
        assert client.standings() == list(picture.rows) and client.seq == picture.seq


def test_an_event_is_one_line_of_json_with_its_name_and_number() -> None:
    message = sse(EventKind.CHANGE, 9, {"rows": [{"driver": "Zoë\nX"}]}, retry_ms=1000).decode()
    assert message.startswith("event: change\nid: 9\nretry: 1000\ndata: ") and message.endswith("\n\n")
    assert json.loads(message.split("data: ", 1)[1]) == {"rows": [{"driver": "Zoë\nX"}]}
    assert message.count("\n") == 5


def test_a_client_behind_skips_to_the_latest_snapshot_and_holds_no_one_up() -> None:
    async def scenario() -> None:
        broadcaster = Broadcaster(queue_size=3)
        slow, quick = broadcaster.subscribe(), broadcaster.subscribe()
        assert (await quick.get()).startswith(b"event: snapshot")
        for n in range(1, 6):
            broadcaster.publish(f"change {n}".encode(), f"snapshot {n}".encode())
            if n < 5:
                assert await quick.get() == f"change {n}".encode()
        assert await quick.get() == b"change 5"
        waiting = [slow.get_nowait() for _ in range(slow.qsize())]
        assert waiting[0] == b"snapshot 3" and waiting[1:] == [b"change 4", b"change 5"]
        assert broadcaster.skipped == 1
        broadcaster.close()
        assert await quick.get() is None and await slow.get() is None
        assert broadcaster.subscribe().get_nowait() is None  # a client arriving as the server stops

    asyncio.run(scenario())


def test_a_feed_address_leads_to_its_event_stream() -> None:
    assert events_url("http://10.0.0.5:8080/") == "http://10.0.0.5:8080/api/events"
    assert events_url("10.0.0.5:8080") == "http://10.0.0.5:8080/api/events"
    assert events_url("http://timing.local:8080/live") == "http://timing.local:8080/live/api/events"
    assert page_url("10.0.0.5:8080") == "http://10.0.0.5:8080/"


def test_a_car_out_of_the_running_has_no_pos_on_the_phone_page_or_its_laps() -> None:
    from laptiming.engine import Correction, SessionType, SetStatus, derive_session
    from laptiming.web.views import laps_json
    from tests.timing.timing_builders import T0, S, numbered, setup_for

    crossings = [(1, T0 + t * S) for t in (0, 60, 120)] + [(2, T0 + t * S) for t in (1, 58, 117)] + [(3, T0 + 2 * S)]
    retired = (Correction(1, SetStatus(2, CarStatus.DNF), reason="oil leak"),)
    result = derive_session(numbered(crossings), setup_for([1, 2, 3], session_type=SessionType.RACE,
                                                           corrections=retired))
    shown = {row["number"]: row for row in map(row_json, result.standings)}
    assert (shown["1"]["pos"], shown["3"]["pos"]) == (1, 2)
    assert (shown["2"]["pos"], shown["2"]["out"]) == (None, "DNF")  # last in the order, but no position
    laps = laps_json(result, "2")
    assert laps is not None and (laps["pos"], laps["out"], len(laps["laps"])) == (None, "DNF", 2)
    assert laps_json(result, "1")["pos"] == 1  # type: ignore[index]
