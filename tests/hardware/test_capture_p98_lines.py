"""A capture of P98 records one a line (as published) is found to be P98 without being told."""

from __future__ import annotations

import sqlite3

from tests.timing.cli_runner import run_cli


def test_listen_reads_p98_lines_without_a_protocol_option(captures):
    lines = captures / "text-protocols" / "p98_vostok_lines.txt"
    result = run_cli("decoder", "listen", f"file://{lines}")
    assert result.returncode == 0, result.stderr
    assert "frames decoded: 20" in result.stderr and "frames dropped: none" in result.stderr
    assert result.stdout.count("transponder 8110984") == 11


def test_replay_reads_them_too(captures, tmp_path):
    lines = captures / "text-protocols" / "p98_vostok_lines.txt"
    result = run_cli("replay", lines, "--db", tmp_path / "e.db")
    assert result.returncode == 0, result.stderr
    assert f"{lines}: 20 frames, 11 passings, dropped: none" in result.stdout
    with sqlite3.connect(tmp_path / "e.db") as conn:
        assert conn.execute("SELECT COUNT(*) FROM passings").fetchone() == (11,)


def test_asked_to_read_them_as_p3_it_says_what_to_do(captures, tmp_path):
    lines = captures / "text-protocols" / "p98_vostok_lines.txt"
    listen = run_cli("decoder", "listen", f"file://{lines}?protocol=p3")
    replay = run_cli("replay", lines, "--db", tmp_path / "e.db", "--protocol", "p3")
    for result in (listen, replay):
        assert result.returncode == 2
        assert result.stderr.strip().splitlines() == [
            f"laptiming: {lines}: P98 records one a line, not p3: read it with protocol p98 (or give no protocol)"]
    assert not (tmp_path / "e.db").exists()
