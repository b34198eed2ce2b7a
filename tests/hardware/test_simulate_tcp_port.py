"""``decoder simulate --tcp``: a port out of range or in use is one line and exit 2, not a traceback."""

from __future__ import annotations

import socket

from tests.timing.cli_runner import run_cli


def test_a_port_out_of_range_is_one_line():
    result = run_cli("decoder", "simulate", "--tcp", "99999", "--cars", "2", "--minutes", "1")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "laptiming decoder simulate: argument --tcp: 99999: give a TCP port from 0 to 65535 "
        "(see laptiming decoder simulate --help)"]


def test_a_port_in_use_is_one_line():
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = run_cli("decoder", "simulate", "--tcp", port, "--cars", "2", "--minutes", "1")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"laptiming: cannot listen on 127.0.0.1:{port}: Address already in use"]
