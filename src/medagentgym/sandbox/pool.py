"""The public executor: a pool of isolated sessions served by one fork server.

``SandboxPool`` starts the fork server once; ``session()`` gets a dedicated worker (and so a
private scratch directory) per episode; runs are thread-safe, and at most ``workers`` of them
execute at once across the pool. Infrastructure failures are retried once on a fresh worker
(restarting the fork server if it died) before they surface as ``SandboxError``.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import dataclasses
import functools
import itertools
import os
import shutil
import socket
import sys
import tempfile
import threading
import warnings
import weakref
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import medagentgym
from medagentgym import paths
from medagentgym.errors import ConfigError, SandboxError, SandboxUnavailableError
from medagentgym.sandbox import protocol
from medagentgym.sandbox.privilege import candidates, unavailable_message
from medagentgym.sandbox.server import ForkServer, StartError
from medagentgym.sandbox.spec import WORKDIR, ExecResult, Limits, Mount, overlaps
from medagentgym.sandbox.watchdog import Watchdog

MODES = ("isolated", "unsafe")
DEFAULT_PRELOAD = ("numpy", "pandas", "scipy", "scipy.stats", "sqlite3")
MODE_ENV = "MEDAGENTGYM_SANDBOX"
_REPLY_GRACE_S = 60.0  # how much longer than the run's own timeout we wait for a worker
_MAX_SLOTS = 1024
_UNSAFE_NOTE = "[sandbox] WARNING: mode 'unsafe' ran this code WITHOUT isolation (no namespaces).\n"
_RESTART_NOTE = (
    "[sandbox] the session's worker died and was restarted; files in the scratch directory were lost.\n"
)


class UnsafeSandboxWarning(UserWarning):
    """Code ran in the explicitly chosen, non-isolated mode."""


warnings.simplefilter("always", UnsafeSandboxWarning)


class SandboxPool:
    """Runs agent code for many concurrent episodes from one process.

    Args:
        mode: "isolated" (namespaces, a private filesystem view, Landlock, seccomp, limits) or
            "unsafe" (no namespaces; only for machines that cannot isolate, warns on every run).
        workers: How many runs may execute at the same time (default: the number of CPUs).
        limits: Default limits of every session.
        preload: Modules the fork server imports once, so runs do not pay for them.
        privilege: "auto", or force "root" / "userns" (the unprivileged path, also as root).
    """

    def __init__(
        self,
        *,
        mode: str = "isolated",
        workers: int | None = None,
        limits: Limits = Limits(),  # noqa: B008 - frozen, so sharing the default is safe
        preload: tuple[str, ...] = DEFAULT_PRELOAD,
        privilege: str = "auto",
    ) -> None:
        if mode not in MODES:
            raise ConfigError(f"sandbox mode must be one of {', '.join(MODES)}, got {mode!r}")
        workers = workers if workers is not None else os.cpu_count() or 1
        if workers < 1:
            raise ConfigError(f"workers must be at least 1, got {workers}")
        self.mode = mode
        self.limits = limits
        self.workers = workers
        self._privileges = candidates(privilege) if mode == "isolated" else ["none"]
        self._preload = tuple(preload)
        self._gate = threading.BoundedSemaphore(workers)
        self._watchdog = Watchdog()
        self._lock = threading.Lock()
        self._free_slots = list(range(_MAX_SLOTS - 1, -1, -1))
        self._sids = itertools.count()
        self._sessions: weakref.WeakSet[SandboxSession] = weakref.WeakSet()
        self._executor = ThreadPoolExecutor(max_workers=max(32, 4 * workers), thread_name_prefix="sandbox")
        self._scratch = tempfile.mkdtemp(prefix="medagentgym-sandbox-") if mode == "unsafe" else None
        self._hidden = [
            str(Path(medagentgym.__file__).resolve().parent),
            str(paths.data_home().resolve()),
        ]
        self.closed = False
        try:
            self._server = self._start()
        except BaseException:
            self.close()
            raise
        failed = self._server.info["preload_failed"]
        if failed:
            self.close()
            raise ConfigError("cannot preload: " + "; ".join(f"{k} ({v})" for k, v in failed.items()))

    # ------------------------------------------------------------------ public

    @property
    def info(self) -> dict[str, Any]:
        """What the fork server runs with: mode, privilege, Landlock ABI, seccomp, cgroups."""
        return dict(self._server.info)

    def session(
        self, mounts: Sequence[Mount] = (), *, stateful: bool = False, limits: Limits | None = None
    ) -> SandboxSession:
        """Open an episode's session: its own scratch at ``workdir`` and ``mounts`` read-only."""
        if self.closed:
            raise SandboxError("the sandbox pool is closed")
        mounts = tuple(mounts)
        self._check_mounts(mounts)
        session = SandboxSession(self, mounts, stateful=stateful, limits=limits or self.limits)
        self._sessions.add(session)
        return session

    def close(self) -> None:
        """Stop the fork server; every session ends and every sandbox is killed."""
        with self._lock:
            if self.closed:
                return
            self.closed = True
        for session in list(self._sessions):
            session._abandon()
        server = getattr(self, "_server", None)
        if server is not None:
            server.close()
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._watchdog.close()
        if self._scratch:
            shutil.rmtree(self._scratch, ignore_errors=True)

    def __enter__(self) -> SandboxPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ internals

    def _start(self) -> ForkServer:
        failures = []
        for choice in self._privileges:
            try:
                return ForkServer(
                    mode=self.mode,
                    privilege=choice,
                    preload=self._preload,
                    hidden=self._hidden,
                    scratch_base=self._scratch,
                )
            except StartError as exc:
                if not exc.unavailable:
                    raise
                failures.append(str(exc))
        raise SandboxUnavailableError(unavailable_message(failures))

    def _check_mounts(self, mounts: tuple[Mount, ...]) -> None:
        targets = [m.target for m in mounts]
        python = {str(Path(p).resolve()) for p in (sys.prefix, sys.base_prefix)}
        for i, mount in enumerate(mounts):
            if not mount.source.exists():
                raise ConfigError(f"mount source {mount.source} does not exist")
            for other in [*targets[i + 1 :], *python]:
                if overlaps(mount.target, other):
                    raise ConfigError(f"mount target {mount.target} overlaps {other}")

    def _open_worker(self, config: dict[str, Any]) -> socket.socket:
        """A socket to a fresh worker; restarts the fork server once if it is gone."""
        with self._lock:
            if self.closed:
                raise SandboxError("the sandbox pool is closed")
            try:
                return self._server.open(config)
            except OSError:
                self._server.close()
                self._server = self._start()
                return self._server.open(config)

    def _uid(self, slot: int) -> int:
        """A host uid for the session in slot ``slot``: unique among live sessions of all pools."""
        return (1 << 31) + (self._server.instance % (1 << 21)) * _MAX_SLOTS + slot

    def _take_slot(self) -> int:
        with self._lock:
            if not self._free_slots:
                raise SandboxError(f"more than {_MAX_SLOTS} sessions are open in one pool")
            return self._free_slots.pop()

    def _give_slot(self, slot: int) -> None:
        with self._lock:
            self._free_slots.append(slot)


class SandboxSession:
    """One episode: a private scratch directory (the cwd of every run) and the task's mounts."""

    def __init__(
        self, pool: SandboxPool, mounts: tuple[Mount, ...], *, stateful: bool, limits: Limits
    ) -> None:
        self._pool = pool
        self._mounts = mounts
        self.stateful = stateful
        self.limits = limits
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._slot = pool._take_slot()
        self.closed = False
        self.workdir = WORKDIR
        try:
            self._connect()
        except BaseException:
            self.closed = True
            pool._give_slot(self._slot)
            raise

    def resolve(self, target: str) -> str:
        """The path at which code in this session sees the mount ``target``.

        It is ``target`` itself, except in unsafe mode, which cannot remap paths and exposes the
        host source instead.
        """
        for mount in self._mounts:
            if mount.target == target:
                return target if self._pool.mode == "isolated" else str(mount.source)
        raise ConfigError(f"{target!r} is not a mount of this session")

    def run_python(self, code: str, *, timeout_s: float | None = None) -> ExecResult:
        """Run ``code`` as a Python script with the scratch directory as cwd."""
        return self._run("python", code, timeout_s)

    def run_shell(self, command: str, *, timeout_s: float | None = None) -> ExecResult:
        """Run ``command`` with ``/bin/sh -c`` with the scratch directory as cwd."""
        return self._run("shell", command, timeout_s)

    async def arun_python(self, code: str, *, timeout_s: float | None = None) -> ExecResult:
        return await self._in_thread(self.run_python, code, timeout_s)

    async def arun_shell(self, command: str, *, timeout_s: float | None = None) -> ExecResult:
        return await self._in_thread(self.run_shell, command, timeout_s)

    def close(self) -> None:
        """End the session: its sandboxes are killed and its scratch directory is removed."""
        with self._lock:
            if self.closed:
                return
            self.closed = True
            sock, self._sock = self._sock, None
            if sock is not None:
                with contextlib.suppress(OSError, ConnectionError):
                    sock.settimeout(_REPLY_GRACE_S)
                    protocol.send(sock, {"op": "close"})
                    protocol.recv(sock)
                sock.close()
        self._pool._give_slot(self._slot)

    def __enter__(self) -> SandboxSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:  # a session that was never closed: its worker exits on end-of-file
        if getattr(self, "closed", True):
            return
        self.closed = True
        if self._sock is not None:
            self._sock.close()
        self._pool._give_slot(self._slot)

    # ------------------------------------------------------------------ internals

    async def _in_thread(self, method: Any, text: str, timeout_s: float | None) -> ExecResult:
        loop = asyncio.get_running_loop()
        call = functools.partial(method, text, timeout_s=timeout_s)
        return await loop.run_in_executor(self._pool._executor, call)

    def _connect(self) -> None:
        pool = self._pool
        config = {
            "op": "open",
            "sid": next(pool._sids),
            "uid": pool._uid(self._slot),
            "mounts": [[str(m.source.resolve()), m.target] for m in self._mounts],
            "limits": {
                "timeout_s": self.limits.timeout_s,
                "memory_mb": self.limits.memory_mb,
                "max_processes": self.limits.max_processes,
                "max_output_bytes": self.limits.max_output_bytes,
                "scratch_mb": self.limits.scratch_mb,
            },
            "stateful": self.stateful,
        }
        sock = pool._open_worker(config)
        sock.settimeout(_REPLY_GRACE_S)
        try:
            reply = protocol.recv(sock)
        except OSError as exc:
            sock.close()
            raise SandboxError(f"the sandbox worker did not start: {exc}") from exc
        if reply is None or reply[0]["op"] != "ready":
            sock.close()
            detail = reply[0].get("message", "no answer") if reply else "it exited"
            raise SandboxError(f"the sandbox worker did not start: {detail}")
        self.workdir = reply[0]["workdir"]
        sock.settimeout(None)  # runs wait in a blocking receive, guarded by the pool's watchdog
        self._sock = sock

    def _abandon(self) -> None:
        """The pool is closing: forget the worker without talking to it."""
        with contextlib.suppress(Exception):
            if self._sock is not None:
                self._sock.close()
        self._sock = None
        self.closed = True

    def _run(self, kind: str, text: str, timeout_s: float | None) -> ExecResult:
        timeout = self.limits.timeout_s if timeout_s is None else float(timeout_s)
        if not timeout > 0:
            raise ConfigError(f"timeout_s must be positive, got {timeout_s!r}")
        payload = text.encode("utf-8", "surrogateescape")
        unsafe = self._pool.mode == "unsafe"
        if unsafe:
            warnings.warn(
                "sandbox mode 'unsafe': agent code runs without isolation", UnsafeSandboxWarning, stacklevel=3
            )
        with self._lock, self._pool._gate:
            if self.closed:
                raise SandboxError("the sandbox session is closed")
            note = ""
            for attempt in range(2):
                try:
                    result = self._roundtrip(kind, payload, timeout)
                    break
                except (OSError, ConnectionError, EOFError) as exc:
                    if attempt or self._pool.closed:
                        raise SandboxError(f"the sandbox failed twice: {exc}") from exc
                    self._reconnect()
                    note = _RESTART_NOTE
        prefix = (_UNSAFE_NOTE if unsafe else "") + note
        if prefix:
            result = _with_stderr_prefix(result, prefix)
        return result

    def _reconnect(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        self._connect()

    def _roundtrip(self, kind: str, payload: bytes, timeout: float) -> ExecResult:
        sock = self._sock
        if sock is None:
            raise ConnectionError("no worker")
        limit = timeout + _REPLY_GRACE_S
        try:
            with self._pool._watchdog.guard(sock, limit) as guard:
                protocol.send(sock, {"op": "run", "kind": kind, "timeout_s": timeout}, payload)
                message = protocol.recv(sock)
        except OSError:  # a cut connection: the watchdog's doing, or the worker's
            if not guard.expired:
                raise
        if guard.expired:
            raise TimeoutError(f"the sandbox worker did not answer within {limit:.0f} s")
        if message is None:
            raise EOFError("the sandbox worker exited")
        header, output = message
        if header["op"] == "error":
            raise SandboxError(header["message"])
        cut = header["stdout_len"]
        return ExecResult(
            stdout=output[:cut].decode("utf-8", "replace"),
            stderr=output[cut:].decode("utf-8", "replace"),
            exit_code=header["exit_code"],
            signal=header["signal"],
            timed_out=header["timed_out"],
            duration_s=header["duration_s"],
            truncated=header["truncated"],
            state_lost=header["state_lost"],
        )


def _with_stderr_prefix(result: ExecResult, prefix: str) -> ExecResult:
    return dataclasses.replace(result, stderr=prefix + result.stderr)


_default: SandboxPool | None = None
_default_lock = threading.Lock()


def default_pool() -> SandboxPool:
    """The process-wide pool, created on first use; its mode comes from ``$MEDAGENTGYM_SANDBOX``."""
    global _default
    with _default_lock:
        if _default is None or _default.closed:
            _default = SandboxPool(mode=os.environ.get(MODE_ENV, "isolated"))
            atexit.register(_default.close)
        return _default
