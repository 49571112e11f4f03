"""Import original N-PowerAI task files (JSON lines) as ``npower`` tasks.

Each row holds ``task_type``, ``task_id``, ``estimate_target`` (``size`` or ``power``),
``question`` and ``answer``. Rows become one-question tasks graded with the original's rule,
fixed: a sample size must be the exact whole number (``64.0`` counts, unlike the original's
``int()``), a power must be within 0.01 of the answer (absolute, instead of a strict 1%
relative band). The official answer is the reference even where our engine disagrees;
``recompute`` records our answer and the cause of each disagreement in the task metadata and in
the report.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from medagentgym.errors import ConfigError, DataError
from medagentgym.tasks.model import SPLITS, Oracle, Task
from medagentgym.tasks.npower.catalog import BY_TITLE
from medagentgym.tasks.npower.family import npower_task
from medagentgym.tasks.npower.recompute import Comparison, compare_rows, summarize
from medagentgym.tasks.npower.studies import Target
from medagentgym.tasks.npower.wording import ENDINGS

SOURCE = "npowerai"


class RowError(ValueError):
    """One row of the file is not a valid N-PowerAI task."""


@dataclass(frozen=True)
class Row:
    """A valid row of an original file (``line`` counts from 1)."""

    line: int
    task_type: str
    target: Target
    question: str
    answer: float
    task_id: Any = None


@dataclass
class ImportResult:
    """The tasks of one file, the rows that failed, and the recomputation when asked for."""

    path: Path
    split: str
    tasks: list[Task]
    total: int
    failures: list[tuple[int, str]] = field(default_factory=list)
    recompute: dict[str, Any] | None = None

    def report(self) -> dict[str, Any]:
        report: dict[str, Any] = {
            "total": self.total,
            "loaded": len(self.tasks),
            "failed": [{"row": n, "reason": e} for n, e in self.failures],
        }
        if self.recompute is not None:
            report["recompute"] = self.recompute
        return report


def split_from_name(path: Path) -> str:
    """``train_tasks.jsonl`` -> train; otherwise test (the split evaluations read by default)."""
    return "train" if "train" in path.name.lower() else "test"


def parse_row(line: int, text: str) -> Row:
    """Validate one JSON line; raises RowError with what is wrong."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RowError(f"not JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise RowError(f"expected a JSON object, got {type(data).__name__}")
    missing = [k for k in ("task_type", "estimate_target", "question", "answer") if k not in data]
    if missing:
        raise RowError(f"missing {', '.join(missing)}")
    if data["task_type"] not in BY_TITLE:
        raise RowError(f"unknown task_type {data['task_type']!r}; known: {', '.join(BY_TITLE)}")
    target = data["estimate_target"]
    if target not in ("size", "power"):
        raise RowError(f"estimate_target must be 'size' or 'power', got {target!r}")
    question = data["question"]
    if not isinstance(question, str) or not question.strip():
        raise RowError("question must be non-empty text")
    return Row(
        line,
        data["task_type"],
        target,
        question.strip(),
        _answer(target, data["answer"]),
        data.get("task_id"),
    )


def _answer(target: Target, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise RowError(f"answer must be a number, got {value!r}")
    if target == "size" and (value != int(value) or value < 1):
        raise RowError(f"a sample-size answer must be a positive whole number, got {value!r}")
    if target == "power" and not 0 <= value <= 1:
        raise RowError(f"a power answer must be between 0 and 1, got {value!r}")
    return float(value)


def read_rows(path: Path) -> tuple[list[Row], list[tuple[int, str]], int]:
    """The valid rows, the failures (line, error) and the number of non-blank lines."""
    if not path.is_file():
        raise DataError(f"{path}: no such file" if not path.exists() else f"{path} is not a file")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read {path}: {exc}") from None
    rows, failures, total = [], [], 0
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        total += 1
        try:
            rows.append(parse_row(number, text))
        except RowError as exc:
            failures.append((number, str(exc)))
    if total == 0:
        raise DataError(f"{path} is empty")
    if not rows:
        line, error = failures[0]
        raise DataError(f"{path} has no valid N-PowerAI rows (line {line}: {error})")
    return rows, failures, total


def row_task(row: Row, split: str, comparison: Comparison | None = None) -> Task:
    """The task of one row; with a comparison, its metadata records our recomputed answer."""
    metadata: dict[str, Any] = {"source": SOURCE, "test": row.task_type, "line": row.line}
    if row.task_id is not None:
        metadata["original_task_id"] = row.task_id
    if comparison is not None:
        metadata.update(recomputed=comparison.recomputed, agrees=comparison.agrees, cause=comparison.cause)
    reference: float = int(row.answer) if row.target == "size" else row.answer
    return npower_task(
        f"{SOURCE}/{split}/{row.line}",
        split=split,
        category=BY_TITLE[row.task_type].category,
        prompt=f"{row.question} {ENDINGS[row.target]}",
        target=row.target,
        reference=reference,
        oracle=Oracle(answer=reference),
        metadata=metadata,
    )


def import_npowerai(path: Path, *, split: str | None = None, recompute: bool = False) -> ImportResult:
    """Load an original N-PowerAI file; ``split`` defaults to the one its name suggests."""
    split = split or split_from_name(path)
    if split not in SPLITS:
        raise ConfigError(f"split must be one of {', '.join(SPLITS)}, got {split!r}")
    rows, failures, total = read_rows(path)
    comparisons: list[Comparison | None] = [None] * len(rows)
    summary = None
    if recompute:
        compared = compare_rows((r.task_type, r.target, r.question, r.answer) for r in rows)
        comparisons, summary = list(compared), summarize(compared)
    tasks = [row_task(row, split, c) for row, c in zip(rows, comparisons, strict=True)]
    return ImportResult(path, split, tasks, total, failures, summary)
