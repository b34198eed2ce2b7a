"""Scoreboard feeds: the session as other programs read it (RMonitor over TCP first).

    rmonitor_records   the pure record encoder (one function per RMonitor record)
    scoreboard         engine state + engine events -> the records a board needs
    hub                one scoreboard, one server, records numbered so a new client misses nothing
    rmonitor_server    the TCP server (asyncio, bounded per-client buffers)
    follow             the running session read from the database, incrementally
    live               the same fed from a live ``Recording`` subscription (in-process)
"""
