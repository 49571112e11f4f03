"""Build time of the synthetic EHR worlds and how much official gold SQL runs on them.

Prints JSON: per world, the build seconds (median over ``--repeats`` fresh builds) at the
default size and optionally at 10x, the table sizes, and, when the official task files are
available, the shares of gold SQL that execute / return rows / return rows after re-grounding.

    python benchmarks/world_build.py [--repeats 3] [--tenx] [--official /path/to/official]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from medagentgym.paths import HOME_ENV
from medagentgym.worlds import DEFAULT_PATIENTS, WORLD_NAMES, build_world
from medagentgym.worlds.gold_check import check_gold, read_tasks


def _timed_builds(name: str, n_patients: int, repeats: int) -> tuple[list[float], object]:
    seconds, world = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        world = build_world(name, n_patients=n_patients, force=True)
        seconds.append(round(time.perf_counter() - started, 2))
    return seconds, world


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--tenx", action="store_true", help="also build each world at 10x size")
    parser.add_argument("--official", type=Path, default=Path("/work/shared/official"))
    parser.add_argument("--ground-tries", type=int, default=5)
    args = parser.parse_args()
    report: dict = {"default_patients": DEFAULT_PATIENTS, "cpu_count": os.cpu_count(), "worlds": {}}
    with tempfile.TemporaryDirectory() as home:
        os.environ[HOME_ENV] = home  # fresh builds, not the user's cache
        for name in WORLD_NAMES:
            seconds, world = _timed_builds(name, DEFAULT_PATIENTS, args.repeats)
            entry = {
                "build_seconds": seconds,
                "build_seconds_median": statistics.median(seconds),
                "rows": sum(world.tables.values()),
                "tables": world.tables,
                "db_mb": round(world.db_path.stat().st_size / 2**20, 1),
            }
            tasks_file = args.official / name / "train_tasks.jsonl"
            if tasks_file.is_file():
                started = time.perf_counter()
                gold = check_gold(world, read_tasks(tasks_file), ground_tries=args.ground_tries)
                entry["gold_sql"] = {
                    "file": str(tasks_file),
                    "queries": gold.total,
                    **gold.shares(),
                    "errors": dict(gold.errors),
                    "seconds": round(time.perf_counter() - started, 1),
                }
            if args.tenx:
                tenx, big = _timed_builds(name, 10 * DEFAULT_PATIENTS, 1)
                entry["tenx"] = {"build_seconds": tenx[0], "rows": sum(big.tables.values())}
            report["worlds"][name] = entry
        total = sum(w["build_seconds_median"] for w in report["worlds"].values())
        report["default_build_seconds_all_worlds"] = round(total, 2)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
