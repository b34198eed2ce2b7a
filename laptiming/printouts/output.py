"""Writing printout files whole or not at all, with the user's umask (see :mod:`laptiming.files`)."""

from laptiming.files import write_bytes_atomically

__all__ = ["write_bytes_atomically"]
