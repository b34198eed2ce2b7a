"""Heat scheduling: registration entries and track rules in, a roster of session slots out.

A pure library; imports nothing from ``hardware`` or ``laptiming``.
"""
