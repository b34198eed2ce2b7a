"""Receipt printers by URL over a real TCP socket, and the kept job queue: nothing is lost to a printer that is off."""

from __future__ import annotations

import os
import shlex
import socket
import struct
import threading
from pathlib import Path

import pytest
from escpos.constants import PAPER_FULL_CUT, RT_MASK_NOPAPER, RT_MASK_PAPER, RT_STATUS_PAPER

from laptiming.errors import PrinterError
from laptiming.printouts.data import load_session_sheet
from laptiming.printouts.printers import JobQueue, parse_printer_url, print_kept, send_job
from laptiming.printouts.slip import session_slips
from laptiming.printouts.slip_escpos import PaperWidth, slips_job
from laptiming.printouts.session_print import print_session
from tests.printouts.conftest import FIRST_SESSION
from tests.printouts.helpers import run


class FakePrinter:
    """A network printer on a local port: answers the paper query (or stays silent) and keeps what it was sent."""

    def __init__(self, paper_status: int | None) -> None:
        self.paper_status = paper_status
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.received = b""
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        connection, _ = self.server.accept()
        answered = False
        with connection:
            while chunk := connection.recv(65536):
                self.received += chunk
                if not answered and RT_STATUS_PAPER in self.received and self.paper_status is not None:
                    connection.sendall(bytes([self.paper_status]))
                    answered = True
        self.server.close()

    def wait(self) -> bytes:
        """What was printed, once the client hung up."""
        self.thread.join(timeout=30)
        assert not self.thread.is_alive()
        return self.received.replace(RT_STATUS_PAPER, b"", 1)


def _closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as server:
        return server.getsockname()[1]


def test_a_network_printer_gets_every_slip(day_db: Path, tmp_path: Path) -> None:
    printer = FakePrinter(RT_MASK_PAPER)
    queue = JobQueue(tmp_path / "jobs")
    printed = print_session(day_db, FIRST_SESSION, printer_url=f"tcp://127.0.0.1:{printer.port}?paper=58",
                            queue=queue)
    data = printer.wait()
    assert data.count(PAPER_FULL_CUT) == printed.slips == 12
    assert b"Group A run 1" in data
    assert queue.pending() == []  # printed, so not kept


def test_a_silent_printer_is_assumed_ready_after_the_timeout(day_db: Path, tmp_path: Path) -> None:
    printer = FakePrinter(None)
    print_session(day_db, FIRST_SESSION, printer_url=f"tcp://127.0.0.1:{printer.port}?timeout=0.3", car="2",
                  queue=JobQueue(tmp_path / "jobs"))
    assert printer.wait().count(PAPER_FULL_CUT) == 1


def test_out_of_paper_keeps_the_job_and_says_so(day_db: Path, tmp_path: Path) -> None:
    printer = FakePrinter(RT_MASK_NOPAPER)
    queue = JobQueue(tmp_path / "jobs")
    with pytest.raises(PrinterError, match="out of paper.*is kept"):
        print_session(day_db, FIRST_SESSION, printer_url=f"tcp://127.0.0.1:{printer.port}", car="2", queue=queue)
    assert printer.wait() == b""  # nothing but the paper query went out
    (kept,) = queue.pending()
    assert "out of paper" in kept.last_error and kept.data().count(PAPER_FULL_CUT) == 1


def test_a_printer_that_is_off_keeps_the_job_and_resend_prints_it(capsys, day_copy: Path) -> None:
    port = _closed_port()
    code, _, err = run(capsys, "print", "slip", "--db", str(day_copy), "--session", "1", "--printer",
                       f"tcp://127.0.0.1:{port}?timeout=2")
    assert code == 2
    assert "is off or unplugged" in err and "re-send it with: laptiming print resend" in err and err.count("\n") == 1
    suggested = shlex.split(err.split("re-send it with: ")[1])  # pasted as it stands, as an official would
    assert suggested[:3] == ["laptiming", "print", "resend"]
    queue = JobQueue.beside(day_copy)
    (kept,) = queue.pending()
    job = kept.data()
    code, out, _ = run(capsys, "print", "jobs", "--db", str(day_copy))
    assert kept.job_id in out and "12 slip(s) of session 1" in out
    # still off: resend fails the same way and keeps it
    assert run(capsys, "print", "resend", "--db", str(day_copy))[0] == 2
    assert [j.job_id for j in queue.pending()] == [kept.job_id]
    printer = FakePrinter(RT_MASK_PAPER)
    code, _, err = run(capsys, *suggested[1:], "--printer", f"tcp://127.0.0.1:{printer.port}")
    assert code == 0, err
    assert printer.wait() == job  # exactly the kept bytes
    assert queue.pending() == []


def test_printer_urls() -> None:
    usb = parse_printer_url("usb://04b8:0202?paper=58")
    assert (usb.scheme, usb.target, usb.paper.columns) == ("usb", "04b8:0202", 32)
    serial = parse_printer_url("serial:///dev/ttyUSB0?baudrate=9600")
    assert (serial.scheme, serial.target, serial.baudrate, serial.paper.columns) == ("serial", "/dev/ttyUSB0", 9600, 48)
    tcp = parse_printer_url("tcp://192.168.1.80")
    assert (tcp.target, tcp.port, tcp.check_status) == ("192.168.1.80", 9100, True)
    assert parse_printer_url("file://slips.bin").target == "slips.bin"
    assert parse_printer_url("tcp://p:9101?status=0").check_status is False


class FakeSerialPrinter:
    """A serial printer on a pty pair: answers the paper query on the line, then keeps what it was sent."""

    def __init__(self, expected_length: int, paper_status: int = RT_MASK_PAPER) -> None:
        self.paper_status = paper_status
        self.master, self.slave = os.openpty()
        self.device = os.ttyname(self.slave)
        self.expected_length = expected_length + len(RT_STATUS_PAPER)
        self.received = bytearray()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        answered = False
        while len(self.received) < self.expected_length:
            chunk = os.read(self.master, 65536)
            if not chunk:
                break
            self.received += chunk
            if not answered and RT_STATUS_PAPER in self.received:
                os.write(self.master, bytes([self.paper_status]))
                answered = True
                if self.paper_status == RT_MASK_NOPAPER:
                    break

    def wait(self) -> bytes:
        """What was printed (the paper query taken out)."""
        self.thread.join(timeout=30)
        assert not self.thread.is_alive()
        os.close(self.master)
        os.close(self.slave)
        return bytes(self.received).replace(RT_STATUS_PAPER, b"", 1)


def test_a_serial_printer_gets_the_exact_bytes(day_db: Path) -> None:
    job = slips_job(session_slips(load_session_sheet(day_db, FIRST_SESSION)), PaperWidth.MM58)
    printer = FakeSerialPrinter(len(job))
    send_job(parse_printer_url(f"serial://{printer.device}?baudrate=38400&paper=58"), job)
    assert printer.wait() == job  # raw: no newline translation, nothing lost


def test_a_serial_printer_out_of_paper_gets_nothing(day_db: Path) -> None:
    job = slips_job(session_slips(load_session_sheet(day_db, FIRST_SESSION), "2"), PaperWidth.MM80)
    printer = FakeSerialPrinter(len(job), RT_MASK_NOPAPER)
    with pytest.raises(PrinterError, match="out of paper"):
        send_job(parse_printer_url(f"serial://{printer.device}"), job)
    assert printer.wait() == b""


def test_a_printer_that_goes_away_mid_job_keeps_the_job(day_db: Path, tmp_path: Path) -> None:
    # A job far larger than any socket buffer, so the sender is still sending when the printer resets.
    job = slips_job(list(session_slips(load_session_sheet(day_db, FIRST_SESSION))), PaperWidth.MM80) * 200
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]

    def take_a_little_then_vanish() -> None:
        connection, _ = server.accept()
        connection.recv(len(RT_STATUS_PAPER))
        connection.sendall(bytes([RT_MASK_PAPER]))
        connection.recv(2048)
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # reset, like a power cut
        connection.close()
        server.close()

    thread = threading.Thread(target=take_a_little_then_vanish, daemon=True)
    thread.start()
    queue = JobQueue(tmp_path / "jobs")
    kept = queue.keep(job, "12 slips, 200 times", f"tcp://127.0.0.1:{port}")
    with pytest.raises(PrinterError, match="stopped taking the job.*is kept"):
        print_kept(queue, kept, parse_printer_url(f"tcp://127.0.0.1:{port}"))
    thread.join(timeout=30)
    (still,) = queue.pending()
    assert still.job_id == kept.job_id and still.data() == job and "stopped taking the job" in still.last_error

def test_a_usb_printer_without_libusb_says_what_to_install(monkeypatch) -> None:
    import usb.core

    def no_backend(*args, **kwargs):
        raise usb.core.NoBackendError("No backend available")

    monkeypatch.setattr(usb.core, "find", no_backend)
    with pytest.raises(PrinterError, match=r"usb://04b8:0202: USB printing needs the libusb library"):
        send_job(parse_printer_url("usb://04b8:0202"), b"\x1b@")


def test_a_usb_printer_that_is_not_plugged_in_is_one_error(monkeypatch) -> None:
    import usb.core

    monkeypatch.setattr(usb.core, "find", lambda *args, **kwargs: None)  # libusb there, no such device
    with pytest.raises(PrinterError, match=r"printer usb://04b8:0202 is off or unplugged"):
        send_job(parse_printer_url("usb://04b8:0202"), b"\x1b@")


def test_a_printer_url_without_a_scheme_is_refused_not_printed_into_a_file(
        capsys, day_copy: Path, tmp_path: Path, monkeypatch) -> None:
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    for url in ("192.168.1.80", "lpt1", "localhost:9100"):
        code, out, err = run(capsys, "print", "slip", "--db", str(day_copy), "--session", "1", "--printer", url)
        assert code == 2, err
        assert err == (f"laptiming: printer URL {url!r}: no scheme; use tcp://HOST[:PORT], usb://VENDOR:PRODUCT, "
                       "serial://DEVICE or file://PATH\n")
    assert list(work.iterdir()) == [] and JobQueue.beside(day_copy).pending() == []


def test_printer_url_options_and_ids_are_checked_in_our_words(capsys, day_copy: Path) -> None:
    closed = f"tcp://127.0.0.1:{_closed_port()}"  # never off this machine, whatever the code under test does
    cases = {
        f"{closed}?timeout=1e308": "timeout must be at most 60 seconds, not '1e308'",
        f"{closed}?timeout=inf": "timeout must be at most 60 seconds, not 'inf'",
        f"{closed}?timeout=nan": "timeout must be a number above 0, not 'nan'",
        "usb://04b8:99999": "product id '99999' is not 1 to 4 hex digits; a USB printer is usb://VENDOR:PRODUCT",
        "usb://04b8:zz": "product id 'zz' is not 1 to 4 hex digits",
        "usb://04b8": "a USB printer is usb://VENDOR:PRODUCT in hex",
        "tcp://127.0.0.1:99999": "port must be a number from 1 to 65535, not '99999'",
        "tcp://127.0.0.1:x": "port must be a number from 1 to 65535, not 'x'",
    }
    for url, message in cases.items():
        code, _, err = run(capsys, "print", "slip", "--db", str(day_copy), "--session", "1", "--printer", url)
        assert code == 2 and message in err and err.count("\n") == 1, (url, err)
        assert "Port" not in err and "cast" not in err
    assert JobQueue.beside(day_copy).pending() == []
    assert parse_printer_url("tcp://[::1]:9101?timeout=60").port == 9101


class NotAPrinter:
    """Something else on a local port that takes the paper query: answers it as a web server would, or hangs up."""

    def __init__(self, answer: bytes) -> None:
        self.answer = answer
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        connection, _ = self.server.accept()
        with connection:
            received = b""
            while RT_STATUS_PAPER not in received and (chunk := connection.recv(64)):
                received += chunk
            connection.sendall(self.answer)
            connection.shutdown(socket.SHUT_WR)
            while connection.recv(65536):  # take whatever else comes, so the close is clean
                pass
        self.server.close()


def test_what_answers_the_paper_query_as_no_printer_does_is_not_out_of_paper(capsys, day_copy: Path) -> None:
    cases = [
        (b"HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n",
         "is off or unplugged, or not at this address: what answered is not a receipt printer "
         "(it said 'HTTP/1.1 400 Bad Request')"),
        (b"", "is off or unplugged (it closed the connection without answering)"),
    ]
    for answer, message in cases:
        other = NotAPrinter(answer)
        url = f"tcp://127.0.0.1:{other.port}"
        code, _, err = run(capsys, "print", "slip", "--db", str(day_copy), "--session", "1", "--car", "2",
                           "--printer", url)
        other.thread.join(timeout=30)
        assert code == 2 and err.count("\n") == 1, err
        assert f"printer {url} {message}; job " in err and "out of paper" not in err
    assert len(JobQueue.beside(day_copy).pending()) == 2  # both jobs kept to re-send
