"""The power engine: the ground truth of every N-PowerAI question.

A study is reduced to a :class:`Design`: a standardized effect size, the significance level and
the power calculation that links the number of observations to power (a statsmodels power class,
or the normal approximation that Cox-model formulas use). The question's ``n`` (participants,
pairs, participants per group) maps to the calculation's observations through
``observations_per_n``.

A sample size is the smallest whole ``n`` whose power reaches the target: power grows with
``n``, so that is the continuous solution rounded up.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from scipy.stats import norm
from statsmodels.stats import power as smp

from medagentgym.errors import MedAgentGymError

Analysis = Literal["TTestPower", "TTestIndPower", "FTestAnovaPower", "GofChisquarePower", "normal"]

_NOBS_KEYWORD = {
    "TTestPower": "nobs",
    "TTestIndPower": "nobs1",
    "FTestAnovaPower": "nobs",
    "GofChisquarePower": "nobs",
}


class PowerCalculationError(MedAgentGymError, ValueError):
    """The power or sample size is not defined (or not computable) for these parameters."""


@dataclass(frozen=True)
class Design:
    """One power calculation in statsmodels' terms.

    ``options`` are passed to the statsmodels class (``alternative``, ``ratio``, ``k_groups``,
    ``n_bins``); for ``"normal"`` they hold ``tails`` (1 or 2; the two-sided form ignores the
    opposite tail, as the textbook Cox formulas do).
    """

    analysis: Analysis
    effect_size: float
    alpha: float
    options: Mapping[str, Any] = field(default_factory=dict)
    observations_per_n: float = 1.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.effect_size) and self.effect_size > 0):
            raise PowerCalculationError(f"the effect size must be positive, got {self.effect_size!r}")
        if not 0 < self.alpha < 1:
            raise PowerCalculationError(f"alpha must be in (0, 1), got {self.alpha!r}")
        if not (math.isfinite(self.observations_per_n) and self.observations_per_n > 0):
            raise PowerCalculationError(f"invalid observations per n: {self.observations_per_n!r}")


def power(design: Design, n: float) -> float:
    """The power of ``design`` with ``n`` participants (in the question's unit)."""
    if not n > 0:
        raise PowerCalculationError(f"the sample size must be positive, got {n!r}")
    observations = n * design.observations_per_n
    if design.analysis == "normal":
        z_alpha = norm.isf(design.alpha / design.options["tails"])
        return float(norm.cdf(design.effect_size * math.sqrt(observations) - z_alpha))
    value = _statsmodels_power(design, observations, design.alpha, design.options)
    if math.isnan(value) and design.options.get("alternative") == "two-sided":
        # scipy's noncentral t gives NaN far out in the lower tail (noncentrality above ~17),
        # where that tail holds less than 1e-60: the upper tail alone is the power.
        value = _statsmodels_power(
            design, observations, design.alpha / 2, {**design.options, "alternative": "larger"}
        )
    return _checked(value, "power")


def sample_size(design: Design, target: float) -> int:
    """The smallest whole ``n`` whose power is at least ``target``."""
    return math.ceil(solve_n(design, target))


def solve_n(design: Design, target: float) -> float:
    """The continuous ``n`` at which the power equals ``target``."""
    if not design.alpha < target < 1:
        raise PowerCalculationError(f"the target power must be in (alpha, 1), got {target!r}")
    if design.analysis == "normal":
        z_alpha = norm.isf(design.alpha / design.options["tails"])
        observations = ((z_alpha + norm.ppf(target)) / design.effect_size) ** 2
    else:
        analysis = getattr(smp, design.analysis)()
        keyword = _NOBS_KEYWORD[design.analysis]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # non-convergence shows up as NaN, checked below
            solved = analysis.solve_power(
                effect_size=design.effect_size,
                alpha=design.alpha,
                power=target,
                **{keyword: None},
                **design.options,
            )
        observations = _checked(float(solved), "sample size")
    return observations / design.observations_per_n


def _statsmodels_power(
    design: Design, observations: float, alpha: float, options: Mapping[str, Any]
) -> float:
    analysis = getattr(smp, design.analysis)()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(analysis.power(design.effect_size, observations, alpha, **options))


def _checked(value: float, what: str) -> float:
    if not math.isfinite(value):
        raise PowerCalculationError(f"statsmodels could not compute the {what} for these parameters")
    return value
