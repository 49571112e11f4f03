"""Recomputing original N-PowerAI answers with our engine, and explaining disagreements.

A row agrees when our answer passes the fixed grading (the exact whole number for a sample size,
within 0.01 for a power). A disagreement is explained by the first known cause that reproduces the
official answer exactly (to 1e-8 for powers): a different convention (``QUIRKS``), a different
``n`` than the question states (tried with at most one other convention, so that the free ``n``
cannot fit a coincidence), or, across rows, one official answer shared by rows whose
parameters differ (an answer that was not recomputed when the question was varied).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from medagentgym.tasks.npower.engine import PowerCalculationError, power
from medagentgym.tasks.npower.family import POWER_TOLERANCE
from medagentgym.tasks.npower.original import QuestionFormatError, parse_question
from medagentgym.tasks.npower.studies import (
    CoxPH,
    OneSampleT,
    OneWayAnova,
    PairedT,
    Problem,
    Study,
    Target,
    TwoSampleT,
)

REPRODUCED = 1e-8
MAX_N = 1_000_000
STALE_ROWS = 3


@dataclass(frozen=True)
class Comparison:
    """One original row recomputed."""

    title: str
    target: Target
    official: float
    alpha: float | None = None
    recomputed: float | None = None
    agrees: bool = False
    cause: str | None = None  # why it disagrees (or why it could not be recomputed)
    assumptions: tuple[str, ...] = ()

    @property
    def parsed(self) -> bool:
        return self.recomputed is not None


def _flip_sides(study: Study) -> tuple[str, Study] | None:
    if not isinstance(study, OneSampleT | PairedT | TwoSampleT | CoxPH):
        return None
    label = "a one-sided test" if study.two_sided else "a two-sided test"
    return label, dataclasses.replace(study, two_sided=not study.two_sided)


def _sample_sd_of_means(study: Study) -> tuple[str, Study] | None:
    """Cohen's f from the sample SD of the means equals ours with the spread scaled by sqrt(k/(k-1))."""
    if not isinstance(study, OneWayAnova):
        return None
    k = len(study.means)
    grand = sum(study.means) / k
    scale = math.sqrt(k / (k - 1))
    means = tuple(grand + (m - grand) * scale for m in study.means)
    return "Cohen's f from the sample SD of the group means (divisor k-1)", dataclasses.replace(
        study, means=means
    )


def _other_cox_formula(study: Study) -> tuple[str, Study] | None:
    if not isinstance(study, CoxPH):
        return None
    other = "freedman" if study.formula == "schoenfeld" else "schoenfeld"
    return f"{other.capitalize()}'s formula", dataclasses.replace(study, formula=other)


Quirk = Callable[[Study], tuple[str, Study] | None]
QUIRKS: tuple[Quirk, ...] = (_flip_sides, _sample_sd_of_means, _other_cox_formula)
"""Conventions the original may have used instead of ours; each returns (label, study) or None."""


def compare_row(title: str, target: Target, question: str, official: float) -> Comparison:
    """Recompute one original row and explain a disagreement when a known cause reproduces it."""
    try:
        parsed = parse_question(title, target, question)
        recomputed = parsed.problem.answer()
    except (QuestionFormatError, PowerCalculationError) as exc:
        return Comparison(title, target, official, cause=f"not recomputed: {exc}")
    agrees = _passes(target, recomputed, official)
    cause = None if agrees else _explain(parsed.problem, official)
    alpha = parsed.problem.study.alpha
    return Comparison(title, target, official, alpha, recomputed, agrees, cause, parsed.assumptions)


def _passes(target: Target, value: float, official: float) -> bool:
    if target == "size":
        return value == official
    return abs(value - official) <= POWER_TOLERANCE


def _reproduces(problem: Problem, official: float) -> bool:
    try:
        value = problem.answer()
    except PowerCalculationError:
        return False
    return value == official if problem.target == "size" else abs(value - official) <= REPRODUCED


def _explain(problem: Problem, official: float) -> str | None:
    """The smallest set of known causes that reproduces the official answer exactly."""
    applicable = [quirk for quirk in QUIRKS if quirk(problem.study) is not None]
    for count in range(len(applicable) + 1):
        for combo in itertools.combinations(applicable, count):
            study, labels = problem.study, []
            for quirk in combo:
                label, study = quirk(study)  # type: ignore[misc] - applicable to this study type
                labels.append(label)
            candidate = dataclasses.replace(problem, study=study)
            if count and _reproduces(candidate, official):
                return " + ".join(labels)
            if (
                count <= 1
                and problem.target == "power"
                and (n := _matching_n(candidate, official)) is not None
            ):
                return " + ".join([*labels, f"n = {n} instead of the stated {int(problem.given)}"])
    return None


def _matching_n(problem: Problem, official: float) -> int | None:
    """A whole n other than the stated one whose power reproduces ``official`` (power grows with n)."""
    design = problem.study.design()
    try:
        low, high = 2, 4
        while power(design, high) < official - REPRODUCED:
            low, high = high, high * 2
            if high > MAX_N:
                return None
        while high - low > 1:  # smallest n with power >= official - REPRODUCED lies in (low, high]
            middle = (low + high) // 2
            low, high = (middle, high) if power(design, middle) < official - REPRODUCED else (low, middle)
        n = low if power(design, low) >= official - REPRODUCED else high
        found = abs(power(design, n) - official) <= REPRODUCED
    except PowerCalculationError:
        return None
    return n if found and n != int(problem.given) else None


def compare_rows(rows: Iterable[tuple[str, Target, str, float]]) -> list[Comparison]:
    """Recompute (title, target, question, official answer) rows, explaining disagreements."""
    return _mark_stale([compare_row(*row) for row in rows])


def _mark_stale(comparisons: Sequence[Comparison]) -> list[Comparison]:
    """Explain unexplained rows whose official answer is shared by rows with differing answers."""
    groups: dict[tuple[str, str, float], list[Comparison]] = defaultdict(list)
    for c in comparisons:
        if c.parsed:
            groups[(c.title, c.target, c.official)].append(c)
    marked = []
    for row in comparisons:
        group = groups.get((row.title, row.target, row.official), [])
        differing = len({round(g.recomputed or 0.0, 9) for g in group}) > 1
        if row.parsed and not row.agrees and row.cause is None and len(group) >= STALE_ROWS and differing:
            cause = f"one official answer ({row.official:g}) for {len(group)} rows whose parameters differ"
            row = dataclasses.replace(row, cause=cause)  # noqa: PLW2901 - the row, explained
        marked.append(row)
    return marked


def summarize(rows: Sequence[Comparison]) -> dict[str, Any]:
    """Agreement per test type and target, the causes of disagreement, and guessable answers.

    A power answer within 0.01 of 1 or of alpha passes the fixed grading by a constant guess.
    """
    by_type: dict[str, Any] = {}
    for title in dict.fromkeys(c.title for c in rows):
        mine = [c for c in rows if c.title == title]
        parsed = [c for c in mine if c.parsed]
        entry: dict[str, Any] = {**_rates(mine)}
        for target in ("size", "power"):
            entry[target] = _rates([c for c in mine if c.target == target])
        entry["causes"] = dict(Counter(c.cause or "unexplained" for c in mine if not c.agrees).most_common())
        entry["assumptions"] = sorted({a for c in parsed for a in c.assumptions})
        powers = [c for c in parsed if c.target == "power"]
        entry["guessable_powers"] = {
            "1": sum(c.official >= 1 - POWER_TOLERANCE for c in powers),
            "alpha": sum(abs(c.official - (c.alpha or 0)) <= POWER_TOLERANCE for c in powers),
        }
        by_type[title] = entry
    return {**_rates(rows), "by_type": by_type}


def _rates(rows: Sequence[Comparison]) -> dict[str, Any]:
    parsed = [c for c in rows if c.parsed]
    agree = sum(c.agrees for c in parsed)
    return {
        "rows": len(rows),
        "parsed": len(parsed),
        "agree": agree,
        "agreement": round(agree / len(parsed), 4) if parsed else None,
    }
