"""The filesystem a sandbox sees: an allow-list, not the host's root with holes punched in it.

A session's root is a small tmpfs holding read-only binds of the system directories, a curated
``/etc``, the Python installation, a few device nodes and the task's mounts, plus private tmpfs
for ``/workdir`` (the episode's scratch), ``/tmp`` and ``/dev/shm``. Nothing else of the host
exists inside, so answers, home directories, the package's own data and other sessions' scratch
are not hidden: they are absent. The view is built once per session in the worker's private
mount namespace, and the worker then pivots into it; each run only adds its own ``/proc``.
Every mount is copied into each run's mount namespace and torn down after it, so small ``/etc``
files are copied into the view rather than bound.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from medagentgym.sandbox import syscalls
from medagentgym.sandbox.spec import WORKDIR

SYSTEM_DIRS = ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32")
# What programs commonly read from /etc; secrets such as shadow, ssh keys or sudoers stay out.
ETC_ENTRIES = (
    "alternatives", "bash.bashrc", "ca-certificates", "ca-certificates.conf", "debian_version",
    "fonts", "gai.conf", "host.conf", "inputrc", "ld.so.cache", "ld.so.conf", "ld.so.conf.d",
    "localtime", "locale.alias", "lsb-release", "magic", "magic.mime", "mailcap", "mime.types",
    "nsswitch.conf", "os-release", "profile", "protocols", "services", "ssl", "terminfo", "timezone",
)  # fmt: skip
DEVICES = ("null", "zero", "full", "random", "urandom")
HOSTNAME = "sandbox"


@dataclass(frozen=True)
class Entry:
    """One step of building the view. ``target`` is the path inside the sandbox."""

    kind: str  # dir | bind | symlink | file | tmpfs | mask
    target: str
    source: str = ""  # bind: host path; symlink: link text; tmpfs: mount options
    data: bytes = b""  # file contents
    device: bool = False  # bind of a device node (must not be nodev)


def _system_entries() -> list[Entry]:
    entries = []
    system = [Path("/", name) for name in SYSTEM_DIRS]
    etc = [Path("/etc", name) for name in ETC_ENTRIES]
    for host in system + etc:
        if host.is_symlink():  # /bin -> usr/bin and friends, /etc/localtime
            entries.append(Entry("symlink", str(host), str(host.readlink())))
        elif host.is_dir():
            entries.append(Entry("bind", str(host), str(host)))
        elif host in etc and host.is_file():
            entries.append(Entry("file", str(host), data=host.read_bytes()))
    entries += [Entry("bind", f"/dev/{name}", f"/dev/{name}", device=True) for name in DEVICES]
    entries += [
        Entry("symlink", "/dev/fd", "/proc/self/fd"),
        Entry("symlink", "/dev/stdin", "/proc/self/fd/0"),
        Entry("symlink", "/dev/stdout", "/proc/self/fd/1"),
        Entry("symlink", "/dev/stderr", "/proc/self/fd/2"),
    ]
    if Path("/sys/devices/system/cpu").is_dir():  # CPU counts for numpy, os.cpu_count and friends
        entries.append(Entry("bind", "/sys/devices/system/cpu", "/sys/devices/system/cpu"))
    return entries


def _identity(uid: int, gid: int, user: str = "sandbox") -> list[Entry]:
    passwd = (
        "root:x:0:0:root:/root:/usr/sbin/nologin\n"
        f"{user}:x:{uid}:{gid}:{user}:{WORKDIR}:/bin/sh\n"
        "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
    )
    group = f"root:x:0:\n{user}:x:{gid}:\nnogroup:x:65534:\n"
    hosts = f"127.0.0.1\tlocalhost {HOSTNAME}\n::1\tlocalhost ip6-localhost ip6-loopback\n"
    return [
        Entry("file", "/etc/passwd", data=passwd.encode()),
        Entry("file", "/etc/group", data=group.encode()),
        Entry("file", "/etc/hosts", data=hosts.encode()),
        Entry("file", "/etc/hostname", data=f"{HOSTNAME}\n".encode()),
    ]


def below(path: str, root: str) -> bool:
    """True when ``path`` is ``root`` or lies under it."""
    return path == root or path.startswith(root.rstrip("/") + "/")


def collapse(paths: Iterable[str]) -> list[str]:
    """Drop paths that lie below another path of the list (binding the parent covers them)."""
    kept: list[str] = []
    for path in sorted({os.path.normpath(p) for p in paths}):
        if not any(below(path, k) for k in kept):
            kept.append(path)
    return kept


def plan(
    python_dirs: Sequence[str],
    mounts: Sequence[tuple[str, str]],
    hidden: Sequence[str],
    *,
    user: tuple[int, int],
    owner: tuple[int, int],
    scratch_mb: int,
) -> list[Entry]:
    """The ordered steps that build a session's view.

    ``python_dirs`` (the interpreter and its site directories) appear at their host paths so
    that ``sys.path`` and shebangs keep working; ``mounts`` are (host source, target) pairs;
    ``hidden`` are host paths (the package, the data home) masked if a bind would expose them.
    ``user`` is the sandbox's (uid, gid) as it sees itself, ``owner`` the same identity as seen
    from the worker (they differ when a user namespace maps one onto the other).
    """
    entries = [Entry("dir", "/proc"), *_system_entries(), *_identity(*user)]
    sized = f"size={scratch_mb}m"
    entries += [
        Entry("tmpfs", WORKDIR, f"mode=0700,uid={owner[0]},gid={owner[1]},{sized}"),
        Entry("tmpfs", "/tmp", f"mode=1777,{sized}"),
        Entry("tmpfs", "/dev/shm", "mode=1777,size=64m"),
    ]
    system = [e.target for e in entries if e.kind == "bind"]
    python = [p for p in collapse(python_dirs) if not any(below(p, s) for s in system)]
    # Python under /tmp (a CI checkout, say) is bound on top of the session's /tmp, so it comes after it.
    entries += [Entry("bind", path, path) for path in python]
    entries += [Entry("bind", target, source) for source, target in mounts]
    exposed = system + python
    entries += [Entry("mask", path) for path in hidden if any(below(path, root) for root in exposed)]
    return entries


def build(entries: Sequence[Entry], root: str) -> None:
    """Build the view at ``root`` (an existing directory) in the caller's private mount namespace.

    Afterwards ``root`` is read-only; only the tmpfs mounted inside it are writable.
    """
    # Open every source first: the root tmpfs may cover some of them (a venv under /tmp, say).
    sources = {e.source: os.open(e.source, os.O_PATH | os.O_CLOEXEC) for e in entries if e.kind == "bind"}
    try:
        syscalls.mount("tmpfs", root, "tmpfs", syscalls.MS_NOSUID | syscalls.MS_NODEV, "mode=0755,size=4m")
        for entry in entries:
            _apply(entry, Path(root + entry.target), sources)
        syscalls.mount(
            None,
            root,
            None,
            syscalls.MS_REMOUNT | syscalls.MS_RDONLY | syscalls.MS_NOSUID | syscalls.MS_NODEV,
        )
    finally:
        for fd in sources.values():
            os.close(fd)


def _apply(entry: Entry, path: Path, sources: dict[str, int]) -> None:
    path.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
    if entry.kind == "symlink":
        path.symlink_to(entry.source)
    elif entry.kind == "file":
        path.write_bytes(entry.data)
        path.chmod(0o644)
    elif entry.kind in ("dir", "tmpfs", "mask"):
        path.mkdir(mode=0o755, exist_ok=True)
        if entry.kind == "tmpfs":
            syscalls.mount("tmpfs", str(path), "tmpfs", syscalls.MS_NOSUID | syscalls.MS_NODEV, entry.source)
        elif entry.kind == "mask":
            flags = syscalls.MS_RDONLY | syscalls.MS_NOSUID | syscalls.MS_NODEV
            syscalls.mount("tmpfs", str(path), "tmpfs", flags, "size=4k,mode=0555")
    else:
        fd = sources[entry.source]
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            path.mkdir(mode=0o755, exist_ok=True)
        else:
            path.touch(mode=0o644)
        syscalls.mount(f"/proc/self/fd/{fd}", str(path), None, syscalls.MS_BIND | syscalls.MS_REC)
        attrs = syscalls.MOUNT_ATTR_RDONLY | syscalls.MOUNT_ATTR_NOSUID
        syscalls.mount_setattr_recursive(
            str(path), attrs if entry.device else attrs | syscalls.MOUNT_ATTR_NODEV
        )
