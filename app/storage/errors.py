"""The one error the journal raises."""

from __future__ import annotations


class JournalError(Exception):
    """The journal could not do what was asked; the message says why and what the trader can do."""
