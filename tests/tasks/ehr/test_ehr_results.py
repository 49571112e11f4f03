"""Typed answers from SQL rows: what counts as an answer, which grader judges it, and that the
oracle's printed JSON is exactly what the grader accepts."""

from __future__ import annotations

import contextlib
import io
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from medagentgym.tasks.ehr.results import MAX_ELEMENTS, grader_for, oracle_code, typed_answer


@pytest.mark.parametrize(
    ("kind", "rows", "expected"),
    [
        ("count", [(3,)], 3),
        ("count", [(0,)], None),  # a zero is what "submit 0" would guess
        ("count", [], None),
        ("number", [(2.5,)], 2.5),
        ("number", [(None,)], None),
        ("number", [(1.0,), (2.0,)], None),  # a single value was asked for
        ("integer", [(2.5,)], None),
        ("boolean", [(1,)], True),
        ("boolean", [(0,)], False),
        ("boolean", [(2,)], None),
        ("string", [("po",)], "po"),
        ("string", [("  ",)], None),
        ("datetime", [("2104-01-02 03:04:05",)], "2104-01-02 03:04:05"),
        ("datetime", [("yesterday",)], None),
        ("strings", [("b",), ("a",), ("b",), (None,)], ["a", "b"]),
        ("integers", [(3,), (1,)], [1, 3]),
        ("values", [(2.0,), (1.0,), (2.0,)], [2.0, 1.0, 2.0]),  # duplicates kept, as a multiset
        ("rows", [("a", 1), ("a", 1), ("b", 2)], [["a", 1], ["b", 2]]),
        ("rows", [("a", None)], None),
    ],
)
def test_typed_answer(kind: Any, rows: list[tuple[Any, ...]], expected: Any) -> None:
    assert typed_answer(kind, rows) == expected


def test_zero_is_kept_when_allowed_and_lists_are_bounded() -> None:
    assert typed_answer("count", [(0,)], allow_zero=True) == 0
    many = [(i,) for i in range(MAX_ELEMENTS + 1)]
    assert typed_answer("integers", many) is None
    assert typed_answer("integers", many, limit=None) == list(range(MAX_ELEMENTS + 1))


def test_graders_are_typed_and_strict() -> None:
    assert grader_for("count", 12).grade("12").correct
    assert not grader_for("count", 12).grade("12 13").correct
    assert grader_for("number", 3.14159265).grade(3.1416).correct  # within 1e-4 relative
    assert not grader_for("number", 3.14159265).grade(3.15).correct
    assert grader_for("datetime", "2104-01-02 03:04:05").grade("2104-01-02T03:04:05").correct
    assert not grader_for("datetime", "2104-01-02 03:04:05").grade("2104-01-02").correct
    strings = grader_for("strings", ["heparin", "insulin"])
    assert strings.grade(["Insulin", "heparin"]).correct
    assert not strings.grade(["heparin"]).correct
    assert not strings.grade(["heparin", "insulin", "senna"]).correct  # no credit for listing everything
    values = grader_for("values", [1.0, 1.0, 2.0])
    assert values.grade([2, 1, 1]).correct and not values.grade([1, 2]).correct
    table = grader_for("rows", [["a", 1]], ("string", "integer"))
    assert table.grade([["A", 1]]).correct


@pytest.mark.parametrize(
    ("kind", "rows"),
    [
        ("count", [(4,)]),
        ("number", [(2.25,)]),
        ("boolean", [(1,)]),
        ("string", [("po",)]),
        ("datetime", [("2104-01-02 03:04:05",)]),
        ("strings", [("b",), ("a",), ("b",)]),
        ("integers", [(3,), (1,)]),
        ("numbers", [(1.5,), (0.5,)]),
        ("datetimes", [("2104-01-02 03:04:05",), ("2104-01-01 00:00:00",)]),
        ("values", [(2.0,), (1.0,), (2.0,)]),
        ("rows", [("a", 1), ("a", 1), ("b", 2)]),
    ],
)
def test_oracle_prints_what_the_grader_accepts(
    tmp_path: Path, kind: Any, rows: list[tuple[Any, ...]]
) -> None:
    db = tmp_path / "answers.db"
    width = len(rows[0])
    with sqlite3.connect(db) as conn:
        conn.execute(f"create table t ({', '.join(f'c{i}' for i in range(width))})")
        conn.executemany(f"insert into t values ({', '.join('?' * width)})", rows)
    sql = f"select {', '.join(f'c{i}' for i in range(width))} from t order by rowid"
    code = oracle_code("/data/answers.db", sql, kind).replace("/data/answers.db", str(db))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<oracle>", "exec"), {})
    printed = json.loads(out.getvalue().splitlines()[-1])
    reference = typed_answer(kind, rows)
    columns = ("string", "integer") if kind == "rows" else ()
    assert grader_for(kind, reference, columns).grade(printed).correct
