"""A generic ``request_info`` backend for any SQLite database.

It answers from the database itself (opened read-only), building the fuzzy-search vocabulary on
first use. World-specific inspectors can precompute more; this one serves small databases and
databases users bring themselves.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process

from medagentgym.errors import DataError
from medagentgym.sqlite import connect_readonly

MAX_VALUES_PER_COLUMN = 5000


class SQLiteInspector:
    """Schema, distinct values and fuzzy term search over one SQLite file."""

    def __init__(self, db_path: Path) -> None:
        if not Path(db_path).is_file():
            raise DataError(f"database {db_path} does not exist")
        self.db_path = Path(db_path)
        self._lock = threading.Lock()
        self._conn = connect_readonly(self.db_path, any_thread=True)
        self._tables = self._read_tables()
        self._vocabulary: list[tuple[str, str, str]] | None = None

    def _read_tables(self) -> dict[str, list[tuple[str, str]]]:
        names = [
            r[0]
            for r in self._conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
        ]
        return {
            name: [(c[1], c[2] or "TEXT") for c in self._conn.execute(f'PRAGMA table_info("{name}")')]
            for name in names
        }

    def _table(self, name: str) -> str | None:
        lookup = {t.lower(): t for t in self._tables}
        return lookup.get(name.strip().lower())

    def schema(self, table: str | None = None) -> str:
        tables = list(self._tables)
        if table is not None:
            found = self._table(table)
            if found is None:
                return f"No table named {table!r}. Tables: {', '.join(tables)}."
            tables = [found]
        lines = []
        for name in tables:
            columns = ", ".join(f"{col} {kind}" for col, kind in self._tables[name])
            lines.append(f"{name}({columns})")
        return "\n".join(lines)

    def column_values(self, table: str, column: str, limit: int = 20) -> str:
        found = self._table(table)
        if found is None:
            return f"No table named {table!r}. Tables: {', '.join(self._tables)}."
        columns = {c.lower(): c for c, _ in self._tables[found]}
        col = columns.get(column.strip().lower())
        if col is None:
            return f"Table {found} has no column {column!r}. Columns: {', '.join(columns.values())}."
        with self._lock:
            total = self._conn.execute(f'SELECT COUNT(DISTINCT "{col}") FROM "{found}"').fetchone()[0]
            rows = self._conn.execute(
                f'SELECT "{col}", COUNT(*) AS n FROM "{found}" GROUP BY "{col}" ORDER BY n DESC LIMIT ?',
                (limit,),
            ).fetchall()
        shown = ", ".join(repr(value) for value, _ in rows)
        more = f" (showing the {len(rows)} most frequent)" if total > len(rows) else ""
        return f"{found}.{col} has {total} distinct values{more}: {shown}"

    def _load_vocabulary(self) -> list[tuple[str, str, str]]:
        vocabulary = []
        for table, columns in self._tables.items():
            for column, kind in columns:
                if "CHAR" not in kind.upper() and "TEXT" not in kind.upper():
                    continue
                rows = self._conn.execute(
                    f'SELECT DISTINCT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL LIMIT ?',
                    (MAX_VALUES_PER_COLUMN,),
                )
                vocabulary += [(str(value), table, column) for (value,) in rows]
        return vocabulary

    def search(self, term: str, limit: int = 5) -> str:
        term = term.strip()
        if not term:
            return "The search term is empty."
        with self._lock:
            if self._vocabulary is None:
                self._vocabulary = self._load_vocabulary()
        choices = [value for value, _, _ in self._vocabulary]
        matches = process.extract(term, choices, scorer=fuzz.WRatio, limit=limit, score_cutoff=60)
        if not matches:
            return f"No values similar to {term!r}."
        lines = [f"Values similar to {term!r}:"]
        for value, score, index in matches:
            _, table, column = self._vocabulary[index]
            lines.append(f"- {value!r} in {table}.{column} (similarity {score:.0f})")
        return "\n".join(lines)


@lru_cache(maxsize=16)
def inspector_for_db(db_path: Path) -> SQLiteInspector:
    """A shared inspector per database file (its vocabulary is built once per process)."""
    return SQLiteInspector(db_path)
