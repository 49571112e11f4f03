"""MedCalc ground-truth engine on official rows, and task generation speed; prints JSON.

Usage: python benchmarks/medcalc_recompute.py [OFFICIAL_FILE] [--tasks N] [--repeats R]

OFFICIAL_FILE is a MedCalc-Bench test file (JSONL or CSV); without it the 100-row sample under
shared/official is used when present. Generation speed is the median over repeats of building N
fresh tasks (new seeds, so nothing is cached).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from medagentgym.importers import medcalcbench
from medagentgym.tasks.registry import get_family

SAMPLE = "official/medcalcbench/sample_100_of_test_tasks.jsonl"


def default_file() -> Path | None:
    here = Path(__file__).resolve().parents[1]
    for path in (here.parent / "shared" / SAMPLE, Path("/work/shared") / SAMPLE):
        if path.is_file():
            return path
    return None


def generation_rate(tasks: int, repeats: int) -> dict[str, float]:
    family = get_family("medcalc")
    family.task("test", 0)  # import and warm the catalog
    rates = []
    for repeat in range(repeats):
        started = time.perf_counter()
        for index in range(tasks):
            family.task("train", index, seed=1000 + repeat)
        rates.append(tasks / (time.perf_counter() - started))
    return {"tasks": tasks, "repeats": repeats, "tasks_per_s_median": round(statistics.median(rates), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=None)
    parser.add_argument("--tasks", type=int, default=550)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    report: dict[str, object] = {"generation": generation_rate(args.tasks, args.repeats)}
    path = args.file or default_file()
    if path is not None:
        result = medcalcbench.import_file(path)
        recompute = medcalcbench.recompute(result.rows)
        causes: dict[str, int] = {}
        for detail in recompute["disagreement_details"]:
            causes[detail["cause"]] = causes.get(detail["cause"], 0) + 1
        report["official"] = {
            "file": str(path),
            "rows": result.total,
            "loaded": len(result.rows),
            "calculators": len({row.calc.id for row in result.rows}),
            "recompute_agreement": round(recompute["recompute_agreement"], 4),
            "disagreements": recompute["disagreements"],
            "causes": causes,
        }
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
