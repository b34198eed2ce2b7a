"""Writing files whole or not at all, with the user's umask (exports, printouts, anything a command saves)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from laptiming.errors import InputError

SQLITE_MAGIC = b"SQLite format 3\x00"
PDF = "a PDF"
_CSV = "a CSV with the columns "  # a CSV's kind: this, then its first line
_HEAD_BYTES = 4096  # enough of a file to say what it holds (a CSV: its first line)


def file_kind(head: bytes) -> str:
    """What a file holds, from its first bytes, in words: a CSV by its columns, so that one export can replace
    the last one of its kind while a roster or an entries sheet is no export's to replace."""
    if head.startswith(SQLITE_MAGIC):
        return "a database"
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK\x03\x04"):
        return "a workbook (or another zip file)"
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if text[:1] == b"<":
        return "an HTML page"
    if text[:1] in (b"{", b"["):
        return "JSON"
    first = text.split(b"\n", 1)[0].rstrip(b"\r")
    if b"," in first and b"\x00" not in head:
        try:
            return _CSV + first.decode("utf-8")
        except UnicodeDecodeError:
            pass
    return "a file of another kind"


def existing_kind(path: str | Path) -> str | None:
    """What the file at ``path`` holds (:func:`file_kind`); None when there is none to lose: no file, an empty one,
    or one the write itself refuses in its own words (a folder, no permission)."""
    try:
        with Path(path).open("rb") as handle:
            head = handle.read(_HEAD_BYTES)
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        return None
    return file_kind(head) if head else None


def refuse_other_kind(path: Path, data: bytes) -> None:
    """An existing file is replaced only by one of its kind (an empty one by anything): a slip of the tab key
    (``--out event.db``, ``--csv roster.csv``) must not replace the event database, a capture or an input with
    a printout or an export. ``InputError`` naming both kinds when they differ."""
    there, new = existing_kind(path), file_kind(data[:_HEAD_BYTES])
    if there is None or there == new:
        return
    if there.startswith(_CSV):  # its columns, cut to their start
        columns = there.removeprefix(_CSV)
        there = (f"a CSV {'of other columns ' if new.startswith(_CSV) else ''}"
                 f"({columns[:40]}{'...' if len(columns) > 40 else ''})")
    new = "a CSV" if new.startswith(_CSV) else new
    raise InputError(f"{path} is {there}, which this would replace with {new}: give another name, or remove that "
                     "file first (nothing written)")


def write_bytes_atomically(path: str | Path, data: bytes) -> None:
    """A temporary file beside the target (created 0666 so the umask applies), renamed into place; never over a
    file of another kind (:func:`refuse_other_kind`)."""
    path = Path(path)
    if not path.parent.is_dir():
        raise InputError(f"cannot write {path}: folder {path.parent} does not exist")
    refuse_other_kind(path, data)
    temporary: str | None = None
    try:
        temporary = str(path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        handle = os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except OSError as err:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        raise InputError(f"cannot write {path}: {err.strerror or err}") from err


def beside_database(db_path: str | Path, what: str, session_id: int, suffix: str) -> Path:
    """Where a screen saves a session's file: beside the event database, named after it
    (``event-results-session-3.csv``), so it does not depend on the folder the app was started in."""
    db_path = Path(db_path)
    return db_path.with_name(f"{db_path.stem}-{what}-session-{session_id}{suffix}")
