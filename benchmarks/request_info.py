"""Latency of the request_info backend (WorldInspector) on the default-size worlds.

Prints JSON with the median and p95 milliseconds of ``schema``, ``column_values`` and
``search`` per world (the goal is <= 50 ms per call), plus the one-off load time.

    python benchmarks/request_info.py [--repeats 30]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable

from medagentgym.worlds import WORLD_NAMES, WorldInspector, build_world

COLUMNS = {
    "mimic_iii": [
        ("LABEVENTS", "ITEMID"),
        ("CHARTEVENTS", "VALUENUM"),
        ("D_ICD_DIAGNOSES", "SHORT_TITLE"),
        ("PRESCRIPTIONS", "DRUG"),
        ("admissions", "insurance"),
        ("ADMISSIONS", "nope"),
    ],
    "eicu": [
        ("lab", "labname"),
        ("intakeoutput", "celllabel"),
        ("vitalperiodic", "heartrate"),
        ("patient", "age"),
        ("medication", "drugname"),
        ("nope", "x"),
    ],
    "treqs": [
        ("DEMOGRAPHIC", "DIAGNOSIS"),
        ("LAB", "LABEL"),
        ("PRESCRIPTIONS", "FORMULARY_DRUG_CD"),
        ("DIAGNOSES", "LONG_TITLE"),
        ("DEMOGRAPHIC", "AGE"),
        ("lab", "nope"),
    ],
}
TERMS = [
    "heart failure",
    "creatinin",
    "chf",
    "vancomycin",
    "sepsis",
    "potasium",
    "urine",
    "blood culture",
    "acute kidney failure",
    "mechanical ventilation",
    "insulin",
    "ph",
    "hypertension nos",
    "arterial bp",
    "foley",
    "d5w",
    "congestive hart failure",
    "sputum",
    "micu",
    "a",
]


def _time(call: Callable[[], object], repeats: int) -> dict[str, float]:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {
        "median_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[min(len(samples) - 1, int(0.95 * len(samples)))], 2),
        "max_ms": round(samples[-1], 2),
    }


def _cycle(calls: list[Callable[[], object]]) -> Callable[[], object]:
    state = {"i": 0}

    def run() -> object:
        state["i"] += 1
        return calls[state["i"] % len(calls)]()

    return run


def _calls(inspector: WorldInspector, name: str) -> dict[str, list[Callable[[], object]]]:
    tables = list(inspector.world.tables)[:6]
    return {
        "schema": [inspector.schema] + [lambda t=t: inspector.schema(t) for t in tables],
        "column_values": [lambda t=t, c=c: inspector.column_values(t, c) for t, c in COLUMNS[name]],
        "search": [lambda term=term: inspector.search(term) for term in TERMS],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    report: dict = {"worlds": {}}
    for name in WORLD_NAMES:
        world = build_world(name)
        started = time.perf_counter()
        inspector = WorldInspector(world)
        load_ms = round((time.perf_counter() - started) * 1000, 1)
        report["worlds"][name] = {"load_ms": load_ms} | {
            kind: _time(_cycle(calls), args.repeats * len(calls))
            for kind, calls in _calls(inspector, name).items()
        }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
