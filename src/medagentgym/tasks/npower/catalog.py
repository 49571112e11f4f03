"""The six N-PowerAI test types: one row each, driving the one generator in ``family.py``.

``title`` and ``original_id`` are the original files' ``task_type`` and ``task_id`` (note that the
original numbers two-sample before paired).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from medagentgym.tasks.npower import draws, scenarios, wording
from medagentgym.tasks.npower.studies import (
    ChiSquareIndependence,
    CoxPH,
    OneSampleT,
    OneWayAnova,
    PairedT,
    Study,
    Target,
    TwoSampleT,
)


@dataclass(frozen=True)
class TestType:
    """A test type: its study class, settings, random draw and phrasings."""

    title: str
    original_id: int
    study: type[Study]
    scenarios: Sequence[Any]
    draw: Callable[[np.random.Generator, Any, Target], draws.Draw]
    wording: wording.Wording

    @property
    def category(self) -> str:
        return self.study.category


CATALOG: tuple[TestType, ...] = (
    TestType(
        "One-sample t-test", 1, OneSampleT, scenarios.ONE_SAMPLE, draws.draw_one_sample, wording.ONE_SAMPLE
    ),
    TestType(
        "Two independent samples t-test",
        2,
        TwoSampleT,
        scenarios.TWO_SAMPLE,
        draws.draw_two_sample,
        wording.TWO_SAMPLE,
    ),
    TestType("Paired t-test", 3, PairedT, scenarios.PAIRED, draws.draw_paired, wording.PAIRED),
    TestType("One-way ANOVA", 4, OneWayAnova, scenarios.ANOVA, draws.draw_anova, wording.ANOVA),
    TestType(
        "Chi-square test of independence",
        5,
        ChiSquareIndependence,
        scenarios.CHI_SQUARE,
        draws.draw_chi_square,
        wording.CHI_SQUARE,
    ),
    TestType("Cox proportional-hazards model", 6, CoxPH, scenarios.COX, draws.draw_cox, wording.COX),
)

BY_TITLE = {t.title: t for t in CATALOG}
BY_CATEGORY = {t.category: t for t in CATALOG}
