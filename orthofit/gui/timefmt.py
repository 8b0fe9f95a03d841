"""Times as the clinic reads them: the store keeps UTC, the screen shows local time."""

from __future__ import annotations

import datetime as dt


def local_time(iso_utc: str) -> str:
    """An ISO 8601 time (UTC, as the store writes it) as local ``YYYY-MM-DD HH:MM``."""
    try:
        when = dt.datetime.fromisoformat(iso_utc)
    except (TypeError, ValueError):
        return str(iso_utc)  # shown as stored rather than hidden
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone().strftime("%Y-%m-%d %H:%M")
