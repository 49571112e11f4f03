"""A seccomp deny-list: the kernel interfaces sandboxed code has no business touching.

The filter is compiled once in the fork server (libseccomp through ``pyseccomp``) and exported as
raw BPF; each sandbox loads it with one ``prctl`` call, which costs microseconds instead of the
milliseconds libseccomp needs to build it. Everything not listed is allowed: the namespaces,
Landlock and the unprivileged uid do the confining, this closes the syscalls they do not cover.
"""

from __future__ import annotations

import ctypes
import errno
import tempfile

from medagentgym.sandbox import syscalls

AF_UNIX = 1
TIOCSTI = 0x5412

# Debugging other processes, changing the mount table or namespaces, kernel objects that have
# been a steady source of privilege escalations, and host-wide settings.
DENIED = (
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
    "mount", "umount2", "pivot_root", "chroot", "unshare", "setns",
    "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree", "mount_setattr",
    "name_to_handle_at", "open_by_handle_at", "quotactl", "quotactl_fd",
    "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
    "add_key", "request_key", "keyctl",
    "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
    "reboot", "swapon", "swapoff", "acct", "syslog", "vhangup", "uselib", "iopl", "ioperm",
    "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "sethostname", "setdomainname",
)  # fmt: skip
# Namespace flags a plain clone() could pass (CLONE_NEWTIME overlaps clone's exit-signal byte).
_CLONE_NS_FLAGS = (
    syscalls.CLONE_NEWNS, syscalls.CLONE_NEWCGROUP, syscalls.CLONE_NEWUTS, syscalls.CLONE_NEWIPC,
    syscalls.CLONE_NEWUSER, syscalls.CLONE_NEWPID, syscalls.CLONE_NEWNET,
)  # fmt: skip


def compile_filter() -> bytes:
    """Build the deny-list and return it as raw BPF for this machine's architecture."""
    import pyseccomp as sc

    deny = sc.ERRNO(errno.EPERM)
    flt = sc.SyscallFilter(sc.ALLOW)
    for name in DENIED:
        try:
            flt.add_rule(deny, name)
        except (ValueError, RuntimeError, OSError):  # not a syscall on this architecture
            continue
    # Only unix sockets: no IPv4/IPv6, raw, packet or netlink sockets even inside an empty netns.
    flt.add_rule(sc.ERRNO(errno.EAFNOSUPPORT), "socket", sc.Arg(0, sc.NE, AF_UNIX))
    flt.add_rule(sc.ERRNO(errno.EAFNOSUPPORT), "socketpair", sc.Arg(0, sc.NE, AF_UNIX))
    for flag in _CLONE_NS_FLAGS:
        flt.add_rule(deny, "clone", sc.Arg(0, sc.MASKED_EQ, flag, flag))
    # clone3 passes its flags in memory, which seccomp cannot read: make libc fall back to clone.
    flt.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
    flt.add_rule(deny, "ioctl", sc.Arg(1, sc.MASKED_EQ, 0xFFFFFFFF, TIOCSTI))
    with tempfile.TemporaryFile() as out:
        flt.export_bpf(out)
        out.seek(0)
        return out.read()


class _SockFprog(ctypes.Structure):
    _fields_ = (("len", ctypes.c_ushort), ("filter", ctypes.c_void_p))


class Program:
    """A compiled filter kept in memory, ready to be loaded after ``fork``."""

    def __init__(self, bpf: bytes) -> None:
        self._buffer = ctypes.create_string_buffer(bpf, len(bpf))
        self._prog = _SockFprog(len(bpf) // 8, ctypes.cast(self._buffer, ctypes.c_void_p))

    def load(self) -> None:
        """Install the filter on the calling thread; ``no_new_privs`` must already be set."""
        syscalls.prctl(syscalls.PR_SET_SECCOMP, syscalls.SECCOMP_MODE_FILTER, ctypes.byref(self._prog))
