"""The sandbox's value types: what to mount, which limits to apply, what a run returns."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path

from medagentgym.errors import ConfigError

WORKDIR = "/workdir"
# Paths the sandbox's own filesystem view needs; a mount may not sit on, above or below them.
RESERVED_TARGETS = ("/proc", "/dev", "/sys", "/tmp", WORKDIR, "/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")  # fmt: skip


def overlaps(a: str, b: str) -> bool:
    """True when one absolute path is the other or lies below it."""
    return a == b or a.startswith(b.rstrip("/") + "/") or b.startswith(a.rstrip("/") + "/")


@dataclass(frozen=True)
class Mount:
    """A host file or directory, visible read-only at ``target`` inside the sandbox."""

    source: Path
    target: str

    def __post_init__(self) -> None:
        target = self.target
        if not isinstance(target, str) or not target.startswith("/") or posixpath.normpath(target) != target:
            raise ConfigError(
                f"mount target {target!r} must be a normalised absolute path such as /data/db.sqlite"
            )
        if target == "/" or any(overlaps(target, reserved) for reserved in RESERVED_TARGETS):
            raise ConfigError(f"mount target {target!r} overlaps a path the sandbox itself needs")
        object.__setattr__(self, "source", Path(self.source))


@dataclass(frozen=True)
class Limits:
    """Per-run limits. Memory and processes cover the whole process tree of a run."""

    timeout_s: float = 30.0
    memory_mb: int = 2048
    max_processes: int = 64
    max_output_bytes: int = 65536
    scratch_mb: int = 256

    def __post_init__(self) -> None:
        for name in ("timeout_s", "memory_mb", "max_processes", "max_output_bytes", "scratch_mb"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise ConfigError(f"Limits.{name} must be a positive number, got {value!r}")
        if self.max_output_bytes < 256:
            raise ConfigError("Limits.max_output_bytes must be at least 256")


@dataclass(frozen=True)
class ExecResult:
    """What one run did. Timeouts, crashes and out-of-memory kills are results, not exceptions."""

    stdout: str
    stderr: str
    exit_code: int | None  # None when killed by a signal
    signal: int | None
    timed_out: bool
    duration_s: float
    truncated: bool  # True if either stream was capped
    state_lost: bool = False  # stateful sessions: the interpreter was restarted before this run

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out
