"""The simulator on an event database moves on as a real decoder does: it never repeats a passing.

The journal keeps a passing once per (decoder id, passing number, decoder time), so a simulator that
started again at 09:00 with passing 10001 would have its passings taken for ones already stored (or,
with other times, mixed into a session as a second stream). Here, where the simulator meets the
database, a ``sim://`` URL is told what the journal holds of the simulator's decoder:

- a new session: ``after-passing`` and ``after-time`` (its counter and clock move on past the journal's);
- a session resumed that the simulator was timing: the same stream as before (the URL its passings were
  journaled from, at the pace and length asked for now) from ``resume-after`` its latest journaled passing.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from hardware.simulator.virtual_decoder import simulator_decoder_id
from hardware.urls import parse_decoder_url
from laptiming.store import SessionPhase, find_session, open_event_db

SIM_SCHEME = "sim"
MOVE_ON_OPTIONS = ("after-passing", "after-time", "resume-after")  # set here, from the journal
RESUME_OPTIONS = ("speed", "minutes")  # pace and length: what a resume takes from the URL asked for now

_SESSION_STREAM = (
    "SELECT p.source, MAX(p.decoder_time_us) FROM passings p JOIN session_passings sp ON sp.passing_id = p.id "
    "WHERE sp.session_id = ? AND p.decoder_id = ? AND p.source LIKE 'sim:%' "
    "GROUP BY p.source ORDER BY MAX(p.decoder_time_us) DESC LIMIT 1"
)
_JOURNAL_HOLDS = "SELECT MAX(passing_number), MAX(decoder_time_us) FROM passings WHERE decoder_id = ?"


def continue_simulator(decoder_url: str, db_path: Path, session_name: str) -> str:
    """``decoder_url`` told what the journal holds of the simulator's decoder; other URLs as they are."""
    if urlsplit(decoder_url).scheme.lower() != SIM_SCHEME or not Path(db_path).is_file():
        return decoder_url
    decoder_id = simulator_decoder_id(parse_decoder_url(decoder_url).protocol)
    db = open_event_db(db_path, readonly=True)
    try:
        running = find_session(db, session_name, (SessionPhase.RUNNING,))
        stream = None if running is None else db.execute(_SESSION_STREAM, [running.session_id, decoder_id]).fetchone()
        if stream is not None:
            source, latest_us = stream
            return _resumed(source, latest_us, _options(decoder_url))
        highest, latest_us = db.execute(_JOURNAL_HOLDS, [decoder_id]).fetchone()
    finally:
        db.close()
    if highest is None:
        return decoder_url
    return _with_options(decoder_url, {"after-passing": str(highest), "after-time": str(latest_us)})


def _options(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def _with_options(url: str, options: dict[str, str]) -> str:
    """``url`` with these options set (replacing any of the same name), the others kept in order."""
    parts = urlsplit(url)
    kept = [(name, value) for name, value in parse_qsl(parts.query, keep_blank_values=True) if name not in options]
    return f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode([*kept, *options.items()], safe=',')}"


def _resumed(source: str, latest_us: int, asked: dict[str, str]) -> str:
    """The session's own stream again, silent up to its latest journaled passing, at the pace and length asked
    for now (a longer session's crossings up to the old end are the same: the field is drawn in time order)."""
    options = {name: asked[name] for name in RESUME_OPTIONS if name in asked}
    options["resume-after"] = str(latest_us)
    return _with_options(source, options)
