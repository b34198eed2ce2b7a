"""Benchmarks: each prints its numbers beside its target. Run all with ``make bench``."""
