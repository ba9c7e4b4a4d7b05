"""How long Desk → Train model… takes to show its dialog, each way measured in a fresh process of this run:

- baseline: scikit-learn and the model store imported before the dialog is built (what the dialog did
  until it loaded them on its training thread);
- now: the dialog built and shown at once, scikit-learn loading behind it; also how long until Train
  is enabled, and what the trader sees meanwhile.

Run `QT_QPA_PLATFORM=offscreen python -m tests.bench.bench_training_dialog`; it prints one JSON object.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]


def _measure(preload: bool) -> dict[str, Any]:
    """In this process (a fresh one): build and show the dialog; with `preload`, import scikit-learn first."""
    import tempfile

    from PyQt6.QtWidgets import QApplication

    qt_app = QApplication.instance() or QApplication(sys.argv[:1])
    started = time.perf_counter()
    if preload:
        import app.ml.store
        import app.ml.training  # noqa: F401  # the baseline: loaded before the dialog, as it used to be
    from app.ui.models.training_dialog import TrainingDialog

    dialog = TrainingDialog(None, Path(tempfile.mkdtemp()) / "models")
    dialog.show()
    qt_app.processEvents()
    shown_s = time.perf_counter() - started
    seen = {
        "train_enabled": dialog.train_button.isEnabled(),
        "train_text": dialog.train_button.text(),
        "status": dialog.status_label.text(),
        "progress_moving": dialog.progress_bar.maximum() == 0,
    }
    deadline = time.monotonic() + 60
    while not dialog.ready and time.monotonic() < deadline:
        qt_app.processEvents()
        time.sleep(0.005)
    ready_s = time.perf_counter() - started
    return {
        "shown_ms": shown_s * 1000,
        "ready_ms": ready_s * 1000,
        "at_open": seen,
        "train_enabled_when_ready": dialog.train_button.isEnabled(),
        "status_when_ready": dialog.status_label.text(),
    }


def _in_fresh_process(mode: str) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-m", "tests.bench.bench_training_dialog", mode],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def compare() -> dict[str, Any]:
    """Baseline and now, each in a fresh process; `ratio` is now's open time over the baseline's."""
    baseline = _in_fresh_process("baseline")
    now = _in_fresh_process("now")
    return {"baseline": baseline, "now": now, "ratio": now["shown_ms"] / baseline["shown_ms"]}


if __name__ == "__main__":
    if sys.argv[1:] == ["baseline"]:
        print(json.dumps(_measure(preload=True)))
    elif sys.argv[1:] == ["now"]:
        print(json.dumps(_measure(preload=False)))
    else:
        print(json.dumps(compare(), indent=2))
