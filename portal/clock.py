"""The one source of "now" (UTC, timezone-aware); transitions take `now` explicitly for tests."""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
