"""The host's view of a process tree, from /proc (for checks and measurements, not control)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path


def pids() -> Iterator[int]:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            yield int(entry.name)


def descendants(root: int) -> set[int]:
    """Every process below ``root`` (not ``root`` itself)."""
    parents: dict[int, int] = {}
    for pid in pids():
        with contextlib.suppress(OSError, ValueError, IndexError):
            stat = Path(f"/proc/{pid}/stat").read_text()
            parents[pid] = int(stat.rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def pss_mb(roots: set[int]) -> float:
    """Proportional set size of the given processes: shared pages are split between sharers."""
    total_kb = 0
    for pid in roots:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total_kb += int(line.split()[1])
    return total_kb / 1024
