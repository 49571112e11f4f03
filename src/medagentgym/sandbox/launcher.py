"""The process the host starts: it acquires the privilege, forks the fork server, and cleans up.

It stays small (no numpy) and does two jobs. First it enters what the chosen privilege allows
(root: a new PID namespace; userns: a user namespace in which it is root, plus a PID namespace)
and forks the fork server as PID 1 there. Then it becomes the janitor: it waits until either the
host process or the fork server is gone, kills the server (and with it every worker and sandbox),
and removes what the kernel does not clean up by itself, the pool's cgroup directories and, in
unsafe mode, the scratch directories. Mounts and network namespaces vanish with their processes.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import socket
import sys
from typing import Any

from medagentgym.sandbox import cgroups, syscalls


def enter(privilege: str) -> None:
    """Enter the namespaces the fork server will be PID 1 of."""
    if privilege == "root":
        syscalls.unshare(syscalls.CLONE_NEWPID)
    elif privilege == "userns":
        uid, gid = os.getuid(), os.getgid()
        syscalls.unshare(syscalls.CLONE_NEWUSER | syscalls.CLONE_NEWPID)
        for name, text in (("setgroups", "deny"), ("uid_map", f"0 {uid} 1"), ("gid_map", f"0 {gid} 1")):
            with open(f"/proc/self/{name}", "w") as handle:
                handle.write(text)


def _cleanup(cfg: dict[str, Any]) -> None:
    if cfg["privilege"] == "root":
        mounts = cgroups.discover()
        if mounts:
            cgroups.Cgroups(mounts, cfg["instance"]).destroy()
    if cfg.get("scratch_base"):
        shutil.rmtree(cfg["scratch_base"], ignore_errors=True)


def main() -> None:
    cfg = json.loads(sys.argv[1])
    control = cfg["control_fd"]
    try:
        host = os.pidfd_open(cfg["host_pid"])
    except ProcessLookupError:
        return
    if os.getppid() != cfg["host_pid"]:  # the host died before we could watch it
        return
    cfg["instance"] = str(os.getpid())
    try:
        enter(cfg["privilege"])
        pid = os.fork()
    except OSError as exc:
        message = {"op": "error", "kind": "unavailable", "message": f"{cfg['privilege']}: {exc}"}
        with socket.socket(fileno=control) as sock:
            sock.send(json.dumps(message).encode())
        sys.exit(1)
    if pid == 0:
        from medagentgym.sandbox import zygote

        os.close(host)
        zygote.main(cfg, control)
    os.close(control)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        select.select([host, os.pidfd_open(pid)], [], [])  # until the host or the server is gone
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        _cleanup(cfg)


def _terminate(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)
