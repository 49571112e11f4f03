"""Slot specifications: how a template instance draws its values from a world.

A template lists specs in order; each one samples into a shared :class:`State` and may fail
(for example when no time filter fits the anchor), in which case the whole candidate is
dropped and the next one drawn. Anchors come first: the question is built around a real row
(a lab test of a patient, a diagnosis followed by a prescription ...), so the answer is
non-empty by construction in most draws and the remaining ones are rejected after running the
SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from medagentgym.errors import ConfigError
from medagentgym.tasks.ehr.dialect import Bound
from medagentgym.tasks.ehr.options import OPTION_TABLES, Option
from medagentgym.tasks.ehr.sqltext import lit
from medagentgym.tasks.ehr.timefilters import (
    NO_FILTER,
    TIME_SETS,
    WITHIN_SETS,
    TimeFilter,
    Within,
    choose_filter,
    choose_within,
)
from medagentgym.tasks.ehr.worldindex import Event, WorldIndex


@dataclass(frozen=True)
class RoleBinding:
    """How a role (``E``, ``F``) is bound when SQL is rendered."""

    domain: str
    patient: bool
    name_slot: str | None
    timed: bool = True
    """Whether the global time filter applies to this role's rows."""


@dataclass
class State:
    """What a candidate instance has sampled so far."""

    index: WorldIndex
    slots: dict[str, Any] = field(default_factory=dict)
    events: dict[str, Event] = field(default_factory=dict)
    roles: dict[str, RoleBinding] = field(default_factory=dict)
    tf: TimeFilter = NO_FILTER
    within: Within | None = None
    row: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Anchor:
    """A random row of ``domain`` that the question is about (role ``E`` by default).

    Sets the person (``pid``, when ``patient``), the item name and the row's value. ``where``
    may use the bound domain (``{E.org} is not null``); ``scope`` keeps only rows of current
    visits ("hosp-cur") or current ICU stays ("icu-cur").
    """

    domain: str
    patient: bool = True
    role: str = "E"
    name: str = "name"
    value: str = "value"
    where: str = ""
    scope: str = ""
    timed: bool = True

    def sample(self, state: State, rng: np.random.Generator) -> bool:
        dialect = state.index.dialect
        where = self.where.format(**{self.role: Bound(dialect, self.domain)}) if self.where else ""
        if self.scope:
            domain = dialect.domain(self.domain)
            column = domain.visit if self.scope.startswith("hosp") else domain.stay
            current = f"{column} in ( {dialect.current[self.scope]} )"
            where = f"{where} and {current}" if where else current
        event = state.index.event(self.domain, rng, where=where)
        if event is None or event.person is None:
            return False
        state.events[self.role] = event
        state.roles[self.role] = RoleBinding(self.domain, self.patient, self.name, self.timed)
        if self.patient:
            state.slots["pid"] = event.person
        state.slots[self.name] = event.name
        state.slots[self.value] = event.value
        return event.name is not None


@dataclass(frozen=True)
class Pair:
    """A second row (role ``F``) of the anchor's person: later than it, or in the same visit."""

    domain: str
    patient: bool = True
    role: str = "F"
    of: str = "E"
    name: str = "name2"
    value: str = "value2"
    after: bool = True
    same_visit: bool = False
    where: str = ""
    timed: bool = True

    def sample(self, state: State, rng: np.random.Generator) -> bool:
        base = state.events[self.of]
        other = base.name if state.roles[self.of].domain == self.domain else None
        where = (
            self.where.format(**{self.role: Bound(state.index.dialect, self.domain)}) if self.where else ""
        )
        event = state.index.event(
            self.domain,
            rng,
            where=where,
            person=base.person,
            after=base.time if self.after else None,
            visit=base.visit if self.same_visit else None,
            other_name=other,
        )
        if event is None or event.name is None:
            return False
        state.events[self.role] = event
        state.roles[self.role] = RoleBinding(self.domain, self.patient, self.name, self.timed)
        state.slots[self.name] = event.name
        state.slots[self.value] = event.value
        return True


@dataclass(frozen=True)
class Role:
    """Bind another role to a domain without sampling a row (e.g. outputs next to intakes)."""

    role: str
    domain: str
    patient: bool = True
    timed: bool = True

    def sample(self, state: State, rng: np.random.Generator) -> bool:
        del rng
        state.roles[self.role] = RoleBinding(self.domain, self.patient, None, self.timed)
        return True


@dataclass(frozen=True)
class Time:
    """A global time filter (a ``TIME_SETS`` name) that the anchor ``of`` satisfies."""

    kinds: str
    of: str = "E"

    def sample(self, state: State, rng: np.random.Generator) -> bool:
        if self.kinds not in TIME_SETS:
            raise ConfigError(f"unknown time filter set {self.kinds!r}")
        event = state.events[self.of]
        scopes = state.index.scopes(event.visit, event.stay)
        found = choose_filter(TIME_SETS[self.kinds], event.time, scopes, rng)
        if found is None:
            return False
        state.tf = found
        return True


@dataclass(frozen=True)
class WithinSpec:
    """A relation between the ``E`` and ``F`` anchors ("within 2 day", "at the same time" ...)."""

    kinds: str

    def sample(self, state: State, rng: np.random.Generator) -> bool:
        first, second = state.events["E"], state.events["F"]
        if first.time is None or second.time is None:
            return False
        found = choose_within(
            WITHIN_SETS[self.kinds], first.time, second.time, first.visit == second.visit, rng
        )
        state.within = found
        return found is not None


@dataclass(frozen=True)
class Choice:
    """One entry of an option table (aggregate, unit, top-N, age group ...)."""

    table: str

    def sample(self, state: State, rng: np.random.Generator) -> bool:
        entries = OPTION_TABLES[self.table]
        state.slots.update(entries[int(rng.integers(len(entries)))])
        return True


@dataclass(frozen=True)
class OtherNames:
    """``count`` further item names of the anchor's domain; all names go to ``n1``, ``n2`` ...

    ``names_sql`` is the SQL list of all of them, in the order shown in the question.
    """

    count: int

    def sample(self, state: State, rng: np.random.Generator) -> bool:
        anchor = state.slots["name"]
        pool = [n for n in state.index.names(state.roles["E"].domain) if n != anchor]
        if len(pool) < self.count:
            return False
        picked = [pool[int(i)] for i in rng.choice(len(pool), size=self.count, replace=False)]
        names = [anchor, *picked]
        order = rng.permutation(len(names))
        names = [names[int(i)] for i in order]
        state.slots.update({f"n{i + 1}": name for i, name in enumerate(names)})
        state.slots["names_sql"] = "( " + ", ".join(lit(n) for n in names) + " )"
        return True


@dataclass(frozen=True)
class Jitter:
    """Move a numeric slot by up to ``spread`` (relative) so comparisons go either way.

    The result keeps one decimal (none for whole numbers), like the values it is compared with.
    """

    slot: str = "value"
    spread: float = 0.15

    def sample(self, state: State, rng: np.random.Generator) -> bool:
        value = state.slots.get(self.slot)
        if not isinstance(value, int | float) or isinstance(value, bool):
            return False
        moved = value * (1 + rng.uniform(-self.spread, self.spread))
        state.slots[self.slot] = round(moved) if float(value).is_integer() else round(moved, 1)
        return True


@dataclass(frozen=True)
class RowAnchor:
    """A random row of ``tables`` joined on ``key`` (the first table's row drawn at random, one
    row of each other table with the same key); its columns go to ``state.row`` as
    ``table.column`` for :class:`Condition` specs."""

    tables: tuple[str, ...]
    key: str = "hadm_id"

    def sample(self, state: State, rng: np.random.Generator) -> bool:
        index = state.index
        first, *others = self.tables
        top = index.top_rowid(first)
        found = (
            index.rows(f"select * from {first} where rowid = ?", (int(rng.integers(1, top + 1)),))
            if top
            else []
        )
        if not found:
            return False
        state.row = _named_row(index, first, found[0])
        for table in others:
            rows = index.rows(
                f"select * from {table} where {self.key} = ? order by rowid limit 200",
                (state.row[f"{first}.{self.key}"],),
            )
            if not rows:
                return False
            state.row.update(_named_row(index, table, rows[int(rng.integers(len(rows)))]))
        return True


def _named_row(index: WorldIndex, table: str, row: tuple[Any, ...]) -> dict[str, Any]:
    columns = index.columns(table)
    return {f"{table}.{column}": value for column, value in zip(columns, row, strict=True)}


@dataclass(frozen=True)
class Condition:
    """A condition ``table.column <op> value`` whose value comes from the anchor row.

    ``=`` takes the row's value; ``<``/``>`` move a number a little past it (``<=``/``>=``
    possibly not at all), so the anchor row always qualifies. The slot renders as ``phrase``
    with ``{v}`` in questions and as the predicate in SQL (``{slot.sql}``).
    """

    slot: str
    column: str
    op: str
    phrase: str

    def sample(self, state: State, rng: np.random.Generator) -> bool:
        value = state.row.get(self.column.lower())
        if value is None or value == "":
            return False
        if self.op != "=":
            if not isinstance(value, int | float):
                return False
            step = int(rng.integers(1, 6)) if self.op in ("<", ">") else int(rng.integers(0, 4))
            value = int(value) + (step if self.op.startswith("<") else -step)
        shown = str(value).lower() if isinstance(value, str) else lit(value)
        sql = f"{self.column} {self.op} {lit(shown if isinstance(value, str) else value)}"
        state.slots[self.slot] = Option(self.phrase.format(v=shown), sql)
        return True


@dataclass(frozen=True)
class Fixed:
    """Constant slots (for example the item a template always asks about)."""

    values: tuple[tuple[str, Any], ...]

    def sample(self, state: State, rng: np.random.Generator) -> bool:
        del rng
        state.slots.update(self.values)
        return True


def sample_state(index: WorldIndex, specs: tuple[Any, ...], rng: np.random.Generator) -> State | None:
    """Run the specs in order; None as soon as one cannot be satisfied."""
    state = State(index)
    for spec in specs:
        if not spec.sample(state, rng):
            return None
    return state
