"""The timing service: what every front end (command line, app, printouts, feeds) calls.

    recording      running a session from a decoder, with one finish policy
    watch          changes made by other terminals, taken up by a running session

Front ends only parse, present and print; the rules of the event live here and below.
"""

from laptiming.service.recording import Notice, Problem, Recording, RecordingOutcome, RecordingRequest

__all__ = ["Notice", "Problem", "Recording", "RecordingOutcome", "RecordingRequest"]
