"""Drawing a calculator's inputs: plausible values, the units they are written in, the answer.

A draw is accepted only if

* the answer is defined and not exactly zero (so "submit 0" cannot score),
* the answer is robust: a value written in a converted unit, nudged by half of its last written
  digit either way, gives an answer the grader would still accept (no ties at a threshold that
  depend on how a reader rounds a conversion),
* its fingerprint falls in its split's share of the hash space, so no set of inputs can appear in
  both ``train`` and ``test``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from medagentgym.tasks.medcalc.spec import Calculator, Choice, Count, Custom, Day, Flag, Num
from medagentgym.tasks.medcalc.units import Unit

TEST_SHARE = 10
"""Percent of the fingerprint space that belongs to ``test``; the rest belongs to ``train``."""

CANONICAL_UNIT_CHANCE = 0.6
NORMAL_RANGE_CHANCE = 0.35
"""How often a measured input is drawn from its normal range (if the input's bounds allow it)."""
FIRST_DATE = dt.date(2016, 1, 1)
DATE_SPAN_DAYS = 3650
MAX_ATTEMPTS = 20_000


@dataclass(frozen=True)
class Reading:
    """A measured input as the note writes it; ``value`` is ``shown`` converted to canonical units."""

    value: float
    shown: float
    unit: Unit


@dataclass(frozen=True)
class Draw:
    """The values one task is built from."""

    values: dict[str, Any]
    readings: dict[str, Reading]
    answer: Any
    fingerprint: str


def draw(calc: Calculator, split: str, rng: np.random.Generator) -> Draw:
    """Draw inputs for ``calc`` until they are acceptable for ``split`` (see the module docstring)."""
    for _ in range(MAX_ATTEMPTS):
        values, readings = _draw_values(calc, rng)
        answer = _answer(calc, values)
        if answer is None:
            continue
        fingerprint = fingerprint_of(calc, values)
        if in_test_share(fingerprint) != (split == "test"):
            continue
        if _robust(calc, values, readings, answer):
            return Draw(values, readings, answer, fingerprint)
    raise RuntimeError(f"could not draw acceptable inputs for {calc.name}")  # pragma: no cover


def fingerprint_of(calc: Calculator, values: dict[str, Any]) -> str:
    """A stable hash of the calculator and its input values."""
    text = json.dumps([calc.id, values], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def in_test_share(fingerprint: str) -> bool:
    return int(fingerprint[:8], 16) % 100 < TEST_SHARE


def _draw_values(calc: Calculator, rng: np.random.Generator) -> tuple[dict[str, Any], dict[str, Reading]]:
    sex = calc.sex if calc.sex != "any" else str(rng.choice(("female", "male")))
    values: dict[str, Any] = {"sex": sex, "age": int(rng.integers(calc.age[0], calc.age[1] + 1))}
    readings: dict[str, Reading] = {}
    for spec in calc.inputs:
        if isinstance(spec, Num):
            reading = _draw_number(spec, values, rng)
            readings[spec.key] = reading
            values[spec.key] = reading.value
        elif isinstance(spec, Flag):
            values[spec.key] = bool(rng.random() < spec.chance)
        elif isinstance(spec, Choice):
            levels = list(spec.levels)
            values[spec.key] = levels[int(rng.integers(len(levels)))]
        elif isinstance(spec, Count):
            values[spec.key] = int(rng.integers(spec.bounds[0], spec.bounds[1] + 1))
        elif isinstance(spec, Day):
            values[spec.key] = _draw_day(spec, values, rng)
        elif isinstance(spec, Custom):
            values.update(spec.draw(rng))
    return values, readings


def _draw_number(spec: Num, values: dict[str, Any], rng: np.random.Generator) -> Reading:
    quantity = spec.measured
    lo, hi = spec.range_for(values)
    normal_lo, normal_hi = max(lo, quantity.normal[0]), min(hi, quantity.normal[1])
    if normal_lo < normal_hi and rng.random() < NORMAL_RANGE_CHANCE:
        lo, hi = normal_lo, normal_hi
    canonical = round(float(rng.uniform(lo, hi)), quantity.canonical.decimals)
    units = quantity.units
    if len(units) == 1 or rng.random() < CANONICAL_UNIT_CHANCE:
        unit = units[0]
    else:
        unit = units[1 + int(rng.integers(len(units) - 1))]
    shown = round(unit.from_canonical(canonical), unit.decimals)
    value = shown if unit is units[0] else unit.to_canonical(shown)
    return Reading(value, shown, unit)


def _draw_day(spec: Day, values: dict[str, Any], rng: np.random.Generator) -> str:
    if spec.after is None:
        base, offset = FIRST_DATE, int(rng.integers(DATE_SPAN_DAYS))
    else:
        base = dt.date.fromisoformat(values[spec.after])
        offset = int(rng.integers(spec.offset[0], spec.offset[1] + 1))
    return (base + dt.timedelta(days=offset)).isoformat()


def _answer(calc: Calculator, values: dict[str, Any]) -> Any:
    """The formula's answer, or None when it is undefined, infinite or exactly zero."""
    try:
        answer = calc.compute(values)
    except (ArithmeticError, ValueError):
        return None
    if isinstance(answer, int | float) and (not math.isfinite(answer) or answer == 0):
        return None
    return answer


def _robust(calc: Calculator, values: dict[str, Any], readings: dict[str, Reading], answer: Any) -> bool:
    accepts = _acceptor(calc, answer)
    for key, reading in readings.items():
        if reading.unit.scale == 1 and reading.unit.shift == 0:
            continue  # written in the formula's own unit: read exactly as written
        half = 0.5 * 10**-reading.unit.decimals
        for shown in (reading.shown - half, reading.shown + half):
            nudged = {**values, key: reading.unit.to_canonical(shown)}
            if not accepts(_answer(calc, nudged)):
                return False
    return True


def _acceptor(calc: Calculator, answer: Any) -> Callable[[Any], bool]:
    if calc.output == "decimal":
        lower, upper = sorted((answer * 0.95, answer * 1.05))
        return lambda other: other is not None and lower <= other <= upper
    return lambda other: other == answer
