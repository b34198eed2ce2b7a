"""The one cyclic-GC pause both bulk paths share: off inside, restored after (also on error)."""

from __future__ import annotations

import gc

import pytest

from hardware.gcpause import no_cyclic_gc


def test_collector_off_inside_and_back_after() -> None:
    assert gc.isenabled()
    with no_cyclic_gc():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_restored_after_an_error() -> None:
    with pytest.raises(RuntimeError), no_cyclic_gc():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_left_off_when_it_was_off_before() -> None:
    gc.disable()
    try:
        with no_cyclic_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
