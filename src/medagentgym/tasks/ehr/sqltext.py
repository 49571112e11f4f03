"""SQL text helpers shared by the EHR templates: literals, and EHRSQL's notion of "now".

EHRSQL's gold SQL uses the placeholder ``current_time``, meant as ``2105-12-31 23:59:00``; all
our templates write that timestamp out, so "this year" or "currently" never depends on the
clock of the machine that runs the SQL.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

NOW = "2105-12-31 23:59:00"
NOW_DT = dt.datetime(2105, 12, 31, 23, 59, 0)
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def lit(value: Any) -> str:
    """A SQL literal: numbers as they are, text single-quoted with quotes doubled."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(int(value)) if value.is_integer() else repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def parse_time(text: Any) -> dt.datetime | None:
    """Parse a stored timestamp (``YYYY-MM-DD HH:MM:SS``); None for NULL or malformed text."""
    if not isinstance(text, str):
        return None
    try:
        return dt.datetime.strptime(text[:19], TIME_FORMAT)
    except ValueError:
        return None


def month_len(year: int, month: int) -> int:
    first_next = dt.date(year + month // 12, month % 12 + 1, 1)
    return (first_next - dt.timedelta(days=1)).day


def add_months(moment: dt.datetime, months: int, *, clamp: bool) -> dt.datetime:
    """Calendar month arithmetic under one of two conventions.

    SQLite's ``datetime(x, '+1 month')`` keeps the day and lets an impossible date overflow into
    the next month (2105-10-31 - 1 month = 2105-10-01); pandas and most people clamp to the last
    day of the month (2105-09-30). Templates check that an answer is the same under both.
    """
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = month_len(year, month)
    if clamp or moment.day <= last:
        return moment.replace(year=year, month=month, day=min(moment.day, last))
    overflow = moment.day - last
    return moment.replace(year=year, month=month, day=last) + dt.timedelta(days=overflow)
