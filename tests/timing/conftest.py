"""Fixtures the timing tests share."""

from __future__ import annotations

import pytest

from laptiming.engine import SessionRules
from laptiming.store import create_session, open_event_db


@pytest.fixture
def session_db(tmp_path):
    """A new event database with one session: (its path, the session id)."""
    path = tmp_path / "event.db"
    db = open_event_db(path, create=True)
    session_id = create_session(db, "P", SessionRules())
    db.close()
    return path, session_id
