"""The classifiers a trader can pick, by name; no scikit-learn here, so a dialog can list them at once."""

from __future__ import annotations

from enum import StrEnum


class Algorithm(StrEnum):
    """Which classifier a model uses (`--algorithm`)."""

    LOGREG = "logreg"
    FOREST = "forest"
    HGB = "hgb"

    # Replaces str.title() on purpose: the person-facing name; nothing title-cases an Algorithm's value.
    @property
    def title(self) -> str:  # type: ignore[override]
        return _TITLES[self]


_TITLES = {
    Algorithm.LOGREG: "Logistic regression",
    Algorithm.FOREST: "Random forest",
    Algorithm.HGB: "Histogram gradient boosting",
}
