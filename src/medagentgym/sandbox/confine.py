"""Turn a freshly forked child into a sandbox. Runs in the child, before any agent code.

Order matters and follows the kernel's rules: namespaces and mounts need privilege, so they come
first; then the uid drop (which clears every capability); then ``no_new_privs``, Landlock, rlimits
and finally seccomp, which would otherwise forbid the calls that came before it.
"""

from __future__ import annotations

import os
import resource
import signal
from dataclasses import dataclass, field

from medagentgym.sandbox import landlock, syscalls
from medagentgym.sandbox.cgroups import Cgroups
from medagentgym.sandbox.seccomp import Program
from medagentgym.sandbox.spec import WORKDIR, Limits

SANDBOX_UID = 1000  # the identity sandboxed code sees when the server runs in a user namespace
MB = 1 << 20


@dataclass
class Context:
    """What the fork server prepared once and every worker and sandbox shares."""

    mode: str  # "isolated" or "unsafe"
    privilege: str  # "root", "userns" or "none"
    python_dirs: list[str]
    hidden: list[str]
    env: dict[str, str]
    landlock_abi: int
    seccomp: Program | None
    cgroups: Cgroups | None = None
    scratch_base: str | None = None  # unsafe mode: where session scratch directories live
    info: dict[str, object] = field(default_factory=dict)


_PROC_FLAGS = syscalls.MS_NOSUID | syscalls.MS_NODEV | syscalls.MS_NOEXEC


def enter_view(ctx: Context, root: str) -> None:
    """Make the session's view the worker's whole filesystem, so runs need no pivot of their own.

    In a user namespace the kernel lets a sandbox mount its ``/proc`` only where a proc mount is
    already visible, so the worker leaves one there (its own, covered by each run's).
    """
    if ctx.privilege == "userns":
        syscalls.mount("proc", f"{root}/proc", "proc", _PROC_FLAGS)
    os.chdir(root)
    syscalls.pivot_root(".", ".")
    syscalls.umount2(".", syscalls.MNT_DETACH)
    os.chdir("/")


def isolate(ctx: Context, uid: int, gid: int) -> None:
    """Enter private mount, IPC and UTS namespaces with a fresh ``/proc``, drop to the sandbox user.

    The caller is PID 1 of a new PID namespace (the worker unshared it before forking) and already
    lives in the session's view.
    """
    syscalls.unshare(syscalls.CLONE_NEWNS | syscalls.CLONE_NEWIPC | syscalls.CLONE_NEWUTS)
    syscalls.mount("proc", "/proc", "proc", _PROC_FLAGS)
    _write("/proc/self/oom_score_adj", "1000")  # under memory pressure, sandboxes go first
    if ctx.privilege == "root":
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
    else:  # a nested user namespace maps the sandbox user onto the server's only uid
        syscalls.unshare(syscalls.CLONE_NEWUSER)
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{SANDBOX_UID} 0 1")
        _write("/proc/self/gid_map", f"{SANDBOX_UID} 0 1")
        os.setresgid(SANDBOX_UID, SANDBOX_UID, SANDBOX_UID)
        os.setresuid(SANDBOX_UID, SANDBOX_UID, SANDBOX_UID)
    syscalls.drop_capabilities()
    os.chdir(WORKDIR)


def landlock_rules(ctx: Context, workdir: str, mount_sources: list[str]) -> list[tuple[str, int]]:
    """Read everything in the view, write only the scratch areas; without a view, list host paths."""
    abi = ctx.landlock_abi
    rw = landlock.writable(abi)
    if ctx.mode == "isolated":
        return [
            ("/", landlock.READ),
            (WORKDIR, rw),
            ("/tmp", rw),
            ("/dev/shm", rw),
            ("/dev", landlock.DEVICE),
        ]
    readable = ["/usr", "/bin", "/sbin", "/lib", "/lib64", "/etc", "/proc", "/sys/devices/system/cpu"]
    readable += ctx.python_dirs + mount_sources
    return [*((p, landlock.READ) for p in readable), (workdir, rw), ("/dev", landlock.DEVICE)]


def restrict(ctx: Context, limits: Limits, rules: list[tuple[str, int]]) -> None:
    """The unprivileged layers: no_new_privs, Landlock, rlimits, seccomp."""
    syscalls.prctl(syscalls.PR_SET_DUMPABLE, 1)  # the uid change cleared it; /proc/self must stay readable
    syscalls.prctl(syscalls.PR_SET_PDEATHSIG, signal.SIGKILL)  # set after the uid change, which clears it
    syscalls.prctl(syscalls.PR_SET_NO_NEW_PRIVS, 1)
    if ctx.landlock_abi:
        landlock.restrict(rules, ctx.landlock_abi)
    with open("/proc/self/statm") as handle:
        mapped = int(handle.read().split()[0]) * resource.getpagesize()
    rlimits = {
        resource.RLIMIT_AS: mapped + limits.memory_mb * MB,
        resource.RLIMIT_NPROC: limits.max_processes,
        resource.RLIMIT_FSIZE: limits.scratch_mb * MB,
        resource.RLIMIT_NOFILE: 4096,
        resource.RLIMIT_CORE: 0,
    }
    for which, value in rlimits.items():
        resource.setrlimit(which, (value, value))
    if ctx.seccomp is not None:
        ctx.seccomp.load()


def _write(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)
