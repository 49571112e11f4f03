"""Read-only SQLite connections for the host side (task generation, request_info, importers).

Databases are memory-mapped: population questions scan hundreds of thousands of rows, and
reading pages through the mapping instead of ``read()`` calls into SQLite's small page cache
runs the gold SQL of the EHR families about 20% faster (``benchmarks/ehr_tasks.py``).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from medagentgym.errors import DataError

MMAP_BYTES = 1 << 30
"""Upper bound of the mapping; only the pages a query touches are ever read."""


def connect_readonly(db_path: str | Path, *, any_thread: bool = False) -> sqlite3.Connection:
    """A read-only, memory-mapped connection; ``any_thread`` lets other threads use it.

    Raises DataError when the file is missing or not an SQLite database.
    """
    try:
        connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, check_same_thread=not any_thread)
        connection.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
        connection.execute("SELECT 1 FROM sqlite_master LIMIT 1")
    except sqlite3.Error as exc:
        raise DataError(f"cannot read the SQLite database {db_path}: {exc}") from exc
    return connection
