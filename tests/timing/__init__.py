"""Tests of the timing application: engine, store, live session, CLI."""
