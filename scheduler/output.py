"""Writing the roster and its sheets: all files or none, with the user's usual file mode.

Each file is first written in full to a temporary file beside its target; only when every
one is written are they renamed into place, so a full disk or a read-only folder leaves no
half-written roster and no roster without its sheets. A temporary file is made private by
the system, so it is given the mode a plain ``open(path, "w")`` would have given: the
existing file's mode, or ``0o666`` less the process umask for a new file.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from scheduler.errors import ScheduleOutputError

NEW_FILE_MODE = 0o666  # what open() asks for; the umask takes bits away


@dataclass(frozen=True, slots=True)
class CsvFile:
    """One CSV to write: where, its header and its rows."""

    path: Path
    header: Sequence[str]
    rows: Sequence[Sequence[str]]


def current_umask() -> int:
    """The process umask (read by setting it and putting it straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def plain_mode(path: Path) -> int:
    """The mode ``open(path, "w")`` would leave: the file's own if it exists, else umask-based."""
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        return NEW_FILE_MODE & ~current_umask()


def _reason(err: OSError) -> str:
    """An OS error in a few words (read-only file system, permission denied, ...)."""
    return (err.strerror or str(err)).lower()


def check_folder(path: Path, what: str) -> None:
    """Refuse a file whose folder is missing or cannot be written (before any work is done)."""
    folder = path.parent
    if not folder.is_dir():
        raise ScheduleOutputError(f"cannot write {what} {path}: folder {folder} does not exist")
    try:
        probe = tempfile.NamedTemporaryFile(dir=folder, prefix=f".{path.name}.", delete=True)
    except OSError as err:
        raise ScheduleOutputError(f"cannot write {what} {path}: {_reason(err)}") from err
    probe.close()


def _write_temporary(target: CsvFile) -> Path:
    """The file's full text in a temporary file beside it (with the plain mode)."""
    handle = tempfile.NamedTemporaryFile("w", newline="", encoding="utf-8", dir=target.path.parent,
                                         prefix=f".{target.path.name}.", delete=False)
    temporary = Path(handle.name)
    try:
        with handle:
            writer = csv.writer(handle)
            writer.writerow(target.header)
            writer.writerows(target.rows)
        os.chmod(temporary, plain_mode(target.path))
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


class Staged:
    """Files written in full beside their targets, waiting to be renamed into place (or dropped)."""

    def __init__(self, files: Iterable[CsvFile]) -> None:
        self.pending: list[tuple[Path, Path]] = []
        current: Path | None = None
        try:
            for target in files:
                current = target.path
                self.pending.append((_write_temporary(target), target.path))
        except OSError as err:
            self.discard()
            raise ScheduleOutputError(f"cannot write {current}: {_reason(err)}; nothing was written") from err
        except BaseException:
            self.discard()
            raise

    def commit(self) -> None:
        """Rename every file into place."""
        for temporary, path in self.pending:
            try:
                os.replace(temporary, path)
            except OSError as err:
                self.discard()
                raise ScheduleOutputError(f"cannot write {path}: {_reason(err)}") from err
        self.pending.clear()

    def discard(self) -> None:
        """Remove the temporary files (nothing is written)."""
        for temporary, _ in self.pending:
            temporary.unlink(missing_ok=True)
        self.pending.clear()


def write_all(files: Iterable[CsvFile]) -> None:
    """Write every file or none of them; raise :class:`ScheduleOutputError` naming the file."""
    Staged(files).commit()


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """Write one CSV atomically (the folder must exist)."""
    write_all([CsvFile(path, header, list(rows))])
