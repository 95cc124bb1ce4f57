"""Synchronous calls of the asynchronous network code, from anywhere — including from inside a
running event loop (Jupyter notebooks, and so ``pd.read_csv("walrus://…")`` in a notebook).

Coroutines run on one dedicated event-loop thread (``morsa-io``), started on first use, as
fsspec's ``sync()`` does; the calling thread waits for the result. Connection pools live on
that loop, so successive synchronous calls reuse their connections.
"""

from __future__ import annotations

import asyncio
import atexit
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_thread: threading.Thread | None = None


def io_loop() -> asyncio.AbstractEventLoop:
    """The background event loop (started on first use; a daemon thread)."""
    global _loop, _thread
    with _lock:
        if _loop is None or not _thread or not _thread.is_alive():
            loop = asyncio.new_event_loop()
            ready = threading.Event()

            def run() -> None:
                asyncio.set_event_loop(loop)
                loop.call_soon(ready.set)
                loop.run_forever()

            _thread = threading.Thread(target=run, name="morsa-io", daemon=True)
            _thread.start()
            ready.wait()
            _loop = loop
        return _loop


def run_sync(coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
    """Run ``coro`` on the background loop and return its result (or raise its exception).

    Works with or without a running loop in the calling thread. ``timeout`` (seconds) cancels
    the coroutine and raises ``TimeoutError``. An interrupt (Ctrl-C) cancels it too. Raises
    ``RuntimeError`` when called from the background loop itself (it would wait forever).
    """
    loop = io_loop()
    if threading.current_thread() is _thread:
        coro.close()
        raise RuntimeError("run_sync() called from the morsa-io loop; await the coroutine instead")
    future = asyncio.run_coroutine_threadsafe(coro, loop)
    try:
        return future.result(timeout)
    except BaseException:
        future.cancel()
        raise


def _shutdown() -> None:
    from .transport import close_all_pools

    close_all_pools()


atexit.register(_shutdown)

__all__ = ["io_loop", "run_sync"]
