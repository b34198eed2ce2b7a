"""A driver's day, the leaderboard and the lap statistics, checked against the laps export of every session."""

from __future__ import annotations

import base64
import io
import re
from collections import defaultdict
from pathlib import Path

import pytest
from PIL import Image

from laptiming.engine import Lap, LapFlag
from laptiming.printouts.stats import improvements, lap_stats
from laptiming.store import SessionPhase, list_sessions, open_event_db, update_session, write_transaction
from laptiming.timefmt import format_lap_time, format_seconds
from tests.printouts.conftest import RACE_SESSION
from tests.printouts.helpers import export_rows, html_tables, pdf_pages, run

S = 1_000_000


def _day_bests(capsys, db: Path) -> tuple[dict[str, list[tuple[str, str]]], dict[str, str], dict[str, int]]:
    """Per driver: (session name, best lap µs) of each run in order; their class; their best of the day in µs."""
    handle = open_event_db(db, readonly=True)
    sessions = [(s.session_id, s.name) for s in list_sessions(handle)]
    handle.close()
    runs: dict[str, list[tuple[str, str]]] = defaultdict(list)
    classes: dict[str, str] = {}
    best: dict[str, int] = {}
    for session_id, name in sessions:
        for row in export_rows(capsys, db, "results", session_id):
            runs[row["driver"]].append((name, row["best_lap_us"]))
            classes[row["driver"]] = row["class"]
            if row["best_lap_us"] and row["status"] != "DSQ":  # a disqualified run's times do not stand
                best[row["driver"]] = min(best.get(row["driver"], 1 << 62), int(row["best_lap_us"]))
    return runs, classes, best


def test_drivers_day_shows_every_run_its_best_the_gain_and_the_class_rank(capsys, day_db: Path, tmp_path: Path) -> None:
    runs, classes, best = _day_bests(capsys, day_db)
    handle = open_event_db(day_db, readonly=True)
    driver_id, name = handle.execute("SELECT id, name FROM drivers ORDER BY id LIMIT 1").fetchone()
    handle.close()
    out = tmp_path / "day.pdf"
    code, _, err = run(capsys, "print", "day", "--db", str(day_db), "--driver", str(driver_id), "--pdf", str(out))
    assert code == 0, err
    (page,) = pdf_pages(out)
    assert f"{name} - your day" in page
    previous = None
    assert len(runs[name]) > 1
    for session, best_lap_us in runs[name]:
        line = next(line for line in page.splitlines() if re.match(rf"\s*\d+\s+{session}\s", line))
        assert format_lap_time(int(best_lap_us)) in line
        if previous is not None:
            gain_us = previous - int(best_lap_us)  # truncated to the thousandth only when shown
            word = "faster" if gain_us > 0 else "slower"
            assert f"{format_seconds(abs(gain_us))} s {word}" in line
        previous = int(best_lap_us)
    same_class = sorted(best[d] for d in best if classes[d] == classes[name])
    rank = same_class.index(best[name]) + 1
    assert f"P{rank} of {len(same_class)} in {classes[name]} for the day" in page
    assert f"Best of the day {format_lap_time(best[name])}" in page


def test_every_drivers_day_in_one_pdf(capsys, day_db: Path, tmp_path: Path) -> None:
    runs, _, _ = _day_bests(capsys, day_db)
    out = tmp_path / "all.pdf"
    assert run(capsys, "print", "day", "--db", str(day_db), "--pdf", str(out))[0] == 0
    pages = pdf_pages(out)
    assert len(pages) == len(runs) == 36
    assert sorted(re.search(r"(.+) - your day", page).group(1).strip() for page in pages) == sorted(runs)


def test_a_driver_by_name(capsys, day_db: Path, tmp_path: Path) -> None:
    runs, _, _ = _day_bests(capsys, day_db)
    name = sorted(runs)[0]
    out = tmp_path / "by-name.pdf"
    assert run(capsys, "print", "day", "--db", str(day_db), "--driver", name.upper(), "--pdf", str(out))[0] == 0
    (page,) = pdf_pages(out)
    assert f"{name} - your day" in page


def test_a_driver_who_never_ran_is_exit_2(capsys, day_db: Path, tmp_path: Path) -> None:
    code, _, err = run(capsys, "print", "day", "--db", str(day_db), "--driver", "9999", "--pdf", str(tmp_path / "x.pdf"))
    assert code == 2 and "driver 9999 ran in no session" in err
    code, _, err = run(capsys, "print", "day", "--db", str(day_db), "--driver", "Nobody Here", "--pdf",
                       str(tmp_path / "x.pdf"))
    assert code == 2 and "no driver named 'Nobody Here'" in err
    assert not list(tmp_path.iterdir())


def test_a_driver_by_the_name_the_roster_gave_without_its_id(capsys, day_copy: Path, tmp_path: Path) -> None:
    """A roster stores namesakes as 'Clara Fischer (D0017)'; 'Clara Fischer' said there was no such driver."""
    handle = open_event_db(day_copy)
    with write_transaction(handle):
        (first, second, third) = [row[0] for row in handle.execute("SELECT id FROM drivers ORDER BY id LIMIT 3")]
        for driver_id, name in ((first, "Clara Fischer (D0017)"), (second, "Clara Fischer (D0060)"),
                                (third, "Omar Vogel (D0010)")):
            handle.execute("UPDATE drivers SET name = ? WHERE id = ?", [name, driver_id])
    handle.close()
    out = tmp_path / "day.pdf"
    code, _, err = run(capsys, "print", "day", "--db", str(day_copy), "--driver", "omar vogel", "--pdf", str(out))
    assert code == 0, err
    assert "Omar Vogel (D0010) - your day" in pdf_pages(out)[0]
    code, _, err = run(capsys, "print", "day", "--db", str(day_copy), "--driver", "Clara Fischer", "--pdf",
                       str(tmp_path / "two.pdf"))
    assert (code, err) == (2, f"laptiming: 2 drivers are named 'Clara Fischer': Clara Fischer (D0017) (--driver "
                              f"{first}), Clara Fischer (D0060) (--driver {second}); say which\n")
    assert not (tmp_path / "two.pdf").exists()


def test_leaderboard_has_each_classes_best_of_the_day(capsys, day_db: Path, tmp_path: Path) -> None:
    _, classes, best = _day_bests(capsys, day_db)
    out = tmp_path / "board.html"
    assert run(capsys, "print", "leaderboard", "--db", str(day_db), "--html", str(out), "--top", "50")[0] == 0
    page = html_tables(out.read_text(encoding="utf-8"))
    overall = page.tables["Overall"][1:]
    assert [(row[1], row[4]) for row in overall] == [
        (driver, format_lap_time(time_us)) for driver, time_us in sorted(best.items(), key=lambda item: item[1])]
    for car_class in set(classes.values()):
        first = page.tables[car_class][1]
        fastest = min((time_us, driver) for driver, time_us in best.items() if classes[driver] == car_class)
        assert (first[0], first[1], first[4]) == ("1", fastest[1], format_lap_time(fastest[0]))
    source = re.search(r'<img id="chart"[^>]* src="data:image/png;base64,([^"]+)"', out.read_text()).group(1)
    chart = Image.open(io.BytesIO(base64.b64decode(source)))
    assert chart.format == "PNG" and chart.width > 400  # the chart of class bests is in the page itself
    pdf = tmp_path / "board.pdf"
    assert run(capsys, "print", "leaderboard", "--db", str(day_db), "--pdf", str(pdf))[0] == 0
    text = "\n".join(pdf_pages(pdf))
    assert "Leaderboard - best laps of the day" in text and "Class Classic" in text
    with pytest.raises(SystemExit) as refused:  # a board of no one is a mistake, not an empty page
        run(capsys, "print", "leaderboard", "--db", str(day_db), "--pdf", str(tmp_path / "none.pdf"), "--top", "0")
    assert refused.value.code == 2 and "argument --top: must be above zero: 0" in capsys.readouterr().err
    assert not (tmp_path / "none.pdf").exists()


def test_a_disqualified_run_sets_no_fastest_lap_and_no_best_of_the_day(capsys, day_copy: Path,
                                                                       tmp_path: Path) -> None:
    """The race winner's fastest lap of the day, then a DSQ: it headed the leaderboard, the driver's day and
    the race sheet's fastest lap as if it stood."""
    race = export_rows(capsys, day_copy, "results", RACE_SESSION)
    fastest = min(race, key=lambda row: int(row["best_lap_us"]))
    assert run(capsys, "correct", "status", "--db", str(day_copy), "--session", str(RACE_SESSION), "--by", "steward",
               "--reason", "illegal tyres", "--car", fastest["number"], "DSQ")[0] == 0
    _, classes, best = _day_bests(capsys, day_copy)
    assert best[fastest["driver"]] > int(fastest["best_lap_us"])  # their best that stands is from another run
    board = tmp_path / "board.html"
    assert run(capsys, "print", "leaderboard", "--db", str(day_copy), "--html", str(board), "--top", "50")[0] == 0
    overall = html_tables(board.read_text(encoding="utf-8")).tables["Overall"][1:]
    assert [(row[1], row[4]) for row in overall] == [
        (driver, format_lap_time(time_us)) for driver, time_us in sorted(best.items(), key=lambda item: item[1])]
    sheet = tmp_path / "race.html"
    assert run(capsys, "print", "results", "--db", str(day_copy), "--session", str(RACE_SESSION), "--html",
               str(sheet))[0] == 0
    standing = min((row for row in race if row["number"] != fastest["number"]), key=lambda row: int(row["best_lap_us"]))
    assert html_tables(sheet.read_text(encoding="utf-8")).texts["fastest-lap"].startswith(
        f"Fastest lap: {standing['best_lap']} by #{standing['number']} {standing['driver']}")
    day = tmp_path / "day.pdf"
    assert run(capsys, "print", "day", "--db", str(day_copy), "--driver", fastest["driver"], "--pdf", str(day))[0] == 0
    (page,) = pdf_pages(day)
    assert f"Best of the day {format_lap_time(best[fastest['driver']])}" in page
    same_class = sorted(best[d] for d in best if classes[d] == classes[fastest["driver"]])
    assert f"P{same_class.index(best[fastest['driver']]) + 1} of {len(same_class)} in" in page


def test_a_day_whose_every_timed_run_was_disqualified_says_so() -> None:
    """It said "No lap timed today." to a driver who had timed laps."""
    from types import SimpleNamespace

    from laptiming.printouts.driver_day import _summary

    dsq = SimpleNamespace(best_us=None, best_run="", day_gain_us=None, class_rank=None,
                          runs=[SimpleNamespace(best_us=84_700_000, status="DSQ")])
    assert "disqualified" in _summary(dsq) and "No lap timed" not in _summary(dsq)
    untimed = SimpleNamespace(**{**vars(dsq), "runs": [SimpleNamespace(best_us=None, status="DNS")]})
    assert _summary(untimed) == "No lap timed today."


def test_a_leaderboard_over_a_running_session_says_live(capsys, day_copy: Path, tmp_path: Path) -> None:
    """It said PROVISIONAL while a session's laps were still coming in."""
    def state() -> str:
        out = tmp_path / "board.pdf"
        assert run(capsys, "print", "leaderboard", "--db", str(day_copy), "--pdf", str(out))[0] == 0
        return " ".join(pdf_pages(out)[-1].split())

    assert "PROVISIONAL results - may still change" in state()
    handle = open_event_db(day_copy)
    update_session(handle, RACE_SESSION, phase=SessionPhase.RUNNING)
    handle.close()
    assert "LIVE results - session still running" in state() and "PROVISIONAL" not in state()


def _lap(lap_no: int, seconds: float, *flags: LapFlag) -> Lap:
    return Lap(1, lap_no, int(seconds * S), lap_no * 100 * S, 7, frozenset(flags))


def test_lap_stats_leave_suspect_and_deleted_laps_out() -> None:
    laps = [_lap(1, 90.0), _lap(2, 88.0, LapFlag.DELETED), _lap(3, 89.0), _lap(4, 180.0, LapFlag.SUSPECT),
            _lap(5, 91.0)]
    stats = lap_stats(laps)
    assert (stats.laps, stats.clean_laps) == (5, 3)
    assert stats.average_us == 90 * S
    assert stats.spread_us == pytest.approx(816_496, abs=1)  # population sd of 89, 90, 91 s
    assert (stats.best_us, stats.best_lap_no) == (89 * S, 3)  # the deleted 88 s cannot be the best
    assert stats.consistency_pct == pytest.approx(98.9)


def test_improvements_compare_with_the_previous_timed_run() -> None:
    assert improvements([100 * S, 98 * S, None, 99 * S]) == [None, 2 * S, None, -1 * S]


def test_a_day_whose_first_run_was_its_best_says_so_in_words() -> None:
    """It printed "same than your first run"."""
    from types import SimpleNamespace

    from laptiming.printouts.driver_day import _summary

    day = SimpleNamespace(best_us=84_700_000, best_run="Club race", day_gain_us=0, runs=[1, 2], class_rank=None)
    assert _summary(day) == "Best of the day <b>1:24.700</b> in Club race - your first run was your best"
    faster = SimpleNamespace(**{**vars(day), "day_gain_us": 1_250_000})
    assert _summary(faster).endswith(" - 1.250 s faster than your first run")
