"""The timing service: what every front end (command line, app, printouts, feeds) calls.

    recording      running a session from a decoder, with one finish policy
    subscription   a screen's or a feed's view of a recording: its notices, queued, and its decoder link
    watch          changes made by other terminals, taken up by a running session
    lock           one recorder per session (an OS file lock beside the database)
    control        flags (green, yellow, red, checkered), finish, confirm and reopen results
    entries        walk-up entries; the session's transponders for ``sim://?from-db=1``
    clocktime      times as an official types them (decoder µs or a time of day)
    day            the day's sessions as the Day screen shows them

Front ends only parse, present and print; the rules of the event live here and below.
"""

from laptiming.service.recording import Notice, Problem, Recording, RecordingOutcome, RecordingRequest

__all__ = ["Notice", "Problem", "Recording", "RecordingOutcome", "RecordingRequest"]
