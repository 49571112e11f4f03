"""The pool survives its own failures and leaves nothing behind, however it ends."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from medagentgym.errors import ConfigError
from medagentgym.sandbox import SandboxPool, cgroups, proctree
from medagentgym.sandbox import pool as pool_module


def _children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _gone(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state == "Z":  # exited; its parent reaps it when it gets round to it
            return True
        time.sleep(0.05)
    return False


def _instance_dirs(instance: int) -> list[Path]:
    mounts = cgroups.discover()
    return [p for p in (Path(m, "medagentgym", str(instance)) for m in mounts.values()) if p.exists()]


def test_close_leaves_no_process_and_no_cgroup():
    pool = SandboxPool(workers=1)
    launcher = pool._server.process.pid
    with pool.session() as session:
        session.run_python("print(1)")
        stateful = pool.session(stateful=True)
        stateful.run_python("x = 1")
    tree = proctree.descendants(launcher)
    assert tree
    pool.close()
    assert pool.closed
    assert all(_gone(pid) for pid in tree | {launcher})
    assert _instance_dirs(launcher) == []


def test_killing_the_host_with_sigkill_leaves_nothing():
    script = textwrap.dedent(
        """
        import sys, time
        from medagentgym.sandbox import SandboxPool
        pool = SandboxPool(workers=1)
        session = pool.session()
        print(pool._server.process.pid, flush=True)
        session.run_python("import subprocess; subprocess.Popen(['sleep', '4242'])")
        session.run_python("import time; time.sleep(600)", timeout_s=600)
        """
    )
    host = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=_src()),
    )
    launcher = int(host.stdout.readline())
    tree = proctree.descendants(launcher)
    time.sleep(1.0)  # the long run is now in progress
    host.kill()
    host.wait()
    assert all(_gone(pid) for pid in tree | {launcher})
    deadline = time.monotonic() + 10
    while _instance_dirs(launcher) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _instance_dirs(launcher) == []


def test_a_crashed_fork_server_is_restarted_transparently():
    with SandboxPool(workers=1) as pool:
        session = pool.session()
        session.run_shell("echo before > file")
        launcher = pool._server.process.pid
        (server,) = _children(launcher)
        os.kill(server, signal.SIGKILL)
        assert _gone(launcher)
        result = session.run_python("import os; print(os.path.exists('file'))")
        assert result.stdout == "False\n"
        assert "was restarted" in result.stderr
        assert pool._server.process.pid != launcher
        with pool.session() as other:
            assert other.run_python("print(2)").stdout == "2\n"


def test_a_dead_worker_is_replaced_once_then_reported():
    with SandboxPool(workers=1) as pool:
        session = pool.session()
        (server,) = _children(pool._server.process.pid)
        (worker,) = _children(server)
        os.kill(worker, signal.SIGKILL)
        assert _gone(worker)
        result = session.run_python("print('still here')")
        assert result.stdout == "still here\n" and "scratch directory were lost" in result.stderr
        assert session.run_python("print(1)").stderr == ""


def test_a_worker_that_stops_answering_is_cut_off_and_replaced(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(pool_module, "_REPLY_GRACE_S", 1.0)
    with SandboxPool(workers=1) as pool:
        session = pool.session()
        (server,) = _children(pool._server.process.pid)
        (worker,) = _children(server)
        os.kill(worker, signal.SIGSTOP)  # alive but silent: only the watchdog can end the wait
        started = time.monotonic()
        result = session.run_python("print('answered')", timeout_s=1.0)
        assert 2.0 <= time.monotonic() - started < 15.0
        assert result.stdout == "answered\n" and "scratch directory were lost" in result.stderr
        os.kill(worker, signal.SIGKILL)


def test_sandboxes_killed_from_outside_are_replaced():
    with SandboxPool(workers=1) as pool:
        plain, stateful = pool.session(), pool.session(stateful=True)
        stateful.run_python("x = 1")
        (server,) = _children(pool._server.process.pid)
        for worker in _children(server):
            for sandbox in _children(worker):
                os.kill(sandbox, signal.SIGKILL)
                assert _gone(sandbox)
        assert plain.run_python("print('fresh spare')").stdout == "fresh spare\n"
        after = stateful.run_python("print('x' in globals())")
        assert after.stdout == "False\n" and after.state_lost


def test_default_pool_mode_comes_from_the_environment():
    script = textwrap.dedent(
        """
        import warnings
        from medagentgym.sandbox import default_pool
        pool = default_pool()
        assert pool is default_pool()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with pool.session() as session:
                first = session.run_python("print(1)")
                second = session.run_python("print(2)")
        print(pool.mode, len(caught), first.stdout.strip(), "WITHOUT isolation" in second.stderr)
        """
    )
    env = dict(os.environ, PYTHONPATH=_src(), MEDAGENTGYM_SANDBOX="unsafe")
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert out.stdout.split() == ["unsafe", "2", "1", "True"], out.stderr


def test_unknown_modes_and_bad_preloads_are_refused():
    with pytest.raises(ConfigError):
        SandboxPool(mode="sandboxed")
    with pytest.raises(ConfigError, match="no_such_module"):
        SandboxPool(preload=("no_such_module",))


def _src() -> str:
    import medagentgym

    return str(Path(medagentgym.__file__).resolve().parent.parent)
