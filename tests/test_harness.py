"""The test harness itself: ``need()`` skips on a user's clone and fails in CI; ``run_cli`` is a faithful process."""

from __future__ import annotations

import logging
import os
import signal
import threading

import pytest

from tests.resources import REQUIRE_ALL_VARIABLE
from tests.timing.cli_runner import run_cli, run_cli_process

NEEDY_TESTS = """
from tests.resources import need

def test_without_the_resource():
    need(False, "the widget folder is not beside this checkout")

def test_with_the_resource():
    need(True, "never shown")
"""


# The inner runs leave out hypothesis's plugin: its end-of-run summary re-imports hypothesis (seconds).
@pytest.mark.parametrize("value", [None, "", "0"])
def test_need_skips_with_its_reason_on_a_users_clone(pytester, monkeypatch, value):
    if value is None:
        monkeypatch.delenv(REQUIRE_ALL_VARIABLE, raising=False)
    else:
        monkeypatch.setenv(REQUIRE_ALL_VARIABLE, value)
    pytester.makepyfile(NEEDY_TESTS)
    result = pytester.runpytest("-rs", "-p", "no:hypothesispytest")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["SKIPPED*the widget folder is not beside this checkout"])


def test_need_fails_with_its_reason_in_ci(pytester, monkeypatch):
    monkeypatch.setenv(REQUIRE_ALL_VARIABLE, "1")
    pytester.makepyfile(NEEDY_TESTS)
    result = pytester.runpytest("-rf", "-p", "no:hypothesispytest")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([f"the widget folder is not beside this checkout ({REQUIRE_ALL_VARIABLE} is set*"])


def made_database(tmp_path):
    """A small simulated session replayed into an event database, through the in-process runner."""
    capture, db = tmp_path / "sim.p3", tmp_path / "event.db"
    assert run_cli("decoder", "simulate", "--out", capture, "--cars", "3", "--seed", "2", "--minutes", "4").returncode == 0
    assert run_cli("replay", capture, "--db", db, "--min-lap", "10").returncode == 0
    return db


@pytest.mark.parametrize("command", [
    pytest.param(lambda tmp: ["export", "nonsense"], id="usage-error"),
    pytest.param(lambda tmp: ["export", "laps", "--db", made_database(tmp)], id="csv-on-stdout"),
])
def test_in_process_run_gives_what_the_real_process_gives(tmp_path, command):
    args = command(tmp_path)
    in_process, real = run_cli(*args), run_cli_process(*args)
    assert (in_process.returncode, in_process.stdout, in_process.stderr) == (real.returncode, real.stdout, real.stderr)
    assert in_process.stdout or in_process.stderr  # each case says something, so the comparison means something


@pytest.fixture
def fake_main(monkeypatch):
    """Replace ``laptiming.cli.main`` for one test with a command body given by the test."""
    import laptiming.cli

    def install(body):
        monkeypatch.setattr(laptiming.cli, "main", body)

    return install


def test_process_wide_changes_of_a_command_are_undone(fake_main, tmp_path, monkeypatch):
    monkeypatch.delenv("LAPTIMING_HARNESS_PROBE", raising=False)
    before = (os.getcwd(), signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT), list(logging.getLogger().handlers))

    def untidy(argv):
        os.chdir(tmp_path)
        os.environ["LAPTIMING_HARNESS_PROBE"] = "set"
        signal.signal(signal.SIGTERM, lambda *_: None)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        logging.getLogger().addHandler(logging.NullHandler())
        return 0

    fake_main(untidy)
    assert run_cli("anything").returncode == 0
    after = (os.getcwd(), signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT), list(logging.getLogger().handlers))
    assert after == before
    assert "LAPTIMING_HARNESS_PROBE" not in os.environ


def test_output_from_threads_warnings_exit_codes_and_tracebacks_are_captured(fake_main):
    def chatty(argv):
        worker = threading.Thread(target=lambda: print("from a thread", flush=True))
        worker.start()
        worker.join()
        print("line one\r\nline two")
        logging.getLogger("hardware.reader").warning("decoder link lost")
        logging.getLogger("hardware.reader").info("not shown by an unconfigured process")
        raise SystemExit(int(argv[0]))

    fake_main(chatty)
    result = run_cli(3, input="")
    assert result.returncode == 3
    assert result.stdout == "from a thread\nline one\nline two\n"  # universal newlines, as subprocess text=True
    assert result.stderr == "decoder link lost\n"

    def broken(argv):
        raise RuntimeError("boom")

    fake_main(broken)
    crashed = run_cli()
    assert crashed.returncode == 1
    assert crashed.stderr.startswith("Traceback") and crashed.stderr.rstrip().endswith("RuntimeError: boom")


def test_a_timeout_or_failure_raised_inside_the_command_reaches_pytest(fake_main):
    def timed_out(argv):
        pytest.fail("Timeout >120.0s")  # what pytest-timeout raises from its alarm handler

    fake_main(timed_out)
    with pytest.raises(pytest.fail.Exception, match="Timeout"):
        run_cli("record")


def test_standard_input_is_the_given_text(fake_main):
    fake_main(lambda argv: print(input().upper()))
    assert run_cli(input="yes\n").stdout == "YES\n"


def test_a_thread_left_running_fails_the_command(fake_main, monkeypatch):
    monkeypatch.setattr("tests.timing.cli_runner.THREAD_GRACE_SECONDS", 0.05)
    release = threading.Event()

    def leaky(argv):
        threading.Thread(target=release.wait, name="leaky-reader", daemon=True).start()
        return 0

    fake_main(leaky)
    try:
        with pytest.raises(AssertionError, match="left threads running: leaky-reader"):
            run_cli("record")
    finally:
        release.set()


LOCKING_TESTS = """
import fcntl
import pytest

def try_lock(path, kind):
    with open(path, "a") as other:  # a second open file: flock sees it as another holder
        try:
            fcntl.flock(other, kind | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(other, fcntl.LOCK_UN)
        return True

@pytest.mark.solo
def test_alone(lock_path):
    assert not try_lock(lock_path, fcntl.LOCK_SH)  # nobody else may even share the run

def test_beside_others(lock_path):
    assert try_lock(lock_path, fcntl.LOCK_SH)  # others run beside it
    assert not try_lock(lock_path, fcntl.LOCK_EX)  # but no solo test
"""


def test_a_solo_test_holds_the_run_lock_alone_and_others_share_it(pytester, monkeypatch):
    run = pytester.path / "run"
    pytester.makeconftest(f"""
import pytest
from tests.conftest import pytest_configure, pytest_runtest_protocol

@pytest.fixture
def lock_path():
    return {str(run / "solo.lock")!r}
""")
    pytester.makepyfile(LOCKING_TESTS)
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw0")  # as a pytest-xdist worker sees it
    result = pytester.runpytest("-p", "no:hypothesispytest", f"--basetemp={run / 'gw0'}")
    result.assert_outcomes(passed=2)
    assert (run / "solo.lock").exists()
