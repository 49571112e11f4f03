"""EHRSQL's time expressions: global filters ("in 2104", "since 3 month ago", "on the current
hospital visit") and the "within" relations between two events ("within 2 day after ...").

A filter is not chosen blindly: it is derived from an *anchor* event that the answer must
include, so that, for example, "last year" is only offered for events of 2104 and "since N
month ago" gets an N that covers the anchor. Each filter renders to question text and to a SQL
predicate; where calendar arithmetic is ambiguous (adding months to the 31st) it also renders
the clamping convention, so the sampler can reject instances whose answer depends on it.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from medagentgym.tasks.ehr.sqltext import NOW_DT, add_months

SCOPES = ("hosp-cur", "hosp-first", "hosp-last", "icu-cur", "icu-first", "icu-last")
"""Patient-scope filters: which hospital visit or ICU stay a patient-level question is about."""


@dataclass(frozen=True)
class TimeFilter:
    """One global filter: its text, tense, patient scope and SQL predicate (``{t}`` = time column)."""

    kind: str
    text: str = ""
    past: bool = False
    scope: str = ""
    gold: str = ""
    alt: str = ""

    def __str__(self) -> str:
        return self.text

    def predicate(self, column: str, *, clamp: bool) -> str:
        """`` and <predicate>`` for ``column`` (empty when the filter only scopes the patient)."""
        sql = self.alt if clamp and self.alt else self.gold
        return f" and {sql.format(t=column)}" if sql else ""


@dataclass(frozen=True)
class Within:
    """A relation between an earlier event ``t1`` and a later one ``t2`` (derived-table aliases)."""

    kind: str
    text: str
    gold: str
    alt: str = ""

    def __str__(self) -> str:
        return self.text

    def sql(self, *, clamp: bool) -> str:
        return self.alt if clamp and self.alt else self.gold


NO_FILTER = TimeFilter("none")

_SCOPE_TEXT = {
    "hosp-cur": " on the current hospital visit",
    "hosp-first": " on the first hospital visit",
    "hosp-last": " on the last hospital visit",
    "icu-cur": " on the current icu visit",
    "icu-first": " on the first icu visit",
    "icu-last": " on the last icu visit",
}

Deriver = Callable[[dt.datetime, np.random.Generator], TimeFilter | None]


def _ago(unit: str, n: int, *, clamp: bool = True) -> dt.datetime:
    if unit == "year":
        return NOW_DT.replace(year=NOW_DT.year - n)
    if unit == "month":
        return add_months(NOW_DT, -n, clamp=clamp)
    return NOW_DT - dt.timedelta(days=n)


def _ts(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _range(low: dt.datetime | None, high: dt.datetime | None, *, inclusive: bool = False) -> str:
    """A predicate on the time column ``{t}`` as plain comparisons (they can use an index)."""
    parts = []
    if low is not None:
        parts.append(f"{{t}} >= '{_ts(low)}'")
    if high is not None:
        parts.append(f"{{t}} {'<=' if inclusive else '<'} '{_ts(high)}'")
    return " and ".join(parts)


def _period(moment: dt.datetime, unit: str) -> tuple[dt.datetime, dt.datetime]:
    """The calendar year, month or day containing ``moment``: [start, next start)."""
    if unit == "year":
        start = dt.datetime(moment.year, 1, 1)
        return start, start.replace(year=moment.year + 1)
    if unit == "month":
        start = dt.datetime(moment.year, moment.month, 1)
        return start, add_months(start, 1, clamp=True)
    start = dt.datetime(moment.year, moment.month, moment.day)
    return start, start + dt.timedelta(days=1)


_LIMITS = {"year": 6, "month": 72, "day": 2200}
_BOUNDS = {
    unit: (
        [
            -max(_ago(unit, n, clamp=False), _ago(unit, n, clamp=True)).timestamp()
            for n in range(1, limit + 1)
        ],
        [
            -min(_ago(unit, n, clamp=False), _ago(unit, n, clamp=True)).timestamp()
            for n in range(1, limit + 1)
        ],
    )
    for unit, limit in _LIMITS.items()
}
"""For N = 1, 2 ...: minus the timestamps of the later and the earlier of the two conventions'
"N units ago" (ascending, for bisection)."""


def _relative(unit: str, direction: str) -> Deriver:
    """ "since N <unit> ago" / "until N <unit> ago", with N chosen so the anchor qualifies.

    The boundary is ``now`` minus N units; for months SQLite's ``datetime(x, '-N month')``
    lets the 31st overflow, so the clamped boundary is kept as the alternative convention.
    """

    def derive(moment: dt.datetime, rng: np.random.Generator) -> TimeFilter | None:
        latest, earliest = _BOUNDS[unit]  # the anchor must qualify under both conventions
        key = -moment.timestamp()
        if direction == "since":  # the smallest N whose later boundary is not after the anchor
            n = 1 + bisect.bisect_left(latest, key)
            if n > _LIMITS[unit]:
                return None
            n += int(rng.integers(0, 3))
        else:  # the largest N whose earlier boundary is not before the anchor
            n = bisect.bisect_right(earliest, key)
            if n < 1:
                return None
            n = max(1, n - int(rng.integers(0, 3)))

        def predicate(boundary: dt.datetime) -> str:
            if direction == "since":
                return _range(boundary, None)
            return _range(None, boundary, inclusive=True)

        gold = predicate(_ago(unit, n, clamp=False))
        alt = predicate(_ago(unit, n, clamp=True))
        text = f" {direction} {n} {unit} ago"
        return TimeFilter(
            f"rel-{unit}-{direction}", text, direction == "until", "", gold, alt if alt != gold else ""
        )

    return derive


def _absolute(unit: str, direction: str) -> Deriver:
    """ "in 2104", "since 03/2104", "until 03/26/2104": calendar values around the anchor."""
    text_format = {"year": "{:%Y}", "month": "{:%m/%Y}", "day": "{:%m/%d/%Y}"}[unit]

    def derive(moment: dt.datetime, rng: np.random.Generator) -> TimeFilter | None:
        shift = 0 if direction == "in" else int(rng.integers(0, {"year": 3, "month": 7, "day": 31}[unit]))
        shift = -shift if direction == "since" else shift
        if unit == "year":
            value = dt.datetime(min(max(moment.year + shift, 2100), NOW_DT.year), 1, 1)
        elif unit == "month":
            value = add_months(moment.replace(day=1), shift, clamp=True)
        else:
            value = moment + dt.timedelta(days=shift)
        value = min(value, NOW_DT)
        start, end = _period(value, unit)
        gold = {"in": _range(start, end), "since": _range(start, None), "until": _range(None, end)}[direction]
        word = "on" if unit == "day" and direction == "in" else direction
        return TimeFilter(f"abs-{unit}-{direction}", f" {word} {text_format.format(value)}", True, "", gold)

    return derive


_CALENDAR = {
    "rel-year-this": ("year", 0, "this year"),
    "rel-year-last": ("year", 1, "last year"),
    "rel-month-this": ("month", 0, "this month"),
    "rel-month-last": ("month", 1, "last month"),
    "rel-day-this": ("day", 0, "today"),
    "rel-day-last": ("day", 1, "yesterday"),
    "mix-month-this_year": ("year", 0, "this year"),
    "mix-month-last_year": ("year", 1, "last year"),
    "mix-day-this_year": ("year", 0, "this year"),
    "mix-day-last_year": ("year", 1, "last year"),
    "mix-day-this_month": ("month", 0, "this month"),
    "mix-day-last_month": ("month", 1, "last month"),
}


def _calendar(kind: str) -> Deriver:
    """ "this year", "last month", "today", "in 08/last year", "on this month/05" ..."""
    unit, back, label = _CALENDAR[kind]

    def derive(moment: dt.datetime, rng: np.random.Generator) -> TimeFilter | None:
        del rng
        target, _ = _period(NOW_DT, unit)
        for _ in range(back):
            target, _ = _period(target - dt.timedelta(seconds=1), unit)
        if _period(moment, unit)[0] != target:
            return None
        if kind.startswith("rel-"):
            return TimeFilter(kind, f" {label}", back == 1, "", _range(*_period(moment, unit)))
        if kind.startswith("mix-month"):
            return TimeFilter(kind, f" in {moment:%m}/{label}", True, "", _range(*_period(moment, "month")))
        text = f" on {moment:%m/%d}/{label}" if unit == "year" else f" on {label}/{moment:%d}"
        return TimeFilter(kind, text, True, "", _range(*_period(moment, "day")))

    return derive


_DERIVERS: dict[str, Deriver] = {
    **{f"rel-{u}-{d}": _relative(u, d) for u in ("year", "month", "day") for d in ("since", "until")},
    **{f"abs-{u}-{d}": _absolute(u, d) for u in ("year", "month", "day") for d in ("in", "since", "until")},
    **{k: _calendar(k) for k in _CALENDAR},
}

KIND_WEIGHTS: dict[str, float] = {
    "none": 4.0,
    **dict.fromkeys(SCOPES[:3], 2.0),
    **dict.fromkeys(SCOPES[3:], 1.0),
    **dict.fromkeys(("abs-year-in", "abs-year-since", "abs-year-until", "rel-year-since"), 2.0),
    **dict.fromkeys(("rel-year-this", "rel-year-last", "rel-year-until", "abs-month-in"), 1.0),
}
"""Relative frequency of each kind among those compatible with an anchor (others weigh 0.5)."""

PREDICATES = tuple(_DERIVERS)
TIME_SETS: dict[str, tuple[str, ...]] = {
    "patient": ("none", *SCOPES, *PREDICATES),
    "population": ("none", *PREDICATES),
    "hospital": ("none", *SCOPES[:3], *PREDICATES),
    "visit": SCOPES[:3],
    "cur": ("hosp-cur",),
    "icu_cur": ("icu-cur",),
}


def choose_filter(
    allowed: tuple[str, ...],
    moment: dt.datetime | None,
    scopes: frozenset[str],
    rng: np.random.Generator,
) -> TimeFilter | None:
    """Pick a filter kind among ``allowed`` that the anchor (time, scopes) satisfies; derive it."""
    candidates = [
        k
        for k in allowed
        if k == "none" or (k in SCOPES and k in scopes) or (k in _DERIVERS and moment is not None)
    ]
    while candidates:
        weights = np.array([KIND_WEIGHTS.get(k, 0.5) for k in candidates])
        kind = candidates[int(rng.choice(len(candidates), p=weights / weights.sum()))]
        if kind == "none":
            return NO_FILTER
        if kind in SCOPES:
            return TimeFilter(kind, _SCOPE_TEXT[kind], kind not in {"hosp-cur", "icu-cur"}, kind)
        assert moment is not None
        found = _DERIVERS[kind](moment, rng)
        if found is not None:
            return found
        candidates.remove(kind)
    return None


# --------------------------------------------------------------------------- within relations


def _month_end_clamped(column: str, n: int) -> str:
    return (
        f"min(datetime({column},'+{n} month'), "
        f"datetime(date({column},'start of month','+{n + 1} month','-1 day') || ' ' || time({column})))"
    )


def choose_within(
    allowed: tuple[str, ...],
    first: dt.datetime,
    second: dt.datetime,
    same_visit: bool,
    rng: np.random.Generator,
) -> Within | None:
    """Pick a relation among ``allowed`` that holds between the two anchor events."""
    after = first < second
    days = (second - first).total_seconds() / 86_400
    options: list[Within] = []
    for kind in allowed:
        if kind == "hosp" and after and same_visit:
            options.append(
                Within(kind, " within the same hospital visit", "t1.time < t2.time and t1.visit = t2.visit")
            )
        elif kind == "n_day" and after and days <= 30:
            n = max(1, math.ceil(days)) + int(rng.integers(0, 3))
            gold = f"t1.time < t2.time and datetime(t2.time) <= datetime(t1.time,'+{n} day')"
            options.append(Within(kind, f" within {n} day", gold))
        elif kind == "n_month" and after and days <= 180:
            n = next(k for k in range(1, 8) if second <= add_months(first, k, clamp=True)) + int(
                rng.integers(0, 2)
            )
            gold = f"t1.time < t2.time and datetime(t2.time) <= datetime(t1.time,'+{n} month')"
            alt = f"t1.time < t2.time and datetime(t2.time) <= {_month_end_clamped('t1.time', n)}"
            options.append(Within(kind, f" within {n} month", gold, alt))
        elif kind == "day" and after and first.date() == second.date():
            options.append(
                Within(kind, " within the same day", "t1.time < t2.time and date(t1.time) = date(t2.time)")
            )
        elif kind == "month" and after and (first.year, first.month) == (second.year, second.month):
            gold = "t1.time < t2.time and strftime('%Y-%m',t1.time) = strftime('%Y-%m',t2.time)"
            options.append(Within(kind, " within the same month", gold))
        elif kind == "same" and first == second:
            options.append(Within(kind, " at the same time", "t1.time = t2.time"))
        elif kind == "co_day" and first.date() == second.date():
            options.append(Within(kind, " within the same day", "date(t1.time) = date(t2.time)"))
        elif kind == "co_hosp" and same_visit:
            options.append(Within(kind, " within the same hospital visit", "t1.visit = t2.visit"))
    if not options:
        return None
    return options[int(rng.integers(len(options)))]


WITHIN_SETS: dict[str, tuple[str, ...]] = {
    "after": ("hosp", "n_day", "n_month", "day", "month"),
    "after_time": ("n_day", "n_month", "day", "month"),
    "co": ("same", "co_day", "co_hosp"),
}
