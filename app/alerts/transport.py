"""Sending one message through Apprise, and what Apprise knows of a channel URL.

Apprise logs whole URLs, payloads and Authorization headers at its DEBUG and TRACE levels; its logger is
held at WARNING and every record it still lets through has the channels' secrets taken out first.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.alerts.channel_secrets import REDACTOR
from app.alerts.rules import AlertLevel

if TYPE_CHECKING:
    import apprise

SEND_TIMEOUT_S = 15.0
UNKNOWN_URL = (
    "Apprise does not recognise this URL: it should start with a service such as tgram://, ntfys://, "
    "pover://, discord://, mailtos:// or json://, followed by that service's details"
)


@dataclass(frozen=True, slots=True)
class Delivery:
    """Whether the channel's server accepted the message; if not, why (secrets taken out)."""

    ok: bool
    reason: str = ""
    seconds: float = 0.0


class _RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = REDACTOR.redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_guarded = False


def _apprise() -> type[apprise.Apprise]:
    """Apprise, imported on first use (channels are opt-in) with its logger made safe."""
    global _guarded
    import apprise

    if not _guarded:
        logger = logging.getLogger("apprise")
        if logger.getEffectiveLevel() < logging.WARNING:
            logger.setLevel(logging.WARNING)
        logger.addFilter(_RedactSecrets())
        _guarded = True
    return apprise.Apprise


def url_problem(url: str) -> str | None:
    """None when Apprise can send to `url`, else what is wrong with it, for a person."""
    if not url.strip():
        return "Enter a channel URL"
    if any(ch.isspace() for ch in url.strip()):
        return "A channel URL has no spaces"
    return None if _plugin(url) is not None else UNKNOWN_URL


def service_name(url: str) -> str:
    """The service a URL points at, e.g. 'Telegram' or 'ntfy' ('' when Apprise does not know it)."""
    plugin = _plugin(url)
    return str(getattr(plugin, "service_name", "")) if plugin is not None else ""


def _plugin(url: str) -> object | None:
    REDACTOR.add(url)
    try:
        return _apprise().instantiate(url.strip())
    except Exception:  # a plugin that chokes on odd input is an unknown URL, nothing more
        return None


_NOTIFY_TYPES = {
    AlertLevel.INFO: "info",
    AlertLevel.SUCCESS: "success",
    AlertLevel.WARNING: "warning",
    AlertLevel.FAILURE: "failure",
}


def deliver(
    url: str, title: str, body: str, level: AlertLevel, timeout_s: float = SEND_TIMEOUT_S
) -> Delivery:
    """Send one message to one channel; blocks up to `timeout_s`, so never call it on the GUI thread."""
    started = time.monotonic()
    sender = _apprise()()
    REDACTOR.add(url)
    if not sender.add(url.strip()):
        return Delivery(False, UNKNOWN_URL, 0.0)
    try:
        result = sender.notify(body=body, title=title, notify_type=_NOTIFY_TYPES[level], timeout=timeout_s)
    except Exception as error:  # Apprise reports per service; anything raised is a bug in a plugin
        return Delivery(
            False, REDACTOR.redact(f"{type(error).__name__}: {error}"), time.monotonic() - started
        )
    with result:
        ok = bool(result)
        reason = "" if ok else _first_problem(result)
    return Delivery(ok, reason, time.monotonic() - started)


def _first_problem(result: apprise.AppriseResult) -> str:
    for entry in result.logs():
        if entry.level in ("WARNING", "ERROR", "CRITICAL"):
            return REDACTOR.redact(entry.message.strip())
    return REDACTOR.redact(f"the service did not accept the message ({result.status.name.lower()})")
