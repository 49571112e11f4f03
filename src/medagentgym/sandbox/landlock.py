"""Landlock: an allow-list for files, TCP and cross-domain IPC that needs no privileges.

It is a second wall behind the mount namespace: even if the filesystem view leaked a path, the
sandbox could only read what is listed and write only to its scratch directories. From ABI 4 it
also denies TCP bind/connect, and from ABI 6 it stops signals and abstract unix sockets from
crossing into other sandboxes. Rules are tied to inodes, so they are built inside each sandbox
after its mounts exist.
"""

from __future__ import annotations

import ctypes
import os
import stat
from collections.abc import Iterable

from medagentgym.sandbox import syscalls

EXECUTE = 1 << 0
WRITE_FILE = 1 << 1
READ_FILE = 1 << 2
READ_DIR = 1 << 3
REMOVE_DIR = 1 << 4
REMOVE_FILE = 1 << 5
MAKE_CHAR = 1 << 6
MAKE_DIR = 1 << 7
MAKE_REG = 1 << 8
MAKE_SOCK = 1 << 9
MAKE_FIFO = 1 << 10
MAKE_BLOCK = 1 << 11
MAKE_SYM = 1 << 12
REFER = 1 << 13  # ABI 2
TRUNCATE = 1 << 14  # ABI 3
IOCTL_DEV = 1 << 15  # ABI 5
NET_BIND_TCP = 1 << 0  # ABI 4
NET_CONNECT_TCP = 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0  # ABI 6
SCOPE_SIGNAL = 1 << 1

_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV

READ = EXECUTE | READ_FILE | READ_DIR
DEVICE = READ_FILE | WRITE_FILE | TRUNCATE | IOCTL_DEV


class _RulesetAttr(ctypes.Structure):
    _fields_ = (
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    )


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = (("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32))


def abi() -> int:
    """The kernel's Landlock ABI version, or 0 when Landlock is missing or disabled."""
    try:
        return syscalls.syscall(
            syscalls.SYS_LANDLOCK_CREATE_RULESET,
            None,
            ctypes.c_size_t(0),
            ctypes.c_uint(_CREATE_RULESET_VERSION),
        )
    except OSError:
        return 0


def fs_rights(version: int) -> int:
    """Every filesystem right the given ABI knows (what a ruleset must handle to deny it)."""
    rights = EXECUTE | WRITE_FILE | READ_FILE | READ_DIR | REMOVE_DIR | REMOVE_FILE | MAKE_CHAR
    rights |= MAKE_DIR | MAKE_REG | MAKE_SOCK | MAKE_FIFO | MAKE_BLOCK | MAKE_SYM
    if version >= 2:
        rights |= REFER
    if version >= 3:
        rights |= TRUNCATE
    if version >= 5:
        rights |= IOCTL_DEV
    return rights


def writable(version: int) -> int:
    """Rights for a scratch directory: everything except creating device nodes."""
    return fs_rights(version) & ~(MAKE_CHAR | MAKE_BLOCK | IOCTL_DEV)


def restrict(rules: Iterable[tuple[str, int]], version: int) -> None:
    """Confine the calling thread (and its future children) to ``rules``: (path, rights) pairs.

    Paths that do not exist are skipped. ``no_new_privs`` must already be set.
    """
    handled = fs_rights(version)
    attr = _RulesetAttr(handled, NET_BIND_TCP | NET_CONNECT_TCP if version >= 4 else 0, 0)
    if version >= 6:
        attr.scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL
    size = 8 if version < 4 else 16 if version < 6 else 24
    ruleset = syscalls.syscall(
        syscalls.SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint(0)
    )
    try:
        for path, rights in rules:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except FileNotFoundError:
                continue
            try:
                allowed = rights & handled
                if not stat.S_ISDIR(os.fstat(fd).st_mode):
                    allowed &= _FILE_RIGHTS
                rule = _PathBeneath(allowed, fd)
                syscalls.syscall(
                    syscalls.SYS_LANDLOCK_ADD_RULE,
                    ctypes.c_int(ruleset),
                    ctypes.c_int(_RULE_PATH_BENEATH),
                    ctypes.byref(rule),
                    ctypes.c_uint(0),
                )
            finally:
                os.close(fd)
        syscalls.syscall(syscalls.SYS_LANDLOCK_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint(0))
    finally:
        os.close(ruleset)
