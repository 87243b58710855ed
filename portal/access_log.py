"""What the access log may say: the method, the path with share-link tokens masked, the
status. Query strings never reach it (a search term is a name, or a national id typed into the
name search), and neither does an 11-digit number anywhere in the request line."""

from __future__ import annotations

import logging
import re

_SHARE_TOKEN = re.compile(r"/s/[A-Za-z0-9_\-]{8,}")
# A fødselsnummer or D-number, also with a space or an encoded separator inside.
_NATIONAL_ID = re.compile(r"\d{6}(?:\s|%20|\+|-)?\d{5}")


def redact_request_target(target: str) -> str:
    path, question, _ = target.partition("?")
    path = _NATIONAL_ID.sub("<id>", _SHARE_TOKEN.sub("/s/<token>", path))
    return path + ("?<redacted>" if question else "")


class RedactAccessLog(logging.Filter):
    """On uvicorn's access logger: its records carry the request target as an argument."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and isinstance(record.args, tuple):
            record.args = tuple(
                redact_request_target(a) if isinstance(a, str) else a for a in record.args
            )
        return True


def install(logger_name: str = "uvicorn.access") -> RedactAccessLog:
    """Adds the filter once (an app started twice in one process must not stack filters)."""
    logger = logging.getLogger(logger_name)
    for existing in logger.filters:
        if isinstance(existing, RedactAccessLog):
            return existing
    redaction = RedactAccessLog()
    logger.addFilter(redaction)
    return redaction
