"""Running the ``laptiming`` command as a test: in this process (fast) or in a real subprocess.

``run_cli`` calls ``laptiming.cli.main(argv)`` in the test's own process and returns what
``python -m laptiming ARGS`` would have: exit code, stdout and stderr as text. It saves and
restores everything a command may touch for the life of a process (standard streams, signal
handlers, logging, working directory, environment, ``sys.argv``) and fails if the command
leaves a thread of its own running, so one command cannot leak into the next test.

``run_cli_process`` spawns the real command. Use it when the claim is about a process: a signal
(SIGTERM, Ctrl-C, kill -9), two processes at once, or the interpreter's exit itself.
"""

from __future__ import annotations

import contextlib
import csv
import io
import locale
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator

# A command's own threads (reader, journal writer, simulator) get this long to finish after it returns.
THREAD_GRACE_SECONDS = 5.0


def run_cli(*args: object, timeout: float = 120, input: str | None = None) -> subprocess.CompletedProcess[str]:
    """``laptiming ARGS`` in this process; never raises on a non-zero exit (tests check it).

    ``timeout`` is checked after the command returns (a hung command is stopped by pytest-timeout);
    ``input`` is its standard input, empty when not given.
    """
    from laptiming.cli import main  # imported late: a broken import shows as this command's failure

    argv = [str(arg) for arg in args]
    encoding = locale.getpreferredencoding(False)
    stdout, stderr = io.BytesIO(), io.BytesIO()
    started = time.monotonic()
    with _process_state_restored(argv), _threads_must_finish(argv):
        out = io.TextIOWrapper(stdout, encoding=encoding, write_through=True)
        err = io.TextIOWrapper(stderr, encoding=encoding, errors="backslashreplace", write_through=True)
        sys.stdin, sys.stdout, sys.stderr = io.StringIO(input or ""), out, err
        with _warnings_to(err):
            returncode = _exit_code(main, argv, err)
        out.flush()
        err.flush()
    elapsed = time.monotonic() - started
    if elapsed > timeout:
        raise subprocess.TimeoutExpired(["laptiming", *argv], timeout, _decode(stdout, encoding), _decode(stderr, encoding))
    return subprocess.CompletedProcess(
        ["laptiming", *argv], returncode, _decode(stdout, encoding), _decode(stderr, encoding)
    )


def run_cli_process(*args: object, timeout: float = 120, input: str | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m laptiming ARGS`` as a real subprocess; never raises on a non-zero exit."""
    return subprocess.run(
        [sys.executable, "-m", "laptiming", *map(str, args)], capture_output=True, text=True, timeout=timeout,
        input=input, stdin=None if input is not None else subprocess.DEVNULL,
    )


def refused_before_the_app(*args: object) -> str:
    """``laptiming ARGS`` (``run``, ``demo``) as a real process that must refuse in one line (exit 2) before
    its app opens: that line. An app that opened waits for its official, so the test fails at the time limit."""
    import pytest

    try:
        result = run_cli_process(*args, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail(f"laptiming {' '.join(map(str, args))} opened the app instead of refusing")
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    return result.stderr.strip()


def csv_rows(text: str) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows of CSV text."""
    reader = csv.DictReader(io.StringIO(text))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def _exit_code(main: Callable[[list[str]], object], argv: list[str], err: io.TextIOWrapper) -> int:
    """What the interpreter would exit with after ``sys.exit(main(argv))``."""
    try:
        code = main(argv)
    except SystemExit as exit_:
        code = exit_.code
    except Exception:  # noqa: BLE001 - an uncaught error ends a real process with a traceback and 1
        # (Only Exception: pytest-timeout's and pytest.fail's exceptions derive from BaseException and must
        # reach pytest, and main() turns Ctrl-C into 130 itself.)
        traceback.print_exc(file=err)
        return 1
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=err)  # sys.exit("message") prints it and exits 1
    return 1


def _decode(raw: io.BytesIO, encoding: str) -> str:
    """Bytes as ``subprocess.run(text=True)`` reads them: the locale's encoding, universal newlines."""
    return io.TextIOWrapper(io.BytesIO(raw.getvalue()), encoding=encoding).read()


@contextlib.contextmanager
def _warnings_to(stream: io.TextIOWrapper) -> Iterator[None]:
    """Log records of WARNING and above reach ``stream`` as bare messages, as they reach stderr in a process.

    An unconfigured process prints them through logging's last-resort handler; under pytest the root
    logger has pytest's handlers, so the last resort would never fire.
    """
    handler = logging.StreamHandler(stream)
    handler.setLevel(logging.WARNING)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)


@contextlib.contextmanager
def _process_state_restored(argv: list[str]) -> Iterator[None]:
    """Put back the process-wide state a command may change."""
    streams = sys.stdin, sys.stdout, sys.stderr
    saved_argv = sys.argv
    cwd = os.getcwd()
    environment = dict(os.environ)
    handlers = {number: signal.getsignal(number) for number in signal.valid_signals()}
    root = logging.getLogger()
    root_handlers, root_level = list(root.handlers), root.level
    sys.argv = ["laptiming", *argv]
    try:
        yield
    finally:
        sys.stdin, sys.stdout, sys.stderr = streams
        sys.argv = saved_argv
        if os.getcwd() != cwd:
            os.chdir(cwd)
        if dict(os.environ) != environment:
            os.environ.clear()
            os.environ.update(environment)
        for number, handler in handlers.items():
            if handler is not None and signal.getsignal(number) is not handler:
                signal.signal(number, handler)
        root.handlers[:] = root_handlers
        root.setLevel(root_level)


@contextlib.contextmanager
def _threads_must_finish(argv: list[str]) -> Iterator[None]:
    """Fail if the command leaves one of its threads running: in a process, exit would hide the leak."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + THREAD_GRACE_SECONDS
    for thread in set(threading.enumerate()) - before:
        thread.join(max(0.0, deadline - time.monotonic()))
    left = [thread.name for thread in set(threading.enumerate()) - before if thread.is_alive()]
    if left:
        raise AssertionError(f"laptiming {' '.join(argv)} left threads running: {', '.join(sorted(left))}")
