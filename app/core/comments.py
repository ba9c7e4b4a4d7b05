"""The MetaTrader 5 comment of the desk's orders: its `MD-<trade id>` tag, and the trader's own words.

Every order the desk sends carries this tag and its trade id in the MT5 comment, so after a crash the
journal's pending rows can be matched with what the terminal actually did. The tag is bookkeeping, not
the trader's text: wherever a comment is shown, `trader_text` takes it out.
"""

from __future__ import annotations

import re

COMMENT_TAG = "MD-"
TRADE_ID_LENGTH = 10
MT5_COMMENT_LIMIT = 29
# What is left of MT5's comment for the trader's words once "MD-<trade id> " is written before them.
NOTE_LIMIT = MT5_COMMENT_LIMIT - len(COMMENT_TAG) - TRADE_ID_LENGTH - 1

_TAG = re.compile(rf"{re.escape(COMMENT_TAG)}[0-9a-f]{{{TRADE_ID_LENGTH}}}(?![0-9a-f]) ?")


def clean_note(text: str) -> str:
    """The trader's words as MT5 can carry them: printable ASCII only, without surrounding spaces."""
    return "".join(ch for ch in text if ch.isascii() and ch.isprintable()).strip()


def tagged_comment(trade_id: str, comment: str = "") -> str:
    """The MT5 comment for a trade: tag and id first (never cut), then as much of `comment` as fits."""
    head = f"{COMMENT_TAG}{trade_id}"
    tail = clean_note(comment)
    text = f"{head} {tail}" if tail else head
    return text[:MT5_COMMENT_LIMIT]


def trade_id_in(comment: str) -> str | None:
    """The trade id a comment carries, if the desk wrote it."""
    start = comment.find(COMMENT_TAG)
    if start < 0:
        return None
    candidate = comment[start + len(COMMENT_TAG) : start + len(COMMENT_TAG) + TRADE_ID_LENGTH]
    if len(candidate) == TRADE_ID_LENGTH and all(c in "0123456789abcdef" for c in candidate):
        return candidate
    return None


def trader_text(comment: str) -> str:
    """A terminal comment as the trader reads it: the desk's `MD-<trade id>` tag taken out."""
    if COMMENT_TAG not in comment:
        return comment
    return _TAG.sub("", comment).strip()
