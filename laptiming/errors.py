"""The application's exceptions, all in one place.

    TimingError          anything the application reports to the user as a clear one-line error
    ├── InputError       a file, database, session or argument the user named is missing or bad
    ├── StoreError       the event database cannot be opened, migrated or written
    └── PrinterError     a printer could not take a print job (it is kept to re-send)

The decoder layer has its own tree (:mod:`hardware.errors`) and so does the scheduler
(:mod:`scheduler.errors`); the command line turns all three into one line on stderr and exit
code 2.
"""

from __future__ import annotations


class TimingError(Exception):
    """Base of every error raised by :mod:`laptiming`."""


class InputError(TimingError):
    """Something the user named (file, database, session, field) is missing or malformed."""


class StoreError(TimingError):
    """The event database could not be opened, migrated or written."""


class PrinterError(TimingError):
    """A printer could not take a print job (off, unplugged, out of paper); the job is kept to re-send."""
