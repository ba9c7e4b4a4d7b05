"""Reconnect delays: exponential with jitter, so many desks do not hammer a broker in step."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass(slots=True)
class Backoff:
    """1 s doubling to 60 s by default; each delay is spread by up to ±`jitter` of itself."""

    initial: float = 1.0
    maximum: float = 60.0
    factor: float = 2.0
    jitter: float = 0.2
    rng: random.Random = field(default_factory=random.Random)
    _attempt: int = 0

    def next_delay(self) -> float:
        """The wait before the next attempt; grows until `maximum`."""
        base = min(self.maximum, self.initial * self.factor**self._attempt)
        self._attempt += 1
        spread = base * self.jitter
        return max(0.0, min(self.maximum, base + self.rng.uniform(-spread, spread)))

    def reset(self) -> None:
        """After a success the next failure starts again from `initial`."""
        self._attempt = 0

    @property
    def attempts(self) -> int:
        return self._attempt
