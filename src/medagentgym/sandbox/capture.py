"""Bounded capture of a stream: keep its head and tail, count what was dropped in between.

Output is read as it is produced, so a program printing 100 MB neither blocks on a full pipe nor
fills memory: the worker keeps at most ``limit`` bytes per stream.
"""

from __future__ import annotations


class HeadTail:
    """Keeps the first and last ``limit // 2`` bytes of everything fed to it."""

    def __init__(self, limit: int) -> None:
        self._head_cap = limit // 2
        self._tail_cap = limit - self._head_cap
        self._head = bytearray()
        self._tail = bytearray()
        self.total = 0

    def feed(self, data: bytes) -> None:
        self.total += len(data)
        room = self._head_cap - len(self._head)
        if room > 0:
            self._head += data[:room]
            data = data[room:]
        if data:
            self._tail += data[-self._tail_cap :]
            excess = len(self._tail) - self._tail_cap
            if excess > 0:
                del self._tail[:excess]

    @property
    def truncated(self) -> bool:
        return self.total > len(self._head) + len(self._tail)

    def getvalue(self, name: str) -> bytes:
        """The kept bytes, with a marker where the middle was dropped."""
        if not self.truncated:
            return bytes(self._head + self._tail)
        dropped = self.total - len(self._head) - len(self._tail)
        marker = f"\n[... sandbox: {dropped:,} bytes of {name} omitted ...]\n".encode()
        return bytes(self._head) + marker + bytes(self._tail)
