"""The power engine against textbook values, and its edge cases."""

from __future__ import annotations

import math

import pytest

from medagentgym.tasks.npower.engine import Design, PowerCalculationError, power, sample_size, solve_n
from medagentgym.tasks.npower.studies import (
    ChiSquareIndependence,
    CoxPH,
    OneSampleT,
    OneWayAnova,
    PairedT,
    Problem,
    TwoSampleT,
)


def test_t_tests_match_cohen_and_gpower():
    # d = 0.5, alpha 0.05, power 0.80: one-sample 34; paired one-sided 27; two groups 64 each.
    assert Problem(OneSampleT(100, 105, 10, 0.05, True), "size", 0.8).answer() == 34
    assert Problem(PairedT(5, 10, None, 0.05, False), "size", 0.8).answer() == 27
    assert Problem(TwoSampleT(5, 10, 10, 1.0, 0.05, True), "size", 0.8).answer() == 64
    assert Problem(TwoSampleT(5, 10, 10, 1.0, 0.05, True), "power", 64).answer() == pytest.approx(
        0.80, abs=0.005
    )


def test_paired_sd_of_changes_from_correlation():
    # SD 10 at both times with correlation 0.5 gives SD of changes 10: the same study as above.
    with_correlation = PairedT(5, 10, 0.5, 0.05, False)
    assert with_correlation.sd_change == pytest.approx(10)
    assert Problem(with_correlation, "size", 0.8).answer() == 27


def test_two_sample_pooled_sd_and_allocation_ratio():
    pooled = TwoSampleT(5, 8, math.sqrt(2 * 100 - 64), 1.0, 0.05, True)  # RMS of the SDs is 10
    assert pooled.design().effect_size == pytest.approx(0.5)
    unequal = TwoSampleT(5, 10, 10, 2.0, 0.05, True)
    n_a = Problem(unequal, "size", 0.8).answer()
    assert n_a < 64 < 2 * n_a  # fewer in A, more in all, than with equal groups
    assert power(unequal.design(), n_a) >= 0.8 > power(unequal.design(), n_a - 1)


def test_anova_matches_cohen_table():
    # Cohen's f = 0.25 with k = 4 groups: 45 per group for 80% power at alpha 0.05.
    means = (-0.375, -0.125, 0.125, 0.375)  # population SD of the means 0.2795 -> f = 0.25 with SD 1.118
    study = OneWayAnova(means, math.sqrt(sum(m * m for m in means) / 4) / 0.25, 0.05)
    assert study.design().effect_size == pytest.approx(0.25)
    assert Problem(study, "size", 0.8).answer() == 45


def test_chi_square_matches_cohen_table():
    # 2x2 table with w = 0.3 and df = 1: N = 88 (Cohen's table: 87.2).
    study = ChiSquareIndependence((0.5, 0.5), ((0.65, 0.35), (0.35, 0.65)), 0.05)
    assert study.design().effect_size == pytest.approx(0.3)
    assert solve_n(study.design(), 0.8) == pytest.approx(87.2, abs=0.05)
    assert Problem(study, "size", 0.8).answer() == 88


def test_chi_square_degrees_of_freedom_follow_the_table():
    two_by_three = ChiSquareIndependence((0.4, 0.6), ((0.2, 0.3, 0.5), (0.4, 0.3, 0.3)), 0.05)
    assert two_by_three.design().options == {"n_bins": 3}  # df = 2
    with pytest.raises(PowerCalculationError, match="distribution"):
        ChiSquareIndependence((0.5, 0.5), ((0.5, 0.5), (0.2, 0.3, 0.5)), 0.05)


def test_cox_schoenfeld_events():
    # HR 0.75, 80% power, two-sided 0.05, equal groups: 380 events (Schoenfeld's formula).
    every_patient_has_an_event = CoxPH(0.75, 0.5, 0.5, 0.05, True, "schoenfeld")
    assert Problem(every_patient_has_an_event, "size", 0.8).answer() == 380


def test_cox_freedman_matches_rosner_example():
    # Rosner's retinitis pigmentosa example: HR 0.7, p_E 0.3707, p_C 0.4890 -> 294 per group.
    study = CoxPH(0.7, 0.3707, 0.4890, 0.05, True, "freedman")
    events = ((1 + 0.7) / (1 - 0.7)) ** 2 * (1.959964 + 0.841621) ** 2
    assert solve_n(study.design(), 0.8) * (0.3707 + 0.4890) == pytest.approx(events, rel=1e-5)
    assert Problem(study, "size", 0.8).answer() == 294
    assert Problem(study, "power", 294).answer() == pytest.approx(0.801, abs=0.001)


def test_one_sided_needs_fewer_participants():
    two = Problem(OneSampleT(10, 12, 5, 0.05, True), "size", 0.9).answer()
    one = Problem(OneSampleT(10, 12, 5, 0.05, False), "size", 0.9).answer()
    assert one < two


def test_huge_effects_have_power_one_where_statsmodels_gives_nan():
    assert Problem(OneSampleT(120, 100, 7.3, 0.05, True), "power", 37).answer() == pytest.approx(1.0)


def test_sample_size_is_the_smallest_n_reaching_the_target():
    for study in (
        OneSampleT(5, 6, 2, 0.01, True),
        OneWayAnova((10, 12, 15), 6, 0.05),
        CoxPH(0.6, 0.3, 0.45, 0.05, False, "schoenfeld"),
    ):
        n = sample_size(study.design(), 0.85)
        assert power(study.design(), n) >= 0.85 > power(study.design(), n - 1)


def test_invalid_calculations_are_errors():
    with pytest.raises(PowerCalculationError, match="effect size"):
        OneSampleT(10, 10, 2, 0.05, True).design()  # no difference to detect
    with pytest.raises(PowerCalculationError, match="alpha"):
        Design("TTestPower", 0.5, 1.5)
    design = Design("TTestPower", 0.5, 0.05, {"alternative": "two-sided"})
    with pytest.raises(PowerCalculationError, match="target power"):
        sample_size(design, 0.01)
    with pytest.raises(PowerCalculationError, match="sample size"):
        power(design, 0)
