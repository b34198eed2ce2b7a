"""Words and numbers shared by every printout: gaps, clock times, states, the ordering rule, names in Latin
letters where paper cannot take them as typed."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import datetime, timezone

from anyascii import anyascii

from laptiming.engine import CarStatus, SessionType, StandingRow
from laptiming.printouts.data import SessionSheet
from laptiming.service.control import ResultsStatus
from laptiming.timefmt import US_PER_SECOND

ORDER_RULES: dict[SessionType, str] = {
    SessionType.PRACTICE: "Ordered by best lap; equal best laps go to whoever set it first. "
    "DNF, DNS and DSQ follow the classified cars.",
    SessionType.QUALIFYING: "Ordered by best lap; equal best laps go to whoever set it first. "
    "DNF, DNS and DSQ follow the classified cars.",
    SessionType.RACE: "Ordered by laps completed, then by the time the last lap was completed (penalties added). "
    "DNF, DNS and DSQ follow the classified cars.",
}

# An HTML printout on a phone: as wide as the screen (its CSS lets a wide table scroll, not the page).
PHONE_VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'

STATE_WORDS: dict[ResultsStatus, str] = {
    ResultsStatus.LIVE: "LIVE results - session still running",
    ResultsStatus.PROVISIONAL: "PROVISIONAL results - may still change",
    ResultsStatus.OFFICIAL: "OFFICIAL results",
}


def clock_time(decoder_us: int | None, with_date: bool = False) -> str:
    """A decoder time as the decoder's wall clock (``09:12:04``), which is local time at the track."""
    if decoder_us is None:
        return ""
    moment = datetime.fromtimestamp(decoder_us // US_PER_SECOND, tz=timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S" if with_date else "%H:%M:%S")


def session_date(sheet: SessionSheet) -> str:
    """The session's date: from its green flag, else from its planned start."""
    if sheet.green_us is not None:
        return clock_time(sheet.green_us, with_date=True)[:10]
    return (sheet.planned_start or "")[:10]


def session_span(sheet: SessionSheet) -> str:
    """``09:00:41 - 09:10:56`` from the flags, or the planned slot."""
    if sheet.green_us is not None:
        end = clock_time(sheet.finish_us) if sheet.finish_us is not None else "running"
        return f"{clock_time(sheet.green_us)} - {end}"
    if sheet.planned_start:
        return f"{sheet.planned_start[11:]} - {(sheet.planned_end or '')[11:]} (planned)"
    return ""


def printed_at(now: datetime | None = None) -> str:
    """The printed-at stamp (host clock, local time): the only use of the host clock in printouts."""
    return (now or datetime.now().astimezone()).strftime("%Y-%m-%d %H:%M")


def status_words(row: StandingRow) -> str:
    """Status with its reason, for the non-classified list."""
    words = row.status.value
    return f"{words} ({row.status_reason})" if row.status_reason else words


def classified(row: StandingRow) -> bool:
    """Running and finished cars are classified; DNF, DNS and DSQ are not."""
    return row.status.classified


def times_stand(row: StandingRow) -> bool:
    """A disqualified car's times do not stand: it sets no fastest lap of the session, nor a best of the day."""
    return row.status is not CarStatus.DSQ


def name_order(name: str) -> tuple[str, str]:
    """A sort key that puts names in the alphabetical order people expect: accents and case aside
    (Ångström with the A, Łukasz with the L), as typed to break a tie."""
    return anyascii(name).casefold(), name


def driver_label(row: StandingRow) -> str:
    """The driver's name, or the car when nobody is named."""
    return row.driver or f"car {row.number}"


RIGHT_TO_LEFT = frozenset({"R", "AL", "AN", "LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"})
"""Bidi classes no printout can draw as typed: Hebrew and Arabic letters and Arabic digits come out left to
right (reversed) and Arabic unjoined, since neither reportlab without python-bidi and uharfbuzz nor a receipt
printer orders or shapes text; the embedding controls steer an order nothing applies."""


def spell_unprintable(text: str, has_glyph: Callable[[str], bool]) -> str:
    """``text`` with each letter that would not print as typed spelt in Latin letters by anyascii: one the font
    or printer has no glyph for (``has_glyph``: Chinese, Japanese, Korean, Devanagari, Thai in DejaVu Sans) and
    every right-to-left one (:data:`RIGHT_TO_LEFT`); invisible format characters (a direction mark, a zero-width
    joiner) are dropped. Accents, Greek and Cyrillic print as typed (composed first, so an accent typed as a
    separate mark stays on its letter).

    A spelt Chinese or Korean syllable starts a new word after another (张伟 is ``Zhang Wei``, anyascii's own
    ``ZhangWei`` otherwise), a spelt word starts with a capital as a name does (דוד is ``Dvd``), and a mark on a
    spelt letter is spelt with it (an Arabic vowel sign)."""
    if text.isascii():
        return text
    parts: list[str] = []
    spelt = ""  # the previous character's spelling; empty when it printed as typed
    for char in unicodedata.normalize("NFC", text):
        category = unicodedata.category(char)
        on_spelt_letter = bool(spelt) and category.startswith("M")
        if (not on_spelt_letter and category != "Cf" and has_glyph(char)
                and unicodedata.bidirectional(char) not in RIGHT_TO_LEFT):
            parts.append(char)
            spelt = ""
            continue
        spelling = anyascii(char)
        if not spelling:  # a shadda, a virama, a format character: nothing to spell
            continue
        before = parts[-1][-1] if parts else " "
        if spelt[-1:].isalpha() and spelling[:1].isupper():
            parts.append(" ")
        elif not before.isalnum() and before not in "`'":  # anyascii's ayin and hamza are inside a word
            spelling = spelling[:1].upper() + spelling[1:]  # a name's word: a capital, as Zhang (Hebrew has no case)
        parts.append(spelling)
        spelt = spelling
    return "".join(parts)
