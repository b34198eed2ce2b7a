"""A bad decoder URL is one line and exit 2 before anything starts or is written, whichever command is given it."""

from __future__ import annotations

import pytest

from tests.timing.cli_runner import run_cli, run_cli_process

BAD_URLS = [
    ("bogus://x", "bogus://x: unknown scheme 'bogus'"),
    ("sim://?cars=x", "sim://?cars=x: option cars='x' is not a number"),
]


@pytest.mark.parametrize(("url", "message"), BAD_URLS)
def test_the_app_refuses_a_bad_decoder_url_before_it_opens(tmp_path, url, message):
    # A real process: the old code opened the app here (and died with a traceback when a session started).
    result = run_cli_process("run", "--db", tmp_path / "e.db", "--decoder", url, timeout=60)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"laptiming: {message}")
    assert len(result.stderr.strip().splitlines()) == 1 and result.stdout == ""
    assert not (tmp_path / "e.db").exists()


@pytest.mark.parametrize(("url", "message"), BAD_URLS)
def test_record_refuses_the_same_urls_writing_nothing(tmp_path, url, message):
    result = run_cli("record", url, "--db", tmp_path / "e.db", "--session", "S")
    assert result.returncode == 2 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "e.db").exists()


def test_the_app_refuses_a_capture_with_no_passings_as_record_does(tmp_path):
    from tests.timing.test_record_bad_input import status_only_capture

    quiet = status_only_capture(tmp_path)
    result = run_cli_process("run", "--db", tmp_path / "e.db", "--decoder", f"file://{quiet}", timeout=60)
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [
        f"laptiming: {quiet}: no passings in the capture (3 frames decoded, dropped: none)"]
    assert result.stdout == ""
    assert not (tmp_path / "e.db").exists()
