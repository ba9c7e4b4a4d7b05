"""Date ranges of the History and Deals tabs: presets counted in the trader's local days, bounds in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum


class HistoryPeriod(StrEnum):
    """Date-range presets; CUSTOM uses the from/to dates as the trader set them."""

    TODAY = "Today"
    WEEK = "7 days"
    MONTH = "30 days"
    ALL = "All"
    CUSTOM = "Custom"


_PRESET_DAYS = {HistoryPeriod.TODAY: 1, HistoryPeriod.WEEK: 7, HistoryPeriod.MONTH: 30}


def preset_first_day(period: HistoryPeriod, today: date) -> date | None:
    """First local day a preset covers (its last is today); None for ALL (and CUSTOM, which has none)."""
    days = _PRESET_DAYS.get(period)
    return None if days is None else today - timedelta(days=days - 1)


def _local_midnight_utc(day: date) -> datetime:
    # A naive datetime's astimezone() reads it as local time, DST included.
    return datetime.combine(day, time()).astimezone().astimezone(UTC)


def period_bounds(
    period: HistoryPeriod, today: date, first: date | None = None, last: date | None = None
) -> tuple[datetime | None, datetime | None]:
    """The UTC [since, until) a period covers, whole local days.

    Presets run open-ended up to now, so a deal made after midnight still shows after a refresh.
    CUSTOM covers `first` to `last` inclusive; a missing end is open, reversed ends are swapped.
    """
    if period is HistoryPeriod.ALL:
        return None, None
    if period is not HistoryPeriod.CUSTOM:
        return _local_midnight_utc(preset_first_day(period, today) or today), None
    if first is not None and last is not None and first > last:
        first, last = last, first
    since = None if first is None else _local_midnight_utc(first)
    until = None if last is None else _local_midnight_utc(last + timedelta(days=1))
    return since, until
