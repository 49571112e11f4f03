"""Time filters and "within" relations: derived from an anchor, they must include it (checked by
SQLite itself), read as EHRSQL phrases them, and expose calendar ambiguity when it exists."""

from __future__ import annotations

import datetime as dt
import sqlite3

import numpy as np
import pytest

from medagentgym.tasks.ehr.sqltext import add_months, lit
from medagentgym.tasks.ehr.timefilters import (
    PREDICATES,
    SCOPES,
    TIME_SETS,
    WITHIN_SETS,
    choose_filter,
    choose_within,
)

DB = sqlite3.connect(":memory:")


def holds(predicate: str, moment: dt.datetime) -> bool:
    """Evaluate a `` and <predicate>`` on ``{t}`` = the moment, in SQLite."""
    text = predicate.removeprefix(" and ").replace("{t}", lit(moment.strftime("%Y-%m-%d %H:%M:%S")))
    return bool(DB.execute(f"select {text}").fetchone()[0])


def anchors(count: int, seed: int = 0) -> list[dt.datetime]:
    rng = np.random.default_rng(seed)
    start = dt.datetime(2100, 1, 1)
    span = (dt.datetime(2105, 12, 31, 23, 0) - start).total_seconds()
    return [start + dt.timedelta(seconds=int(rng.uniform(0, span))) for _ in range(count)]


@pytest.mark.parametrize("kind", PREDICATES)
def test_every_derived_filter_includes_its_anchor(kind: str) -> None:
    rng = np.random.default_rng(1)
    derived = 0
    for moment in anchors(300):
        found = choose_filter((kind,), moment, frozenset(), rng)
        if found is None:
            continue
        derived += 1
        assert found.kind == kind and found.text.startswith(" ")
        assert holds(found.predicate("{t}", clamp=False), moment), (found, moment)
        assert holds(found.predicate("{t}", clamp=True), moment), (found, moment)
    calendar_only = kind.startswith(
        ("rel-day-this", "rel-day-last", "rel-month", "mix-day-this_month", "mix-day-last")
    )
    assert derived > 0 or calendar_only  # "today" fits almost no random anchor


def test_calendar_filters_only_fit_their_period() -> None:
    rng = np.random.default_rng(0)
    this_year = choose_filter(("rel-year-this",), dt.datetime(2105, 3, 4, 5, 6), frozenset(), rng)
    assert this_year is not None and this_year.text == " this year"
    assert choose_filter(("rel-year-this",), dt.datetime(2104, 3, 4), frozenset(), rng) is None
    last_month = choose_filter(("rel-month-last",), dt.datetime(2105, 11, 30, 23, 0), frozenset(), rng)
    assert last_month is not None and holds(
        last_month.predicate("{t}", clamp=False), dt.datetime(2105, 11, 1)
    )
    assert not holds(last_month.predicate("{t}", clamp=False), dt.datetime(2105, 12, 1))
    mixed = choose_filter(("mix-day-this_year",), dt.datetime(2105, 2, 28, 1), frozenset(), rng)
    assert mixed is not None and mixed.text == " on 02/28/this year"


def test_month_arithmetic_exposes_both_conventions() -> None:
    """31 Dec minus one month: SQLite overflows to 1 Dec, clamping gives 30 Nov."""
    assert add_months(dt.datetime(2105, 12, 31, 23, 59), -1, clamp=False) == dt.datetime(2105, 12, 1, 23, 59)
    assert add_months(dt.datetime(2105, 12, 31, 23, 59), -1, clamp=True) == dt.datetime(2105, 11, 30, 23, 59)
    sqlite_now = DB.execute("select datetime('2105-12-31 23:59:00', '-1 month')").fetchone()[0]
    assert sqlite_now == "2105-12-01 23:59:00"
    rng = np.random.default_rng(0)
    ambiguous = [
        found
        for moment in anchors(200)
        if (found := choose_filter(("rel-month-since",), moment, frozenset(), rng)) is not None and found.alt
    ]
    assert ambiguous and all(f.alt != f.gold for f in ambiguous)


def test_scopes_are_offered_only_when_the_anchor_has_them() -> None:
    rng = np.random.default_rng(0)
    moment = dt.datetime(2103, 1, 1)
    for _ in range(20):
        found = choose_filter(TIME_SETS["patient"], moment, frozenset({"hosp-first"}), rng)
        assert found is not None
        assert found.scope in ("", "hosp-first")
    assert choose_filter(("hosp-cur",), moment, frozenset({"hosp-first"}), rng) is None
    cur = choose_filter(("hosp-cur",), None, frozenset({"hosp-cur"}), rng)
    assert cur is not None and cur.text == " on the current hospital visit" and not cur.past
    assert set(SCOPES) <= set(TIME_SETS["patient"])


@pytest.mark.parametrize("kinds", sorted(WITHIN_SETS))
def test_within_relations_hold_between_their_anchors(kinds: str) -> None:
    rng = np.random.default_rng(2)
    table = "select ? as time, ? as visit"
    for first in anchors(200, seed=3):
        second = first + dt.timedelta(hours=float(rng.choice([0, 3, 30, 24 * 20, 24 * 70])))
        same_visit = bool(rng.integers(2))
        found = choose_within(WITHIN_SETS[kinds], first, second, same_visit, rng)
        if found is None:
            continue
        params = [
            first.strftime("%Y-%m-%d %H:%M:%S"),
            1,
            second.strftime("%Y-%m-%d %H:%M:%S"),
            1 if same_visit else 2,
        ]
        for clamp in (False, True):
            sql = f"select {found.sql(clamp=clamp)} from ( {table} ) as t1, ( {table} ) as t2"
            assert DB.execute(sql, params).fetchone()[0] == 1, (found, first, second)


def test_no_within_relation_for_events_in_the_wrong_order() -> None:
    later, earlier = dt.datetime(2104, 5, 2), dt.datetime(2104, 5, 1)
    assert choose_within(WITHIN_SETS["after"], later, earlier, True, np.random.default_rng(0)) is None
