"""From SQL result rows to a typed answer, its grader, and the oracle code that recomputes it.

Every template step declares an answer kind. The same kind decides how the rows become the
reference value (and whether they define an answer at all: no rows, NULL, an ambiguous
multi-row result for a single-value question, or a zero that a trivial "0" would match), which
grader compares submissions, and what Python expression the oracle prints in the sandbox.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, Literal

from medagentgym.tasks.ehr.sqltext import parse_time
from medagentgym.tasks.graders import (
    BooleanGrader,
    CollectionGrader,
    DateTimeGrader,
    Grader,
    IntegerGrader,
    NumberGrader,
    StringGrader,
    TableGrader,
)

AnswerKind = Literal[
    "count",
    "integer",
    "number",
    "boolean",
    "string",
    "datetime",
    "strings",
    "integers",
    "numbers",
    "datetimes",
    "values",
    "rows",
]
SCALAR_KINDS = ("count", "integer", "number", "boolean", "string", "datetime")
MAX_ELEMENTS = 40
REL_TOL = 1e-4
ABS_TOL = 1e-6

Row = Sequence[Any]


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _integer(value: Any) -> int | None:
    number = _number(value)
    return int(number) if number is not None and number.is_integer() else None


def _text(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _datetime(value: Any) -> str | None:
    moment = parse_time(value)
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment is not None else None


def _boolean(value: Any) -> bool | None:
    return bool(value) if value in (0, 1) else None


_ELEMENT: dict[str, Callable[[Any], Any]] = {
    "count": _integer,
    "integer": _integer,
    "number": _number,
    "boolean": _boolean,
    "string": _text,
    "datetime": _datetime,
    "strings": _text,
    "integers": _integer,
    "numbers": _number,
    "datetimes": _datetime,
    "values": _number,
}


def typed_answer(
    kind: AnswerKind, rows: Sequence[Row], *, allow_zero: bool = False, limit: int | None = MAX_ELEMENTS
) -> Any:
    """The reference answer of ``rows`` for ``kind``, or None when the rows define no answer.

    Generated questions keep lists short (``limit`` elements); imported ones take any length.
    """
    limit = limit or len(rows) + 1
    if kind == "rows":  # distinct rows: a join repeats them, the question asks for the pairs
        rows = list(dict.fromkeys(tuple(row) for row in rows))
        if not rows or len(rows) > limit or any(v is None for row in rows for v in row):
            return None
        return [list(row) for row in rows]
    if not rows or any(len(row) < 1 for row in rows):
        return None
    convert = _ELEMENT[kind]
    if kind in SCALAR_KINDS:
        if len(rows) != 1:
            return None
        value = convert(rows[0][0])
        if value is None or (kind in ("count", "integer", "number") and value == 0 and not allow_zero):
            return None
        return value
    values = [convert(row[0]) for row in rows if row[0] is not None]
    if not values or any(v is None for v in values):
        return None
    if kind != "values":
        values = sorted(set(values))
    return values if len(values) <= limit else None


def grader_for(kind: AnswerKind, answer: Any, columns: Sequence[str] = ()) -> Grader:
    """The typed grader for a reference answer: exact for ids, dates and booleans, tolerance for reals."""
    if kind in ("count", "integer"):
        return IntegerGrader(int(answer))
    if kind == "number":
        return NumberGrader(float(answer), abs_tol=ABS_TOL, rel_tol=REL_TOL)
    if kind == "boolean":
        return BooleanGrader(bool(answer))
    if kind == "string":
        return StringGrader(str(answer))
    if kind == "datetime":
        return DateTimeGrader(str(answer))
    if kind == "rows":
        return TableGrader(tuple(tuple(row) for row in answer), tuple(columns))  # type: ignore[arg-type]
    element = {"strings": "string", "integers": "integer", "numbers": "number", "datetimes": "datetime"}
    return CollectionGrader(
        tuple(answer),
        element=element.get(kind, "number"),  # type: ignore[arg-type]
        multiset=kind == "values",
        abs_tol=ABS_TOL,
        rel_tol=REL_TOL,
    )


_EXPRESSIONS: dict[str, str] = {
    "count": "int(rows[0][0])",
    "integer": "int(rows[0][0])",
    "number": "float(rows[0][0])",
    "boolean": "bool(rows[0][0])",
    "string": "str(rows[0][0])",
    "datetime": "str(rows[0][0])",
    "strings": "sorted({str(r[0]) for r in rows if r[0] is not None})",
    "integers": "sorted({int(r[0]) for r in rows if r[0] is not None})",
    "numbers": "sorted({float(r[0]) for r in rows if r[0] is not None})",
    "datetimes": "sorted({str(r[0]) for r in rows if r[0] is not None})",
    "values": "[float(r[0]) for r in rows if r[0] is not None]",
    "rows": "[list(r) for r in dict.fromkeys(rows)]",
}


def oracle_code(db_target: str, sql: str, kind: AnswerKind) -> str:
    """Python that runs ``sql`` on the mounted database and prints the typed answer as JSON."""
    return (
        "import json, sqlite3\n"
        f"conn = sqlite3.connect('file:{db_target}?mode=ro', uri=True)\n"
        f"rows = conn.execute({sql!r}).fetchall()\n"
        f"print(json.dumps({_EXPRESSIONS[kind]}))\n"
    )
