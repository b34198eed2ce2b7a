"""The decoder link as a recorder tells other processes (the web page, the RMonitor feed, the board).

A recorder knows its reader's link state; the others read only the database and the recorder's lock
file. The recorder writes one word beside its lock file when that word changes (never per passing),
replacing that small file whole, and :func:`laptiming.service.lock.lock_holder` reads it back with the
holder. A feed in the recorder's own process asks the recording (``Recording.link_now``) instead.
"""

from __future__ import annotations

import enum

from hardware.events import LinkState, LinkStatus

SILENT_AFTER_S = 15.0  # a connected decoder this long silent is not being heard (it sends STATUS every 5 s)
NS_PER_S = 1_000_000_000


class DecoderLink(enum.Enum):
    """What a recorder hears from its decoder, as the page and the feed need it."""

    CONNECTED = "connected"  # connected, and heard within SILENT_AFTER_S
    SILENT = "silent"  # connected, but nothing heard for longer (a cable cut between decoder and loop)
    DISCONNECTED = "disconnected"  # reconnecting (the first connection failed too)
    ENDED = "ended"  # the source ended (a capture read to its end, a simulator's last car): nothing more will come

    @property
    def heard(self) -> bool:
        """Whether passings can reach the journal now (else the standings stand and a clock should too)."""
        return self is DecoderLink.CONNECTED


def decoder_link(status: LinkStatus | None, connected_ns: int | None, now_ns: int) -> DecoderLink | None:
    """The link word for ``status`` (the reader's status now) at host time ``now_ns``; None before the reader has
    tried to connect (no status, or still its first attempt), so a recorder starting is not called disconnected.

    Silence is counted from the last packet or, if later, from when the link connected (``connected_ns``),
    so a link just made again is not called silent for the time it was down.
    """
    if status is None or status.state is LinkState.CONNECTING:
        return None
    if status.state is LinkState.ENDED:
        return DecoderLink.ENDED
    if status.state is not LinkState.CONNECTED:
        return DecoderLink.DISCONNECTED
    quiet_since = max(status.last_packet_ns or 0, connected_ns or 0)
    if quiet_since and now_ns - quiet_since > SILENT_AFTER_S * NS_PER_S:
        return DecoderLink.SILENT
    return DecoderLink.CONNECTED


def link_of(record: dict | None) -> DecoderLink | None:
    """The link word a record carries (the link file beside a lock); None: not said (a recorder that never tells)."""
    try:
        return None if record is None or record.get("decoder_link") is None else DecoderLink(record["decoder_link"])
    except ValueError:
        return None
