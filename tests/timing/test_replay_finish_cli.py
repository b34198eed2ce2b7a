"""How a replayed session ends, through the real command: the flag at a duration, or for a race with no finish
rule at the leader's last lap; cars that reach the line only after the flag did not start."""

from __future__ import annotations

from tests.timing.cli_runner import csv_rows, run_cli


def _race_flagged_after_30_s(tmp_path):
    """A simulated 6-car field replayed as a 30 s practice (the flag falls as the time is up, when two cars had not
    yet reached the line; a race would wait for its leader): the database and the replay's completed process."""
    capture = tmp_path / "session.p3"
    made = run_cli("decoder", "simulate", "--out", capture, "--cars", "6", "--seed", "7", "--minutes", "8")
    assert made.returncode == 0, made.stderr
    db = tmp_path / "event.db"
    replayed = run_cli("replay", capture, "--db", db, "--session-type", "practice", "--min-lap", "30",
                       "--duration", "30", "--name", "Practice 1")
    assert replayed.returncode == 0, replayed.stderr
    return db, replayed


def test_replay_with_a_duration_lists_a_car_that_never_completed_a_lap_as_dns(tmp_path):
    """The flag fell 30 s after the green, before two cars first reached the line: they did not start."""
    db, replayed = _race_flagged_after_30_s(tmp_path)
    _, rows = csv_rows(run_cli("export", "results", "--db", db).stdout)
    assert [(r["laps"], r["status"]) for r in rows] == [("1", "finished")] * 4 + [("0", "DNS")] * 2
    assert [r["position"] for r in rows] == ["1", "2", "3", "4", "", ""]
    table = [line for line in replayed.stdout.splitlines() if line.rstrip().endswith(("finished", "DNS"))]
    assert [line.split()[-1] for line in table] == ["finished"] * 4 + ["DNS"] * 2


def test_replay_says_a_dns_cars_crossings_came_after_the_checkered_flag_and_counts_none(tmp_path):
    """The crossing that once 'opened' a car reaching the line only after the flag is not counted, and says why."""
    db, replayed = _race_flagged_after_30_s(tmp_path)
    _, results = csv_rows(run_cli("export", "results", "--db", db).stdout)
    dns = {r["transponder"] for r in results if r["status"] == "DNS"}
    assert len(dns) == 2
    _, passings = csv_rows(run_cli("export", "passings", "--db", db).stdout)
    theirs = [(r["counted"], r["reason"]) for r in passings if r["transponder"] in dns]
    assert theirs and set(theirs) == {("false", "after_checkered")}
    counted = sum(r["counted"] == "true" for r in passings)
    assert f"{len(passings)} passings, {counted} counted" in replayed.stdout


def test_a_race_replayed_with_no_finish_rule_ends_at_the_leaders_last_lap_as_the_race_did(tmp_path):
    """Car 1 leads and completes its last lap at 180 s: the flag was shown then. Car 2 takes it at 200 s, car 3
    (a lap down) at 190 s, its crossing at 260 s (the slowing-down lap) counts for nothing; car 4 stopped at 80 s."""
    from hardware.p3 import encode_passing
    from tests.timing.timing_builders import T0, S, passing

    laps = {3530829: (0, 60, 120, 180), 2579240: (5, 70, 135, 200), 7624039: (10, 100, 190, 260), 7135241: (15, 80)}
    crossings = sorted(((t, T0 + s * S) for t, times in laps.items() for s in times), key=lambda c: c[1])
    capture = tmp_path / "race.p3"
    capture.write_bytes(b"".join(encode_passing(passing(t, time_us, n + 1)) for n, (t, time_us) in enumerate(crossings)))
    db = tmp_path / "event.db"
    replayed = run_cli("replay", capture, "--db", db, "--session-type", "race", "--min-lap", "30", "--name", "Race 1")
    assert replayed.returncode == 0, replayed.stderr
    expected = [("1", "3530829", "3", "finished"), ("2", "2579240", "3", "finished"),
                ("3", "7624039", "2", "finished"), ("4", "7135241", "1", "running")]
    _, rows = csv_rows(run_cli("export", "results", "--db", db).stdout)
    assert [(r["position"], r["number"], r["laps"], r["status"]) for r in rows] == expected
    table = [line.split() for line in replayed.stdout.splitlines() if line[:3].strip().isdigit()]
    assert [(row[0], row[1], row[2], row[-1]) for row in table] == expected
    _, passings = csv_rows(run_cli("export", "passings", "--db", db).stdout)
    assert [r["reason"] for r in passings if r["transponder"] == "7624039"] == ["opened", "lap", "finish", "after_finish"]
    assert "checkered" in run_cli("sessions", "--db", db).stdout.splitlines()[1]
    # The flag is stored with the session: a correction derives the results again and keeps the finish.
    corrected = run_cli("correct", "penalty", "--db", db, "--session", "1", "--by", "clerk", "--reason", "track limits",
                        "--car", "2579240", "--seconds", "5")
    assert corrected.returncode == 0, corrected.stderr
    _, rows = csv_rows(run_cli("export", "results", "--db", db).stdout)
    assert [(r["number"], r["laps"], r["status"]) for r in rows] == [e[1:] for e in expected]
