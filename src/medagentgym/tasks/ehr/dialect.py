"""How one world's schema expresses the abstract pieces the EHR templates are written in.

Templates say "events of domain E of this patient, named X, in this time window"; a
:class:`Dialect` (MIMIC-III, eICU, TREQS) says which tables, joins and columns that means. The
SQL of a template is rendered with :class:`Bound` domains, whose attributes are ready-made SQL
fragments (``{E.src}``, ``{E.patient}``, ``{E.named}``, ``{E.tg}`` ...), so one template serves
every world that has the domains it names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from medagentgym.errors import ConfigError
from medagentgym.tasks.ehr.sqltext import lit
from medagentgym.tasks.ehr.timefilters import NO_FILTER, TimeFilter


@dataclass(frozen=True)
class Domain:
    """One kind of row (a lab test, a prescription, a hospital visit ...) in a world's schema.

    ``src`` is the FROM clause that joins the event table to its dictionary (item names) and to
    the table holding the person id, so every fragment can use ``person``, ``name`` and ``time``.
    ``level`` says whether events belong to a hospital visit or to an ICU stay (which scopes
    apply), ``scope_col`` is the column compared with the patient's visit or stay ids.
    """

    table: str
    src: str
    person: str
    time: str
    visit: str
    level: str = "visit"
    scope_col: str = ""
    stay: str = "null"
    name: str = "null"
    value: str = "null"
    base: tuple[str, ...] = ()
    cols: Mapping[str, str] = field(default_factory=dict)
    value_columns: Mapping[str, str] = field(default_factory=dict)
    """For wide tables (eICU vitals): item name -> the column holding its values."""
    linked_src: str = ""
    linked_person: str = ""
    """FROM clause and person column for the inner side of a join on the person: it must reach
    a person's rows through indexed keys, person table first (``admissions cross join ...``).
    Default: ``src`` and ``person``."""

    def __post_init__(self) -> None:
        if self.level not in ("visit", "stay"):
            raise ConfigError(f"domain {self.table}: level must be visit or stay, not {self.level!r}")


@dataclass(frozen=True)
class Dialect:
    """A world's schema as the templates see it.

    ``visits`` selects a patient's hospital visit ids (``{pid}`` the person literal, ``{vf}`` a
    scope suffix); ``stays`` selects ICU stay ids of those visits (``{visits}``, ``{sf}``).
    ``scopes`` holds the suffix for each scope kind; ``{tb}`` in them receives the tie-breaker.
    ``visit_rows`` and ``stay_rows`` list (person, visit or stay, start, end) so the sampler can
    tell which scopes an anchor event satisfies; ``current`` selects the ids of open visits
    ("hosp-cur") and open ICU stays ("icu-cur").
    """

    world: str
    visits: str
    stays: str
    scopes: Mapping[str, str]
    visit_table: str
    stay_table: str
    visit_rows: str
    stay_rows: str
    current: Mapping[str, str]
    domains: Mapping[str, Domain]

    def domain(self, key: str) -> Domain:
        try:
            return self.domains[key]
        except KeyError:
            raise ConfigError(f"the {self.world} dialect has no domain {key!r}") from None


class Bound:
    """A domain bound to one instance: the patient, the item name, the time filter, conventions.

    ``tiebreak`` ("", "asc" or "desc") appends the row id to every ORDER BY, and ``clamp``
    switches month arithmetic to the clamping convention; rendering a template both ways and
    comparing the answers detects questions whose answer is not determined by their text.
    """

    def __init__(
        self,
        dialect: Dialect,
        key: str,
        *,
        pid: Any = None,
        name: Any = None,
        tf: TimeFilter = NO_FILTER,
        tiebreak: str = "",
        clamp: bool = False,
    ) -> None:
        self._dialect = dialect
        self._domain = domain = dialect.domain(key)
        self._pid, self._name, self._tf = pid, name, tf
        self._tiebreak, self._clamp = tiebreak, clamp
        self.table, self.src, self.person = domain.table, domain.src, domain.person
        self.time, self.visit, self.stay = domain.time, domain.visit, domain.stay
        if domain.value_columns:
            column = domain.value_columns.get(name) if name is not None else None
            self.name = lit(name) if name is not None else "null"
            self.value = column or "null"
        else:
            self.name, self.value = domain.name, domain.value
        self.key = domain.scope_col
        self.tg = tf.predicate(self.time, clamp=clamp)
        self.tb = f", {domain.table}.rowid {tiebreak}" if tiebreak else ""

    def __getattr__(self, attr: str) -> str:
        cols = self.__dict__["_domain"].cols
        if attr in cols:
            return cols[attr]
        raise AttributeError(f"domain {self.__dict__['_domain'].table} has no column {attr!r}")

    def _tb_for(self, table: str) -> str:
        return f", {table}.rowid {self._tiebreak}" if self._tiebreak else ""

    @property
    def base(self) -> str:
        """Conditions every row of the domain meets (``1 = 1`` when there are none)."""
        return " and ".join(self._domain.base) or "1 = 1"

    @property
    def named(self) -> str:
        """The rows of the bound item (its name or, for wide tables, a non-null value)."""
        if self._name is None:
            raise ConfigError(f"template uses {{E.named}} but no name was sampled for {self.table}")
        domain = self._domain
        if domain.value_columns:
            first = f"{self.value} is not null"
        else:
            first = f"{domain.name} = {lit(self._name)}"
        return " and ".join((first, *domain.base))

    @property
    def units(self) -> str:
        """The patient's visit ids (or ICU stay ids for stay-level domains), scope applied."""
        if self._pid is None:
            raise ConfigError(f"template uses {{E.patient}} but no patient was sampled for {self.table}")
        dialect, scope = self._dialect, self._tf.scope
        visit_filter = dialect.scopes[scope] if scope.startswith("hosp") else ""
        visits = dialect.visits.format(
            pid=lit(self._pid), vf=visit_filter.format(tb=self._tb_for(dialect.visit_table))
        )
        if self._domain.level == "visit":
            if scope.startswith("icu"):
                raise ConfigError(f"an icu scope does not apply to visit-level domain {self.table}")
            return visits
        stay_filter = dialect.scopes[scope] if scope.startswith("icu") else ""
        return dialect.stays.format(visits=visits, sf=stay_filter.format(tb=self._tb_for(dialect.stay_table)))

    @property
    def patient(self) -> str:
        """The rows of the bound patient (in the scoped visit or ICU stay)."""
        return f"{self._domain.scope_col} in ( {self.units} )"

    def _rows(self, where: str, *, linked: bool) -> str:
        domain = self._domain
        src = domain.linked_src if linked and domain.linked_src else self.src
        person = domain.linked_person if linked and domain.linked_person else self.person
        scope = f"{self.patient} and " if self._pid is not None else ""
        return (
            f"select {person} as person, {self.time} as time, {self.visit} as visit, "
            f"{self.name} as name, {self.table}.rowid as rid from {src} where {scope}{where}{self.tg}"
        )

    @property
    def rows_named(self) -> str:
        """A derived table (person, time, visit, name, rid) of the bound item's rows."""
        return self._rows(self.named, linked=False)

    @property
    def rows_any(self) -> str:
        """A derived table (person, time, visit, name, rid) of all rows of the domain."""
        return self._rows(self.base, linked=False)

    @property
    def linked_named(self) -> str:
        """Like ``rows_named``, for the inner side of a join on the person."""
        return self._rows(self.named, linked=True)

    @property
    def linked_any(self) -> str:
        """Like ``rows_any``, for the inner side of a join on the person."""
        return self._rows(self.base, linked=True)
