"""What runs inside a sandbox once it is confined: the agent's code, as ``python main.py`` would.

The fork server has numpy, pandas and scipy imported already, so a run is an ``exec`` in a fresh
``__main__`` module: ``__name__ == "__main__"``, tracebacks start at the agent's code, ``SystemExit``
codes are honoured, atexit handlers and non-daemon threads finish, output is flushed. When the
code is done the sandbox writes a one-byte "done" marker with its status, so the worker can answer
before the process has even exited. A stateful kernel keeps one ``__main__`` across runs instead.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import linecache
import os
import signal
import struct
import sys
import threading
import traceback
import types
from typing import NoReturn

from medagentgym.sandbox import protocol

READY = b"R"
DONE = b"D"
FAILED = b"X"  # followed by an error message: the sandbox could not be set up
_STATUS = struct.Struct("!ci")  # b"E" + exit code, or b"S" + signal number
SCRIPT = "main.py"
SHELL = "/bin/sh"


def encode_status(kind: bytes, value: int) -> bytes:
    return DONE + _STATUS.pack(kind, value)


def decode_status(data: bytes) -> tuple[int | None, int | None]:
    """(exit_code, signal) from a done marker."""
    kind, value = _STATUS.unpack(data[1 : 1 + _STATUS.size])
    return (value, None) if kind == b"E" else (None, value)


STATUS_SIZE = 1 + _STATUS.size


def _open_stdio() -> None:
    """Fresh text streams on fds 0-2, line-buffered so output is visible up to a hang or a kill."""

    def writer(fd: int, errors: str) -> io.TextIOWrapper:
        raw = io.FileIO(fd, "w", closefd=False)
        return io.TextIOWrapper(io.BufferedWriter(raw), encoding="utf-8", errors=errors, line_buffering=True)

    sys.stdin = sys.__stdin__ = io.TextIOWrapper(
        io.BufferedReader(io.FileIO(0, "r", closefd=False)), encoding="utf-8"
    )
    sys.stdout = sys.__stdout__ = writer(1, "strict")
    sys.stderr = sys.__stderr__ = writer(2, "backslashreplace")


def _new_main() -> dict[str, object]:
    module = types.ModuleType("__main__")
    module.__dict__["__builtins__"] = __builtins__
    sys.modules["__main__"] = module
    return module.__dict__


def _flush() -> None:
    for stream in {sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__}:
        with contextlib.suppress(Exception):  # closed or replaced by the agent: nothing to save
            stream.flush()


def _report(exc: BaseException) -> None:
    """Print an uncaught exception like the interpreter does, starting at the agent's frames."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    exc.__traceback__ = tb
    with contextlib.suppress(Exception):
        if sys.excepthook is sys.__excepthook__:  # the C hook reads sources from disk, not linecache
            traceback.print_exception(exc)
        else:
            sys.excepthook(type(exc), exc, tb)


def _exit_status(exc: SystemExit) -> tuple[bytes, int]:
    code = exc.code
    if code is None:
        return b"E", 0
    if isinstance(code, int):
        return b"E", code & 0xFF
    with contextlib.suppress(Exception):
        print(code, file=sys.stderr)
    return b"E", 1


def execute(code: bytes, namespace: dict[str, object], filename: str) -> tuple[bytes, int]:
    """Run ``code`` in ``namespace``; return the status the process would exit with."""
    linecache.cache[filename] = (len(code), None, code.decode("utf-8", "replace").splitlines(True), filename)
    try:
        exec(compile(code, filename, "exec", dont_inherit=True), namespace)
    except SystemExit as exc:
        return _exit_status(exc)
    except BaseException as exc:
        _report(exc)
        if isinstance(exc, KeyboardInterrupt):  # CPython exits "by SIGINT" in this case
            return b"S", signal.SIGINT
        return b"E", 1
    return b"E", 0


def _finish_script() -> None:
    """What interpreter shutdown does before exiting: join threads, run atexit handlers."""
    with contextlib.suppress(BaseException):
        threading._shutdown()  # type: ignore[attr-defined]
        atexit._run_exitfuncs()


def _prepare(workdir: str) -> None:
    _open_stdio()
    sys.argv = [SCRIPT]
    sys.path.insert(0, workdir)  # like a script's directory: the agent's own modules import
    sys.dont_write_bytecode = True
    atexit._clear()  # handlers registered by the fork server's imports are not the agent's
    numpy = sys.modules.get("numpy")
    if numpy is not None:  # ``random`` reseeds itself after fork; numpy's global state does not
        numpy.random.seed(numpy.frombuffer(os.urandom(32), dtype=numpy.uint32))  # 0.3 ms faster than seed()


def serve_once(requests: int, status: int, workdir: str) -> NoReturn:
    """A pre-forked sandbox: announce readiness, run exactly one request, exit."""
    _prepare(workdir)
    os.write(status, READY)
    message = protocol.read_fd(requests)
    if message is None:
        os._exit(0)
    header, code = message
    if header["kind"] == "shell":
        os.execve(SHELL, [SHELL, "-c", code.decode("utf-8", "surrogateescape")], os.environ)
    kind, value = execute(code, _new_main(), SCRIPT)
    _finish_script()
    _flush()
    with contextlib.suppress(OSError):  # the agent closed our fds: the worker uses the exit status
        os.write(status, encode_status(kind, value))
    os._exit(value if kind == b"E" else 128 + value)


def serve_kernel(requests: int, status: int, workdir: str) -> NoReturn:
    """A stateful interpreter: one ``__main__`` for every run of the session."""
    _prepare(workdir)
    namespace = _new_main()
    os.write(status, READY)
    cell = 0
    while (message := protocol.read_fd(requests)) is not None:
        cell += 1
        _, code = message
        kind, value = execute(code, namespace, f"<cell {cell}>")
        _flush()
        _kill_strays()
        sys.path_importer_cache.pop(workdir, None)  # new files in the scratch are importable
        os.write(status, encode_status(kind, value))
    os._exit(0)


def _kill_strays() -> None:
    """End processes a run left behind (daemons, orphans); only the kernel itself survives."""
    init = os.getpid() == 1
    if init:  # in a PID namespace, kill(-1) reaches exactly the sandbox's other processes
        with contextlib.suppress(ProcessLookupError):
            os.kill(-1, signal.SIGKILL)
    while True:
        try:
            pid, _ = os.waitpid(-1, 0 if init else os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
