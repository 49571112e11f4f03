"""Isolated, millisecond execution of agent code.

A pre-warmed fork server (numpy, pandas, scipy and sqlite3 already imported) keeps one sandbox per
session forked and confined ahead of need: PID, mount, IPC, UTS and an empty network namespace,
a read-only allow-listed filesystem view with a private scratch directory, an unprivileged uid,
``no_new_privs``, Landlock, a seccomp deny-list, rlimits and cgroups, and a wall-clock limit that
kills the whole process tree. See ``docs/sandbox.md``.
"""

from medagentgym.sandbox.pool import SandboxPool, SandboxSession, UnsafeSandboxWarning, default_pool
from medagentgym.sandbox.spec import ExecResult, Limits, Mount

__all__ = [
    "ExecResult",
    "Limits",
    "Mount",
    "SandboxPool",
    "SandboxSession",
    "UnsafeSandboxWarning",
    "default_pool",
]
