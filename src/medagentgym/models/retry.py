"""Retrying transient model-server failures with exponential backoff, full jitter and Retry-After.

Backends raise :class:`TransientError` for failures worth another try (429, 5xx, timeouts,
broken responses) and any other exception for failures that will not go away (a bad request, a
wrong key). :func:`with_retries` sleeps between tries and, when the tries are spent, raises
:class:`~medagentgym.errors.ModelError`, which the episode loop records as an infrastructure
error instead of blaming the agent.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from medagentgym.errors import ConfigError, ModelError

T = TypeVar("T")


class TransientError(Exception):
    """A failure that may succeed on another try; ``retry_after_s`` is the server's hint."""

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry.

    The n-th retry waits a random time in ``[0, min(max_delay_s, initial_delay_s * 2**n)]``
    ("full jitter", so that many clients hitting a rate limit do not retry in lockstep), but at
    least as long as the server's Retry-After, which is honoured up to ``max_retry_after_s``.
    """

    max_retries: int = 6
    initial_delay_s: float = 1.0
    max_delay_s: float = 30.0
    max_retry_after_s: float = 120.0

    def __post_init__(self) -> None:
        if self.max_retries < 0 or self.initial_delay_s < 0 or self.max_delay_s < 0:
            raise ConfigError("retry counts and delays must not be negative")

    def delay_s(self, retry: int, retry_after_s: float | None, rng: random.Random) -> float:
        """Seconds to wait before retry number ``retry`` (0-based)."""
        ceiling = min(self.max_delay_s, self.initial_delay_s * 2.0**retry)
        delay = rng.uniform(0.0, ceiling)
        if retry_after_s is not None:
            delay = max(delay, min(retry_after_s, self.max_retry_after_s))
        return delay


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """Read ``retry-after-ms`` (OpenAI's) or ``Retry-After`` (seconds or an HTTP date)."""
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return max(0.0, float(millis) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


async def with_retries(
    attempt: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    *,
    what: str,
    rng: random.Random | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """Await ``attempt()`` until it does not raise :class:`TransientError`, or give up.

    Raises:
        ModelError: when every try failed transiently (the message names ``what`` and the last
            failure).
    """
    rng = rng or random.Random()
    retry = 0
    while True:
        try:
            return await attempt()
        except TransientError as exc:
            if retry >= policy.max_retries:
                raise ModelError(f"{what}: gave up after {retry + 1} tries; last error: {exc}") from exc
            await sleep(policy.delay_s(retry, exc.retry_after_s, rng))
            retry += 1
