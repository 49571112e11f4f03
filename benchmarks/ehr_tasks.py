"""EHR task benchmarks: generation speed, request_info latency, official-file execution rates.

Prints one JSON object. Generation is measured on the default worlds, cold (a fresh cache:
every instance runs its SQL) both through ``Family.tasks`` (one thread per core, what ``eval``
and ``validate`` use) and one ``task()`` at a time, and warm (the instance cache of the same
run), next to a baseline measured in the same run: the time to execute the gold SQL of the same
tasks once on one thread; medians over ``--repeats`` runs. request_info is timed per call (median and p95 over a fixed mix of schema,
column-value and fuzzy-search calls). The importer runs every official file it finds.

    python benchmarks/ehr_tasks.py [--tasks 300] [--official /path/to/official] [--families ...]

Run it with MEDAGENTGYM_HOME pointing at a scratch directory: it builds the default worlds
there if they are missing (about a minute) and deletes the instance caches it measures.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import time
from pathlib import Path
from typing import Any

from medagentgym.paths import subdir
from medagentgym.sqlite import connect_readonly
from medagentgym.tasks.ehr.family import EhrFamily
from medagentgym.tasks.registry import get_family

FAMILIES = ("mimic_iii", "eicu", "treqs", "ehr_seqsql")
INSPECTOR_CALLS = (
    ("schema", ()),
    ("schema", ("{table}",)),
    ("column_values", ("{table}", "{column}")),
    ("search", ("heart failure",)),
    ("search", ("potasium",)),
    ("search", ("vancomycin",)),
    ("search", ("urine out",)),
)
TABLE_COLUMN = {
    "mimic_iii": ("ADMISSIONS", "insurance"),
    "eicu": ("patient", "gender"),
    "treqs": ("DEMOGRAPHIC", "gender"),
}


def _rate(name: str, count: int, *, fresh_cache: bool, one_by_one: bool = False) -> tuple[float, list[Any]]:
    """Tasks per second building the first ``count`` test tasks with a new family instance:
    together (``Family.tasks``, what ``eval`` and ``validate`` call) or one ``task()`` at a time."""
    if fresh_cache:
        shutil.rmtree(subdir("ehr-instances"), ignore_errors=True)
    family = type(get_family(name))()
    family.pools(0)
    start = time.perf_counter()
    if one_by_one:
        tasks = [family.task("test", i) for i in range(count)]
    else:
        tasks = family.tasks("test", range(count))
    return count / (time.perf_counter() - start), tasks


def generation(name: str, count: int, repeats: int) -> dict[str, Any]:
    """Cold (fresh cache) and warm (cached) generation rates, medians over ``repeats``, and the
    rate of running the same tasks' gold SQL alone (the part no generator can skip)."""
    family = get_family(name)
    assert isinstance(family, EhrFamily)
    family.prepare(0)
    cold, one_by_one, warm, baseline = [], [], [], []
    conn = connect_readonly(family.world(0).db_path)
    for _ in range(repeats):
        one_by_one.append(_rate(name, count, fresh_cache=True, one_by_one=True)[0])
        rate, tasks = _rate(name, count, fresh_cache=True)
        cold.append(rate)
        warm.append(_rate(name, count, fresh_cache=False)[0])
        start = time.perf_counter()
        for task in tasks:
            for sql in task.metadata["sql"]:
                conn.execute(sql).fetchall()
        baseline.append(count / (time.perf_counter() - start))
    return {
        "tasks": count,
        "repeats": repeats,
        "cold_tasks_per_s": round(statistics.median(cold), 1),
        "cold_one_by_one_tasks_per_s": round(statistics.median(one_by_one), 1),
        "warm_tasks_per_s": round(statistics.median(warm), 1),
        "baseline_gold_sql_only_tasks_per_s": round(statistics.median(baseline), 1),
        "cold_vs_baseline_time": round(statistics.median(baseline) / statistics.median(cold), 2),
    }


def request_info(name: str, repeats: int = 20) -> dict[str, Any]:
    """Latency of the world inspector (what answers request_info) on the default world."""
    family = get_family(name)
    assert isinstance(family, EhrFamily)
    task = family.task("test", 0)
    inspector = family.inspector(task)
    assert inspector is not None
    table, column = TABLE_COLUMN[family.world_name]
    first = time.perf_counter()
    inspector.search("warm up")
    setup_ms = (time.perf_counter() - first) * 1000
    timings = []
    for _ in range(repeats):
        for method, args in INSPECTOR_CALLS:
            filled = [a.format(table=table, column=column) for a in args]
            start = time.perf_counter()
            getattr(inspector, method)(*filled)
            timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return {
        "calls": len(timings),
        "first_call_ms": round(setup_ms, 2),
        "median_ms": round(statistics.median(timings), 3),
        "p95_ms": round(timings[int(0.95 * len(timings)) - 1], 3),
        "max_ms": round(timings[-1], 3),
    }


def importer(official: Path) -> dict[str, Any]:
    from medagentgym.importers.medagentgym import import_file

    results = {}
    for name in ("mimic_iii", "eicu", "treqs"):
        path = official / name / "train_tasks.jsonl"
        if not path.is_file():
            continue
        start = time.perf_counter()
        report = import_file(path, name, reground=True).report()
        total = report["total"]
        results[name] = {
            "total": total,
            "executed": report["executed"],
            "non_empty": report["non_empty"],
            "executed_rate": round(report["executed"] / total, 4),
            "non_empty_rate": round(report["non_empty"] / total, 4),
            "revalued": report["revalued"],
            "failed": report["failed"],
            "seconds": round(time.perf_counter() - start, 1),
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--official", type=Path, default=Path("/work/shared/official"))
    parser.add_argument("--families", nargs="*", default=list(FAMILIES))
    args = parser.parse_args()
    report: dict[str, Any] = {
        "generation": {name: generation(name, args.tasks, args.repeats) for name in args.families},
        "request_info": {name: request_info(name) for name in args.families if name != "ehr_seqsql"},
    }
    if args.official.is_dir():
        report["importer"] = importer(args.official)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
