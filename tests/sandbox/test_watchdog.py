"""The watchdog that ends the host's blocking waits on a worker that stopped answering."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from medagentgym.sandbox.watchdog import Watchdog


@pytest.fixture
def watchdog() -> Iterator[Watchdog]:
    dog = Watchdog()
    yield dog
    dog.close()


def test_a_silent_peer_is_cut_off_at_the_deadline(watchdog: Watchdog):
    ours, theirs = socket.socketpair()
    with ours, theirs:
        started = time.monotonic()
        with watchdog.guard(ours, 0.3) as guard:
            data = ours.recv(10)  # theirs never writes
        waited = time.monotonic() - started
    assert data == b"" and guard.expired
    assert 0.25 <= waited < 5.0


def test_an_answer_in_time_is_not_cut(watchdog: Watchdog):
    ours, theirs = socket.socketpair()
    with ours, theirs:
        with watchdog.guard(ours, 0.3) as guard:
            theirs.sendall(b"ok")
            assert ours.recv(10) == b"ok"
        time.sleep(0.5)  # past the deadline: the finished guard must not touch the socket
        theirs.sendall(b"still open")
        assert ours.recv(20) == b"still open"
    assert not guard.expired


def test_a_shorter_deadline_after_a_longer_one_is_honoured(watchdog: Watchdog):
    long_ours, long_theirs = socket.socketpair()
    short_ours, short_theirs = socket.socketpair()
    entered = threading.Event()

    def hold_long_guard() -> None:
        with watchdog.guard(long_ours, 60.0):
            entered.set()
            long_ours.recv(10)

    holder = threading.Thread(target=hold_long_guard)
    holder.start()
    entered.wait()
    started = time.monotonic()
    with watchdog.guard(short_ours, 0.3) as guard:
        short_ours.recv(10)
    assert guard.expired and time.monotonic() - started < 5.0
    long_theirs.sendall(b"done")
    holder.join()
    for sock in (long_ours, long_theirs, short_ours, short_theirs):
        sock.close()
