"""Micro-batching: turn requests from concurrent episodes into one batched call.

A local model answers a batch of prompts in about the time it takes to answer one (the weights
are read once per token either way), so the requests of concurrent episodes should share a
``generate`` call. The batcher waits a few milliseconds after the first request for others, and
while a batch is running, new requests queue up and go out together in the next one. Requests
whose keys differ (for example, different sampling settings) are never mixed in one call.

The batched function runs on one dedicated thread: the event loop stays free, and calls into the
model never overlap.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar

from medagentgym.errors import ConfigError

Req = TypeVar("Req")
Res = TypeVar("Res")


@dataclass
class _Pending(Generic[Req, Res]):
    request: Req
    future: asyncio.Future[Res]


class MicroBatcher(Generic[Req, Res]):
    """Collects requests and runs ``run(batch) -> results`` (same order) on a worker thread.

    Args:
        run: The batched function; called with 1 to ``max_size`` requests sharing one key.
        key: Requests with equal keys may share a batch.
        window_s: How long to wait after the first request of a batch for more.
        max_size: The most requests in one call.
    """

    def __init__(
        self,
        run: Callable[[list[Req]], Sequence[Res]],
        *,
        key: Callable[[Req], Hashable],
        window_s: float = 0.005,
        max_size: int = 16,
    ) -> None:
        if max_size < 1 or window_s < 0:
            raise ConfigError("the batch size must be at least 1 and the window not negative")
        self._run = run
        self._key = key
        self.window_s = window_s
        self.max_size = max_size
        self.batch_sizes: Counter[int] = Counter()
        """How many batches of each size ran (for tests and benchmarks)."""
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="medagentgym-batch")
        self._queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Queue[_Pending[Req, Res]]]
        self._queues = weakref.WeakKeyDictionary()
        self._workers: set[asyncio.Task[None]] = set()

    async def submit(self, request: Req) -> Res:
        """Queue ``request`` and wait for its result."""
        loop = asyncio.get_running_loop()
        pending: _Pending[Req, Res] = _Pending(request, loop.create_future())
        self._queue(loop).put_nowait(pending)
        return await pending.future

    def _queue(self, loop: asyncio.AbstractEventLoop) -> asyncio.Queue[_Pending[Req, Res]]:
        queue = self._queues.get(loop)
        if queue is None:
            queue = self._queues[loop] = asyncio.Queue()
            worker = loop.create_task(self._serve(queue))
            self._workers.add(worker)  # keep a reference while it runs
            worker.add_done_callback(self._workers.discard)
        return queue

    async def _serve(self, queue: asyncio.Queue[_Pending[Req, Res]]) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = [await queue.get()]
            deadline = loop.time() + self.window_s
            while len(batch) < self.max_size:
                remaining = deadline - loop.time()
                try:
                    if remaining > 0:
                        batch.append(await asyncio.wait_for(queue.get(), remaining))
                    else:
                        batch.append(queue.get_nowait())
                except (TimeoutError, asyncio.QueueEmpty):
                    break
            groups: dict[Hashable, list[_Pending[Req, Res]]] = {}
            for item in batch:
                if not item.future.done():  # skip requests whose caller went away
                    groups.setdefault(self._key(item.request), []).append(item)
            for group in groups.values():
                await self._run_group(loop, group)

    async def _run_group(self, loop: asyncio.AbstractEventLoop, group: list[_Pending[Req, Res]]) -> None:
        self.batch_sizes[len(group)] += 1
        try:
            results = await loop.run_in_executor(self._executor, self._run, [p.request for p in group])
        except Exception as exc:  # the callers get the error; the worker keeps serving
            for item in group:
                if not item.future.done():
                    item.future.set_exception(exc)
            return
        for item, result in zip(group, results, strict=True):
            if not item.future.done():
                item.future.set_result(result)
