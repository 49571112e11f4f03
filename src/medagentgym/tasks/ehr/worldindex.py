"""Read access to one world for sampling: random rows, a patient's visits, vocabularies.

Sampling draws many small queries, so the index keeps one read-only connection per thread,
samples rows by random ``rowid`` (falling back to a cached list of matching row ids for rare
conditions) and precomputes which visits and ICU stays are a patient's current, first or last.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from medagentgym.errors import DataError
from medagentgym.sqlite import connect_readonly
from medagentgym.tasks.ehr.dialect import Dialect, Domain
from medagentgym.tasks.ehr.sqltext import parse_time

ROWID_TRIES = 24
PAIR_LIMIT = 400


@dataclass(frozen=True)
class Event:
    """One sampled row: who, what, when, its value, and the visit / ICU stay it belongs to."""

    person: Any
    name: Any
    time: dt.datetime | None
    value: Any
    visit: Any
    stay: Any


class WorldIndex:
    """Sampling helpers over one world database (thread-safe; connections are per thread)."""

    def __init__(self, dialect: Dialect, db_path: Path) -> None:
        if not Path(db_path).is_file():
            raise DataError(f"world database {db_path} does not exist")
        self.dialect = dialect
        self.db_path = Path(db_path)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._max_rowid: dict[str, int] = {}
        self._rowids: dict[tuple[str, str], list[int]] = {}
        self._names: dict[tuple[str, str], list[Any]] = {}
        self._scopes: dict[tuple[str, Any], frozenset[str]] | None = None

    @property
    def connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect_readonly(self.db_path, any_thread=True)
            self._local.conn = conn
        return conn

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.connection.execute(sql, tuple(params)).fetchall()

    # ------------------------------------------------------------------ scopes

    def scopes(self, visit: Any, stay: Any) -> frozenset[str]:
        """Which scopes ("hosp-cur", "icu-first" ...) the visit and ICU stay satisfy."""
        if self._scopes is None:
            with self._lock:
                if self._scopes is None:
                    self._scopes = self._load_scopes()
        found = self._scopes.get(("visit", visit), frozenset())
        if stay is not None:
            found |= self._scopes.get(("stay", stay), frozenset())
        return found

    def _load_scopes(self) -> dict[tuple[str, Any], frozenset[str]]:
        scopes: dict[tuple[str, Any], set[str]] = defaultdict(set)
        for level, sql, prefix in (
            ("visit", self.dialect.visit_rows, "hosp"),
            ("stay", self.dialect.stay_rows, "icu"),
        ):
            if not sql:
                continue
            by_person: dict[Any, list[tuple[str, Any, Any]]] = defaultdict(list)
            for person, unit, start, end in self.rows(sql):
                by_person[person].append((str(start), unit, end))
            for units in by_person.values():
                units.sort(key=lambda item: item[0])
                done = [u for u in units if u[2] is not None]
                for _, unit, end in units:
                    if end is None:
                        scopes[(level, unit)].add(f"{prefix}-cur")
                if done:
                    scopes[(level, done[0][1])].add(f"{prefix}-first")
                    scopes[(level, done[-1][1])].add(f"{prefix}-last")
        return {key: frozenset(value) for key, value in scopes.items()}

    # ------------------------------------------------------------------ rows

    def _select(self, domain: Domain, value: str) -> str:
        return (
            f"select {domain.person}, {domain.name if not domain.value_columns else 'null'}, {domain.time}, "
            f"{value}, {domain.visit}, {domain.stay} from {domain.src}"
        )

    @staticmethod
    def _event(row: tuple[Any, ...], name: Any) -> Event:
        person, stored_name, time, value, visit, stay = row
        return Event(person, stored_name if name is None else name, parse_time(time), value, visit, stay)

    def event(
        self,
        key: str,
        rng: np.random.Generator,
        *,
        where: str = "",
        person: Any = None,
        after: dt.datetime | None = None,
        visit: Any = None,
        other_name: Any = None,
    ) -> Event | None:
        """A random row of domain ``key`` meeting the conditions (None if there is none)."""
        domain = self.dialect.domain(key)
        name = None
        value = domain.value
        conditions = [*domain.base]
        if domain.value_columns:
            name = sorted(domain.value_columns)[int(rng.integers(len(domain.value_columns)))]
            value = domain.value_columns[name]
            conditions.append(f"{value} is not null")
        if where:
            conditions.append(where)
        select = self._select(domain, value)
        if person is None:
            return self._random_event(domain, select, conditions, name, rng)
        params: list[Any] = [person]
        conditions.insert(0, f"{domain.person} = ?")
        if after is not None:
            conditions.append(f"{domain.time} > ?")
            params.append(after.strftime("%Y-%m-%d %H:%M:%S"))
        if visit is not None:
            conditions.append(f"{domain.visit} = ?")
            params.append(visit)
        if other_name is not None and not domain.value_columns:
            conditions.append(f"{domain.name} <> ?")
            params.append(other_name)
        sql = f"{select} where {' and '.join(conditions)} order by {domain.table}.rowid limit {PAIR_LIMIT}"
        found = self.rows(sql, params)
        return self._event(found[int(rng.integers(len(found)))], name) if found else None

    def _random_event(
        self, domain: Domain, select: str, conditions: list[str], name: Any, rng: np.random.Generator
    ) -> Event | None:
        where = " and ".join(conditions)
        cache_key = (domain.table, f"{domain.src} where {where}")
        ids = self._rowids.get(cache_key)
        if ids is None:
            top = self.top_rowid(domain.table)
            sql = f"{select} where {domain.table}.rowid = ?" + (f" and {where}" if where else "")
            for _ in range(ROWID_TRIES):
                found = self.rows(sql, (int(rng.integers(1, top + 1)),)) if top else []
                if found:
                    return self._event(found[0], name)
            ids = [
                r[0]
                for r in self.rows(
                    f"select {domain.table}.rowid from {domain.src}" + (f" where {where}" if where else "")
                )
            ]
            with self._lock:
                self._rowids[cache_key] = ids
        if not ids:
            return None
        rowid = ids[int(rng.integers(len(ids)))]
        found = self.rows(f"{select} where {domain.table}.rowid = ?", (rowid,))
        return self._event(found[0], name) if found else None

    def top_rowid(self, table: str) -> int:
        """The largest row id of ``table`` (row ids of the worlds' tables run from 1 without gaps)."""
        if table not in self._max_rowid:
            top = self.rows(f"select max(rowid) from {table}")[0][0] or 0
            with self._lock:
                self._max_rowid[table] = int(top)
        return self._max_rowid[table]

    def columns(self, table: str) -> list[str]:
        """Lower-case column names of ``table``, in order."""
        key = (table, "columns")
        if key not in self._names:
            found = [row[1].lower() for row in self.rows(f"pragma table_info({table})")]
            with self._lock:
                self._names[key] = found
        return self._names[key]

    def names(self, key: str) -> list[Any]:
        """The distinct item names of a domain (sorted, so sampling from them is deterministic)."""
        if (key, "names") not in self._names:
            domain = self.dialect.domain(key)
            if domain.value_columns:
                found = sorted(domain.value_columns)
            else:
                conditions = " and ".join(domain.base) or "1 = 1"
                rows = self.rows(f"select distinct {domain.name} from {domain.src} where {conditions}")
                found = sorted(r[0] for r in rows if r[0] is not None)
            with self._lock:
                self._names[(key, "names")] = found
        return self._names[(key, "names")]
