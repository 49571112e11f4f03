"""Micro-batching: requests arriving together share a call; keys never mix; errors reach callers."""

from __future__ import annotations

import asyncio
import threading

import pytest

from medagentgym.models.batching import MicroBatcher


def run_batch(calls: list[list[int]]):
    def run(batch: list[int]) -> list[int]:
        calls.append(list(batch))
        return [x * 10 for x in batch]

    return run


def test_requests_arriving_together_share_a_call():
    calls: list[list[int]] = []
    batcher = MicroBatcher(run_batch(calls), key=lambda x: 0, window_s=0.05, max_size=8)

    async def main():
        return await asyncio.gather(*(batcher.submit(i) for i in range(5)))

    assert asyncio.run(main()) == [0, 10, 20, 30, 40]
    assert calls == [[0, 1, 2, 3, 4]]


def test_max_size_splits_and_keys_separate():
    calls: list[list[int]] = []
    batcher = MicroBatcher(run_batch(calls), key=lambda x: x % 2, window_s=0.05, max_size=2)

    async def main():
        return await asyncio.gather(*(batcher.submit(i) for i in range(6)))

    assert asyncio.run(main()) == [0, 10, 20, 30, 40, 50]
    assert all(len(c) <= 2 and len({x % 2 for x in c}) == 1 for c in calls)
    assert sorted(x for c in calls for x in c) == list(range(6))


def test_requests_queue_while_a_batch_runs():
    calls: list[list[int]] = []
    gate = threading.Event()

    def slow(batch: list[int]) -> list[int]:
        calls.append(list(batch))
        gate.wait(2)
        return batch

    batcher = MicroBatcher(slow, key=lambda x: 0, window_s=0.0, max_size=16)

    async def main():
        first = asyncio.ensure_future(batcher.submit(0))
        await asyncio.sleep(0.05)  # the first batch is running now
        rest = [asyncio.ensure_future(batcher.submit(i)) for i in (1, 2, 3)]
        await asyncio.sleep(0.05)
        gate.set()
        return await asyncio.gather(first, *rest)

    assert asyncio.run(main()) == [0, 1, 2, 3]
    assert calls == [[0], [1, 2, 3]]


def test_errors_reach_every_caller_and_the_worker_survives():
    def failing(batch: list[int]) -> list[int]:
        if 0 in batch:
            raise RuntimeError("out of memory")
        return batch

    batcher = MicroBatcher(failing, key=lambda x: 0, window_s=0.01)

    async def main():
        results = await asyncio.gather(batcher.submit(0), batcher.submit(1), return_exceptions=True)
        return results, await batcher.submit(5)

    results, later = asyncio.run(main())
    assert all(isinstance(r, RuntimeError) for r in results)
    assert later == 5


def test_works_across_event_loops():
    batcher = MicroBatcher(lambda b: b, key=lambda x: 0, window_s=0.0)
    assert asyncio.run(batcher.submit(1)) == 1
    assert asyncio.run(batcher.submit(2)) == 2


def test_bad_settings():
    with pytest.raises(ValueError, match="batch size"):
        MicroBatcher(lambda b: b, key=lambda x: 0, max_size=0)
