"""The one retry policy of the network: exponential backoff with jitter, within a deadline.

A request is retried when it failed in a way that may pass (:func:`retryable`): the server
could not be reached, it answered 429/502/503/504, or it has not yet seen the blob's
registration. A ``Retry-After`` header is honoured (within the deadline).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from .errors import RemoteError, TransportError

T = TypeVar("T")


def retryable(error: BaseException) -> bool:
    """Whether ``error`` may pass if the same request is sent again later."""
    if isinstance(error, TransportError):
        return True
    return isinstance(error, RemoteError) and error.retryable


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff from ``first_delay`` seconds, times ``multiplier`` after each failure, at most
    ``max_delay``, each delay scaled by a random factor in ``[1 - jitter, 1]``; no new attempt
    starts after ``deadline`` seconds (0: a single attempt)."""

    deadline: float = 10.0
    first_delay: float = 0.05
    max_delay: float = 1.0
    multiplier: float = 2.0
    jitter: float = 0.25

    async def run(self, attempt: Callable[[], Awaitable[T]], *, when: Callable[[BaseException], bool] = retryable) -> T:
        """``await attempt()`` until it succeeds, fails with an error ``when`` rejects, or the
        deadline passes (the last error is raised)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.deadline
        delay = self.first_delay
        while True:
            try:
                return await attempt()
            except Exception as e:
                if not when(e):
                    raise
                wait = delay * (1 - self.jitter * random.random())
                if isinstance(e, RemoteError) and e.retry_after is not None:
                    wait = max(wait, e.retry_after)
                if loop.time() + wait > deadline:
                    raise
            await asyncio.sleep(wait)
            delay = min(delay * self.multiplier, self.max_delay)


NO_RETRY = RetryPolicy(deadline=0)
"""One attempt only."""

__all__ = ["NO_RETRY", "RetryPolicy", "retryable"]
