"""Shared sandbox fixtures: one isolated pool for the whole run (starting one takes a second or two).

These tests need real isolation. They fail, rather than skip, where the machine cannot provide
it, so CI never passes by not testing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from medagentgym.sandbox import Limits, Mount, SandboxPool


@pytest.fixture(scope="session")
def pool() -> Iterator[SandboxPool]:
    with SandboxPool(workers=2, limits=Limits(timeout_s=20.0)) as shared:
        yield shared


@pytest.fixture(scope="session")
def task_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Task resources like the environment mounts them: a SQLite file and a directory of CSVs."""
    import sqlite3

    root = tmp_path_factory.mktemp("task")
    (root / "csv").mkdir()
    (root / "csv" / "labs.csv").write_text("subject_id,value\n1,4.0\n2,6.0\n")
    db = sqlite3.connect(root / "ehr.db")
    db.executescript(
        "CREATE TABLE patients (subject_id INTEGER, age INTEGER); INSERT INTO patients VALUES (1, 40), (2, 60);"
    )
    db.commit()
    db.close()
    return root


@pytest.fixture(scope="session")
def mounts(task_dir: Path) -> list[Mount]:
    return [Mount(task_dir / "ehr.db", "/data/ehr.db"), Mount(task_dir / "csv", "/data/csv")]
