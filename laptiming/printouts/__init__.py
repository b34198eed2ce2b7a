"""Printouts: driver slips (PDF and ESC/POS), a driver's day, results sheets, leaderboards, roster sheets.

Everything here renders from plain records loaded by :mod:`laptiming.printouts.data`, the only
module that reads the event database (so it can later ask the timing service instead).
"""
