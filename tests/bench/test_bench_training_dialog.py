"""The training dialog opens at once, with visible feedback while scikit-learn loads: each way measured in
a fresh process of this run (see bench_training_dialog)."""

from __future__ import annotations

from app.ui.models.training_dialog import LOADING_TEXT, READY_TEXT
from tests.bench.bench_training_dialog import compare


def test_the_dialog_shows_before_scikit_learn_has_loaded_and_says_it_is_loading() -> None:
    figures = compare()
    now = figures["now"]
    assert now["at_open"] == {
        "train_enabled": False,
        "train_text": "Loading…",
        "status": LOADING_TEXT,
        "progress_moving": True,
    }
    assert now["train_enabled_when_ready"] and now["status_when_ready"] == READY_TEXT
    # Shown sooner than when it imported scikit-learn first, measured the same way in this run.
    assert figures["ratio"] < 1.0, figures
