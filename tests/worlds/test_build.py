"""Building, caching and determinism of worlds."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import sqlite3
from pathlib import Path

import pytest

from medagentgym.errors import ConfigError
from medagentgym.paths import HOME_ENV
from medagentgym.worlds import WORLD_NAMES, World, build_world
from medagentgym.worlds.schema import SCHEMAS

SMALL = 30


def _digest(world: World) -> str:
    """Hash of the database bytes and every CSV."""
    digest = hashlib.sha256(world.db_path.read_bytes())
    for path in sorted(world.csv_dir.iterdir()):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def test_world_files_and_metadata(worlds: dict[str, World]) -> None:
    for name, world in worlds.items():
        assert world.name == name
        assert world.db_path == world.root / f"{name}.db"
        assert world.db_path.is_file()
        assert world.seconds > 0
        schema = SCHEMAS[name]
        assert list(world.tables) == [t.name for t in schema.tables]
        for table in schema.tables:
            assert (world.csv_dir / table.csv_name).is_file()
        assert world.tables[schema.tables[0].name] > 0


@pytest.mark.parametrize("name", WORLD_NAMES)
def test_same_seed_gives_identical_bytes_and_other_seed_differs(name: str, data_home: Path) -> None:
    first = _digest(build_world(name, seed=7, n_patients=SMALL))
    rebuilt = build_world(name, seed=7, n_patients=SMALL, force=True)  # from scratch
    assert _digest(rebuilt) == first
    assert _digest(build_world(name, seed=8, n_patients=SMALL)) != first


def test_cache_is_reused(worlds: dict[str, World]) -> None:
    world = worlds["treqs"]
    mtime = world.db_path.stat().st_mtime_ns
    again = build_world("treqs", n_patients=world.n_patients)
    assert again == world
    assert world.db_path.stat().st_mtime_ns == mtime


def test_incomplete_world_is_rebuilt(data_home: Path) -> None:
    world = build_world("treqs", seed=3, n_patients=SMALL)
    (world.root / "world.json").unlink()
    rebuilt = build_world("treqs", seed=3, n_patients=SMALL)
    assert (rebuilt.root / "world.json").is_file()
    assert not [p for p in world.root.parent.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "mimic_iv"}, "unknown world"),
        ({"name": "eicu", "n_patients": 3}, "between"),
        ({"name": "eicu", "n_patients": 10**7}, "between"),
        ({"name": "eicu", "n_patients": 50.5}, "integer"),
        ({"name": "eicu", "seed": -1}, "non-negative"),
    ],
)
def test_bad_arguments(kwargs: dict, message: str, data_home: Path) -> None:
    with pytest.raises(ConfigError, match=message):
        build_world(**kwargs)


def test_connection_is_read_only(worlds: dict[str, World]) -> None:
    connection = worlds["mimic_iii"].connect()
    try:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            connection.execute("DELETE FROM PATIENTS")
    finally:
        connection.close()


def _build_in(home: str, queue: multiprocessing.Queue) -> None:
    os.environ[HOME_ENV] = home
    world = build_world("treqs", seed=11, n_patients=SMALL)
    queue.put(str(world.root))


def test_concurrent_builds_share_one_world(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    workers = [context.Process(target=_build_in, args=(str(tmp_path), queue)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    roots = {queue.get(timeout=5) for _ in workers}
    assert len(roots) == 1
    built = [p for p in (tmp_path / "worlds").iterdir() if not p.name.endswith(".lock")]
    assert [p.name for p in built] == [Path(roots.pop()).name]
