"""What the journal writer calls once passings are committed, and the work that may run during the commit.

``on_passings(session_id, passings)`` runs after the commit. ``prepare(session_id, passings)``
splits that in two: the work (the live session's engine step) and what it returns, called once
the commit succeeded (taking the new standings and sending them). With ``synchronous=FULL`` the
commit waits for the disk with the GIL released, so the work runs on a helper thread meanwhile;
work the helper has not begun when the commit ends is done by the committer instead, and after a
failed commit it is thrown away. Either way nothing is shown before it is on disk.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait

from hardware.events import Passing

log = logging.getLogger(__name__)

PassingsCommitted = Callable[[int | None, list[Passing]], None]
# Work on a batch's passings that may run before their commit ends; it returns what to do once they are on disk.
# It runs while the committer holds the writer's turn and waits for it, so it must never wait for the writer.
PreparePassings = Callable[[int | None, list[Passing]], Callable[[], None]]
Fresh = dict[int | None, list[Passing]]  # a batch's passings new to the journal, by session
Prepared = Future[list[Callable[[], None]]]


class CommitCallbacks:
    """The writer's callbacks on committed passings; :meth:`overlap_commits` gives ``prepare`` its helper thread.

    Only the holder of the writer's turn calls :meth:`start`, :meth:`drop` and :meth:`committed`,
    so at most one preparation is under way, and it reads state nobody else is changing.
    """

    def __init__(self, name: str, on_passings: PassingsCommitted | None, prepare: PreparePassings | None) -> None:
        self._name = name
        self._on_passings = on_passings
        self._prepare = prepare
        self._helper: ThreadPoolExecutor | None = None

    def overlap_commits(self) -> None:
        """Run ``prepare`` on a helper thread from now on, during the commits (worth it when they wait for the disk)."""
        if self._prepare is not None and self._helper is None:
            self._helper = ThreadPoolExecutor(1, thread_name_prefix=f"journal-prepare {self._name}")

    def stop(self) -> None:
        """End the helper thread (after the last commit)."""
        if self._helper is not None:
            self._helper.shutdown()
            self._helper = None

    def start(self, fresh: Fresh) -> Prepared | None:
        """Inside the transaction, just before COMMIT: start preparing on the helper (None: prepared after it)."""
        if self._helper is None or not fresh:
            return None
        try:
            return self._helper.submit(self._prepare_all, fresh)
        except RuntimeError:  # the interpreter is shutting down: the helper takes no more work
            return None

    @staticmethod
    def drop(prepared: Prepared | None) -> None:
        """The commit failed: throw the preparation away (waiting for it to end if it has begun)."""
        if prepared is not None and not prepared.cancel():
            wait([prepared])

    def committed(self, fresh: Fresh, prepared: Prepared | None) -> None:
        """The passings are on disk: finish what was prepared, then the plain callback (the caller's thread).

        A preparation the helper has not begun yet is done here instead: on this VM a sleeping
        thread now and then takes 1-3 ms to wake, and waiting for it cost more than the work.
        """
        if self._prepare is not None:
            here = prepared is None or prepared.cancel()  # cancel() only succeeds while it has not begun
            for finish in self._prepare_all(fresh) if here else prepared.result():  # type: ignore[union-attr]
                try:
                    finish()
                except Exception:  # noqa: BLE001 - the passings are safe on disk; a bad subscriber must not stop the journal
                    log.exception("%s: after-commit callback failed", self._name)
        if self._on_passings is None:
            return
        for session_id, passings in fresh.items():
            try:
                self._on_passings(session_id, passings)
            except Exception:  # noqa: BLE001 - as above
                log.exception("%s: after-commit callback failed for %d passings", self._name, len(passings))

    def _prepare_all(self, fresh: Fresh) -> list[Callable[[], None]]:
        """``prepare`` each session's passings: what to call once they are committed."""
        assert self._prepare is not None
        ready = []
        for session_id, passings in fresh.items():
            try:
                ready.append(self._prepare(session_id, passings))
            except Exception:  # noqa: BLE001 - as above
                log.exception("%s: preparing the callback failed for %d passings", self._name, len(passings))
        return ready
