"""Flow control for requests to many servers: a byte budget for data in flight, per-server
latency estimates (fastest first), and hedged requests (the first good answer of several).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import TypeVar

T = TypeVar("T")
K = TypeVar("K")


class ByteBudget:
    """At most ``limit`` bytes held at once by the holders of :meth:`hold`. A single request
    larger than the limit waits until it is alone, then proceeds."""

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self.held = 0
        self._changed = asyncio.Condition()

    @asynccontextmanager
    async def hold(self, size: int) -> AsyncIterator[None]:
        """Hold ``size`` bytes of the budget for the duration of the block."""
        size = min(size, self.limit)
        async with self._changed:
            await self._changed.wait_for(lambda: self.held + size <= self.limit)
            self.held += size
        try:
            yield
        finally:
            async with self._changed:
                self.held -= size
                self._changed.notify_all()


class Latencies:
    """An exponentially weighted moving average of each server's answer time (seconds), to try
    the fastest servers first. Unknown servers rank as the median of the known ones."""

    def __init__(self, weight: float = 0.3) -> None:
        self.weight = weight
        self._ewma: dict[str, float] = {}

    def record(self, server: str, seconds: float) -> None:
        """Add an observation (a failure should be recorded as a long time)."""
        old = self._ewma.get(server)
        self._ewma[server] = seconds if old is None else old + self.weight * (seconds - old)

    def estimate(self, server: str) -> float:
        """The server's estimate, or the median of all estimates when it has none (0 if none)."""
        if server in self._ewma:
            return self._ewma[server]
        known = sorted(self._ewma.values())
        return known[len(known) // 2] if known else 0.0

    def fastest_first(self, items: Iterable[K], server_of: Callable[[K], str]) -> list[K]:
        """``items`` sorted by their server's estimate (stable: ties keep their order)."""
        return sorted(items, key=lambda item: self.estimate(server_of(item)))

    @asynccontextmanager
    async def timed(self, server: str, *, failure_seconds: float = 5.0) -> AsyncIterator[None]:
        """Record the block's duration for ``server`` (``failure_seconds`` when it raises)."""
        start = time.monotonic()
        try:
            yield
        except BaseException:
            self.record(server, max(failure_seconds, time.monotonic() - start))
            raise
        self.record(server, time.monotonic() - start)


async def first_success(
    candidates: Sequence[K],
    attempt: Callable[[K], Awaitable[T]],
    *,
    parallel: int = 2,
    hedge_after: float = 0.25,
) -> tuple[T | None, list[tuple[K, BaseException]]]:
    """The result of the first ``attempt(candidate)`` that succeeds, trying ``parallel``
    candidates at once and one more whenever an attempt fails or ``hedge_after`` seconds pass
    without an answer (a hedged request against stragglers). The others are cancelled.

    Returns ``(result, failures)``; ``result`` is None when every candidate failed.
    """
    queue = list(candidates)
    queue.reverse()
    running: dict[asyncio.Task[T], K] = {}
    failures: list[tuple[K, BaseException]] = []

    def launch() -> None:
        if queue:
            candidate = queue.pop()
            running[asyncio.ensure_future(attempt(candidate))] = candidate

    for _ in range(max(1, parallel)):
        launch()
    try:
        while running:
            done, _ = await asyncio.wait(running, timeout=hedge_after, return_when=asyncio.FIRST_COMPLETED)
            if not done:
                launch()
                continue
            for task in done:
                candidate = running.pop(task)
                error = task.exception()
                if error is None:
                    return task.result(), failures
                failures.append((candidate, error))
                launch()
        return None, failures
    finally:
        for task in running:
            task.cancel()


__all__ = ["ByteBudget", "Latencies", "first_success"]
