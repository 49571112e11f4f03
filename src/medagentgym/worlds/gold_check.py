"""Check a world against official gold SQL: does it execute, and does it return rows?

This is the acceptance test of a world's schema and value formats. Users with the official
MedAgentGym task files can run it on their copy; the package ships none of them. Two numbers
matter: the share of queries that execute (schema exactness) and the share that return rows.
Raw gold SQL names patients and items of the real databases, so it is also re-grounded: the
literals of each query are swapped for values this world has (see :mod:`slots`), a few times,
and the query counts as answerable if some grounding returns rows.

Time semantics follow EHRSQL's ``post_process_sql``: ``current_time`` is
``'2105-12-31 23:59:00'``, ``%y`` is ``%Y`` and ``%j`` is ``%J`` (the Julian day, so that
differences are day counts).
"""

from __future__ import annotations

import json
import random
import re
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from medagentgym.errors import DataError
from medagentgym.worlds.build import World
from medagentgym.worlds.registry import EHRSQL_NOW
from medagentgym.worlds.slots import slot_counts, slot_names

_TREQS_CONDITION = re.compile(r"(\w+)\.'(\w+)' = '([^']*)'")
_OPEN_ADMISSION = ("dischtime is null", "hospitaldischargetime is null")


def ehrsql_sql(query: str) -> str:
    """EHRSQL's post-processing of gold SQL (its "now" and day arithmetic)."""
    query = query.replace("current_time", f"'{EHRSQL_NOW}'")
    return query.replace("%y", "%Y").replace("%j", "%J")


def read_tasks(path: Path) -> list[dict]:
    """Records of an official ``*_tasks.jsonl`` file."""
    try:
        with Path(path).open(encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]
    except (OSError, ValueError) as error:
        raise DataError(f"cannot read official tasks {path}: {error}") from error


@dataclass
class GoldReport:
    """Counts over one task file; shares are fractions of ``total``."""

    world: str
    total: int = 0
    executed: int = 0
    non_empty: int = 0
    informative: int = 0  # some value is neither NULL nor zero
    grounded_non_empty: int = 0
    grounded_informative: int = 0
    errors: Counter = field(default_factory=Counter)

    def shares(self) -> dict[str, float]:
        n = max(self.total, 1)
        return {
            "executes": round(self.executed / n, 4),
            "non_empty": round(self.non_empty / n, 4),
            "informative": round(self.informative / n, 4),
            "grounded_non_empty": round(self.grounded_non_empty / n, 4),
            "grounded_informative": round(self.grounded_informative / n, 4),
        }


def _run(connection: sqlite3.Connection, query: str, timeout_s: float) -> list[tuple] | None:
    deadline = time.perf_counter() + timeout_s
    connection.set_progress_handler(lambda: int(time.perf_counter() > deadline), 20_000)
    try:
        return connection.execute(query).fetchall()
    finally:
        connection.set_progress_handler(None, 0)


def _informative(rows: list[tuple]) -> bool:
    return any(v is not None and v not in (0, "0") for row in rows for v in row)


class _Grounder:
    """Swaps a gold query's literals for values of the world (weighted by frequency)."""

    def __init__(self, world: World, rng: random.Random) -> None:
        self.world, self.rng = world, rng
        self._cache: dict[str, tuple[list, list[int]]] = {}

    def sample(self, slot: str) -> object | None:
        if slot not in self._cache:
            counts = slot_counts(self.world, slot) if slot in slot_names(self.world.name) else []
            self._cache[slot] = ([v for v, _ in counts], [n for _, n in counts])
        values, weights = self._cache[slot]
        return self.rng.choices(values, weights)[0] if values else None

    def ground(self, record: dict, query: str) -> str:
        if self.world.name == "treqs":
            return _TREQS_CONDITION.sub(self._treqs_literal, query)
        replaced: dict[object, object] = {}
        for key, old in record.get("value", {}).items():
            slot = key.rstrip("0123456789")
            if slot in ("vital_value", "lab_value") or old in replaced:
                continue
            if slot == "patient_id" and any(s in query for s in _OPEN_ADMISSION):
                slot = "current_patient_id"
            new = self.sample(slot)
            if new is not None:
                replaced[old] = new
                query = _substitute(query, old, new)
        return query

    def _treqs_literal(self, match: re.Match) -> str:
        table, column, _ = match.groups()
        new = self.sample(f"{table}.{column}")
        literal = match.group(3) if new is None else str(new).lower().replace("'", "''")
        return f"{table}.'{column}' = '{literal}'"


def _substitute(query: str, old: object, new: object) -> str:
    if isinstance(old, str) and f"'{old}'" in query:
        return query.replace(f"'{old}'", "'" + str(new).replace("'", "''") + "'")
    number = int(old) if isinstance(old, float) and old.is_integer() else old
    return re.sub(rf"(?<![\w.']){re.escape(str(number))}(?![\w.'])", str(new), query)


def check_gold(
    world: World,
    tasks: list[dict],
    *,
    ground_tries: int = 0,
    seed: int = 0,
    timeout_s: float = 5.0,
) -> GoldReport:
    """Execute every task's gold SQL on ``world`` (and, if asked, re-grounded variants)."""
    report = GoldReport(world=world.name)
    grounder = _Grounder(world, random.Random(seed))
    connection = world.connect()
    try:
        for record in tasks:
            query = record.get("query")
            if not query:
                continue
            report.total += 1
            query = ehrsql_sql(query) if world.name != "treqs" else query
            try:
                rows = _run(connection, query, timeout_s)
            except sqlite3.Error as error:
                report.errors[str(error).split(":")[0][:60]] += 1
                continue
            report.executed += 1
            report.non_empty += bool(rows)
            report.informative += _informative(rows)
            if not ground_tries:
                continue
            found_rows = bool(rows)
            found_value = _informative(rows)
            for _ in range(ground_tries):
                if found_value:
                    break
                try:
                    grounded = _run(connection, grounder.ground(record, query), timeout_s)
                except sqlite3.Error:
                    continue
                found_rows |= bool(grounded)
                found_value |= _informative(grounded)
            report.grounded_non_empty += found_rows
            report.grounded_informative += found_value
    finally:
        connection.close()
    return report
