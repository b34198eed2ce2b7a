"""The live timing app (Textual): the official's screens over the timing service, and the standings board."""

from laptiming.app.adapter import Timing
from laptiming.app.app import LiveTimingApp

__all__ = ["LiveTimingApp", "Timing"]
