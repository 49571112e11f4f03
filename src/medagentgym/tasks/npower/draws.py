"""Random studies: one draw function per test type, each returning a problem and its text slots.

A draw picks the numbers a question states (rounded as printed, so the engine sees exactly what
the agent reads) and what is given: the target power for sample-size questions, or ``n`` for
power questions. Slots are the formatted numbers and sentence fragments the wording templates
use. Effect sizes are drawn on a standardized scale first and then turned into raw numbers, which
keeps the answers in a useful range whatever the scenario's units.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypeVar

import numpy as np

from medagentgym.tasks.npower.scenarios import (
    ChangeScenario,
    ManyGroupScenario,
    MeanScenario,
    SurvivalScenario,
    TableScenario,
    TwoGroupScenario,
)
from medagentgym.tasks.npower.studies import (
    ChiSquareIndependence,
    CoxPH,
    OneSampleT,
    OneWayAnova,
    PairedT,
    Problem,
    Target,
    TwoSampleT,
)

T = TypeVar("T")
Slots = dict[str, str]
Draw = tuple[Problem, Slots]

TARGET_POWERS = (0.8, 0.8, 0.85, 0.9, 0.9, 0.95)
TWO_SIDED_ALPHAS = (0.05, 0.05, 0.05, 0.01, 0.1)
ONE_SIDED_ALPHAS = (0.05, 0.05, 0.025, 0.01)


def _pick(rng: np.random.Generator, options: Sequence[T]) -> T:
    return options[int(rng.integers(len(options)))]


def _between(rng: np.random.Generator, bounds: tuple[float, float], decimals: int) -> float:
    return round(float(rng.uniform(*bounds)), decimals)


def _amount(value: float | Sequence[float], decimals: int, unit: str) -> str:
    """A number (or list of numbers) as printed, with its unit: '7.50%', '120.0 and 125.5 mmHg'."""
    numbers = value if isinstance(value, Sequence) else [value]
    text = _listing([f"{v:.{decimals}f}" for v in numbers])
    return f"{text}{unit}" if unit.startswith("%") else f"{text} {unit}"


def _raw_effect(rng: np.random.Generator, bounds: tuple[float, float], sd: float, decimals: int) -> float:
    """A standardized effect drawn from ``bounds`` in raw units, rounded as printed (never zero)."""
    return max(round(float(rng.uniform(*bounds)) * sd, decimals), 10**-decimals)


def _alpha(rng: np.random.Generator, two_sided: bool) -> float:
    return _pick(rng, TWO_SIDED_ALPHAS if two_sided else ONE_SIDED_ALPHAS)


def _format_alpha(alpha: float) -> str:
    return f"{alpha:.2f}" if round(alpha, 2) == alpha else f"{alpha:g}"


def _listing(items: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _given(rng: np.random.Generator, target: Target, n_range: tuple[int, int], step: int = 1) -> float:
    """The target power, or a log-uniform ``n`` (a multiple of ``step``)."""
    if target == "size":
        return _pick(rng, TARGET_POWERS)
    low, high = n_range
    n = math.exp(rng.uniform(math.log(low), math.log(high)))
    return float(max(step, round(n / step) * step))


def _common_slots(problem: Problem, two_sided: bool | None = None) -> Slots:
    slots = {"alpha": _format_alpha(problem.study.alpha)}
    if problem.target == "size":
        slots["power"] = f"{problem.given:.0%}"
    else:
        slots["n"] = str(int(problem.given))
    if two_sided is not None:
        slots["sides"] = "two-sided" if two_sided else "one-sided"
        slots["direction_note"] = "" if two_sided else " in the hypothesised direction"
    return slots


def _sides(rng: np.random.Generator, share: float) -> bool:
    return bool(rng.random() < share)


def draw_one_sample(rng: np.random.Generator, scenario: MeanScenario, target: Target) -> Draw:
    dec = scenario.decimals
    reference = _between(rng, scenario.level, dec)
    sd = _between(rng, scenario.sd, dec)
    shift = _raw_effect(rng, (0.2, 1.1), sd, dec)
    expected = round(reference - shift if scenario.lowers else reference + shift, dec)
    two_sided = _sides(rng, 0.7)
    study = OneSampleT(reference, expected, sd, _alpha(rng, two_sided), two_sided)
    problem = Problem(study, target, _given(rng, target, (6, 150)))
    slots = {
        **_scenario_slots(scenario),
        "reference": _amount(reference, dec, scenario.unit),
        "expected": _amount(expected, dec, scenario.unit),
        "sd": _amount(sd, dec, scenario.unit),
        **_common_slots(problem, two_sided),
    }
    return problem, slots


def draw_paired(rng: np.random.Generator, scenario: ChangeScenario, target: Target) -> Draw:
    dec = scenario.decimals
    sd = _between(rng, scenario.sd, dec)
    correlation = round(float(rng.uniform(0.3, 0.8)), 2) if rng.random() < 0.5 else None
    sd_change = sd if correlation is None else sd * math.sqrt(2 * (1 - correlation))
    change = _raw_effect(rng, (0.2, 0.9), sd_change, dec)
    two_sided = _sides(rng, 0.6)
    study = PairedT(change, sd, correlation, _alpha(rng, two_sided), two_sided)
    problem = Problem(study, target, _given(rng, target, (6, 150)))
    if correlation is None:
        spread = f"the standard deviation of the within-patient changes is {_amount(sd, dec, scenario.unit)}"
    else:
        spread = (
            f"{scenario.outcome} has a standard deviation of {_amount(sd, dec, scenario.unit)} at both "
            f"time points, and the correlation between the two measurements is {correlation:.2f}"
        )
    slots = {
        **_scenario_slots(scenario),
        "change": _amount(change, dec, scenario.unit),
        "spread": spread,
        **_common_slots(problem, two_sided),
    }
    return problem, slots


def draw_two_sample(rng: np.random.Generator, scenario: TwoGroupScenario, target: Target) -> Draw:
    dec = scenario.decimals
    ratio = _pick(rng, (1.0, 1.0, 1.0, 1.5, 2.0))
    sd_a = _between(rng, scenario.sd, dec)
    sd_b = _between(rng, scenario.sd, dec) if ratio == 1 and rng.random() < 0.5 else sd_a
    pooled = math.sqrt((sd_a**2 + sd_b**2) / 2)
    difference = _raw_effect(rng, (0.25, 1.0), pooled, dec)
    two_sided = _sides(rng, 0.75)
    study = TwoSampleT(difference, sd_a, sd_b, ratio, _alpha(rng, two_sided), two_sided)
    problem = Problem(study, target, _given(rng, target, (8, 200), step=2))
    if sd_a == sd_b:
        spread = f"a common standard deviation of {_amount(sd_a, dec, scenario.unit)}"
    else:
        spread = (
            f"standard deviations of {_amount(sd_a, dec, scenario.unit)} in group A and "
            f"{_amount(sd_b, dec, scenario.unit)} in group B; use the pooled standard deviation "
            "sqrt((SD_A^2 + SD_B^2) / 2)"
        )
    if ratio == 1:
        allocation, who = "Both groups will be the same size.", "in each group"
        enrolled = f"{int(problem.given)} patients in each group"
    else:
        allocation = f"Group B will be {ratio:g} times as large as group A."
        who = "in group A"
        enrolled = f"{int(problem.given)} patients in group A and {int(problem.given * ratio)} in group B"
    slots = {
        **_scenario_slots(scenario),
        "difference": _amount(difference, dec, scenario.unit),
        "comparison": "lower" if scenario.lowers else "higher",
        "spread": spread,
        "allocation": allocation,
        "who": who,
        "enrolled": enrolled,
        **_common_slots(problem, two_sided),
    }
    return problem, slots


def draw_anova(rng: np.random.Generator, scenario: ManyGroupScenario, target: Target) -> Draw:
    dec = scenario.decimals
    k = int(rng.integers(3, len(scenario.groups) + 1))
    groups = [scenario.groups[i] for i in sorted(rng.choice(len(scenario.groups), size=k, replace=False))]
    sd = _between(rng, scenario.sd, dec)
    grand = float(rng.uniform(*scenario.level))
    spread = rng.normal(size=k)
    spread -= spread.mean()
    spread *= float(rng.uniform(0.12, 0.5)) * sd / spread.std()
    means = tuple(round(grand + float(s), dec) for s in spread)
    study = OneWayAnova(means, sd, _alpha(rng, True))
    problem = Problem(study, target, _given(rng, target, (5, 120)))
    slots = {
        **_scenario_slots(scenario),
        "k": str(k),
        "groups": _listing(groups),
        "means": _amount(means, dec, scenario.unit),
        "sd": _amount(sd, dec, scenario.unit),
        **_common_slots(problem),
    }
    return problem, slots


def _percentages(weights: np.ndarray, floor: int) -> tuple[int, ...]:
    """Whole percentages summing to 100, each at least ``floor`` (largest-remainder rounding)."""
    raw = floor + (100 - floor * len(weights)) * weights / weights.sum()
    whole = np.floor(raw).astype(int)
    for i in np.argsort(whole - raw)[: 100 - int(whole.sum())]:
        whole[i] += 1
    return tuple(int(x) for x in whole)


def draw_chi_square(rng: np.random.Generator, scenario: TableScenario, target: Target) -> Draw:
    groups, categories = scenario.groups, scenario.categories
    if rng.random() < 0.5:
        shares = _percentages(np.ones(len(groups)), 0)
    else:
        shares = _percentages(rng.dirichlet(np.full(len(groups), 4.0)), 20)
    base = np.log(rng.dirichlet(np.full(len(categories), 3.0)) + 0.05)
    spread = float(rng.uniform(0.2, 0.9))
    rows = [_percentages(np.exp(base + rng.normal(scale=spread, size=len(categories))), 2) for _ in groups]
    study = ChiSquareIndependence(
        tuple(s / 100 for s in shares), tuple(tuple(p / 100 for p in row) for row in rows), _alpha(rng, True)
    )
    problem = Problem(study, target, _given(rng, target, (40, 1500)))
    described = [
        f"{_listing([f'{p}%' for p in row])} in the {group} group"
        for group, row in zip(groups, rows, strict=True)
    ]
    if len(set(shares)) == 1:
        composition = "The groups will be the same size."
    else:
        composition = (
            f"The {_listing(groups)} groups are expected to make up "
            f"{_listing([f'{share}%' for share in shares])} of the sample, respectively."
        )
    slots = {
        **_scenario_slots(scenario),
        "category_list": _listing(categories),
        "distributions": "; ".join(described),
        "composition": composition,
        **_common_slots(problem),
    }
    return problem, slots


def draw_cox(rng: np.random.Generator, scenario: SurvivalScenario, target: Target) -> Draw:
    p_c = _between(rng, scenario.p_event_c, 2)
    hazard_ratio = round(float(rng.uniform(0.5, 0.85)), 2)
    p_e = round(1 - (1 - p_c) ** hazard_ratio, 3)  # proportional hazards: S_E = S_C ** HR
    two_sided = _sides(rng, 0.8)
    formula = "schoenfeld" if rng.random() < 0.5 else "freedman"
    study = CoxPH(hazard_ratio, p_e, p_c, _alpha(rng, two_sided), two_sided, formula)
    problem = Problem(study, target, _given(rng, target, (40, 3000)))
    slots = {
        **_scenario_slots(scenario),
        "p_e": f"{p_e:.3f}",
        "p_c": f"{p_c:.2f}",
        "hr": f"{hazard_ratio:.2f}",
        "formula": "Schoenfeld's" if formula == "schoenfeld" else "Freedman's",
        **_common_slots(problem, two_sided),
    }
    return problem, slots


def _scenario_slots(scenario: object) -> Slots:
    """The scenario's text fields, plus the words for the direction of its expected effect."""
    slots = {k: v for k, v in vars(scenario).items() if isinstance(v, str)}
    if isinstance(scenario, ChangeScenario | TwoGroupScenario):
        slots["verb"] = "lower" if scenario.lowers else "raise"
        slots["movement"] = "reduction" if scenario.lowers else "increase"
    return slots
