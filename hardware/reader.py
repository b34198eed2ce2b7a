"""One reader thread per decoder: bytes in, events fanned out to listeners, reconnects on loss.

Listeners are plain callables, called on the reader thread in arrival order: event listeners get
``Passing``, ``DecoderStatus`` (and version/error reports) and ``LinkStatus``; read listeners get
the decoder events of one read together, after the event listeners (a journal commits them in one
go: one passing a read at line rate, hundreds in a catch-up burst); raw listeners get every byte
as received (the capture writer is one). A failing listener is logged and skipped; it never
stops the reader.

Nothing a decoder made is lost to a reader that was away. A gap in the passing numbers asks for
exactly the missing range. The *tail* (passings made while no reader was connected, with nothing
after them to reveal a gap) is asked for on every connection: the first time a decoder speaks on
it (its STATUS, about every 5 s, or a PASSING) the reader sends RESEND from the highest number it
has of that decoder (``last_seen`` from the journal on a resume) plus one, UNTIL the open end
``hardware.sequence.RESEND_TO_NEWEST``. A gap asked for on an earlier connection and never answered
(the link dropped first, or the decoder was silent) is asked for again with it, and so are the
numbers missing inside a resumed session's journal (``gaps``, from the journal on a resume).
The tail is asked of the decoder that names itself on the link, never guessed from the journal,
so a different decoder on the same address is never asked for another's numbers. A decoder with
no history is asked for nothing old.

While a gap that was asked for is open, that decoder's later passings are held back and handed over in
passing-number order once it is filled (:mod:`hardware.holdback`, which says why holding here keeps
every passing): a live passing heard before the resent ones would show a lap spanning the gap. A
decoder that does not answer RESEND (silent for ``HOLD_SILENCE_S``, or an ERROR record), a dropped
link and a stop hand the held passings over without the gap; a LinkStatus detail says which
passings never came. A gap given up on for silence is asked for again on the same connection, after
5 s and then less and less often (:class:`hardware.holdback.Reasks`), without holding: its passings,
when they come, are delivered as any late passing is, and a LinkStatus detail says so. With nothing
held, a passing costs one more test of an empty dict.

A link that closes before anything arrived on it (a serial-to-TCP converter accepts while the decoder
behind it is off, and hangs up at once) is retried with a growing delay, reset only once a connection
delivers bytes. It is said once (``RECONNECTING``, with a detail naming the likely cause and the
retry interval); the retries that follow are quiet, and ``CONNECTED`` is said again when bytes come.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence

from hardware import p3
from hardware.errors import DecoderError, DecoderIOError, DecoderOpenError
from hardware.events import DecoderErrorReport, DecoderEvent, DecoderStatus, LinkState, LinkStatus, Passing
from hardware.framing import Protocol, StreamDecoder
from hardware.holdback import HOLD_SILENCE_S, HeldPassings, HoldEnd, Reasks, Released
from hardware.sequence import PassingSequence
from hardware.transports import transport_for_url
from hardware.transports.base import Transport
from hardware.urls import parse_decoder_url
from hardware.capture import with_capture_protocol

log = logging.getLogger(__name__)

EventListener = Callable[[DecoderEvent], None]
RawListener = Callable[[bytes], None]
ReadListener = Callable[[Sequence[DecoderEvent]], None]


class Backoff:
    """Reconnect delays: doubling from ``initial`` seconds up to ``cap``, back to ``initial`` once a link delivers."""

    def __init__(self, initial: float = 0.25, cap: float = 5.0) -> None:
        self.initial, self.cap = initial, cap
        self.current = initial

    def next_delay(self) -> float:
        """The delay to wait now; the next one will be longer, up to the cap."""
        delay = self.current
        self.current = min(self.cap, self.current * 2)
        return delay

    def reset(self) -> None:
        """Back to the shortest delay (a connection delivered bytes: the next loss is worth a quick retry)."""
        self.current = self.initial


class DecoderReader:
    """Reads one decoder URL on a background thread until stopped or the source ends."""

    def __init__(
        self,
        url: str,
        listeners: Iterable[EventListener] = (),
        raw_listeners: Iterable[RawListener] = (),
        *,
        backoff: Backoff | None = None,
        last_seen: dict[int, int] | None = None,
        gaps: dict[int, list[tuple[int, int]]] | None = None,
        read_timeout: float = 0.2,
        transport: Transport | None = None,
        read_listeners: Iterable[ReadListener] = (),
        hold_silence_s: float = HOLD_SILENCE_S,
        reasks: Reasks | None = None,
    ) -> None:
        parsed = with_capture_protocol(parse_decoder_url(url))  # a capture of P98 lines is read as P98
        self.url = url
        self.protocol = parsed.protocol
        self._transport = transport or transport_for_url(parsed)
        self._listeners = list(listeners)
        self._raw_listeners = list(raw_listeners)
        self._read_listeners = list(read_listeners)
        self._backoff = backoff or Backoff()
        self._read_timeout = read_timeout
        # A live read of a few frames is stepped (it is below BULK_MIN_BYTES); a large read (a RESEND
        # catch-up burst, a file:// capture read flat out) is decoded in bulk, the same events in the
        # same order. The journal writer's bounded queue makes this reader wait when it runs ahead.
        self.decoder = StreamDecoder(parsed.protocol, source=url)
        self.sequence = PassingSequence(last_seen, gaps)  # gaps of the journal: asked for again on connecting
        self.resend_requests: list[tuple[int, int]] = []
        self._heard: set[int] = set()  # decoders that have spoken on the current connection
        self.held = HeldPassings(hold_silence_s)  # passings after a gap asked for, until it is filled
        self.reasks = reasks or Reasks()  # gaps a hold gave up on, asked for again on the same connection
        self.error: DecoderError | None = None
        self._state = LinkState.CONNECTING
        self._detail = ""  # what the last link state said with it
        self._last_packet_ns: int | None = None
        self._delivered = False  # whether any byte arrived on the current connection
        self._quiet_closes = 0  # connections in a row that closed before a byte arrived on them
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"decoder-reader {url}", daemon=True)

    def add_listener(self, listener: EventListener) -> None:
        """Also send events to ``listener`` (add before ``start``)."""
        self._listeners.append(listener)

    def add_read_listener(self, listener: ReadListener) -> None:
        """Also send each read's decoder events to ``listener``, together (add before ``start``)."""
        self._read_listeners.append(listener)

    def add_raw_listener(self, listener: RawListener) -> None:
        """Also send every received byte to ``listener`` (add before ``start``)."""
        self._raw_listeners.append(listener)

    def start(self) -> DecoderReader:
        """Start reading on the background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Ask the reader to finish; it closes the connection and reports ``ENDED``."""
        self._stop.set()
        self._transport.close()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the reader to end; True when it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def status(self) -> LinkStatus:
        """The connection's health right now."""
        return LinkStatus(
            source=self.url,
            state=self._state,
            last_packet_ns=self._last_packet_ns,
            frames_decoded=self.decoder.frames_decoded,
            frames_dropped=dict(self.decoder.dropped),
        )

    def _publish(self, event: DecoderEvent) -> None:
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:  # noqa: BLE001 - one bad listener must not stop the decoder
                log.exception("decoder listener %r failed on %r", listener, event)

    def _set_state(self, state: LinkState, detail: str = "") -> None:
        self._state, self._detail = state, detail
        status = self.status
        self._publish(LinkStatus(status.source, state, status.last_packet_ns, status.frames_decoded,
                                 status.frames_dropped, detail))

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                if not self._connect():
                    break
                if self._pump():
                    break
        finally:
            self._transport.close()
            self._hand_over(self.held.release(HoldEnd.STOPPED))  # nothing held is lost at the end
            self._set_state(LinkState.ENDED, str(self.error) if self.error else "")

    def _connect(self) -> bool:
        """Open the transport, retrying with backoff; False when the reader should end."""
        while not self._stop.is_set():
            try:
                self._transport.open()
            except DecoderOpenError as err:
                if not self._transport.can_reconnect:
                    self.error = err
                    return False
                self._quiet_closes = 0  # the news is now that it refuses: a link made again is said again
                if (self._state, self._detail) != (LinkState.RECONNECTING, str(err)):  # each try alike: said once
                    self._set_state(LinkState.RECONNECTING, str(err))
                self._stop.wait(self._backoff.next_delay())
                continue
            self._delivered = False
            self._heard.clear()
            self.reasks.forget()  # the new connection asks for every unanswered gap as its decoder speaks
            if not self._quiet_closes:  # after links that closed with nothing, CONNECTED waits for a byte
                self._set_state(LinkState.CONNECTED)
            return True
        return False

    def _pump(self) -> bool:
        """Read until the connection drops (False: reconnect) or the source ends (True)."""
        transport = self._transport
        try:
            while not self._stop.is_set():
                data = transport.read(self._read_timeout)
                if data is None:  # the source ended (a capture's last byte): a half frame in it is counted
                    self.decoder.end()
                    return True
                if data:
                    self._receive(data)
                if self.held.holds:
                    self._hand_over(self.held.due(time.monotonic()))
                if self.reasks.pending:
                    self._ask_again(time.monotonic())
        except DecoderIOError as err:
            transport.close()
            self.decoder.reset()
            if self._stop.is_set():
                return True
            self._hand_over(self.held.release(HoldEnd.LINK_LOST))  # no answer can come on a dead link
            if not transport.can_reconnect:
                self.error = err
                return True
            if self._delivered:
                self._quiet_closes = 0
                self._set_state(LinkState.RECONNECTING, str(err))
            else:
                self._quiet_closes += 1
                if self._quiet_closes == 1:  # said once; the quiet retries that follow are not news
                    self._set_state(LinkState.RECONNECTING, self._closed_with_nothing(err))
            self._stop.wait(self._backoff.next_delay())
            return False
        return True

    def _closed_with_nothing(self, err: DecoderIOError) -> str:
        """Why a link that closed before sending a byte is retried less and less often, in plain words."""
        return (f"{err} before sending anything (a serial-to-TCP converter with no decoder behind it, or the "
                f"decoder off?); retrying less and less often, up to every {self._backoff.cap:g} s")

    def _receive(self, data: bytes) -> None:
        if not self._delivered:  # the first bytes of a connection: it is a link again
            self._delivered = True
            self._backoff.reset()
            if self._quiet_closes:
                self._quiet_closes = 0
                self._set_state(LinkState.CONNECTED)
        now_ns = time.time_ns()
        self._last_packet_ns = now_ns
        for raw_listener in self._raw_listeners:
            try:
                raw_listener(data)
            except Exception:  # noqa: BLE001
                log.exception("raw listener %r failed", raw_listener)
        dropped_before = sum(self.decoder.dropped.values())
        delivered: list[DecoderEvent] = []
        held = self.held
        refused: list[Released] | None = None  # made only when a RESEND is refused
        for event in self.decoder.feed(data, now_ns):
            asked_tail = False
            if isinstance(event, (Passing, DecoderStatus)) and event.decoder_id not in self._heard:
                self._heard.add(event.decoder_id)
                asked_tail = self._request_tail(event.decoder_id)
            if isinstance(event, Passing):
                verdict = self.sequence.accept(event)
                if verdict.missing is not None and (asked_tail or self._request_resend(*verdict.missing)):
                    held.open(event.decoder_id, verdict.missing, time.monotonic())  # (the tail asked covers it)
                if not verdict.deliver:
                    continue
                if held.holds:
                    released = held.offer(event, time.monotonic())
                    if released is not None:
                        for passing in released:
                            self._publish(passing)
                        delivered.extend(released)
                        continue
            self._publish(event)
            delivered.append(event)
            if isinstance(event, DecoderStatus):
                self._set_state(self._state)
            elif (held.holds or self.reasks.pending) and isinstance(event, DecoderErrorReport):
                self.reasks.give_up(event.decoder_id)  # a RESEND refused: no answer will come, asked again or not
                for release in held.release(HoldEnd.REFUSED, event.decoder_id):
                    for passing in release.passings:
                        self._publish(passing)
                    delivered.extend(release.passings)
                    refused = [*(refused or ()), release]
        self._hand_to_read_listeners(delivered)
        if self.reasks.pending:
            self._say_answered(delivered)
        for release in refused or ():
            if release.not_resent:
                self._set_state(self._state, release.describe(held.wait_s))
        if sum(self.decoder.dropped.values()) != dropped_before:
            self._set_state(self._state)

    def _hand_to_read_listeners(self, delivered: list[DecoderEvent]) -> None:
        if not delivered:
            return
        for read_listener in self._read_listeners:
            try:
                read_listener(delivered)
            except Exception:  # noqa: BLE001 - one bad listener must not stop the decoder
                log.exception("read listener %r failed on %d events", read_listener, len(delivered))

    def _hand_over(self, releases: list[Released]) -> None:
        """Deliver held passings released outside a read (silence, a dropped link, the end) and say what never came."""
        if not releases:
            return
        passings = [passing for release in releases for passing in release.passings]
        for passing in passings:
            self._publish(passing)
        self._hand_to_read_listeners(passings)
        now = time.monotonic()
        for release in releases:
            if release.not_resent:
                self._set_state(self._state, release.describe(self.held.wait_s))
            self.reasks.after_silence(release, now)

    def _ask_again(self, now: float) -> None:
        """Ask the decoders whose turn it is again for the gaps their holds gave up on (not held for)."""
        for decoder_id in self.reasks.due(now):
            if decoder_id in self.held.holds:  # a gap asked for meanwhile: that hold waits for its own answer
                continue
            gaps = self.sequence.unanswered(decoder_id)
            if not gaps:
                self._set_state(self._state, self.reasks.answered(decoder_id))
            for gap in gaps:
                self._request_resend(*gap)

    def _say_answered(self, delivered: list[DecoderEvent]) -> None:
        """Stop asking a decoder that a late passing in this read left with nothing unanswered, and say so."""
        pending, sequence = self.reasks.pending, self.sequence
        late = {e.decoder_id for e in delivered if isinstance(e, Passing) and e.decoder_id in pending
                and e.passing_number < (sequence.highest(e.decoder_id) or 0)}
        for decoder_id in late:
            if not sequence.unanswered(decoder_id):
                self._set_state(self._state, self.reasks.answered(decoder_id))

    def _can_resend(self) -> bool:
        return self._transport.can_resend and self.protocol is Protocol.P3

    def _request_tail(self, decoder_id: int) -> bool:
        """Ask a decoder just heard on this connection for all it made after our last, and again for the gaps
        it never answered on an earlier connection (held for as a new gap is); True if the tail was asked."""
        if not self._can_resend():
            return False
        for gap in self.sequence.unanswered(decoder_id):
            if self._request_resend(*gap):
                self.held.open(decoder_id, gap, time.monotonic())
        tail = self.sequence.tail(decoder_id)
        if tail is None:
            return False
        return self._request_resend(*tail)

    def _request_resend(self, first: int, last: int) -> bool:
        """Ask for passings ``first..last``; True when the request went out."""
        if not self._can_resend():
            return False
        self.resend_requests.append((first, last))
        try:
            self._transport.write(p3.encode_resend(first, last))
        except DecoderIOError as err:
            log.warning("RESEND %d..%d not sent: %s", first, last, err)
            return False
        return True
