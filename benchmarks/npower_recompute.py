"""Benchmark the N-PowerAI family: agreement with the official answers, and generation speed.

Usage: PYTHONPATH=src python benchmarks/npower_recompute.py [--file train_tasks.jsonl] [--seed 0]

Prints one JSON object: per test type, how many official answers our engine reproduces under
the fixed grading and the causes of the rest (when the official file is given or found), and how
fast the family builds its train and test splits.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from medagentgym.importers.npowerai import read_rows
from medagentgym.tasks.npower.family import NPowerFamily
from medagentgym.tasks.npower.recompute import compare_rows, summarize
from medagentgym.tasks.registry import get_family

DEFAULT_FILE = Path("/work/shared/official/npowerai/train_tasks.jsonl")


def recompute(path: Path) -> dict[str, Any]:
    rows, failures, total = read_rows(path)
    started = time.perf_counter()
    summary = summarize(compare_rows((r.task_type, r.target, r.question, r.answer) for r in rows))
    seconds = time.perf_counter() - started
    by_type = {
        title: {
            "agreement": entry["agreement"],
            "size": f"{entry['size']['agree']}/{entry['size']['parsed']}",
            "power": f"{entry['power']['agree']}/{entry['power']['parsed']}",
            "causes": entry["causes"],
            "guessable_powers": entry["guessable_powers"],
        }
        for title, entry in summary["by_type"].items()
    }
    return {
        "file": str(path),
        "rows": total,
        "failed": len(failures),
        "agreement": summary["agreement"],
        "by_type": by_type,
        "rows_per_s": round(len(rows) / seconds, 1),
    }


def generation(seed: int) -> dict[str, Any]:
    family = get_family(NPowerFamily.name)
    started = time.perf_counter()
    count = 0
    for split in family.split_sizes:
        for index in range(family.size(split)):
            family.task(split, index, seed)
            count += 1
    seconds = time.perf_counter() - started
    return {"tasks": count, "seconds": round(seconds, 2), "tasks_per_s": round(count / seconds, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE, help="an official N-PowerAI file")
    parser.add_argument("--seed", type=int, default=0, help="task seed for the generation timing")
    args = parser.parse_args()
    result: dict[str, Any] = {"recompute": recompute(args.file) if args.file.is_file() else None}
    result["generation"] = generation(args.seed)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
