"""Per-session memory and process caps with cgroup v1 (the ``memory`` and ``pids`` controllers).

rlimits cap single processes; a cgroup caps the whole tree of a run, which is what stops three
processes of 1 GB each or a fork bomb. Each pool instance owns ``medagentgym/<instance>/`` under
every controller (two pools never sweep each other's sessions), each session a child of it. The
pool's janitor removes the instance directory when the pool ends, however it ends.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

CONTROLLERS = ("memory", "pids")


def discover() -> dict[str, str]:
    """Mount points of the v1 controllers we use; empty when any is missing."""
    found: dict[str, str] = {}
    try:
        with open("/proc/self/mountinfo") as handle:
            for line in handle:
                before, _, after = line.partition(" - ")
                fields, extra = before.split(), after.split()
                if len(extra) >= 3 and extra[0] == "cgroup":
                    for controller in CONTROLLERS:
                        if controller in extra[2].split(","):
                            found.setdefault(controller, fields[4])
    except OSError:
        return {}
    if set(found) != set(CONTROLLERS) or not all(os.access(path, os.W_OK) for path in found.values()):
        return {}
    return found


class SessionCgroup:
    """One session's directories; sandboxes are moved in by pid right after they are forked.

    Everything is reached through descriptors opened at creation, because the worker that owns
    the session later pivots into the sandbox's view, where ``/sys`` does not exist.
    """

    def __init__(self, parents: dict[str, str], name: str, memory_bytes: int, pids_max: int) -> None:
        self.name = name
        self._parents = {
            c: os.open(p, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC) for c, p in parents.items()
        }
        for parent in self._parents.values():
            with contextlib.suppress(FileExistsError):
                os.mkdir(name, dir_fd=parent)
        _write(parents["memory"], name, "memory.limit_in_bytes", str(memory_bytes))
        _write(parents["pids"], name, "pids.max", str(pids_max))
        self._procs = [_open(p, name, "cgroup.procs", os.O_WRONLY) for p in parents.values()]
        self._oom = _open(parents["memory"], name, "memory.oom_control", os.O_RDONLY)

    def add(self, pid: int) -> None:
        data = str(pid).encode()
        for fd in self._procs:
            os.write(fd, data)

    def oom_kills(self) -> int:
        """How many processes the memory cap has killed so far."""
        for line in os.pread(self._oom, 4096, 0).decode().splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        return 0

    def remove(self) -> None:
        for fd in [*self._procs, self._oom]:
            os.close(fd)
        self._procs = []
        for parent in self._parents.values():
            _remove(parent, self.name)
            os.close(parent)
        self._parents = {}


class Cgroups:
    """The instance directories of one pool."""

    def __init__(self, mounts: dict[str, str], instance: str) -> None:
        self.roots = {c: f"{mount}/medagentgym/{instance}" for c, mount in mounts.items()}

    def create(self) -> None:
        for root in self.roots.values():
            Path(root).mkdir(parents=True, exist_ok=True)

    def session(self, name: str, memory_bytes: int, pids_max: int) -> SessionCgroup:
        return SessionCgroup(self.roots, name, memory_bytes, pids_max)

    def destroy(self) -> None:
        """Kill anything left inside and remove the instance directories (and the shared parent if empty)."""
        for root in map(Path, self.roots.values()):
            if not root.is_dir():
                continue
            parent = os.open(root.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            try:
                _remove(parent, root.name)
            finally:
                os.close(parent)
            with contextlib.suppress(OSError):
                root.parent.rmdir()


def _open(parent: str | int, name: str, leaf: str, flags: int) -> int:
    if isinstance(parent, str):
        return os.open(f"{parent}/{name}/{leaf}", flags | os.O_CLOEXEC)
    return os.open(f"{name}/{leaf}", flags | os.O_CLOEXEC, dir_fd=parent)


def _write(parent: str, name: str, leaf: str, value: str) -> None:
    fd = _open(parent, name, leaf, os.O_WRONLY)
    try:
        os.write(fd, value.encode())
    finally:
        os.close(fd)


def _remove(parent: int, name: str) -> None:
    """Remove ``name`` below ``parent`` bottom-up, killing whatever still runs inside."""
    try:
        here = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=parent)
    except FileNotFoundError:
        return
    try:
        with os.scandir(here) as entries:
            children = [e.name for e in entries if e.is_dir(follow_symlinks=False)]
        for child in children:
            _remove(here, child)
    finally:
        os.close(here)
    for _ in range(200):
        try:
            os.rmdir(name, dir_fd=parent)
            return
        except FileNotFoundError:
            return
        except OSError:  # still busy: kill what is left (processes exit asynchronously)
            with contextlib.suppress(OSError):
                procs = _open(parent, name, "cgroup.procs", os.O_RDONLY)
                try:
                    for pid in os.read(procs, 1 << 20).split():
                        with contextlib.suppress(ProcessLookupError):
                            os.kill(int(pid), signal.SIGKILL)
                finally:
                    os.close(procs)
            time.sleep(0.01)
