"""Message framing between the host, the workers and the sandboxes.

A message is a small JSON header plus an opaque payload (code going in, output coming out), so
5 MB of code or 100 MB of captured output never pass through ``json``. The same framing runs
over stream sockets and pipes.
"""

from __future__ import annotations

import json
import os
import socket
import struct
from typing import Any

_PREFIX = struct.Struct("!II")
Message = tuple[dict[str, Any], bytes]


def pack(header: dict[str, Any], payload: bytes = b"") -> bytes:
    head = json.dumps(header, separators=(",", ":")).encode()
    return _PREFIX.pack(len(head), len(payload)) + head + payload


def send(sock: socket.socket, header: dict[str, Any], payload: bytes = b"") -> None:
    sock.sendall(pack(header, payload))


def recv(sock: socket.socket) -> Message | None:
    """Read one message; None on a clean end of stream, ``ConnectionError`` on a cut one."""
    prefix = _read_exact(sock.recv_into, _PREFIX.size, eof_ok=True)
    if prefix is None:
        return None
    head_len, payload_len = _PREFIX.unpack(prefix)
    head = _read_exact(sock.recv_into, head_len)
    payload = _read_exact(sock.recv_into, payload_len) if payload_len else b""
    return json.loads(head), bytes(payload)  # type: ignore[arg-type]


def write_fd(fd: int, header: dict[str, Any], payload: bytes = b"") -> None:
    """Write a whole message to a pipe (blocking)."""
    view = memoryview(pack(header, payload))
    while view:
        view = view[os.write(fd, view) :]


def read_fd(fd: int) -> Message | None:
    """Read one message from a pipe; None at end of file."""

    def readinto(buffer: memoryview) -> int:
        return os.readv(fd, [buffer])

    prefix = _read_exact(readinto, _PREFIX.size, eof_ok=True)
    if prefix is None:
        return None
    head_len, payload_len = _PREFIX.unpack(prefix)
    head = _read_exact(readinto, head_len)
    payload = _read_exact(readinto, payload_len) if payload_len else b""
    return json.loads(head), bytes(payload)  # type: ignore[arg-type]


def _read_exact(readinto: Any, size: int, *, eof_ok: bool = False) -> bytearray | None:
    buffer = bytearray(size)
    view = memoryview(buffer)
    got = 0
    while got < size:
        n = readinto(view[got:])
        if n == 0:
            if got == 0 and eof_ok:
                return None
            raise ConnectionError("the peer closed the channel in the middle of a message")
        got += n
    return buffer
