"""Display of decoder times: integer microseconds to text, truncated to the thousandth as timing sheets do."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from laptiming.engine.standings import Gap

US_PER_MS = 1_000
US_PER_SECOND = 1_000_000
US_PER_MINUTE = 60 * US_PER_SECOND


def format_lap_time(time_us: int | None) -> str:
    """``m:ss.sss`` for a lap or elapsed time, ``h:mm:ss.sss`` from an hour up (a race's total time, as the
    scoreboard feed and the app's clock give hours), truncated (never rounded) to the thousandth."""
    if time_us is None:
        return ""
    sign = "-" if time_us < 0 else ""
    ms_total = abs(time_us) // US_PER_MS
    minutes, ms_in_minute = divmod(ms_total, 60 * 1000)
    seconds, ms = divmod(ms_in_minute, 1000)
    if minutes >= 60:
        hours, minutes = divmod(minutes, 60)
        return f"{sign}{hours}:{minutes:02d}:{seconds:02d}.{ms:03d}"
    return f"{sign}{minutes}:{seconds:02d}.{ms:03d}"


def format_seconds(time_us: int) -> str:
    """``s.sss`` below a minute, ``m:ss.sss`` from a minute up: for gaps and intervals."""
    if abs(time_us) < US_PER_MINUTE:
        sign = "-" if time_us < 0 else ""
        seconds, ms = divmod(abs(time_us) // US_PER_MS, 1000)
        return f"{sign}{seconds}.{ms:03d}"
    return format_lap_time(time_us)


def format_gap(gap: Gap | None) -> str:
    """A gap as timing sheets print it: ``+2 L`` laps behind, ``+1.048`` behind, ``-0.210`` ahead, or blank."""
    if gap is None:
        return ""
    if gap.laps:
        return f"+{gap.laps} L"
    if gap.time_us is None:
        return ""
    # Negative when the car completed that lap number before the car it is compared with
    # (it opened its timing earlier, e.g. out of the pits first).
    sign = "" if gap.time_us < 0 else "+"
    return f"{sign}{format_seconds(gap.time_us)}"


def parse_seconds(text: str) -> int:
    """Seconds as typed by a person (``"12"``, ``"1.5"``, ``"0.0005"``) to exact integer microseconds."""
    cleaned = text.strip()
    whole, _, fraction = cleaned.partition(".")
    if not whole.lstrip("-").isdigit() and not (whole in ("", "-") and fraction.isdigit()):
        raise ValueError(f"not a number of seconds: {text!r}")
    if fraction and not fraction.isdigit():
        raise ValueError(f"not a number of seconds: {text!r}")
    if len(fraction) > 6:
        raise ValueError(f"more precise than a microsecond: {text!r}")
    negative = whole.startswith("-")
    magnitude = int(whole.lstrip("-") or "0") * US_PER_SECOND + int(fraction.ljust(6, "0") or "0")
    return -magnitude if negative else magnitude


US_PER_DAY = 24 * 60 * US_PER_MINUTE


def format_clock(time_us: int) -> str:
    """``04:07``, ``1:05:30``: a session's elapsed or remaining time, in whole seconds (truncated)."""
    seconds = max(0, time_us) // US_PER_SECOND
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes:02d}:{seconds:02d}"


def parse_clock(text: str) -> int:
    """A session's length as typed (``"19:00"``, ``"1:05:00"``, or seconds: ``"240"``) to exact microseconds."""
    parts = text.strip().split(":")
    if len(parts) == 1:
        return parse_seconds(parts[0])
    if len(parts) > 3 or not all(part.isdigit() for part in parts[:-1]) or any(int(p) >= 60 for p in parts[1:-1]):
        raise ValueError(f"not a time as minutes:seconds or hours:minutes:seconds: {text!r}")
    seconds = parse_seconds(parts[-1])
    if not parts[-1][:1].isdigit() or seconds >= 60 * US_PER_SECOND:
        raise ValueError(f"not a time as minutes:seconds or hours:minutes:seconds: {text!r}")
    whole = 0
    for part in parts[:-1]:
        whole = whole * 60 + int(part)
    return whole * US_PER_MINUTE + seconds


def parse_time_of_day(text: str) -> int:
    """A time of day as typed (``"14:02"``, ``"09:07:48.791"``) to exact microseconds since midnight.

    Hours 0-23, minutes and seconds 0-59, at most six decimals; a :class:`ValueError` naming the text otherwise.
    """
    parts = text.strip().split(":")
    problem = ValueError(f"not a time of day like 09:07:48.791 or 14:02: {text!r}")
    if len(parts) not in (2, 3) or not all(parts):
        raise problem
    hours, minutes = parts[0], parts[1]
    whole_seconds, _, fraction = (parts[2] if len(parts) == 3 else "0").partition(".")
    digits = (hours, minutes, whole_seconds) + ((fraction,) if fraction or parts[-1].endswith(".") else ())
    if not all(part.isdigit() and part.isascii() for part in digits) or len(minutes) != 2 or len(hours) > 2:
        raise problem
    if len(parts) == 3 and len(whole_seconds) != 2:
        raise problem
    if len(fraction) > 6:
        raise ValueError(f"more precise than a microsecond: {text!r}")
    if int(hours) > 23 or int(minutes) > 59 or int(whole_seconds) > 59:
        raise problem
    return ((int(hours) * 60 + int(minutes)) * 60 + int(whole_seconds)) * US_PER_SECOND + int(fraction.ljust(6, "0"))


def format_time_of_day(time_us: int) -> str:
    """``HH:MM:SS.ffffff`` of a time since midnight (exact, so it reads back to the same microsecond)."""
    seconds, micros = divmod(time_us % US_PER_DAY, US_PER_SECOND)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{micros:06d}"
