"""Small worlds shared by the tests (built once per session in a private data home)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from medagentgym.paths import HOME_ENV
from medagentgym.worlds import WORLD_NAMES, World, build_world

TEST_PATIENTS = 200


@pytest.fixture(scope="session")
def data_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("medagentgym-home")
    previous = os.environ.get(HOME_ENV)
    os.environ[HOME_ENV] = str(home)
    yield home
    if previous is None:
        os.environ.pop(HOME_ENV, None)
    else:
        os.environ[HOME_ENV] = previous


@pytest.fixture(scope="session")
def worlds(data_home: Path) -> dict[str, World]:
    return {name: build_world(name, n_patients=TEST_PATIENTS) for name in WORLD_NAMES}


@pytest.fixture(scope="session")
def mimic(worlds: dict[str, World]) -> World:
    return worlds["mimic_iii"]


@pytest.fixture(scope="session")
def eicu(worlds: dict[str, World]) -> World:
    return worlds["eicu"]


@pytest.fixture(scope="session")
def treqs(worlds: dict[str, World]) -> World:
    return worlds["treqs"]


def _rows(world: World, sql: str, *args: object) -> list[tuple]:
    connection = world.connect()
    try:
        return connection.execute(sql, args).fetchall()
    finally:
        connection.close()


@pytest.fixture(scope="session")
def query():
    """``query(world, sql, *args)`` -> all rows (read-only)."""
    return _rows


@pytest.fixture(scope="session")
def scalar():
    """``scalar(world, sql, *args)`` -> the first value of the first row."""
    return lambda world, sql, *args: _rows(world, sql, *args)[0][0]
