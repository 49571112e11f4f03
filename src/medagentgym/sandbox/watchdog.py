"""Deadlines for the host's waits on workers, kept by one thread instead of socket timeouts.

The host waits for a worker's answer with a plain blocking receive. A receive with a timeout
(which CPython implements as ``poll`` and then ``recv``) woke about 2 ms later on the kind of
virtual machine the benchmarks run on, more than a whole trivial run costs. The worker enforces
every run's own time limit; this watchdog is only the safety net for a worker that stops
answering: past the deadline it shuts the socket down, so the blocked receive returns.
"""

from __future__ import annotations

import contextlib
import itertools
import socket
import threading
import time
from collections.abc import Iterator


class Watchdog:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._guards: dict[int, tuple[float, socket.socket]] = {}
        self._tickets = itertools.count()
        self._expired: set[int] = set()
        self._waking_at = float("inf")  # when the thread wakes next, if nobody notifies it
        self._thread: threading.Thread | None = None
        self._closed = False

    @contextlib.contextmanager
    def guard(self, sock: socket.socket, seconds: float) -> Iterator[Guard]:
        """Shut ``sock`` down if the block has not finished within ``seconds``."""
        deadline = time.monotonic() + seconds
        with self._cond:
            ticket = next(self._tickets)
            self._guards[ticket] = (deadline, sock)
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="sandbox-watchdog", daemon=True)
                self._thread.start()
            elif deadline < self._waking_at:  # usually not: later runs have later deadlines
                self._cond.notify()
        guard = Guard()
        try:
            yield guard
        finally:
            with self._cond:
                self._guards.pop(ticket, None)
                guard.expired = ticket in self._expired
                self._expired.discard(ticket)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()

    def _loop(self) -> None:
        with self._cond:
            while not self._closed:
                now = time.monotonic()
                for ticket, (deadline, sock) in list(self._guards.items()):
                    if deadline <= now:
                        del self._guards[ticket]
                        self._expired.add(ticket)
                        with contextlib.suppress(OSError):
                            sock.shutdown(socket.SHUT_RDWR)
                self._waking_at = min((d for d, _ in self._guards.values()), default=float("inf"))
                self._cond.wait(None if self._waking_at == float("inf") else self._waking_at - now)
            self._waking_at = float("inf")


class Guard:
    """Whether the watchdog cut the connection (read it after the block)."""

    expired = False
