"""One session's worker: owns the episode's view and scratch, runs and polices its sandboxes.

The fork server forks a worker per session. The worker builds the session's filesystem view in
its own mount namespace (so the scratch tmpfs lives exactly as long as the worker), then keeps one
sandbox forked and confined ahead of need. A run hands the code to that spare, reads its output as
it streams, enforces the wall-clock limit by killing the sandbox's PID 1 (which takes every process
of the run with it), and answers as soon as the code reported "done". Killing, reaping and forking
the next spare happen after the answer, off the latency path.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import shutil
import signal
import socket
import sys
import termios
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from medagentgym.sandbox import confine, fsview, protocol, runner, syscalls
from medagentgym.sandbox.capture import HeadTail
from medagentgym.sandbox.cgroups import SessionCgroup
from medagentgym.sandbox.spec import WORKDIR, Limits

STAGE = "/tmp"  # where the view is assembled, in the worker's private mount namespace
_PIPE_SIZE = 1 << 20
_F_SETPIPE_SZ = 1031
_SETUP_TIMEOUT_S = 30.0
_DRAIN_TIMEOUT_S = 2.0


@dataclass
class Sandbox:
    """A confined child as the worker sees it."""

    pid: int
    pidfd: int
    requests: int  # write end: the request goes in here
    status: int  # read end: ready byte, then the done marker
    stdout: int
    stderr: int
    ready: bool = False
    exit_status: int | None = None  # raw wait status once reaped
    closed: bool = False

    def close(self) -> None:
        if not self.closed:  # once only: a descriptor number may already belong to a newer sandbox
            self.closed = True
            for fd in (self.requests, self.status, self.stdout, self.stderr, self.pidfd):
                os.close(fd)


class SetupError(RuntimeError):
    """A sandbox could not be confined (an infrastructure failure, not the agent's)."""


class Worker:
    def __init__(self, ctx: confine.Context, sock: socket.socket, config: dict[str, Any]) -> None:
        self.ctx = ctx
        self.sock = sock
        self.sid = int(config["sid"])
        self.limits = Limits(**config["limits"])
        self.stateful = bool(config["stateful"])
        self.mounts = [(source, target) for source, target in config["mounts"]]
        self.uid = self.gid = int(config["uid"])
        self.isolated = ctx.mode == "isolated"
        self.workdir = WORKDIR
        self.pidns = -1
        self.cgroup: SessionCgroup | None = None
        self.spare: Sandbox | None = None  # stateless sessions: the next sandbox, ready to run
        self.kernel: Sandbox | None = None  # stateful sessions: the persistent interpreter
        self.state_lost = False
        self.oom_seen = 0

    # ------------------------------------------------------------------ lifecycle

    def main(self) -> NoReturn:
        code = 0
        try:
            self._setup()
        except Exception as exc:  # reported to the host, which raises it: no traceback here
            with contextlib.suppress(OSError):
                protocol.send(self.sock, {"op": "error", "message": f"session setup failed: {exc}"})
            code = 1
        else:
            try:
                protocol.send(self.sock, {"op": "ready", "workdir": self.workdir})
                self._serve()
            except Exception:  # a bug or a vanished host: leave a trace for whoever reads stderr
                traceback.print_exc()
                code = 1
        finally:
            self._teardown()
        os._exit(code)

    def _setup(self) -> None:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        syscalls.prctl(syscalls.PR_SET_PDEATHSIG, signal.SIGKILL)
        os.umask(0o022)
        if self.ctx.cgroups is not None:
            memory = self.limits.memory_mb * confine.MB
            self.cgroup = self.ctx.cgroups.session(f"s{self.sid}", memory, self.limits.max_processes + 8)
        if self.isolated:
            syscalls.unshare(syscalls.CLONE_NEWNS)
            syscalls.mount(None, "/", None, syscalls.MS_REC | syscalls.MS_PRIVATE)
            root = self.ctx.privilege == "root"
            entries = fsview.plan(
                self.ctx.python_dirs,
                self.mounts,
                self.ctx.hidden,
                user=(self.uid, self.gid) if root else (confine.SANDBOX_UID, confine.SANDBOX_UID),
                owner=(self.uid, self.gid) if root else (0, 0),
                scratch_mb=self.limits.scratch_mb,
            )
            fsview.build(entries, STAGE)
            self.pidns = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
            confine.enter_view(self.ctx, STAGE)
        else:
            syscalls.prctl(syscalls.PR_SET_CHILD_SUBREAPER, 1)  # orphans come back to us to be killed
            assert self.ctx.scratch_base is not None
            self.workdir = str(Path(self.ctx.scratch_base, f"s{self.sid}"))
            Path(self.workdir).mkdir(mode=0o700)
        # The sandboxes' whole environment, set once here so that every fork inherits it.
        env = dict(self.ctx.env, HOME=self.workdir, PWD=self.workdir)
        if not self.isolated:
            env.update(TMPDIR=self.workdir, MPLCONFIGDIR=self.workdir, XDG_CACHE_HOME=self.workdir)
        os.environ.clear()
        os.environ.update(env)
        if self.stateful:
            self.kernel = self._spawn("kernel")
        else:
            self.spare = self._spawn("once")

    def _teardown(self) -> None:
        for box in (self.spare, self.kernel):
            if box is not None:
                self._dispose(box)
        self.spare = self.kernel = None
        if not self.isolated:
            self._sweep(keep=set())
            shutil.rmtree(self.workdir, ignore_errors=True)
        if self.cgroup is not None:
            self.cgroup.remove()
            self.cgroup = None

    def _serve(self) -> None:
        while (message := protocol.recv(self.sock)) is not None:
            header, payload = message
            if header["op"] == "close":
                self._teardown()
                protocol.send(self.sock, {"op": "closed"})
                return
            try:
                reply, output = self._run(header["kind"], payload, float(header["timeout_s"]))
            except SetupError as exc:
                reply, output = {"op": "error", "message": str(exc)}, b""
            protocol.send(self.sock, reply, output)
            self._after_run()

    # ------------------------------------------------------------------ sandboxes

    def _spawn(self, role: str) -> Sandbox:
        """Fork a child and confine it (``role``: "once" or "kernel"); it reports readiness itself."""
        req_r, req_w = os.pipe()
        st_r, st_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        for fd in (out_r, err_r):
            with contextlib.suppress(OSError):
                fcntl.fcntl(fd, _F_SETPIPE_SZ, _PIPE_SIZE)
        if self.isolated:  # the child becomes PID 1 of a new PID namespace
            syscalls.setns(self.pidns, syscalls.CLONE_NEWPID)
            syscalls.unshare(syscalls.CLONE_NEWPID)
        pid = os.fork()
        if pid == 0:
            self._child(role, req_r, st_w, out_w, err_w)
        for fd in (req_r, st_w, out_w, err_w):
            os.close(fd)
        if self.cgroup is not None:
            self.cgroup.add(pid)
        return Sandbox(pid, os.pidfd_open(pid), req_w, st_r, out_r, err_r)

    def _child(self, role: str, requests: int, status: int, out: int, err: int) -> NoReturn:
        try:
            os.setsid()
            devnull = os.open("/dev/null", os.O_RDONLY)
            for fd, target in ((devnull, 0), (out, 1), (err, 2)):
                os.dup2(fd, target)
            low, high = sorted((requests, status))
            os.closerange(3, low)
            os.closerange(low + 1, high)
            os.closerange(high + 1, 1 << 20)
            if self.isolated:
                confine.isolate(self.ctx, self.uid, self.gid)
            else:
                os.chdir(self.workdir)
            rules = confine.landlock_rules(self.ctx, self.workdir, [source for source, _ in self.mounts])
            confine.restrict(self.ctx, self.limits, rules)
            serve = runner.serve_kernel if role == "kernel" else runner.serve_once
            serve(requests, status, self.workdir)
        except BaseException:
            with contextlib.suppress(BaseException):
                os.write(status, runner.FAILED + traceback.format_exc().encode()[-4000:])
        finally:
            os._exit(70)

    def _ready(self, box: Sandbox) -> Sandbox:
        """Wait for the ready byte; a setup failure becomes ``SetupError``."""
        if not box.ready:
            ready, _, _ = select.select([box.status], [], [], _SETUP_TIMEOUT_S)
            data = os.read(box.status, 65536) if ready else b""
            if data[:1] != runner.READY:
                detail = data[1:].decode("utf-8", "replace").strip() or "it exited or hung during setup"
                raise SetupError(f"could not start a sandbox: {detail}")
            box.ready = True
        return box

    def _dispose(self, box: Sandbox) -> None:
        """Kill a sandbox (its PID namespace dies with it) and reap it."""
        if box.exit_status is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(box.pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                _, box.exit_status = os.waitpid(box.pid, 0)
        box.close()

    def _sweep(self, keep: set[int]) -> None:
        """Unsafe mode has no PID namespace: kill every descendant that came back to us."""
        for _ in range(1000):
            children = [pid for pid in _children() if pid not in keep]
            if not children:
                return
            for pid in children:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            for pid in children:
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, 0)

    def _standing(self) -> Sandbox:
        """The sandbox that serves the next Python run: the spare, or the kernel."""
        if self.stateful:
            self.kernel = self.kernel or self._spawn("kernel")
            return self._ready(self.kernel)
        self.spare = self.spare or self._spawn("once")
        return self._ready(self.spare)

    # ------------------------------------------------------------------ runs

    def _deliver(self, kind: str, code: bytes, one_off: bool) -> Sandbox:
        """Hand the code to a ready sandbox. One that failed its setup, or died while it waited
        (killed from outside), is replaced once; a second failure is an infrastructure error."""
        failure = ""
        for _ in range(2):
            box = None
            try:
                box = self._ready(self._spawn("once")) if one_off else self._standing()
                protocol.write_fd(box.requests, {"kind": kind}, code)
                return box
            except (BrokenPipeError, SetupError) as exc:
                failure = str(exc) or "the sandbox died before it received the code"
                if box is not None:
                    self._dispose(box)
                    if box is self.kernel:
                        self.state_lost = self.state_lost or box.ready
                    if box in (self.spare, self.kernel):
                        self.spare = self.kernel = None
        raise SetupError(failure)

    def _run(self, kind: str, code: bytes, timeout_s: float) -> tuple[dict[str, Any], bytes]:
        one_off = self.stateful and kind == "shell"  # a stateful session runs shells beside its kernel
        box = self._deliver(kind, code, one_off)
        lost = self.state_lost and not one_off
        self.state_lost = self.state_lost and not lost
        reply, stdout, stderr = self._supervise(box, timeout_s)
        notes = []
        if lost:
            notes.append(
                "[sandbox] the interpreter was restarted after a timeout or crash; variables from earlier runs are lost."
            )
        if self.stateful and not one_off and (reply["timed_out"] or box.exit_status is not None):
            notes.append("[sandbox] the interpreter was stopped; the next run starts with a fresh one.")
            self.state_lost = True
        if one_off:
            self._dispose(box)
        if notes:
            stderr = ("\n".join(notes) + "\n").encode() + stderr
        reply["state_lost"] = lost
        reply["stdout_len"] = len(stdout)
        return reply, stdout + stderr

    def _after_run(self) -> None:
        """Off the latency path: retire the used sandbox and prepare the next one."""
        if self.stateful:
            if self.kernel is None or self.kernel.exit_status is not None:
                if self.kernel is not None:
                    self._dispose(self.kernel)
                self.kernel = self._spawn("kernel")
            if not self.isolated:
                self._sweep(keep=self._live_kernel())
            return
        used, self.spare = self.spare, None
        if used is None:
            self.spare = self._spawn("once")
            return
        if used.exit_status is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(used.pid, signal.SIGKILL)
        if self.isolated:
            self.spare = self._spawn("once")  # fork while the old one exits on the other core
            self._dispose(used)
        else:
            self._dispose(used)
            self._sweep(keep=set())
            self.spare = self._spawn("once")

    def _supervise(self, box: Sandbox, timeout_s: float) -> tuple[dict[str, Any], bytes, bytes]:
        out, err = HeadTail(self.limits.max_output_bytes), HeadTail(self.limits.max_output_bytes)
        streams = {box.stdout: out, box.stderr: err}
        poller = select.poll()
        for fd in (box.stdout, box.stderr, box.status, box.pidfd):
            poller.register(fd, select.POLLIN)
        started = time.monotonic()
        deadline = started + timeout_s
        marker: bytes | None = None
        timed_out = False
        while marker is None and box.exit_status is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                self._kill_run(box)
                break
            for fd, _ in poller.poll(remaining * 1000):
                if fd in streams:
                    data = os.read(fd, _PIPE_SIZE)
                    if data:
                        streams[fd].feed(data)
                    else:
                        poller.unregister(fd)
                elif fd == box.status:
                    data = os.read(fd, runner.STATUS_SIZE)
                    if data[:1] == runner.DONE and len(data) == runner.STATUS_SIZE:
                        marker = data
                    else:  # closed (it exec'd a shell, or the agent closed it): wait for the exit
                        poller.unregister(fd)
                elif fd == box.pidfd:
                    _, box.exit_status = os.waitpid(box.pid, 0)
        duration = time.monotonic() - started
        if marker is not None:  # the code is done and flushed: take what is in the pipes now
            for fd, capture in streams.items():
                _drain_available(fd, capture)
            exit_code, signo = runner.decode_status(marker)
        else:
            if box.exit_status is None:  # timed out and killed above
                _, box.exit_status = os.waitpid(box.pid, 0)
            if not self.isolated:  # descendants may still hold the pipes open
                self._sweep(keep=self._live_kernel())
            for fd, capture in streams.items():
                _drain_to_eof(fd, capture)
            exit_code, signo = (None, signal.SIGKILL) if timed_out else _decode_wait(box.exit_status)
        reply = {
            "op": "result",
            "exit_code": exit_code,
            "signal": signo,
            "timed_out": timed_out,
            "duration_s": duration,
            "truncated": out.truncated or err.truncated,
        }
        stderr = err.getvalue("stderr") + ("" if timed_out else self._oom_note()).encode()
        return reply, out.getvalue("stdout"), stderr

    def _kill_run(self, box: Sandbox) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(box.pid, signal.SIGKILL)
            if not self.isolated:
                os.killpg(box.pid, signal.SIGKILL)

    def _live_kernel(self) -> set[int]:
        kernel = self.kernel
        return {kernel.pid} if kernel is not None and kernel.exit_status is None else set()

    def _oom_note(self) -> str:
        if self.cgroup is None:
            return ""
        kills = self.cgroup.oom_kills()
        fresh, self.oom_seen = kills > self.oom_seen, kills
        if not fresh:
            return ""
        return f"[sandbox] a process was killed: the run exceeded its memory limit ({self.limits.memory_mb} MB).\n"


def _decode_wait(status: int) -> tuple[int | None, int | None]:
    if os.WIFSIGNALED(status):
        return None, os.WTERMSIG(status)
    return os.WEXITSTATUS(status), None


def _drain_available(fd: int, capture: HeadTail) -> None:
    """Read what is in the pipe right now; a background writer cannot keep us here."""
    buffer = bytearray(4)
    fcntl.ioctl(fd, termios.FIONREAD, buffer)
    pending = int.from_bytes(buffer, sys.byteorder)
    while pending > 0:
        data = os.read(fd, pending)
        if not data:
            return
        capture.feed(data)
        pending -= len(data)


def _drain_to_eof(fd: int, capture: HeadTail) -> None:
    deadline = time.monotonic() + _DRAIN_TIMEOUT_S
    while (remaining := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            return
        data = os.read(fd, _PIPE_SIZE)
        if not data:
            return
        capture.feed(data)


def _children() -> list[int]:
    pid = os.getpid()
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
