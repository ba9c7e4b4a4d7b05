"""The logger handed to the websockets library, which never lets the viewer token through.

At DEBUG level websockets logs request lines and headers, which carry the token (`?token=` or
`Authorization`); the filter replaces it before any handler sees the record.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

__all__ = ["REDACTED", "VIEWER_WIRE_LOGGER_NAME", "WIRE_LOGGER_NAME", "redacting_logger"]

WIRE_LOGGER_NAME = "app.remote.websockets"
VIEWER_WIRE_LOGGER_NAME = "app.remote.websockets.viewer"
REDACTED = "<viewer token>"


class _RedactToken(logging.Filter):
    def __init__(self, secret: str) -> None:
        super().__init__()
        # As typed and as a URL carries it (percent-encoded), longest first.
        self._forms = sorted({secret, quote(secret, safe=""), quote(secret)}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if any(form in text for form in self._forms):
            for form in self._forms:
                text = text.replace(form, REDACTED)
            record.msg = text
            record.args = None
        return True


def redacting_logger(secret: str, name: str = WIRE_LOGGER_NAME) -> tuple[logging.Logger, logging.Filter]:
    """The logger `name` with a filter that hides `secret`; remove the filter when done."""
    logger = logging.getLogger(name)
    redact = _RedactToken(secret)
    logger.addFilter(redact)
    return logger, redact
