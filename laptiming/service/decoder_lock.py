"""One decoder times one session: a lock beside the event database for each live decoder being recorded.

At a track one loop feeds one decoder. Two sessions timed from it at once would both count every
passing, and both results would be wrong, so a recorder takes ``event.db.decoder-<name>.lock`` before
it makes or resumes its session, and a second one on the same decoder is refused, naming the session
that decoder is timing and how to end it. The lock is an OS ``flock``, as the session's own lock
(:mod:`laptiming.service.lock`): a recorder killed with ``kill -9`` holds nothing.

"The same decoder" is the decoder a URL reaches, not the decoder id it names itself with on the link:

- a serial device by its real path (``/dev/serial/by-id/...`` and the ``/dev/ttyUSB0`` it links to are one);
- a decoder on the network (``tcp://``, and pyserial's ``socket://`` and ``rfc2217://``) by its address and
  port, the host name resolved (``localhost`` and ``127.0.0.1`` are one).

The decoder id is heard only once the decoder is open and has spoken, and by then it is too late: a TCP
decoder serves one client, so a second connection cuts the first recorder off, and a serial port read by
two programs splits its bytes between them; the session would be made by then too. The URL is known
before anything is opened or written. Two different decoders (two loops, two timing lines) have two
addresses or devices, so they time two sessions into one database at once.

A capture (``file://``), the simulator in process (``sim://``) and pyserial's ``loop://`` are no shared
decoder: each recording reads its own copy or runs its own simulator (which moves on past the journal,
:mod:`laptiming.service.sim_stream`), so they take no decoder lock.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
from pathlib import Path
from urllib.parse import urlsplit

from hardware.urls import DEFAULT_TCP_PORT, parse_decoder_url
from laptiming.errors import InputError
from laptiming.service.lock import RecorderLock, already_timed, describe_holder, take_exclusive, write_record
from laptiming.store import check_event_db

NETWORK_SERIAL_SCHEMES = frozenset({"socket", "rfc2217"})  # pyserial URLs that reach a decoder on the network
IN_PROCESS_SCHEMES = frozenset({"file", "sim", "loop"})  # each recording has its own: nothing shared to lock
_UNSAFE = re.compile(r"[^A-Za-z0-9.]+")


def _network_key(host: str, port: int) -> str:
    """``tcp ADDRESS:PORT``: the host resolved (its IPv4 address first), or as written when it cannot be."""
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return f"tcp {host.lower()}:{port}"
    addresses.sort(key=lambda info: info[0] != socket.AF_INET)
    return f"tcp {addresses[0][4][0]}:{port}"


def decoder_key(decoder_url: str) -> str | None:
    """What names the decoder a URL reaches (``tcp 127.0.0.1:5403``, ``serial /dev/ttyUSB0``), or None for a
    source that is no shared decoder (a capture, the simulator in process)."""
    url = parse_decoder_url(decoder_url)
    if url.scheme in IN_PROCESS_SCHEMES:
        return None
    if url.scheme == "tcp":
        host, _, port = url.target.rpartition(":")
        return _network_key(host.strip("[]"), int(port))
    if "://" not in url.target:  # a device path
        return f"serial {os.path.realpath(url.target)}"
    parts = urlsplit(url.target)
    scheme = parts.scheme.lower()
    if scheme in IN_PROCESS_SCHEMES:
        return None
    if scheme in NETWORK_SERIAL_SCHEMES and parts.hostname:
        return _network_key(parts.hostname, parts.port or DEFAULT_TCP_PORT)
    if scheme == "spy":  # pyserial's spy:// wraps a device path
        return f"serial {os.path.realpath(parts.netloc + parts.path)}"
    return f"serial {parts.scheme}://{parts.netloc}{parts.path}"


def decoder_lock_path(db_path: Path, key: str) -> Path:
    """The decoder's lock file beside the database: readable, and told apart by a short hash of the key."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:8]
    return db_path.parent / f"{db_path.name}.decoder-{_UNSAFE.sub('-', key).strip('-')}-{digest}.lock"


class DecoderLock(RecorderLock):
    """The exclusive right to time one session from one decoder; the file says which session it is."""

    def __init__(self, path: Path, fd: int, decoder_url: str, session_name: str, program: str) -> None:
        super().__init__(path, fd)
        self.decoder_url = decoder_url
        self.session_name = session_name
        self.program = program

    @classmethod
    def take(cls, db_path: str | Path, decoder_url: str, session_name: str,
             program: str = "laptiming record") -> DecoderLock | None:
        """Take the decoder's lock now (None for a source that is no shared decoder), or raise an
        :class:`InputError` naming the session that decoder is timing and how to end it (never waits)."""
        key = decoder_key(decoder_url)
        if key is None:
            return None
        db_path = Path(db_path)
        if not db_path.exists():
            check_event_db(db_path)  # no folder for it: said as opening the database would say it
        path = decoder_lock_path(db_path, key)
        fd, record = take_exclusive(path)
        if fd is None:
            raise InputError(_refusal(decoder_url, db_path, session_name, record))
        write_record(fd, program, decoder=decoder_url, session_id=None, session_name=session_name)
        return cls(path, fd, decoder_url, session_name, program)

    def timing(self, session_id: int) -> None:
        """Write down the session this decoder is timing (once it is found or made)."""
        if self._fd is not None:
            write_record(self._fd, self.program, decoder=self.decoder_url, session_id=session_id,
                         session_name=self.session_name)


def _refusal(decoder_url: str, db_path: Path, session_name: str, record: dict | None) -> str:
    """One line: which session the decoder is timing, by whom, and what to do. When that is the session asked
    for (the same ``record`` typed again), it is said as the session's own lock says it: finishing it is not
    what the official wants."""
    record = record or {}
    name, session_id = record.get("session_name"), record.get("session_id")
    if session_id is not None and name == session_name:
        return already_timed(session_id, name, record)
    if session_id is None:
        session = f"session {name!r} (being started)" if name else "a session"
        finish = "finish that session first (laptiming finish)"
    else:
        session = f"session {session_id} ({name})"
        finish = f"finish that session first (laptiming finish --db {db_path} --session {session_id} --by WHO)"
    return (f"decoder {decoder_url} is already timing {session} into {db_path}, by {describe_holder(record)}; "
            f"one decoder times one session at a time: {finish}, or stop its recorder")
