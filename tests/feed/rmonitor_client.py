"""A scoreboard for tests: a real TCP client that reads RMonitor lines with bounded waits."""

from __future__ import annotations

import csv
import socket
import time
from collections.abc import Callable


class RMonitorClient:
    """Connects to a feed and collects its records (each as its text line, without CR LF)."""

    def __init__(self, port: int, host: str = "127.0.0.1", receive_buffer: int | None = None) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if receive_buffer is not None:  # a small window, so a client that stops reading backs up quickly
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.sock.connect((host, port))
        self.lines: list[str] = []
        self._partial = b""
        self.closed = False

    def read_until(self, done: Callable[[list[str]], bool], timeout: float = 20.0) -> list[str]:
        """Read until ``done(lines)`` holds; an AssertionError after ``timeout`` seconds or on hang-up."""
        deadline = time.monotonic() + timeout
        while not done(self.lines):
            left = deadline - time.monotonic()
            assert left > 0, f"no such record within {timeout} s; last lines: {self.lines[-5:]}"
            assert not self.closed, f"the feed hung up; last lines: {self.lines[-5:]}"
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except TimeoutError:
                continue
            if not data:
                self.closed = True
                continue
            *complete, self._partial = (self._partial + data).split(b"\r\n")
            self.lines.extend(line.decode("ascii") for line in complete)
        return self.lines

    def read_line_count(self, count: int, timeout: float = 20.0) -> list[str]:
        """Read until at least ``count`` records have come."""
        return self.read_until(lambda lines: len(lines) >= count, timeout)

    def hung_up(self, timeout: float = 20.0) -> bool:
        """Read (and discard) until the server closes the connection; True if it did within ``timeout``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                if not self.sock.recv(1 << 20):
                    return True
            except TimeoutError:
                continue
            except ConnectionError:
                return True
        return False

    def close(self) -> None:
        self.sock.close()


def fields(line: str) -> list[str]:
    """A record's fields, the command first, quotes removed."""
    return next(csv.reader([line]))
