"""The fork server: imports the heavy libraries once, then forks a worker per session.

It runs as PID 1 of its own PID namespace (so when it dies, every worker and sandbox dies with
it), in an empty network namespace that all sandboxes share (no interface but a loopback that is
down), with its own UTS and IPC namespaces. Its environment was built from scratch by the host,
so no API key or other host variable ever reaches a sandbox.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import signal
import socket
import sys
import traceback
from pathlib import Path
from typing import Any, NoReturn

from medagentgym.sandbox import cgroups, confine, fsview, landlock, protocol, syscalls
from medagentgym.sandbox.seccomp import Program, compile_filter
from medagentgym.sandbox.spec import WORKDIR
from medagentgym.sandbox.worker import Worker

_CONTROL_BUFFER = 1 << 20


def sandbox_env() -> dict[str, str]:
    """The complete environment of sandboxed code (HOME and PWD are added per session)."""
    return {
        "PATH": f"{sys.prefix}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "USER": "sandbox",
        "LOGNAME": "sandbox",
        "SHELL": "/bin/sh",
        "TMPDIR": "/tmp",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": "/tmp/matplotlib",
        "XDG_CACHE_HOME": "/tmp/.cache",
        "PYTHONDONTWRITEBYTECODE": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "NUMEXPR_NUM_THREADS": "1",
    }


def python_dirs() -> list[str]:
    """The interpreter's prefixes and every directory on ``sys.path``."""
    candidates = [sys.base_prefix, sys.prefix, sys.base_exec_prefix, sys.exec_prefix, *sys.path]
    return fsview.collapse(str(Path(p).resolve()) for p in candidates if p and Path(p).is_dir())


def _warm_up() -> None:
    """Take pandas through its lazy first-use imports once, so no run pays for them again."""
    import io

    import numpy as np
    import pandas as pd

    frame = pd.DataFrame({"a": np.arange(8), "b": list("xyxyxyxy")})
    frame.a.mean()
    frame.groupby("b").a.sum()
    frame.describe()
    frame.to_string()
    pd.read_csv(io.StringIO(frame.to_csv(index=False)))


def _prepare(cfg: dict[str, Any]) -> confine.Context:
    mode, privilege = cfg["mode"], cfg["privilege"]
    if mode == "isolated":
        syscalls.unshare(syscalls.CLONE_NEWNET | syscalls.CLONE_NEWUTS | syscalls.CLONE_NEWIPC)
        syscalls.sethostname(fsview.HOSTNAME)
    failed = {}
    for name in cfg["preload"]:
        try:
            importlib.import_module(name)
        except Exception as exc:
            failed[name] = f"{type(exc).__name__}: {exc}"
    if "pandas" in sys.modules:
        _warm_up()
    # Everything the server needs is imported now, so drop the entry the bootstrap put first on
    # sys.path to find this package (see server._BOOT): it is not part of the sandbox's Python,
    # and a path that sandboxed code could recreate (under /tmp, say) must never be importable
    # as root. Where the package is installed normally, its directory stays on sys.path as well.
    if sys.path and sys.path[0] == cfg["dropped_path"]:
        del sys.path[0]
    dirs = python_dirs()
    clash = [d for d in dirs if any(fsview.below(d, r) for r in ("/proc", "/dev", "/sys", "/etc", WORKDIR))]
    if mode == "isolated" and clash:
        raise RuntimeError(f"the Python installation lives under a path the sandbox reserves: {clash[0]}")
    closed = [d for d in dirs if Path(d).stat().st_mode & 0o005 != 0o005]
    if privilege == "root" and closed:  # sandboxes run as another uid, which could not even import
        raise RuntimeError(
            f"sandboxed code runs as an unprivileged user and cannot read the Python installation at "
            f"{closed[0]} (mode {Path(closed[0]).stat().st_mode & 0o777:o}); make it readable: chmod o+rX {closed[0]}"
        )
    try:
        program: Program | None = Program(compile_filter())
    except Exception as exc:
        if Path("/proc/sys/kernel/seccomp/actions_avail").exists():
            raise RuntimeError(f"cannot build the seccomp filter (is libseccomp2 installed?): {exc}") from exc
        program = None
    groups = None
    if privilege == "root":
        mounts = cgroups.discover()
        if mounts:
            groups = cgroups.Cgroups(mounts, cfg["instance"])
            groups.create()
    abi = landlock.abi()
    info = {
        "mode": mode,
        "privilege": privilege,
        "landlock_abi": abi,
        "seccomp": program is not None,
        "cgroups": groups is not None,
        "preload_failed": failed,
        "instance": cfg["instance"],
    }
    return confine.Context(
        mode=mode,
        privilege=privilege,
        python_dirs=dirs,
        hidden=cfg["hidden"],
        env=sandbox_env(),
        landlock_abi=abi,
        seccomp=program,
        cgroups=groups,
        scratch_base=cfg.get("scratch_base"),
        info=info,
    )


def main(cfg: dict[str, Any], control_fd: int) -> NoReturn:
    """Prepare, report readiness on the control socket, then fork a worker per "open" request."""
    control = socket.socket(fileno=control_fd)
    syscalls.prctl(syscalls.PR_SET_PDEATHSIG, signal.SIGKILL)  # no janitor, no server
    try:
        ctx = _prepare(cfg)
    except Exception as exc:
        control.send(json.dumps({"op": "error", "kind": "setup", "message": str(exc)}).encode())
        traceback.print_exc()
        os._exit(1)
    gc.collect()
    gc.freeze()  # imported objects never join a collection, so children do not copy their pages
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # workers are reaped by the kernel
    control.send(json.dumps({"op": "ready", "info": ctx.info}).encode())
    while True:
        message, fds, _, _ = socket.recv_fds(control, _CONTROL_BUFFER, 1)
        if not message:  # the host closed the pool or died
            os._exit(0)
        header = json.loads(message)
        if not fds:
            continue
        try:
            pid = os.fork()
        except OSError as exc:
            with socket.socket(fileno=fds[0]) as sock:
                protocol.send(sock, {"op": "error", "message": f"cannot fork a worker: {exc}"})
            continue
        if pid == 0:
            control.close()
            Worker(ctx, socket.socket(fileno=fds[0]), header).main()
        os.close(fds[0])
