"""MedCalc graders follow MedCalc-Bench's official rules (not MedAgentGym's always-true check)."""

from __future__ import annotations

import pytest

from medagentgym.agents.baselines import TrivialAgent
from medagentgym.tasks.graders import grader_from_spec
from medagentgym.tasks.medcalc.grading import WeeksDaysGrader, decimal_grader, grader_for

TRIVIAL = [a for a in TrivialAgent.STRATEGIES.values() if a is not None] + [
    "Traceback: RuntimeError 0 1 True"
]


@pytest.mark.parametrize(
    "submission",
    [
        [4, 2],
        (4, 2),
        {"weeks": 4, "days": 2},
        "4 weeks, 2 days",
        "(4, 2)",
        "('4 weeks', '2 days')",
        "[4, 2]",
        "4 weeks and 2 days",
        "4w 2d",
        ["4 weeks", "2 days"],
        "(4 weeks, 2 days)",
    ],
)
def test_weeks_days_accepts_the_usual_forms(submission):
    assert WeeksDaysGrader(4, 2).grade(submission).correct


@pytest.mark.parametrize(
    "submission",
    [
        "0 1 2 3 4 5 6 7 8 9 10",
        True,
        False,
        "",
        0,
        4,
        "4 weeks",
        [4, 2, 1],
        [4, 9],
        "four weeks",
        [True, 2],
        "(4.5, 2)",
        None,
    ],
)
def test_weeks_days_rejects_everything_else(submission):
    verdict = WeeksDaysGrader(4, 2).grade(submission)
    assert not verdict.correct and not verdict.parsed


def test_weeks_days_wrong_pair_and_round_trip():
    grader = WeeksDaysGrader(4, 2)
    verdict = grader.grade([2, 4])
    assert verdict.parsed and not verdict.correct
    assert "4" not in verdict.message and "2" not in verdict.message  # never reveals the answer
    assert grader_from_spec(grader.to_spec()) == grader
    assert grader.grade("(0 weeks, 5 days)").correct is False
    assert WeeksDaysGrader(0, 5).grade("(0 weeks, 5 days)").correct


def test_decimals_use_the_five_percent_limits_also_for_negative_answers():
    positive = decimal_grader(25.238)
    assert positive.grade(25.238 * 1.049).correct and not positive.grade(25.238 * 1.051).correct
    negative = decimal_grader(-7.5)
    assert (negative.lower, negative.upper) == pytest.approx((-7.875, -7.125))
    assert negative.grade(-7.5).correct and negative.grade("-7.2").correct
    assert not negative.grade(7.5).correct and not negative.grade(0).correct


def test_the_original_always_true_tolerance_is_not_reproduced():
    # MedAgentGym's check `ans >= 0.95*pred or ans <= 1.05*pred` accepts every non-negative number
    # and rejects correct negative answers; the official limits do neither.
    grader = grader_for("decimal", 25.238)
    for wrong in (0, 1, 1000, 26.6, 23.9):
        assert not grader.grade(wrong).correct
    assert grader_for("decimal", -7.5).grade(-7.5).correct


def test_zero_answers_need_zero():
    grader = grader_for("decimal", 0.0)
    assert grader.grade(0).correct and grader.grade("0.0").correct
    assert not grader.grade(0.001).correct
    assert grader_for("integer", 0).grade("0").correct


def test_integer_scores_are_rounded_then_exact():
    grader = grader_for("integer", 4)
    assert grader.grade(4).correct and grader.grade("3.6").correct and grader.grade(4.4).correct
    assert not grader.grade(3.4).correct and not grader.grade(5).correct
    assert grader_for("integer", -2).grade("-2").correct


def test_dates_accept_us_and_iso_forms():
    grader = grader_for("date", "2024-10-07")
    assert grader.grade("10/07/2024").correct and grader.grade("2024-10-07").correct
    assert grader.grade("10/7/2024").correct
    assert not grader.grade("10/08/2024").correct and not grader.grade("07/10/2024").correct


@pytest.mark.parametrize(
    "grader",
    [
        grader_for("decimal", 3.2),
        grader_for("integer", 3),
        grader_for("date", "2024-10-07"),
        WeeksDaysGrader(12, 3),
    ],
)
def test_trivial_answers_fail(grader):
    assert not any(grader.grade(answer).correct for answer in TRIVIAL)
