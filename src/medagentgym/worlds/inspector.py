"""Answers to the agent's ``request_info`` action: schema, column values, fuzzy term search.

Everything comes from the sidecar computed at build time, so each call takes milliseconds and
never touches the (possibly large) tables. Answers are short plain text for a language model;
a wrong table or column name gets a helpful message listing the valid names, never an error.
"""

from __future__ import annotations

import json
import re

import numpy as np
from rapidfuzz import fuzz, process

from medagentgym.worlds.build import World
from medagentgym.worlds.registry import SPECS

MAX_VALUES = 50
MAX_MATCHES = 20
MAX_SUBSTRING_HITS = 200  # substring matches scored per query (short terms match thousands)
_TOKEN = re.compile(r"[a-z0-9]+")
_COMMON_TOKEN_SHARE = 0.02  # tokens in more entries than this do not propose candidates


def _show(value: object) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def _closest(name: str, choices: list[str]) -> str:
    match = process.extractOne(name.lower(), [c.lower() for c in choices], scorer=fuzz.WRatio)
    return f" Did you mean {choices[match[2]]!r}?" if match and match[1] >= 70 else ""


class WorldInspector:
    """Schema, column values and fuzzy search over one world, from its sidecar."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.schema_spec = SPECS[world.name].schema
        profile = json.loads(world.sidecar.read_text(encoding="utf-8"))
        self._tables: dict = profile["tables"]
        vocabulary: dict[str, list[str]] = profile["vocabulary"]
        self._values = list(vocabulary)
        self._places = [vocabulary[v] for v in self._values]
        self._lower = [v.lower() for v in self._values]
        self._length = np.fromiter((len(v) for v in self._lower), dtype=int, count=len(self._lower))
        postings: dict[str, list[int]] = {}
        for i, text in enumerate(self._lower):
            for token in set(_TOKEN.findall(text)):
                postings.setdefault(token, []).append(i)
        limit = max(50, int(_COMMON_TOKEN_SHARE * len(self._values)))
        self._postings = {t: np.asarray(ids) for t, ids in postings.items() if len(ids) <= limit}
        self._tokens = list(self._postings)

    def _table(self, table: str) -> str | None:
        spec = self.schema_spec.table(table)
        return spec.name if spec is not None else None

    def _unknown_table(self, table: str) -> str:
        names = [t.name for t in self.schema_spec.tables]
        return (
            f"Unknown table {table!r} in {self.world.name}.{_closest(table, names)} "
            f"Tables: {', '.join(names)}."
        )

    def schema(self, table: str | None = None) -> str:
        """Tables with their columns and types (all tables, or one), and row counts."""
        if table is not None and self._table(table) is None:
            return self._unknown_table(table)
        wanted = [self._table(table)] if table else [t.name for t in self.schema_spec.tables]
        lines = []
        for name in wanted:
            spec = self.schema_spec.table(name)
            info = self._tables[name]
            columns = ", ".join(f"{c.name} {c.type}" for c in spec.columns)
            lines.append(f"{name} ({info['rows']} rows; file {info['csv']}): {columns}")
            if table is not None and spec.foreign_keys:
                keys = "; ".join(f"{c} -> {t}.{r}" for c, t, r in spec.foreign_keys)
                lines.append(f"  foreign keys: {keys}")
        return "\n".join(lines)

    def column_values(self, table: str, column: str, limit: int = 20) -> str:
        """Distinct values of a column, most frequent first, and how many there are."""
        name = self._table(table)
        if name is None:
            return self._unknown_table(table)
        columns = self._tables[name]["columns"]
        match = next((c for c in columns if c.lower() == column.lower()), None)
        if match is None:
            return (
                f"Unknown column {column!r} in {name}.{_closest(column, list(columns))} "
                f"Columns: {', '.join(columns)}."
            )
        info = columns[match]
        limit = max(1, min(int(limit), MAX_VALUES))
        shown = info["top"][:limit]
        listing = "; ".join(f"{_show(v)} ({n})" for v, n in shown)
        text = f"{name}.{match}: {info['distinct']} distinct values"
        if info["nulls"]:
            text += f", {info['nulls']} NULL"
        if "min" in info:
            text += f", range {_show(info['min'])} .. {_show(info['max'])}"
        text += f". Most frequent (count): {listing}" if shown else ". No non-NULL values."
        if info["distinct"] > len(shown):
            text += f"; ... and {info['distinct'] - len(shown)} more"
        return text + "."

    def _candidates(self, query: str) -> np.ndarray:
        """Entries containing the query (the shortest, prefix matches first, if there are many)
        plus entries sharing a (possibly misspelt) word with it."""
        hits = np.fromiter((i for i, v in enumerate(self._lower) if query in v), dtype=int)
        if len(hits) > MAX_SUBSTRING_HITS:
            prefix = np.fromiter((self._lower[i].startswith(query) for i in hits), dtype=bool)
            key = self._length[hits] + np.where(prefix, 0, 100_000)
            hits = hits[np.argsort(key, kind="stable")[:MAX_SUBSTRING_HITS]]
        found = [hits]
        for token in set(_TOKEN.findall(query)):
            close = process.extract(token, self._tokens, scorer=fuzz.ratio, limit=3, score_cutoff=80)
            found.extend(self._postings[t] for t, _, _ in close)
        return np.unique(np.concatenate(found))

    def search(self, term: str, limit: int = 5) -> str:
        """Values of the world closest to ``term`` (fuzzy), each with where it occurs."""
        query = " ".join(str(term).lower().split())
        if not query:
            return "Give a non-empty term to search for."
        limit = max(1, min(int(limit), MAX_MATCHES))
        candidates = self._candidates(query)
        if not len(candidates):
            candidates = np.arange(len(self._lower))
        choices = {int(i): self._lower[i] for i in candidates}
        scored = process.extract(query, choices, scorer=fuzz.WRatio, limit=None, score_cutoff=50)
        ranked = sorted(
            scored,
            key=lambda m: (
                -(m[0] == query),
                -(query in m[0]),
                -round(m[1]),
                len(m[0]),
                m[0],
            ),
        )[:limit]
        if not ranked:
            return f"No values close to {term!r} in {self.world.name}."
        lines = [f"Closest values to {term!r} in {self.world.name}:"]
        for _, score, i in ranked:
            places = self._places[i]
            where = ", ".join(places[:3]) + (f" (+{len(places) - 3} more)" if len(places) > 3 else "")
            lines.append(f"- {self._values[i]!r} in {where} (score {round(score)})")
        return "\n".join(lines)
