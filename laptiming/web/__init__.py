"""Live results on phones over the LAN: a read-only web page, a JSON API and a server-sent event stream.

    views      pure: engine rows, laps and sessions to the JSON shapes the page and the API send
    live       the running session followed from the event database, broadcast to every client
    routes     the Starlette app: the page, the JSON API, the event stream (GET only)
    server     uvicorn on a socket we bind, in the foreground or on a background thread
    client     the feed read back (``laptiming board --feed``): snapshot, then changes, reconnecting
    static/    the page: one HTML file, a small script and a style sheet, no build step
"""
