"""Headless mode: the engine with no window, every event as one JSON line, clean stop on SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

import qasync
from PyQt6.QtCore import QCoreApplication, QTimer

from app.alerts.service import AlertSetup
from app.core.events import Notice
from app.core.settings import RemoteSettings
from app.engine.desk import Desk, DeskConfig
from app.engine.error_report import ErrorReporter
from app.remote.server import RemoteConfigError
from app.startup.event_lines import EventLinesWriter
from app.startup.heap import settle_startup_heap
from app.startup.instance_lock import InstanceLock, InstanceLockedError
from app.startup.remote_wiring import RemoteService, print_to_stderr
from app.storage.leftovers import remove_leftover_temp_files

log = logging.getLogger(__name__)


def run_headless(
    config: DeskConfig,
    lock_file: Path,
    events_jsonl: str | None,
    remote: RemoteSettings | None = None,
    token_file: Path | None = None,
    alerts: AlertSetup | None = None,
    log_file: Path | None = None,
    settings_notices: Sequence[Notice] = (),
) -> int:
    """Run until SIGINT/SIGTERM; returns the process exit code.

    An exception escaping a slot is logged to `log_file` and published once as a NOTICE;
    `settings_notices` (bad values in the settings file) are published first.
    """
    app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
    lock = InstanceLock(lock_file)
    try:
        lock.acquire()
    except InstanceLockedError as error:
        print(error, file=sys.stderr)
        return 3
    sim_folders = {
        Path(account.target.sim_state_file).parent
        for account in config.account_configs()
        if account.target.sim_state_file
    }
    remove_leftover_temp_files((config.database_file.parent, *sim_folders, config.models_dir))
    writer: EventLinesWriter | None = None
    errors: ErrorReporter | None = None
    try:
        desk = Desk(config)
        errors = ErrorReporter(desk.hub.publish, log_file)
        errors.install()
        if events_jsonl:
            try:
                writer = EventLinesWriter(events_jsonl, desk)
            except OSError as error:
                print(f"Cannot write events to {events_jsonl}: {error.strerror or error}", file=sys.stderr)
                desk.stop()
                return 2
            desk.hub.stream.connect(writer.write)
        for notice in settings_notices:
            desk.hub.publish(notice)
        service = alerts.start(desk.hub, desk) if alerts is not None else None
        code = _serve_until_signalled(app, desk, remote, token_file)
        if service is not None:
            service.stop()  # only a clean stop comes here: the next start then does not report a crash
        return code
    finally:
        if errors is not None:
            errors.uninstall()
        if writer is not None:
            writer.close()
        lock.release()


def _serve_until_signalled(
    app: QCoreApplication, desk: Desk, remote: RemoteSettings | None, token_file: Path | None
) -> int:
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    stopping = asyncio.Event()

    def on_signal(signum: int, _frame: object) -> None:
        log.info("signal %s: stopping", signum)
        loop.call_soon_threadsafe(stopping.set)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    # Python runs signal handlers only between bytecodes; this idle timer gives it the chance.
    pulse = QTimer()
    pulse.timeout.connect(lambda: None)
    pulse.start(200)
    service = RemoteService(desk, remote, token_file, announce=print_to_stderr) if remote else None

    async def serve() -> int:
        # One uninterrupted run of the loop: stopping and restarting it between start-up steps left the
        # first viewer's handshake unanswered now and then.
        code = 0
        if service is not None:
            try:
                await service.start()
            except (RemoteConfigError, OSError, ValueError) as error:
                print_to_stderr(f"Remote viewing not started: {error}")
                return 2
        print_to_stderr("MT5 Desk running headless; press Ctrl+C to stop.")
        try:
            await stopping.wait()
        finally:
            if service is not None:
                await service.stop()
        return code

    with loop:
        desk.start()
        settle_startup_heap()
        code: int = loop.run_until_complete(serve())
    pulse.stop()
    desk.stop()
    return code
