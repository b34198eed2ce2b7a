"""``laptiming decoder simulate`` and ``laptiming decoder listen``: the decoder layer at the terminal."""

from __future__ import annotations

import argparse
import calendar
import json
import queue
import sys
import threading
from datetime import UTC, datetime

from hardware.capture import CaptureWriter, check_capture, with_capture_protocol
from hardware.clock import DecoderClock
from hardware.events import DecoderEvent, DecoderStatus, LinkState, LinkStatus, Passing
from hardware.framing import Protocol
from hardware.reader import DecoderReader
from hardware.simulator.field import DEFAULT_START_US, US, FieldConfig
from hardware.simulator.serve import PtyDecoder, TcpDecoderServer, decoder_clock_now_us, write_capture
from hardware.simulator.virtual_decoder import SIMULATED_PROTOCOLS, VirtualDecoder, field_time_us
from hardware.urls import parse_decoder_url
from laptiming.cli.session_args import pace, tcp_port, wait_seconds
from laptiming.errors import InputError

WALL_CLOCK_FROM_US = 10**15  # decoder times past 2001 are wall-clock readings, smaller ones uptime


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``decoder simulate`` and ``decoder listen``."""
    decoder = subparsers.add_parser("decoder", help="talk to a transponder decoder, or simulate one")
    commands = decoder.add_subparsers(dest="decoder_command", metavar="ACTION", required=True)

    simulate = commands.add_parser("simulate", help="run a virtual decoder that sends real protocol bytes")
    where = simulate.add_mutually_exclusive_group(required=True)
    where.add_argument("--pty", action="store_true", help="serve on a pty pair; prints the device to open")
    where.add_argument("--tcp", type=tcp_port, metavar="PORT", help="listen on a TCP port like a decoder (0: any)")
    where.add_argument("--out", metavar="FILE", help="write the whole session to a raw capture file")
    simulate.add_argument("--host", default="127.0.0.1", help="address to listen on with --tcp")
    simulate.add_argument("--cars", type=int, default=20)
    simulate.add_argument("--seed", type=int, default=7)
    simulate.add_argument("--speed", type=pace, default=1.0, help="x real time, above 0 (ignored with --out)")
    simulate.add_argument("--minutes", type=float, default=20.0, help="length of the session")
    simulate.add_argument("--faults", action="store_true",
                          help="missed and double reads, line noise, corrupt frames")
    simulate.add_argument("--protocol", choices=[p.value for p in SIMULATED_PROTOCOLS], default=Protocol.P3.value,
                          help="what the virtual decoder speaks: p3 (default) or p98 (it has no Protime)")
    simulate.add_argument("--linger", type=wait_seconds, default=2.0, metavar="SECONDS",
                          help="stay connected this long after the session (late RESENDs, last bytes)")
    simulate.add_argument("--start", type=decoder_start, default=None, metavar="YYYY-MM-DDTHH:MM:SS",
                          help="the decoder clock's start, in its own local time (default: now with --tcp and "
                               "--pty, as a real decoder's clock runs on; 2026-06-13T09:00:00 with --out, so a "
                               "seed gives the same file)")
    simulate.set_defaults(handler=simulate_command)

    listen = commands.add_parser("listen", help="print passings and status from a decoder URL as they arrive")
    listen.add_argument("url", metavar="URL", help="device path, serial://, tcp://, file://, sim://")
    listen.add_argument("--json", action="store_true", help="one JSON object per line")
    listen.add_argument("--raw-out", metavar="FILE", help="also append every received byte to FILE")
    listen.add_argument("--clock-offset", metavar="+HH:MM", type=parse_clock,
                        help="how far the decoder clock runs ahead of UTC; adds utc_us to each passing")
    listen.set_defaults(handler=listen_command)


def parse_clock(text: str) -> DecoderClock:
    """argparse type for ``--clock-offset``."""
    try:
        return DecoderClock.from_text(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from err


def decoder_start(text: str) -> int:
    """argparse type for ``--start``: a date and time on the decoder's own (naive, local) clock, in µs."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"not a date and time (YYYY-MM-DDTHH:MM:SS): {text!r}") from err
    if moment.tzinfo is not None:
        raise argparse.ArgumentTypeError(f"give the decoder's own local time, without a UTC offset: {text!r}")
    return calendar.timegm(moment.timetuple()) * US + moment.microsecond


def clock_start_us(args: argparse.Namespace) -> int:
    """Where the simulated decoder's clock starts: ``--start``, else now for a served decoder (a restarted one
    never repeats a decoder time, as a real one's clock runs on), else the fixed start (a capture per seed)."""
    if args.start is not None:
        earliest = field_time_us(args.protocol, 0)  # the clock cannot read below zero
        if args.start < earliest:
            when = datetime.fromtimestamp(earliest // US, UTC)
            raise InputError(f"--start: the simulated {args.protocol} decoder's clock starts at "
                             f"{when:%Y-%m-%dT%H:%M:%S}; give a later time")
        return int(args.start)
    return DEFAULT_START_US if args.out else decoder_clock_now_us()


def simulate_command(args: argparse.Namespace) -> int:
    """Serve or write one simulated session."""
    start_us = clock_start_us(args)
    try:
        config = FieldConfig(cars=args.cars, seed=args.seed, minutes=args.minutes, start_us=start_us,
                             faults=args.faults)
    except ValueError as err:
        print(f"laptiming: {err}", file=sys.stderr)
        return 2
    decoder = VirtualDecoder(config, args.protocol)
    if args.out:
        written = write_capture(decoder, args.out)
        print(f"wrote {written} bytes to {args.out}: {len(decoder.memory)} passings from {args.cars} cars "
              f"over {args.minutes:g} minutes (seed {args.seed}{', with faults' if args.faults else ''})")
        return 0
    stop = threading.Event()
    if args.pty:
        server = PtyDecoder(decoder, args.speed)
        print(server.device, flush=True)
        print(f"simulated decoder on {server.device}; waiting for a reader to open it", file=sys.stderr, flush=True)
        try:
            if server.wait_for_reader(stop):
                server.run(stop)
                stop.wait(args.linger)  # let the reader take the last bytes before the device goes
        except KeyboardInterrupt:
            stop.set()
        finally:
            server.close()
        return 0
    tcp = TcpDecoderServer(decoder, host=args.host, port=args.tcp, speed=args.speed).start()
    print(tcp.url, flush=True)
    try:
        tcp.finished.wait()
        stop.wait(args.linger)
    except KeyboardInterrupt:
        pass
    finally:
        tcp.stop()
    return 0


def format_decoder_time(time_us: int) -> str:
    """Wall-clock decoder times as the decoder's own (naive) date and time; uptime as seconds."""
    if time_us >= WALL_CLOCK_FROM_US:
        moment = datetime.fromtimestamp(time_us // 1_000_000, UTC)
        return f"{moment:%Y-%m-%d %H:%M:%S}.{time_us // 1000 % 1000:03d}"
    return f"{time_us // 1_000_000}.{time_us // 1000 % 1000:03d} s"


def describe(event: DecoderEvent) -> str:
    """One human line for an event."""
    if isinstance(event, Passing):
        code = f" ({event.transponder_code})" if event.transponder_code else ""
        quality = "".join(f"  {name} {value}" for name, value in (("strength", event.strength), ("hits", event.hits))
                          if value is not None)
        return (f"passing  #{event.passing_number:<8} transponder {event.transponder}{code}  "
                f"{format_decoder_time(event.decoder_time_us)}  decoder {event.decoder_id}{quality}")
    if isinstance(event, DecoderStatus):
        parts = [f"status   decoder {event.decoder_id}"]
        if event.noise is not None:
            parts.append(f"noise {event.noise}")
        if event.temperature is not None:
            parts.append(f"temperature {event.temperature}")
        if event.input_voltage_dv is not None:
            parts.append(f"{event.input_voltage_dv / 10:.1f} V")
        if event.gps is not None:
            parts.append("gps fix" if event.gps else "no gps")
        return "  ".join(parts)
    if isinstance(event, LinkStatus):
        detail = f": {event.detail}" if event.detail else ""
        return f"link     {event.state.value}{detail}"
    return f"record   {event}"


def as_json(event: Passing | DecoderStatus, clock: DecoderClock | None = None) -> str:
    """One JSON object: ``type`` is ``passing`` or ``status``, then the event's fields."""
    if isinstance(event, Passing):
        extra = {"utc_us": clock.utc_us(event)} if clock is not None else {}
        return json.dumps({"type": "passing", **event._asdict(), **extra})
    fields = {name: getattr(event, name) for name in event.__slots__}
    return json.dumps({"type": "status", **fields})


def listen_command(args: argparse.Namespace) -> int:
    """Print each passing and status as it arrives; on exit, frames decoded and dropped by reason."""
    url = with_capture_protocol(parse_decoder_url(args.url))
    if url.scheme == "file":
        check_capture(url.target, url.protocol)  # a capture with a bad line is refused before anything is printed or written
    events: queue.Queue[DecoderEvent] = queue.Queue()
    reader = DecoderReader(args.url, [events.put])
    writer = CaptureWriter(args.raw_out) if args.raw_out else None
    if writer:
        reader.add_raw_listener(writer)
    reader.start()
    state: LinkState | None = None
    try:
        while state is not LinkState.ENDED:
            try:
                event = events.get(timeout=0.5)
            except queue.Empty:
                continue
            if isinstance(event, LinkStatus):
                if event.state is not state or event.detail:
                    print(describe(event), file=sys.stderr, flush=True)
                state = event.state
                continue
            if args.json and isinstance(event, Passing | DecoderStatus):
                print(as_json(event, args.clock_offset), flush=True)
            elif not args.json:
                print(describe(event), flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        reader.stop()
        reader.join(5)
        if writer:
            writer.close()
    print_summary(reader)
    if reader.error is not None:
        print(f"laptiming: {reader.error}", file=sys.stderr)
        return 2
    return 0


def print_summary(reader: DecoderReader) -> None:
    """Frames decoded and dropped, by reason, on stderr."""
    decoder = reader.decoder
    dropped = decoder.describe_drops()
    lines = [f"frames decoded: {decoder.frames_decoded}", f"frames dropped: {dropped}"]
    if reader.sequence.duplicates:
        lines.append(f"duplicate passings skipped: {reader.sequence.duplicates}")
    if reader.resend_requests:
        lines.append("resend requests: " + ", ".join(f"{a}..{b}" for a, b in reader.resend_requests))
    print("\n".join(lines), file=sys.stderr, flush=True)
