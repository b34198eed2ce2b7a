"""Alerts on a small screen: every one is on screen, or named on the bar's last row; none is lost below it."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult

import laptiming.app
from laptiming.app import LiveTimingApp, Timing
from laptiming.app.widgets.status import ALERT_ROWS, AlertBar
from tests.app.conftest import app_test, screen_lines, until

FIVE_UNKNOWN = "sim://?cars=5&seed=5&speed=0&minutes=5"  # the event has no cars: all five are unknown


@app_test
async def test_at_80_by_24_every_unknown_transponder_is_named_on_screen(event_db: Path) -> None:
    """Each UNKNOWN TRANSPONDER alert wraps onto two rows at 80 columns: the bar cut off at six rows hid
    three of the five transponders, with nothing saying so."""
    app = LiveTimingApp(Timing(event_db, FIVE_UNKNOWN), official="desk")
    async with app.run_test(size=(80, 24)) as pilot:
        app.start_session(1)
        await until(pilot, lambda: len(app.model.unknown) == 5 and app.model.link is not None
                    and app.model.link.state.value == "ended", "five unknown transponders, the source ended")
        alerts = app.screen_named("live").query_one(AlertBar)
        await until(pilot, lambda: "DECODER SOURCE ENDED" in str(alerts.render()), "the alerts shown")
        await pilot.pause()
        shown = "\n".join(screen_lines(app))
        assert "DECODER SOURCE ENDED" in shown
        for transponder in app.model.unknown:
            assert str(transponder) in shown, f"unknown transponder {transponder} is not on screen"
        assert alerts.region.height <= ALERT_ROWS  # the standings keep their rows
        assert "more: UNKNOWN TRANSPONDER" in shown


class OneAlertBar(App[None]):
    """Just the alert bar, 80 columns wide, as on Live (no refresh tick putting the session's own alerts back)."""

    CSS_PATH = Path(laptiming.app.__file__).with_name("app.tcss")

    def compose(self) -> ComposeResult:
        yield AlertBar(id="alerts")


@app_test
async def test_an_alert_that_wraps_is_shown_to_its_end() -> None:
    """The bar was laid out again only when the number of alerts changed, so an alert replaced by a longer one
    (it wraps onto another row) had its end cut off."""
    app = OneAlertBar()
    async with app.run_test(size=(80, 24)) as pilot:
        alerts = app.query_one(AlertBar)
        alerts.show(["PROBLEM: short"])
        await pilot.pause()
        alerts.show(["PROBLEM: " + "the flag was not recorded " * 4 + "END"])
        await pilot.pause()
        assert "END" in "\n".join(screen_lines(app))
        assert alerts.region.height == 2


@app_test
async def test_at_80_columns_a_reconnecting_decoders_health_line_keeps_its_figures(event_db: Path) -> None:
    """The reason for reconnecting ("cannot connect to decoder tcp://...: Connection refused", said in the alert
    above too) pushed the time since the last packet and the frame counts off the end of the health line."""
    app = LiveTimingApp(Timing(event_db, "tcp://127.0.0.1:9"), official="desk")  # loopback, nothing listening
    async with app.run_test(size=(80, 24)) as pilot:
        app.start_session(1)
        health = app.screen_named("live").query_one("#health")
        await until(pilot, lambda: "reconnecting" in str(health.render()), "the decoder reconnecting")
        await pilot.pause()
        row = screen_lines(app)[health.region.y]
        assert "decoder reconnecting  no packet yet" in row and "dropped 0" in row
        assert "Connection refused" in "\n".join(screen_lines(app))  # the why, in the alert


@app_test
async def test_a_decoder_that_refuses_the_connection_is_named_once_in_its_alert(event_db: Path) -> None:
    """The alert said "reconnecting to tcp://127.0.0.1:9 cannot connect to decoder tcp://127.0.0.1:9: Connection
    refused": the URL twice, a second row at 80 columns."""
    app = LiveTimingApp(Timing(event_db, "tcp://127.0.0.1:9"), official="desk")  # loopback, nothing listening
    async with app.run_test(size=(80, 24)) as pilot:
        app.start_session(1)
        alerts = app.screen_named("live").query_one("#alerts")
        await until(pilot, lambda: "Connection refused" in "\n".join(screen_lines(app)), "the reconnecting alert")
        await pilot.pause()
        text = "\n".join(screen_lines(app)[alerts.region.y:alerts.region.bottom])
        assert text.count("tcp://127.0.0.1:9") == 1, text
        assert "reconnecting" in text
        assert alerts.region.height == 1


@app_test
async def test_at_80_by_24_twelve_unknown_transponders_are_all_named_on_screen(event_db: Path) -> None:
    """The "+N more" row was one row long whatever was left of the bar's six: with ten unknown transponders behind
    it at 80 columns its list ended "8812311, 8..." while a row of the bar stood empty."""
    app = LiveTimingApp(Timing(event_db, "sim://?cars=12&seed=11&speed=0&minutes=5"), official="desk")
    async with app.run_test(size=(80, 24)) as pilot:
        app.start_session(1)
        await until(pilot, lambda: len(app.model.unknown) == 12 and app.model.link is not None
                    and app.model.link.state.value == "ended", "twelve unknown transponders, the source ended")
        alerts = app.screen_named("live").query_one(AlertBar)
        await until(pilot, lambda: "more: UNKNOWN TRANSPONDER" in str(alerts.render()), "the alerts shown")
        await pilot.pause()
        shown = "\n".join(screen_lines(app)[alerts.region.y:alerts.region.bottom])
        for transponder in app.model.unknown:
            assert str(transponder) in shown, f"unknown transponder {transponder} is not on screen:\n{shown}"
        assert alerts.region.height <= ALERT_ROWS and "..." not in shown
