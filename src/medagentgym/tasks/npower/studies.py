"""The six study designs of N-PowerAI: their parameters, effect sizes and reference code.

Each study holds exactly the numbers its question states. ``design()`` turns them into the
engine's :class:`~medagentgym.tasks.npower.engine.Design`; ``effect_code()`` is the same effect
size written as plain Python for the oracle program (it sets ``effect`` and, when one ``n`` is
not one observation, ``per_n``), so the oracle (run in the sandbox) and the
engine (run on the host) compute every answer independently and must agree.

Conventions (stated in every generated question):

* t-tests: two-sided tests count rejections in either direction (statsmodels' default); a
  one-sided test is in the hypothesised direction.
* Paired t: the effect is the mean change over the SD of the within-subject changes; when the SD of
  each measurement and their correlation are given, SD_change = SD * sqrt(2 * (1 - rho)).
* Two-sample t: the common SD is sqrt((SD_A^2 + SD_B^2) / 2); ``ratio`` = n_B / n_A and the
  answer is n_A.
* One-way ANOVA: Cohen's f = population SD of the group means (divisor k) / common SD; equal
  group sizes; the answer is per group.
* Chi-square test of independence: Cohen's w from the joint proportions implied by the group
  shares and the within-group distributions; df = (groups - 1) * (categories - 1); n is the total.
* Cox model: equal groups; required events from Schoenfeld's (|log HR| / 2 per event) or
  Freedman's (|HR - 1| / (HR + 1)) formula, one normal tail; expected events per group pair are
  n * (p_E + p_C), so n (per group) = events / (p_E + p_C).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar, Literal

from medagentgym.tasks.npower.engine import Design, PowerCalculationError, power, sample_size

Target = Literal["size", "power"]
CoxFormula = Literal["schoenfeld", "freedman"]


def _alternative(two_sided: bool) -> str:
    return "two-sided" if two_sided else "larger"


@dataclass(frozen=True)
class OneSampleT:
    """A mean compared with a known reference value."""

    category: ClassVar[str] = "one_sample_t"
    reference: float
    expected: float
    sd: float
    alpha: float
    two_sided: bool

    def design(self) -> Design:
        effect = abs(self.expected - self.reference) / self.sd
        return Design("TTestPower", effect, self.alpha, {"alternative": _alternative(self.two_sided)})

    def effect_code(self) -> str:
        return "effect = abs(expected - reference) / sd  # Cohen's d"


@dataclass(frozen=True)
class PairedT:
    """Before/after measurements on the same participants (``n`` = number of pairs).

    ``correlation`` is None when ``sd`` is already the SD of the within-subject changes.
    """

    category: ClassVar[str] = "paired_t"
    change: float
    sd: float
    correlation: float | None
    alpha: float
    two_sided: bool

    @property
    def sd_change(self) -> float:
        if self.correlation is None:
            return self.sd
        return self.sd * math.sqrt(2 * (1 - self.correlation))

    def design(self) -> Design:
        effect = abs(self.change) / self.sd_change
        return Design("TTestPower", effect, self.alpha, {"alternative": _alternative(self.two_sided)})

    def effect_code(self) -> str:
        if self.correlation is None:
            return "effect = abs(change) / sd  # d_z: mean change / SD of the changes"
        return (
            "sd_change = sd * math.sqrt(2 * (1 - correlation))\n"
            "effect = abs(change) / sd_change  # d_z: mean change / SD of the changes"
        )


@dataclass(frozen=True)
class TwoSampleT:
    """Two independent groups A and B, with n_B = ``ratio`` * n_A (``n`` = n_A)."""

    category: ClassVar[str] = "two_sample_t"
    difference: float
    sd_a: float
    sd_b: float
    ratio: float
    alpha: float
    two_sided: bool

    def design(self) -> Design:
        pooled = math.sqrt((self.sd_a**2 + self.sd_b**2) / 2)
        options = {"ratio": self.ratio, "alternative": _alternative(self.two_sided)}
        return Design("TTestIndPower", abs(self.difference) / pooled, self.alpha, options)

    def effect_code(self) -> str:
        return (
            "pooled_sd = math.sqrt((sd_a ** 2 + sd_b ** 2) / 2)\n"
            "effect = abs(difference) / pooled_sd  # Cohen's d"
        )


@dataclass(frozen=True)
class OneWayAnova:
    """k groups of equal size (``n`` = per group)."""

    category: ClassVar[str] = "one_way_anova"
    means: tuple[float, ...]
    sd: float
    alpha: float

    def design(self) -> Design:
        k = len(self.means)
        grand = sum(self.means) / k
        f = math.sqrt(sum((m - grand) ** 2 for m in self.means) / k) / self.sd
        return Design("FTestAnovaPower", f, self.alpha, {"k_groups": k}, observations_per_n=k)

    def effect_code(self) -> str:
        return (
            "effect = statistics.pstdev(means) / sd  # Cohen's f (divisor k)\n"
            "per_n = len(means)  # statsmodels counts the participants of all groups"
        )


@dataclass(frozen=True)
class ChiSquareIndependence:
    """Groups (rows, with population ``shares``) by outcome categories (``n`` = total)."""

    category: ClassVar[str] = "chi_square_independence"
    shares: tuple[float, ...]
    distributions: tuple[tuple[float, ...], ...]
    alpha: float

    def __post_init__(self) -> None:
        if len(self.shares) != len(self.distributions) or len({len(d) for d in self.distributions}) != 1:
            raise PowerCalculationError("each group needs one distribution over the same categories")

    def design(self) -> Design:
        columns = len(self.distributions[0])
        joint = [[s * p for p in dist] for s, dist in zip(self.shares, self.distributions, strict=True)]
        rows = [sum(row) for row in joint]
        cols = [sum(row[j] for row in joint) for j in range(columns)]
        w2 = sum(
            (joint[i][j] - rows[i] * cols[j]) ** 2 / (rows[i] * cols[j])
            for i in range(len(joint))
            for j in range(columns)
        )
        df = (len(joint) - 1) * (columns - 1)
        return Design("GofChisquarePower", math.sqrt(w2), self.alpha, {"n_bins": df + 1})

    def effect_code(self) -> str:
        return (
            "table = np.array(shares)[:, None] * np.array(distributions)  # joint proportions\n"
            "expected = np.outer(table.sum(axis=1), table.sum(axis=0))\n"
            "effect = float(np.sqrt(((table - expected) ** 2 / expected).sum()))  # Cohen's w"
        )


@dataclass(frozen=True)
class CoxPH:
    """Two equal groups followed for events (``n`` = per group)."""

    category: ClassVar[str] = "cox_ph"
    hazard_ratio: float
    p_event_e: float
    p_event_c: float
    alpha: float
    two_sided: bool
    formula: CoxFormula

    def design(self) -> Design:
        hr = self.hazard_ratio
        if self.formula == "schoenfeld":
            per_event = abs(math.log(hr)) / 2
        else:
            per_event = abs(hr - 1) / (hr + 1)
        tails = 2 if self.two_sided else 1
        return Design("normal", per_event, self.alpha, {"tails": tails}, self.p_event_e + self.p_event_c)

    def effect_code(self) -> str:
        if self.formula == "schoenfeld":
            effect = "effect = abs(math.log(hazard_ratio)) / 2  # Schoenfeld, equal groups"
        else:
            effect = "effect = abs(hazard_ratio - 1) / (hazard_ratio + 1)  # Freedman"
        return f"{effect}\nper_n = p_event_e + p_event_c  # expected events per participant in each group"


Study = OneSampleT | PairedT | TwoSampleT | OneWayAnova | ChiSquareIndependence | CoxPH
STUDY_TYPES: tuple[type[Study], ...] = (
    OneSampleT,
    PairedT,
    TwoSampleT,
    OneWayAnova,
    ChiSquareIndependence,
    CoxPH,
)


@dataclass(frozen=True)
class Problem:
    """A study and what is asked: the sample size for a target power, or the power for an n."""

    study: Study
    target: Target
    given: float  # the target power (size questions) or n (power questions)

    def answer(self) -> float | int:
        design = self.study.design()
        if self.target == "size":
            return sample_size(design, self.given)
        return power(design, self.given)
