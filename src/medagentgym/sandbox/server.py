"""The host's handle on one fork server: start it, ask it for session workers, stop it.

The server is started with an environment built from nothing (and ``-s -P``), so neither the
host's ``PYTHONPATH`` nor its secrets reach it. The control channel is a socketpair: when the
host exits or is killed, the server reads end-of-file and exits, and the launcher cleans up.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import weakref
from pathlib import Path
from typing import Any

import medagentgym
from medagentgym.errors import SandboxError
from medagentgym.sandbox.zygote import sandbox_env

_START_TIMEOUT_S = 120.0
_PACKAGE_PARENT = str(Path(medagentgym.__file__).resolve().parent.parent)
# The first sys.path entry finds this package; the fork server removes it again once it is ready.
_BOOT = (
    f"import sys; sys.path.insert(0, {_PACKAGE_PARENT!r}); "
    "from medagentgym.sandbox.launcher import main; main()"
)


class StartError(SandboxError):
    """The server could not start with the requested privilege."""

    def __init__(self, message: str, *, unavailable: bool) -> None:
        super().__init__(message)
        self.unavailable = unavailable


class ForkServer:
    """A running launcher + fork server pair."""

    def __init__(
        self,
        *,
        mode: str,
        privilege: str,
        preload: tuple[str, ...],
        hidden: list[str],
        scratch_base: str | None,
    ) -> None:
        self._lock = threading.Lock()
        self._control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        cfg = {
            "mode": mode,
            "privilege": privilege,
            "preload": list(preload),
            "hidden": hidden,
            "scratch_base": scratch_base,
            "dropped_path": _PACKAGE_PARENT,
            "control_fd": theirs.fileno(),
            "host_pid": os.getpid(),
        }
        with theirs:
            self.process = subprocess.Popen(
                [sys.executable, "-s", "-P", "-c", _BOOT, json.dumps(cfg)],
                pass_fds=[theirs.fileno()],
                env=_server_env(),
                cwd="/",
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                start_new_session=True,
            )
        self._control.settimeout(_START_TIMEOUT_S)
        try:
            raw = self._control.recv(1 << 16)
        except TimeoutError:
            self.close()
            raise StartError("the sandbox fork server did not start in time", unavailable=False) from None
        if not raw:
            code = self.process.wait()
            raise StartError(
                f"the sandbox fork server exited during start-up (status {code})", unavailable=False
            )
        reply = json.loads(raw)
        if reply["op"] != "ready":
            self.close()
            raise StartError(reply["message"], unavailable=reply.get("kind") == "unavailable")
        self._control.settimeout(None)
        self.info: dict[str, Any] = reply["info"]
        self._finalizer = weakref.finalize(self, _shutdown, self._control, self.process)

    @property
    def instance(self) -> int:
        return self.process.pid

    def open(self, config: dict[str, Any]) -> socket.socket:
        """Ask for a worker; the returned socket talks to it. ``OSError`` if the server is gone."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        with theirs, self._lock:
            socket.send_fds(self._control, [json.dumps(config).encode()], [theirs.fileno()])
        return ours

    def close(self) -> None:
        """Stop the server; every worker and sandbox dies with it. Waits for the cleanup."""
        finalizer = getattr(self, "_finalizer", None)
        if finalizer is not None:
            finalizer()
        else:
            _shutdown(self._control, self.process)


def _server_env() -> dict[str, str]:
    """The fork server's whole environment: the sandbox's, plus huge pages for its heap.

    Forking copies the page tables of the ~100 MB the server has imported; with the heap in
    transparent huge pages there are far fewer of them, which saves about 1 ms of CPU per run
    on this VM. That needs Python's allocator to be glibc's (which can ask for huge pages).
    Sandboxed code gets ``sandbox_env()`` only, so a ``python`` it starts is configured as usual.
    """
    env = dict(sandbox_env(), HOME="/")
    try:
        thp = Path("/sys/kernel/mm/transparent_hugepage/enabled").read_text()
        glibc = tuple(int(x) for x in os.confstr("CS_GNU_LIBC_VERSION").split()[1].split(".")[:2])
    except (OSError, ValueError, IndexError, AttributeError):
        return env
    if ("[always]" in thp or "[madvise]" in thp) and glibc >= (2, 35):
        env.update(PYTHONMALLOC="malloc", GLIBC_TUNABLES="glibc.malloc.hugetlb=1")
    return env


def _shutdown(control: socket.socket, process: subprocess.Popen[bytes]) -> None:
    """Close the control channel (the server exits on end-of-file) and wait for the janitor.

    Also runs when a forgotten server is garbage-collected or the interpreter exits.
    """
    with contextlib.suppress(OSError):
        control.close()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
