"""Import MedCalc-Bench's official test file (JSONL as MedAgentGym ships it, or CSV).

Each row becomes a ``medcalc`` task: the patient note is shown to the agent (the original
MedAgentGym forgot it), the official question is asked, and the answer is graded by
MedCalc-Bench's rule for the calculator with the row's own Lower/Upper Limit. Rows that cannot be
read are reported with the reason, never silently dropped.

Two checks come with it. :func:`check_oracle` submits each row's official ground truth (it must
score 1) and the trivial strategies (they must not). :func:`recompute` runs our calculators on
each row's "Relevant Entities" and reports how often they reproduce the official answer, with a
cause for every disagreement.
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from medagentgym.errors import DataError
from medagentgym.tasks.graders import DateGrader, Grader, IntegerGrader, RangeGrader
from medagentgym.tasks.medcalc.catalog import BY_ID
from medagentgym.tasks.medcalc.entities import EntityError, inputs_from_entities
from medagentgym.tasks.medcalc.family import task_for
from medagentgym.tasks.medcalc.grading import WeeksDaysGrader
from medagentgym.tasks.medcalc.known_differences import explain
from medagentgym.tasks.medcalc.spec import Calculator
from medagentgym.tasks.model import Oracle, Task

FIELDS = (
    "Row Number",
    "Calculator ID",
    "Calculator Name",
    "Patient Note",
    "Question",
    "Relevant Entities",
    "Ground Truth Answer",
    "Lower Limit",
    "Upper Limit",
)
SPLIT = "test"
CRASH_OUTPUT = "Traceback (most recent call last):\nRuntimeError: line 1 crashed: 0 1 True"
"""What the trivial ``crash`` strategy submits (the traceback of its failing code)."""


class RowError(ValueError):
    """A row that cannot be imported; the message is the reason reported to the user."""


@dataclass(frozen=True)
class Row:
    """One official row, parsed."""

    number: int
    calc: Calculator
    note: str
    question: str
    entities: dict[str, Any]
    answer: str
    lower: float | None
    upper: float | None


@dataclass(frozen=True)
class ImportResult:
    total: int
    rows: list[Row]
    failed: list[dict[str, Any]]

    @property
    def tasks(self) -> list[Task]:
        return [build_task(row) for row in self.rows]

    def summary(self) -> dict[str, Any]:
        return {"total": self.total, "loaded": len(self.rows), "failed": self.failed}


# --------------------------------------------------------------------------- reading


def import_file(path: Path) -> ImportResult:
    """Read every row of an official file; unreadable rows go to ``failed`` with their reason."""
    rows: list[Row] = []
    failed: list[dict[str, Any]] = []
    total = 0
    for position, record in _records(path):
        total += 1
        try:
            rows.append(parse_row(record))
        except RowError as exc:
            failed.append({"row": record.get("Row Number", position), "reason": str(exc)})
    return ImportResult(total, rows, failed)


def _records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(position, record) pairs from a JSONL or CSV file; a malformed JSON line becomes a record
    with an ``_error`` so that it is reported like any other bad row."""
    if not path.is_file():
        raise DataError(f"{path} does not exist or is not a file")
    with path.open(encoding="utf-8", newline="") as handle:
        head = handle.read(1).lstrip() if path.suffix.lower() != ".csv" else ""
        handle.seek(0)
        if head == "{" or path.suffix.lower() in (".jsonl", ".json"):
            for position, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    record = {"_error": f"line {position} is not JSON ({exc.msg})"}
                yield position, record if isinstance(record, dict) else {"_error": "not a JSON object"}
        else:
            yield from enumerate(csv.DictReader(handle), start=1)


def parse_row(record: Mapping[str, Any]) -> Row:
    """Validate one official record; raise :class:`RowError` with the reason otherwise."""
    if "_error" in record:
        raise RowError(record["_error"])
    missing = [name for name in FIELDS if name not in record]
    if missing:
        raise RowError(f"missing fields: {', '.join(missing)}")
    try:
        number, calc_id = int(record["Row Number"]), int(record["Calculator ID"])
    except (TypeError, ValueError):
        raise RowError("Row Number and Calculator ID must be integers") from None
    calc = BY_ID.get(calc_id)
    if calc is None:
        raise RowError(f"unknown Calculator ID {calc_id}")
    note = str(record["Patient Note"] or "").strip()
    if not note:
        raise RowError("empty Patient Note")
    try:
        entities = ast.literal_eval(str(record["Relevant Entities"]))
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        raise RowError("Relevant Entities is not a Python dict literal") from None
    if not isinstance(entities, dict):
        raise RowError("Relevant Entities is not a dict")
    answer = str(record["Ground Truth Answer"]).strip()
    lower, upper = _limit(record["Lower Limit"]), _limit(record["Upper Limit"])
    row = Row(number, calc, note, str(record["Question"]).strip(), entities, answer, lower, upper)
    grader_for_row(row)  # fails early on an unreadable answer or limits
    return row


def _limit(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


# --------------------------------------------------------------------------- tasks


def grader_for_row(row: Row) -> Grader:
    """MedCalc-Bench's correctness rule for the row's calculator, with the row's own limits."""
    output = row.calc.output
    try:
        if output == "decimal":
            if row.lower is None or row.upper is None:
                raise RowError("a decimal answer needs numeric Lower and Upper Limits")
            low, high = sorted((row.lower, row.upper))
            return RangeGrader(low, high)
        if output == "integer":
            return IntegerGrader(round(float(row.answer)), rounding=True)
        if output == "date":
            return DateGrader(_iso_date(row.answer))
        weeks, days = _weeks_days(row.answer)
        return WeeksDaysGrader(weeks, days)
    except ValueError as exc:
        raise RowError(f"unreadable Ground Truth Answer {row.answer!r} ({exc})") from None


def build_task(row: Row) -> Task:
    """The task for one official row; the official ground truth is its oracle answer."""
    return task_for(
        task_id=f"medcalcbench/{SPLIT}/row{row.number}",
        calc=row.calc,
        split=SPLIT,
        note=row.note,
        question=row.question,
        oracle=Oracle(answer=row.answer),
        metadata={
            "source": "MedCalc-Bench",
            "row": row.number,
            "lower_limit": row.lower,
            "upper_limit": row.upper,
        },
        grader=grader_for_row(row),
    )


def _iso_date(text: str) -> str:
    return dt.datetime.strptime(text.strip(), "%m/%d/%Y").date().isoformat()


def _weeks_days(text: str) -> tuple[int, int]:
    numbers = re.findall(r"\d+", text)
    if len(numbers) != 2:
        raise ValueError("expected weeks and days")
    return int(numbers[0]), int(numbers[1])


# --------------------------------------------------------------------------- checks


def check_oracle(tasks: list[Task], strategies: Mapping[str, Any]) -> dict[str, Any]:
    """Grade each task's official answer and each trivial strategy's answer; return success rates."""
    graders = [task.questions[0].grader for task in tasks]
    answers = [task.questions[0].oracle.answer for task in tasks]

    def rate(submissions: list[Any]) -> float:
        passed = sum(g.grade(a).correct for g, a in zip(graders, submissions, strict=True))
        return passed / len(graders) if graders else 0.0

    trivial = {
        name: rate([CRASH_OUTPUT if answer is None else answer] * len(graders))
        for name, answer in strategies.items()
    }
    return {"oracle": rate(answers), "trivial": trivial}


def recompute(rows: list[Row]) -> dict[str, Any]:
    """Run our calculators on each row's entities and compare with the official answer."""
    agree = 0
    counts: Counter[str] = Counter()
    details = []
    for row in rows:
        try:
            inputs = inputs_from_entities(row.calc, row.entities)
            ours = row.calc.formula(**inputs)
        except (EntityError, ArithmeticError, KeyError, ValueError) as exc:
            ours, cause = None, f"entities not usable: {exc}"
        else:
            if grader_for_row(row).grade(ours).correct:
                agree += 1
                continue
            cause = explain(row.calc.id, inputs, row.entities)
        counts[row.calc.name] += 1
        details.append(
            {
                "row": row.number,
                "calculator": row.calc.name,
                "ours": ours,
                "official": row.answer,
                "limits": [row.lower, row.upper],
                "cause": cause,
            }
        )
    return {
        "recompute_agreement": agree / len(rows) if rows else 0.0,
        "disagreements": dict(sorted(counts.items())),
        "disagreement_details": details,
    }
