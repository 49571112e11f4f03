"""DEMO family: a tiny synthetic clinic, for tests and examples only (not part of the benchmark).

It exercises every part of the environment (a read-only SQLite file and CSV, request_info, code
execution, typed graders, oracles, held-out categories) in milliseconds, so the core can be
tested without building the large EHR worlds.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from medagentgym.paths import subdir
from medagentgym.tasks.graders import (
    CollectionGrader,
    DateGrader,
    Grader,
    IntegerGrader,
    NumberGrader,
)
from medagentgym.tasks.inspect import inspector_for_db
from medagentgym.tasks.model import DATA_ACTIONS, Oracle, Question, Resource, Task, TaskId
from medagentgym.tasks.registry import Family, Inspector, register_family, round_robin_counts

DIAGNOSES = ("hypertension", "type 2 diabetes", "asthma", "pneumonia", "heart failure")
N_VISITS = 400
DATA_VERSION = 1


@dataclass(frozen=True)
class _Template:
    category: str
    question: str
    sql: str
    make_grader: Callable[[Any], Grader]


TEMPLATES = (
    _Template(
        "count",
        "How many visits had a heart rate above {hr} beats per minute?",
        "SELECT COUNT(*) FROM visits WHERE heart_rate > {hr}",
        lambda rows: IntegerGrader(int(rows[0][0])),
    ),
    _Template(
        "mean",
        "What is the mean systolic blood pressure of visits with the diagnosis '{dx}'? Round to 2 decimals.",
        "SELECT ROUND(AVG(systolic_bp), 2) FROM visits WHERE diagnosis = '{dx}'",
        lambda rows: NumberGrader(float(rows[0][0]), abs_tol=0.01, rel_tol=0.0),
    ),
    _Template(
        "first_visit",
        "On which date did patient {pid} first visit the clinic?",
        "SELECT MIN(visit_date) FROM visits WHERE patient_id = {pid}",
        lambda rows: DateGrader(str(rows[0][0])),
    ),
    _Template(
        "patients_with",
        "Which patients (ids) had a visit with the diagnosis '{dx}' in {month}?",
        "SELECT DISTINCT patient_id FROM visits WHERE diagnosis = '{dx}' AND strftime('%Y-%m', visit_date) = '{month}'",
        lambda rows: CollectionGrader(tuple(int(r[0]) for r in rows), element="integer"),
    ),
    _Template(
        "max_heart_rate",
        "What was the highest heart rate recorded for patient {pid}?",
        "SELECT MAX(heart_rate) FROM visits WHERE patient_id = {pid}",
        lambda rows: IntegerGrader(int(rows[0][0])),
    ),
)
IN_DISTRIBUTION = TEMPLATES[:4]
HELD_OUT = TEMPLATES[4:]


def build_clinic(seed: int) -> Path:
    """Create (once) the demo clinic database and CSV for ``seed``; returns its directory."""
    target = subdir("demo") / f"clinic-v{DATA_VERSION}-s{seed}"
    if (target / "clinic.db").is_file():
        return target
    rng = np.random.default_rng([DATA_VERSION, seed])
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".build-"))
    try:
        start = dt.date(2105, 1, 1)
        rows = [
            (
                i,
                int(rng.integers(1, 61)),
                (start + dt.timedelta(days=int(rng.integers(0, 365)))).isoformat(),
                int(rng.normal(80, 14)),
                int(rng.normal(128, 18)),
                DIAGNOSES[int(rng.integers(len(DIAGNOSES)))],
            )
            for i in range(N_VISITS)
        ]
        with sqlite3.connect(staging / "clinic.db") as conn:
            conn.execute(
                "CREATE TABLE visits (visit_id INTEGER PRIMARY KEY, patient_id INTEGER, visit_date TEXT,"
                " heart_rate INTEGER, systolic_bp INTEGER, diagnosis TEXT)"
            )
            conn.executemany("INSERT INTO visits VALUES (?, ?, ?, ?, ?, ?)", rows)
        header = "visit_id,patient_id,visit_date,heart_rate,systolic_bp,diagnosis\n"
        (staging / "visits.csv").write_text(header + "".join(",".join(map(str, r)) + "\n" for r in rows))
        for path in staging.iterdir():
            path.chmod(0o644)
        staging.chmod(0o755)
        try:
            staging.replace(target)
        except OSError:  # another process finished first; keep its copy
            shutil.rmtree(staging, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


@register_family
class DemoFamily(Family):
    name = "demo"
    title = "Demo clinic (tests and examples only)"
    description = "Questions over a tiny synthetic clinic table; exercises the whole environment cheaply."
    split_sizes = {"train": 200, "test": 100, "ood": 40}  # noqa: RUF012
    benchmark = False

    def _templates(self, split: str) -> tuple[_Template, ...]:
        return HELD_OUT if split == "ood" else IN_DISTRIBUTION

    def category_counts(self, split: str) -> dict[str, int]:
        templates = self._templates(split)
        size = self.size(split)
        return round_robin_counts([t.category for t in templates], size)

    def build(self, split: str, index: int, seed: int) -> Task:
        templates = self._templates(split)
        template = templates[index % len(templates)]
        folder = build_clinic(seed)
        rng = np.random.default_rng([seed, ("train", "test", "ood").index(split), index])
        with sqlite3.connect(f"file:{folder / 'clinic.db'}?mode=ro", uri=True) as conn:
            while True:  # resample slots until the answer is defined and non-empty
                slots = {
                    "hr": int(rng.integers(70, 110)),
                    "dx": DIAGNOSES[int(rng.integers(len(DIAGNOSES)))],
                    "pid": int(rng.integers(1, 61)),
                    "month": f"2105-{int(rng.integers(1, 13)):02d}",
                }
                sql = template.sql.format(**slots)
                rows = conn.execute(sql).fetchall()
                if rows and rows[0][0] is not None:
                    break
        oracle = (
            "import json, sqlite3\n"
            "conn = sqlite3.connect('file:/data/clinic.db?mode=ro', uri=True)\n"
            f"rows = conn.execute({sql!r}).fetchall()\n"
            "value = [r[0] for r in rows] if len(rows) != 1 else rows[0][0]\n"
            "print(json.dumps(value))\n"
        )
        return Task(
            id=str(TaskId(self.name, split, seed, index)),
            family=self.name,
            category=template.category,
            split=split,
            questions=(
                Question(
                    template.question.format(**slots),
                    template.make_grader(rows),
                    Oracle(code=oracle),
                ),
            ),
            context="The clinic's visits are in a SQLite database and a CSV file (same content).",
            resources=(
                Resource(
                    folder / "clinic.db",
                    "/data/clinic.db",
                    "SQLite database with one table, visits",
                ),
                Resource(folder / "visits.csv", "/data/visits.csv", "the visits table as CSV"),
            ),
            actions=(*DATA_ACTIONS, "terminal"),
            metadata={"sql": sql, "slots": json.dumps(slots)},
        )

    def inspector(self, task: Task) -> Inspector | None:
        return inspector_for_db(Path(task.resources[0].source))
