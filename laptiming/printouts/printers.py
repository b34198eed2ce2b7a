"""Receipt printers named by URL, and the kept job queue: a print job is never lost to a printer that is off.

    usb://04b8:0202           USB printer by vendor:product id (hex), needs libusb
    serial:///dev/ttyUSB0?baudrate=19200
    tcp://192.168.1.80:9100   network printer (raw port 9100 by default)
    file://slips.bin          the raw ESC/POS bytes appended to a file, job after job, as a printer prints them

Query options: ``paper=58|80`` (default 80), ``timeout=SECONDS`` (default 5), ``status=0`` to skip
asking the printer for its paper before sending. Every job is written to the queue folder before it
is sent and removed only once the printer took it, so a printer that is off, unplugged or out of
paper leaves the job to be re-sent (``laptiming print resend``). Sending never waits longer than the
timeout for the printer to answer or take the next piece of the job; the app sends from a worker
thread. A job that stops half-way is re-sent whole (a slip may come out twice, none is lost).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shlex
import socket
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import serial
from escpos.constants import RT_MASK_NOPAPER, RT_MASK_PAPER, RT_STATUS_PAPER
from usb.core import NoBackendError  # pyusb, from python-escpos[usb]: its USB transport; the error for a missing libusb

from laptiming.errors import InputError, PrinterError
from laptiming.printouts.output import write_bytes_atomically
from laptiming.printouts.printer_url import PrinterURL, parse_printer_url

__all__ = ["JobQueue", "KeptJob", "PrinterURL", "parse_printer_url", "print_kept", "send_job"]

STATUS_FIXED_MASK = 0b1001_0011  # a paper status byte is 0xx1xx10: these bits are always RT_MASK_PAPER's (0x12)
CHUNK_BYTES = 1024  # about a second of a 9600 baud serial line


def _open(printer: PrinterURL) -> Any:
    """An open python-escpos printer for the URL (python-escpos imported only when a printer is opened)."""
    from escpos import printer as escpos_printer

    if printer.scheme == "tcp":
        device = escpos_printer.Network(printer.target, port=printer.port, timeout=printer.timeout_s)
    elif printer.scheme == "serial":
        device = escpos_printer.Serial(printer.target, baudrate=printer.baudrate, timeout=printer.timeout_s)
    else:
        vendor, product = (int(part, 16) for part in printer.target.split(":"))
        device = escpos_printer.Usb(vendor, product, timeout=int(printer.timeout_s * 1000))
        try:
            device.open()
        except NoBackendError as err:
            raise PrinterError(f"printer {printer.url}: USB printing needs the libusb library on this laptop "
                               "(install libusb-1.0)") from err
        return device
    device.open()
    return device


def _append_job(path: Path, job: bytes) -> None:
    """A file printer prints job after job, as a real one does (a resend of several kept jobs, two slips of the
    same car): each job is appended whole and on disk, and a write that fails is cut back off the file."""
    if not path.parent.is_dir():
        raise InputError(f"cannot write {path}: folder {path.parent} does not exist")
    try:
        with open(path, "ab") as out:
            start = out.tell()
            try:
                out.write(job)
                out.flush()
                os.fsync(out.fileno())
            except OSError:
                with contextlib.suppress(OSError):  # a device node cannot be cut back
                    out.truncate(start)
                raise
    except OSError as err:
        raise InputError(f"cannot write {path}: {err.strerror or err}") from err


def send_job(printer: PrinterURL, job: bytes) -> None:
    """Send raw ESC/POS bytes; a :class:`PrinterError` when the printer cannot take them."""
    if printer.scheme == "file":
        _append_job(Path(printer.target), job)
        return
    device = None
    try:
        try:
            device = _open(printer)
        except PrinterError:
            raise
        except Exception as err:  # python-escpos raises its own errors and OSError by transport
            raise PrinterError(f"printer {printer.url} is off or unplugged ({_short(err)})") from err
        if printer.check_status:
            _check_paper(printer, _paper_answer(device))
        if isinstance(device.device, serial.Serial):
            device.device.write_timeout = printer.timeout_s
        try:
            # In pieces, so the timeout bounds each silence of the printer, not the whole job (a long
            # job on a slow printer takes longer than any sensible timeout).
            for start in range(0, len(job), CHUNK_BYTES):
                device._raw(job[start:start + CHUNK_BYTES])
        except Exception as err:
            raise PrinterError(f"printer {printer.url} stopped taking the job ({_short(err)})") from err
    finally:
        if device is not None:
            try:
                device.close()
            except Exception:  # closing a printer that went away must not hide why it failed
                pass


def _paper_answer(device: Any) -> bytes | None:
    """Ask the printer for its paper sensor: its answer, or None when it says nothing in time (assumed ready)."""
    try:
        device._raw(RT_STATUS_PAPER)
        if isinstance(device.device, serial.Serial):
            # python-escpos reads 16 bytes, so pyserial would wait out its timeout: the answer is one byte
            return device.device.read(1) or None
        if isinstance(device.device, socket.socket):
            return device.device.recv(64)  # b"": the other end closed the connection; 64: enough to quote
        return bytes(device._read())
    except (OSError, TimeoutError, AssertionError):
        return None


def _check_paper(printer: PrinterURL, answer: bytes | None) -> None:
    """A :class:`PrinterError` unless the answer is a printer's "paper present" (or no answer at all).

    Only a status byte in the form ESC/POS gives it (0xx1xx10) says anything about paper: whatever else
    answered (a web server or proxy at that address, a closed connection) is not a printer that can take
    the job, and is not "out of paper".
    """
    if answer is None:
        return
    if not answer:
        raise PrinterError(f"printer {printer.url} is off or unplugged (it closed the connection without answering)")
    if answer[0] & STATUS_FIXED_MASK != RT_MASK_PAPER:
        raise PrinterError(f"printer {printer.url} is off or unplugged, or not at this address: "
                           f"what answered is not a receipt printer (it said {_excerpt(answer)})")
    if answer[0] & RT_MASK_NOPAPER == RT_MASK_NOPAPER:
        raise PrinterError(f"printer {printer.url} is out of paper")


def _excerpt(answer: bytes) -> str:
    """The start of an answer that is not a printer's: its first line as text when it is text, else hex."""
    line = answer.split(b"\n")[0].strip()[:40]
    if line and all(32 <= byte < 127 for byte in line):
        return repr(line.decode("ascii"))
    return answer[:8].hex(" ")


def _short(err: Exception) -> str:
    return " ".join(str(err).split()) or type(err).__name__


@dataclass(frozen=True, slots=True)
class KeptJob:
    """A job in the queue: its id, what it is, where it was meant to go, and when it was made."""

    job_id: str
    description: str
    printer_url: str
    made_at: str
    last_error: str
    path: Path

    def data(self) -> bytes:
        """The job's ESC/POS bytes."""
        return self.path.read_bytes()


QUEUE_SUFFIX = ".print-jobs"  # EVENT.db.print-jobs/: an event database's kept jobs


class JobQueue:
    """Pending print jobs, one ``.escpos`` file and one ``.json`` each, in a folder beside the event database."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @classmethod
    def beside(cls, db_path: str | Path) -> JobQueue:
        """The queue of an event database: ``EVENT.db.print-jobs/``."""
        path = Path(db_path)
        return cls(path.with_name(path.name + QUEUE_SUFFIX))

    def resend_command(self, job_id: str) -> str:
        """The command that re-sends a kept job, ready to paste (its event database named when the queue is one's)."""
        name = self.folder.name
        db = shlex.quote(str(self.folder.with_name(name.removesuffix(QUEUE_SUFFIX)))) if name.endswith(QUEUE_SUFFIX) \
            else "DB"
        return f"laptiming print resend --db {db} --job {job_id}"

    def keep(self, job: bytes, description: str, printer_url: str) -> KeptJob:
        """Store a job (before it is sent); returns it."""
        self.folder.mkdir(exist_ok=True)
        made_at = datetime.now(timezone.utc)
        job_id = f"{made_at:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"
        path = self.folder / f"{job_id}.escpos"
        write_bytes_atomically(path, job)
        kept = KeptJob(job_id, description, printer_url, made_at.isoformat(timespec="seconds"), "", path)
        self._write_meta(kept)
        return kept

    def _write_meta(self, job: KeptJob) -> None:
        meta = {"description": job.description, "printer": job.printer_url, "made_at": job.made_at,
                "last_error": job.last_error}
        write_bytes_atomically(job.path.with_suffix(".json"), json.dumps(meta, ensure_ascii=False).encode())

    def pending(self) -> list[KeptJob]:
        """Every kept job, oldest first."""
        if not self.folder.is_dir():
            return []
        jobs = []
        for path in sorted(self.folder.glob("*.escpos")):
            try:
                meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                meta = {}
            jobs.append(KeptJob(path.stem, meta.get("description", ""), meta.get("printer", ""),
                                meta.get("made_at", ""), meta.get("last_error", ""), path))
        return jobs

    def get(self, job_id: str) -> KeptJob:
        """A kept job by id; an :class:`InputError` when there is none."""
        for job in self.pending():
            if job.job_id == job_id:
                return job
        raise InputError(f"no kept print job {job_id} in {self.folder}")

    def done(self, job: KeptJob) -> None:
        """The printer took the job: forget it."""
        job.path.unlink(missing_ok=True)
        job.path.with_suffix(".json").unlink(missing_ok=True)

    def failed(self, job: KeptJob, error: str) -> None:
        """Remember why the job did not print."""
        self._write_meta(KeptJob(job.job_id, job.description, job.printer_url, job.made_at, error, job.path))


def print_kept(queue: JobQueue, job: KeptJob, printer: PrinterURL) -> None:
    """Send a kept job; forget it once printed, else record why and raise a :class:`PrinterError` saying it is kept."""
    try:
        send_job(printer, job.data())
    except (PrinterError, InputError) as err:
        queue.failed(job, str(err))
        raise PrinterError(f"{err}; job {job.job_id} ({job.description}) is kept in {queue.folder}, "
                           f"re-send it with: {queue.resend_command(job.job_id)}") from err
    queue.done(job)


