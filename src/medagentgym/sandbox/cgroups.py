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
    """One session's directories; sandboxes are moved in by pid right after they are forked."""

    def __init__(self, paths: dict[str, str], memory_bytes: int, pids_max: int) -> None:
        self.paths = paths
        for path in paths.values():
            Path(path).mkdir(parents=True, exist_ok=True)
        _write(f"{paths['memory']}/memory.limit_in_bytes", str(memory_bytes))
        _write(f"{paths['pids']}/pids.max", str(pids_max))
        self._procs = [os.open(f"{path}/cgroup.procs", os.O_WRONLY | os.O_CLOEXEC) for path in paths.values()]

    def add(self, pid: int) -> None:
        data = str(pid).encode()
        for fd in self._procs:
            os.write(fd, data)

    def oom_kills(self) -> int:
        """How many processes the memory cap has killed so far."""
        with open(f"{self.paths['memory']}/memory.oom_control") as handle:
            for line in handle:
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
        return 0

    def remove(self) -> None:
        for fd in self._procs:
            os.close(fd)
        self._procs = []
        for path in self.paths.values():
            _remove_tree(path)


class Cgroups:
    """The instance directories of one pool."""

    def __init__(self, mounts: dict[str, str], instance: str) -> None:
        self.roots = {c: f"{mount}/medagentgym/{instance}" for c, mount in mounts.items()}

    def create(self) -> None:
        for root in self.roots.values():
            Path(root).mkdir(parents=True, exist_ok=True)

    def session(self, name: str, memory_bytes: int, pids_max: int) -> SessionCgroup:
        return SessionCgroup({c: f"{root}/{name}" for c, root in self.roots.items()}, memory_bytes, pids_max)

    def destroy(self) -> None:
        """Kill anything left inside and remove the instance directories (and the shared parent if empty)."""
        for root in self.roots.values():
            _remove_tree(root)
            with contextlib.suppress(OSError):
                Path(root).parent.rmdir()


def _write(path: str, value: str) -> None:
    with open(path, "w") as handle:
        handle.write(value)


def _remove_tree(root: str) -> None:
    top = Path(root)
    if not top.is_dir():
        return
    for current, dirs, _ in os.walk(top, topdown=False):
        for name in dirs:
            _remove_one(Path(current) / name)
    _remove_one(top)


def _remove_one(path: Path) -> None:
    for _ in range(200):
        try:
            path.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:  # still busy: kill what is left (processes exit asynchronously)
            with contextlib.suppress(OSError), (path / "cgroup.procs").open() as handle:
                for pid in handle.read().split():
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(int(pid), signal.SIGKILL)
            time.sleep(0.01)
