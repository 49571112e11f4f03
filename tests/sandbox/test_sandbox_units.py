"""The sandbox's pure parts: value types, framing, output capture, the filesystem plan, messages."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from medagentgym.errors import ConfigError
from medagentgym.sandbox import (
    ExecResult,
    Limits,
    Mount,
    fsview,
    landlock,
    privilege,
    protocol,
    runner,
    seccomp,
)
from medagentgym.sandbox.capture import HeadTail


def test_mount_targets_must_be_clean_absolute_paths_outside_the_system():
    assert Mount("/x/db.sqlite", "/data/db.sqlite").source == Path("/x/db.sqlite")
    for bad in ("data/db", "/data/../etc", "/", "/workdir/x", "/proc", "/usr/share/x", "/tmp/x", "/etc"):
        with pytest.raises(ConfigError):
            Mount(Path("/x"), bad)


def test_limits_reject_nonsense():
    assert Limits().memory_mb == 2048
    for field, value in (("timeout_s", 0), ("memory_mb", -1), ("max_output_bytes", 10), ("scratch_mb", True)):
        with pytest.raises(ConfigError):
            Limits(**{field: value})


def test_exec_result_ok():
    base = {"stdout": "", "stderr": "", "signal": None, "duration_s": 0.0, "truncated": False}
    assert ExecResult(exit_code=0, timed_out=False, **base).ok
    assert not ExecResult(exit_code=1, timed_out=False, **base).ok
    assert not ExecResult(exit_code=0, timed_out=True, **base).ok


def test_head_tail_keeps_both_ends_and_counts_the_middle():
    capture = HeadTail(100)
    for i in range(1000):
        capture.feed(f"{i:04d}\n".encode())
    value = capture.getvalue("stdout")
    assert capture.truncated and capture.total == 5000
    assert value.startswith(b"0000\n0001\n") and value.endswith(b"0999\n")
    assert b"4,900 bytes of stdout omitted" in value
    small = HeadTail(100)
    small.feed(b"abc")
    assert small.getvalue("stdout") == b"abc" and not small.truncated


def test_framing_over_sockets_and_pipes():
    a, b = socket.socketpair()
    with a, b:
        protocol.send(a, {"op": "x", "n": 1}, b"tiny")
        assert protocol.recv(b) == ({"op": "x", "n": 1}, b"tiny")
        a.shutdown(socket.SHUT_WR)
        assert protocol.recv(b) is None
    big = os.urandom(3 << 20)  # larger than a pipe: the writer is another process
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        protocol.write_fd(w, {"kind": "python"}, big)
        os._exit(0)
    os.close(w)
    assert protocol.read_fd(r) == ({"kind": "python"}, big)
    assert protocol.read_fd(r) is None
    os.close(r)
    os.waitpid(pid, 0)


def test_status_markers_round_trip():
    assert runner.decode_status(runner.encode_status(b"E", 3)) == (3, None)
    assert runner.decode_status(runner.encode_status(b"S", 2)) == (None, 2)
    assert len(runner.encode_status(b"E", 0)) == runner.STATUS_SIZE


def test_plan_is_an_allow_list_that_hides_the_package_and_data_home():
    entries = fsview.plan(
        ["/opt/py/lib", "/opt/py", "/tmp/ci/.venv"],
        [("/host/answers-free/db.sqlite", "/data/db.sqlite")],
        ["/opt/py/lib/site-packages/medagentgym", "/home/me/.cache/medagentgym"],
        user=(1000, 1000),
        owner=(0, 0),
        scratch_mb=64,
    )
    binds = {e.target: e.source for e in entries if e.kind == "bind"}
    assert binds["/opt/py"] == "/opt/py" and "/opt/py/lib" not in binds  # nested dirs collapse
    assert binds["/data/db.sqlite"] == "/host/answers-free/db.sqlite"
    assert "/home" not in binds and "/root" not in binds
    masks = [e.target for e in entries if e.kind == "mask"]
    assert masks == ["/opt/py/lib/site-packages/medagentgym"]  # the data home is simply absent
    order = [e.target for e in entries]
    assert order.index("/tmp") < order.index("/tmp/ci/.venv")  # python under /tmp goes on top of it
    tmpfs = {e.target: e.source for e in entries if e.kind == "tmpfs"}
    assert "size=64m" in tmpfs["/workdir"] and "uid=0" in tmpfs["/workdir"]
    passwd = next(e.data for e in entries if e.target == "/etc/passwd")
    assert b"sandbox:x:1000:1000" in passwd
    assert not any(e.target in ("/etc/shadow", "/etc/sudoers") for e in entries)


def test_collapse_keeps_only_outermost_paths():
    assert fsview.collapse(["/a/b", "/a", "/ab", "/c/d/"]) == ["/a", "/ab", "/c/d"]


def test_candidates_and_the_refusal_message():
    assert privilege.candidates("userns") == ["userns"]
    assert privilege.candidates("auto")[-1] == "userns"
    with pytest.raises(ConfigError):
        privilege.candidates("sudo")
    message = privilege.unavailable_message(["userns: [Errno 1] Operation not permitted"])
    assert "Operation not permitted" in message
    assert "user.max_user_namespaces" in message
    assert "mode='unsafe'" in message and "MEDAGENTGYM_SANDBOX=unsafe" in message


def test_seccomp_filter_compiles_to_bpf():
    bpf = seccomp.compile_filter()
    assert bpf and len(bpf) % 8 == 0


def test_landlock_rights_grow_with_the_abi():
    assert landlock.fs_rights(1) < landlock.fs_rights(3) < landlock.fs_rights(5)
    assert not landlock.writable(7) & landlock.MAKE_CHAR
    assert landlock.writable(7) & landlock.WRITE_FILE
