"""The timing application: journal and store, lap engine, standings, exports and the CLI."""

__version__ = "0.1.0"
