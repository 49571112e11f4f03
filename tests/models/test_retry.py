"""Retry policy: backoff with full jitter, Retry-After honoured, a clear error when tries run out."""

from __future__ import annotations

import asyncio
import random
import time

import pytest

from medagentgym.errors import ConfigError, ModelError
from medagentgym.models.retry import RetryPolicy, TransientError, parse_retry_after, with_retries


def test_delay_grows_exponentially_with_jitter_and_a_cap():
    policy = RetryPolicy(initial_delay_s=1.0, max_delay_s=8.0)
    rng = random.Random(0)
    for retry in range(8):
        ceiling = min(8.0, 2.0**retry)
        delays = [policy.delay_s(retry, None, rng) for _ in range(200)]
        assert all(0.0 <= d <= ceiling for d in delays)
        assert max(delays) > 0.8 * ceiling  # jitter spans the whole range


def test_retry_after_is_a_floor_but_capped():
    policy = RetryPolicy(initial_delay_s=0.01, max_delay_s=0.02, max_retry_after_s=5.0)
    rng = random.Random(0)
    assert policy.delay_s(0, 3.0, rng) == 3.0
    assert policy.delay_s(0, 600.0, rng) == 5.0


def test_parse_retry_after_forms():
    assert parse_retry_after({"retry-after-ms": "250"}) == 0.25
    assert parse_retry_after({"retry-after": "7"}) == 7.0
    http_date = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 30))
    assert 25 <= parse_retry_after({"retry-after": http_date}) <= 31
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({}) is None


def test_with_retries_recovers_and_honours_the_hint():
    calls, slept = [], []

    async def attempt() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise TransientError("busy", retry_after_s=2.5)
        return "ok"

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    result = asyncio.run(with_retries(attempt, RetryPolicy(initial_delay_s=0.001), what="m", sleep=sleep))
    assert result == "ok"
    assert slept == [2.5, 2.5]


def test_with_retries_gives_up_with_model_error():
    async def attempt() -> str:
        raise TransientError("HTTP 503: overloaded")

    async def sleep(seconds: float) -> None:
        del seconds

    with pytest.raises(ModelError, match=r"model x: gave up after 3 tries; last error: HTTP 503"):
        asyncio.run(with_retries(attempt, RetryPolicy(max_retries=2), what="model x", sleep=sleep))


def test_permanent_errors_are_not_retried():
    calls = []

    async def attempt() -> str:
        calls.append(1)
        raise ModelError("bad request")

    with pytest.raises(ModelError, match="bad request"):
        asyncio.run(with_retries(attempt, RetryPolicy(), what="m"))
    assert len(calls) == 1


def test_negative_settings_are_rejected():
    with pytest.raises(ConfigError):
        RetryPolicy(max_retries=-1)
