"""Option tables: the small closed choices of question templates (aggregate, unit, top-N, ...).

Each table is a tuple of entries; an entry maps slot names to values that render both in the
question (``str(value)``) and in the SQL (attributes such as ``{agg.sql}``). A template names
the tables it uses; the sampler picks one entry of each.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Option:
    """A choice shown as ``text`` in the question and written as ``sql`` in the query."""

    text: str
    sql: str = ""

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Order:
    """Which row of a time-ordered list: ``first`` = ascending, offset 0; ``second to last`` ..."""

    text: str
    dir: str
    off: int = 0

    def __str__(self) -> str:
        return self.text


FIRST, LAST = Order("first", "asc"), Order("last", "desc")
SECOND, SECOND_TO_LAST = Order("second", "asc", 1), Order("second to last", "desc", 1)

Entry = Mapping[str, Any]

OPTION_TABLES: dict[str, tuple[Entry, ...]] = {
    "agg": tuple(
        {"agg": Option(text, sql)}
        for text, sql in (("average", "avg"), ("maximum", "max"), ("minimum", "min"))
    ),
    "unit": ({"unit": Option("hours", "24")}, {"unit": Option("days", "1")}),
    "n": tuple({"n": Option(text, str(k))} for k, text in ((3, "three"), (4, "four"), (5, "five"))),
    "age": tuple(
        {"age": Option(text, sql)}
        for text, sql in (
            ("20s", "between 20 and 29"),
            ("30s", "between 30 and 39"),
            ("40s", "between 40 and 49"),
            ("50s", "between 50 and 59"),
            ("60 or above", ">= 60"),
        )
    ),
    "period": tuple(
        {"period": Option(text, fmt)}
        for text, fmt in (("daily", "%Y-%m-%d"), ("monthly", "%Y-%m"), ("yearly", "%Y"))
    ),
    "cmp": ({"cmp": Option("greater", ">")}, {"cmp": Option("less", "<")}),
    "sort": ({"sort": Option("highest", "desc")}, {"sort": Option("lowest", "asc")}),
    "times": ({"times": Option("two times", "= 2")}, {"times": Option("two or more times", ">= 2")}),
    "years": tuple(
        {"years": Option(f"{text} year", str(k))}
        for k, text in ((1, "one"), (2, "two"), (3, "three"), (4, "four"), (5, "five"))
    ),
    "days": tuple({"days": Option(str(k), str(k))} for k in (1, 2, 3, 7)),
    "order": ({"x": FIRST}, {"x": LAST}),
    "order_pair": (
        {"x2": LAST, "x1": FIRST},
        {"x2": SECOND, "x1": FIRST},
        {"x2": LAST, "x1": SECOND_TO_LAST},
    ),
}
