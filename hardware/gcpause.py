"""One switch for the cyclic garbage collector around bulk work (decoding a capture, deriving a big session).

Bulk paths build hundreds of thousands of acyclic objects; the cyclic collector would rescan
them again and again while they grow, which costs about as much as building them.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """The cyclic collector off inside the block, then back as it was (reference counting still frees)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
