"""Writing files whole or not at all, with the user's umask (exports, printouts, anything a command saves)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from laptiming.errors import InputError


def write_bytes_atomically(path: str | Path, data: bytes) -> None:
    """A temporary file beside the target (created 0666 so the umask applies), renamed into place."""
    path = Path(path)
    if not path.parent.is_dir():
        raise InputError(f"cannot write {path}: folder {path.parent} does not exist")
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
