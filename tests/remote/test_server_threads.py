"""The app's threading: the terminal worker publishes in its own thread, the server lives on the Qt loop.

Qt queues each event to the server's listener in the GUI thread; under qasync that is the thread of
the asyncio loop, so the fan-out never runs concurrently with a viewer's sender.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import qasync

from app.core.enums import NoticeLevel
from app.core.events import Event, Notice
from tests.remote.conftest import Desk, receive, serving, skip_greeting, viewer


def test_events_published_from_a_worker_thread_reach_viewers_in_order_through_qasync(
    qapp: Any, desk: Desk
) -> None:
    notices = [Notice(level=NoticeLevel.INFO, title=f"from worker {i}", text="") for i in range(50)]

    def publish_all() -> None:
        for notice in notices:
            desk.hub.publish(notice)

    async def scenario() -> list[Event]:
        async with serving(desk) as (_, port), viewer(port) as ws:
            await skip_greeting(ws)
            worker = threading.Thread(target=publish_all)
            worker.start()
            received = [(await receive(ws))[0] for _ in notices]
            worker.join()
            return received

    loop = qasync.QEventLoop(qapp)
    try:
        received = loop.run_until_complete(asyncio.wait_for(scenario(), 10))
    finally:
        loop.close()
        asyncio.set_event_loop(None)
    assert received == notices
    assert desk.state.position_count == 0 and desk.hub.published == len(notices)
