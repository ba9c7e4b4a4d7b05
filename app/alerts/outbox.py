"""What waits to be sent on one channel, collapsed: a burst becomes one message that counts and summarises.

Bounded whatever arrives: alerts are grouped by kind and title, each group keeping its count and its
latest alert, and past MAX_GROUPS titles a kind's further titles share one group.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from app.alerts.rules import URGENCY, Alert, AlertKind, AlertLevel

MAX_GROUPS = 32
_SEVERITY = (AlertLevel.INFO, AlertLevel.SUCCESS, AlertLevel.WARNING, AlertLevel.FAILURE)


@dataclass(slots=True)
class Group:
    """Alerts of one kind and title: how many, and the most recent one."""

    count: int
    latest: Alert


@dataclass(frozen=True, slots=True)
class Message:
    """One message for a channel: a single alert as it is, or a summary of several."""

    title: str
    body: str
    level: AlertLevel
    count: int
    groups: tuple[tuple[tuple[AlertKind, str], Group], ...] = field(repr=False)


class Pending:
    """Alerts waiting for their channel's next turn."""

    def __init__(self) -> None:
        self._groups: dict[tuple[AlertKind, str], Group] = {}
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, alert: Alert, count: int = 1) -> None:
        key = (alert.kind, alert.title)
        if key not in self._groups and len(self._groups) >= MAX_GROUPS:
            key = (alert.kind, "")
        group = self._groups.get(key)
        if group is None:
            self._groups[key] = Group(count, alert)
        else:
            group.count += count
            if alert.at >= group.latest.at:
                group.latest = alert
        self._count += count

    def put_back(self, message: Message) -> None:
        """A message that could not be sent waits again, merged with whatever came meanwhile."""
        for _key, group in message.groups:
            self.add(group.latest, group.count)

    def take(self) -> Message | None:
        """Everything waiting as one message (emptying the outbox), or None when nothing waits."""
        if not self._groups:
            return None
        groups = tuple(self._groups.items())
        count = self._count
        self._groups, self._count = {}, 0
        if count == 1:
            alert = groups[0][1].latest
            return Message(alert.title, alert.body(), alert.level, 1, groups)
        return _summary(groups, count)


def _summary(groups: tuple[tuple[tuple[AlertKind, str], Group], ...], count: int) -> Message:
    ordered = sorted(groups, key=lambda item: (URGENCY.index(item[0][0]), item[1].latest.at))
    lines = []
    for (_kind, title), group in ordered:
        alert = group.latest
        heading = title or f"other {alert.kind.value.replace('_', ' ')} alerts"
        if group.count == 1:
            lines.append(f"{heading}: {alert.text}")
        else:
            lines.append(f"{group.count}× {heading}, latest: {alert.text}")
    latest = max((group.latest for _key, group in groups), key=lambda alert: alert.at)
    if latest.account:
        lines.append(latest.account)
    first_title = ordered[0][0][1]
    title = f"{count}× {first_title}" if len(groups) == 1 and first_title else f"{count} alerts"
    level = max((group.latest.level for _key, group in groups), key=_SEVERITY.index)
    return Message(title, "\n".join(lines), level, count, groups)


def dropped_alert(count: int, like: Alert) -> Alert:
    """Stands for alerts that found the channel's queue full: counted, never silently lost."""
    return replace(
        like,
        title="Alerts dropped",
        text=f"{count} alert(s) arrived faster than this channel could take them; see the Event log.",
        level=AlertLevel.WARNING,
    )
