"""Build, cache and open worlds: one directory per (name, seed, size, generator version).

A world is built into a temporary directory next to its final place and renamed into place, so
a reader never sees half a world; a lock file serialises concurrent builders (the second one
waits, then finds the finished world). ``world.json`` is written last and marks a complete
build.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from filelock import FileLock

from medagentgym.errors import ConfigError, DataError
from medagentgym.paths import subdir
from medagentgym.sqlite import connect_readonly
from medagentgym.worlds import store
from medagentgym.worlds.registry import SPECS, WORLD_NAMES, generate

GENERATOR_VERSION = "2"
DEFAULT_PATIENTS = 1000
MIN_PATIENTS = 20
MAX_PATIENTS = 100_000
MANIFEST = "world.json"


@dataclass(frozen=True)
class World:
    """A built world: where its files are and what is in them."""

    name: str
    seed: int
    n_patients: int
    root: Path
    db_path: Path
    csv_dir: Path
    tables: dict[str, int]
    seconds: float

    def __hash__(self) -> int:  # ``tables`` is a dict: hash the identity, not the contents
        return hash((self.name, self.seed, self.n_patients, self.root))

    def connect(self) -> sqlite3.Connection:
        """A read-only connection to the world's database."""
        return connect_readonly(self.db_path)

    @property
    def sidecar(self) -> Path:
        """Precomputed column profiles and vocabulary (never mounted for the agent)."""
        return self.root / store.SIDECAR


def _check_arguments(name: str, seed: int, n_patients: int) -> None:
    if name not in WORLD_NAMES:
        raise ConfigError(f"unknown world {name!r}; choose from {', '.join(WORLD_NAMES)}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError(f"seed must be a non-negative integer, got {seed!r}")
    if isinstance(n_patients, bool) or not isinstance(n_patients, int):
        raise ConfigError(f"n_patients must be an integer, got {n_patients!r}")
    if not MIN_PATIENTS <= n_patients <= MAX_PATIENTS:
        raise ConfigError(f"n_patients must be between {MIN_PATIENTS} and {MAX_PATIENTS}, got {n_patients}")


def world_dir(name: str, seed: int, n_patients: int) -> Path:
    """Where a world lives under the data home."""
    return subdir("worlds") / f"{name}-seed{seed}-n{n_patients}-v{GENERATOR_VERSION}"


def _open(root: Path) -> World | None:
    """The world in ``root`` if it is complete, else None."""
    try:
        manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    name = manifest.get("name")
    world = World(
        name=name,
        seed=int(manifest["seed"]),
        n_patients=int(manifest["n_patients"]),
        root=root,
        db_path=root / f"{name}.db",
        csv_dir=root / "csv",
        tables=dict(manifest["tables"]),
        seconds=float(manifest["seconds"]),
    )
    expected = [world.db_path, world.sidecar] + [
        world.csv_dir / t.csv_name for t in SPECS[name].schema.tables
    ]
    if manifest.get("version") != GENERATOR_VERSION or not all(p.is_file() for p in expected):
        return None
    return world


def _write(root: Path, name: str, seed: int, n_patients: int, stage: Callable[[str], None]) -> None:
    started = time.perf_counter()
    schema = SPECS[name].schema
    stage("generating the hospital")
    tables = generate(name, seed, n_patients)
    stage("writing SQLite")
    store.write_sqlite(root / f"{name}.db", schema, tables)
    stage("writing CSV files")
    store.write_csvs(root / "csv", schema, tables)
    stage("profiling columns")
    store.write_profile(root / store.SIDECAR, schema, tables)
    manifest = {
        "name": name,
        "seed": seed,
        "n_patients": n_patients,
        "version": GENERATOR_VERSION,
        "tables": {t.name: len(tables[t.name]) for t in schema.tables},
        "seconds": round(time.perf_counter() - started, 2),
    }
    (root / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")


def _stderr_stage(name: str) -> Callable[[str], None]:
    started = time.perf_counter()

    def report(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f}s] {name}: {message}", file=sys.stderr)

    return report


def build_world(
    name: str,
    *,
    seed: int = 0,
    n_patients: int | None = None,
    force: bool = False,
    progress: bool = False,
    on_stage: Callable[[str], None] | None = None,
) -> World:
    """Build world ``name`` (or find it cached) and return it.

    The same (name, seed, n_patients, generator version) always gives the same database
    content. ``force`` rebuilds even if cached; ``progress`` reports stages on stderr;
    ``on_stage`` receives the stage names instead (the CLI's progress display uses it).
    """
    n_patients = DEFAULT_PATIENTS if n_patients is None else n_patients
    _check_arguments(name, seed, n_patients)
    root = world_dir(name, seed, n_patients)
    if not force and (world := _open(root)) is not None:
        return world
    stage = on_stage or (_stderr_stage(name) if progress else lambda _message: None)
    with FileLock(str(root.with_name(root.name + ".lock"))):
        if not force and (world := _open(root)) is not None:
            return world  # another process built it while we waited
        temporary = root.with_name(f".{root.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}")
        temporary.mkdir(parents=True)
        try:
            _write(temporary, name, seed, n_patients, stage)
            if root.exists():
                retired = root.with_name(f".{root.name}.old.{uuid.uuid4().hex[:8]}")
                root.rename(retired)
                temporary.rename(root)
                shutil.rmtree(retired, ignore_errors=True)
            else:
                temporary.rename(root)
        finally:
            shutil.rmtree(temporary, ignore_errors=True)
    world = _open(root)
    if world is None:
        raise DataError(f"world {name!r} was built but {root} is incomplete")
    return world


@cache
def default_world(name: str) -> World:
    """The default world of ``name`` (seed 0, default size), built once per process."""
    return build_world(name)
