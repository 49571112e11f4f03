"""Metrics: Wilson intervals, unbiased pass@k, pass^k, Best@K and the final outcome of each pair."""

from __future__ import annotations

import itertools
from math import comb

import pytest

from medagentgym.runs.metrics import (
    final_episodes,
    grouped,
    pass_at_k,
    pass_hat_k,
    summarize,
    wilson_interval,
)
from medagentgym.trajectory import Episode


def episode(task: str, sample: int = 0, success: bool = False, status: str = "completed", **extra) -> Episode:
    family = task.split("/", maxsplit=1)[0]
    record = Episode(
        task, family, extra.pop("category", "c"), "test", sample=sample, success=success, status=status
    )
    record.extra.update(extra)
    return record


def test_wilson_matches_the_closed_form():
    low, high = wilson_interval(7, 20)
    p, n, z = 7 / 20, 20, 1.959963984540054
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * (p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5
    assert (low, high) == pytest.approx((centre - half, centre + half))
    assert wilson_interval(0, 0) == (0.0, 1.0)
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(10, 10)[1] == 1.0


@pytest.mark.parametrize(("n", "c"), [(5, 0), (5, 2), (5, 5), (8, 3), (10, 1)])
def test_pass_at_k_and_pass_hat_k_equal_brute_force(n, c):
    outcomes = [True] * c + [False] * (n - c)
    for k in range(1, n + 1):
        subsets = list(itertools.combinations(outcomes, k))
        assert pass_at_k(n, c, k) == pytest.approx(sum(any(s) for s in subsets) / comb(n, k))
        assert pass_hat_k(n, c, k) == pytest.approx(sum(all(s) for s in subsets) / comb(n, k))


def test_final_episode_prefers_a_real_outcome_over_infra_errors():
    attempts = [
        episode("f/test/s0/1", status="infra_error"),
        episode("f/test/s0/1", success=True),
        episode("f/test/s0/1", status="infra_error"),
        episode("f/test/s0/2", status="infra_error"),
        episode("f/test/s0/2", status="infra_error", marker=1),
    ]
    finals = {e.task_id: e for e in final_episodes(attempts)}
    assert finals["f/test/s0/1"].success
    assert finals["f/test/s0/2"].extra == {"marker": 1}


def test_summary_counts_infra_errors_apart_and_computes_pass_at_k():
    episodes = [
        episode("f/test/s0/1", 0, True),
        episode("f/test/s0/1", 1, False),
        episode("f/test/s0/2", 0, False),
        episode("f/test/s0/2", 1, False),
        episode("f/test/s0/3", 0, status="infra_error"),
    ]
    s = summarize(episodes)
    assert s["n"] == 4 and s["tasks"] == 2 and s["infra_errors"] == 1
    assert s["success_rate"] == 0.25
    assert s["pass_at_k"] == {"1": 0.25, "2": 0.5}
    assert s["pass_hat_k"] == {"1": 0.25, "2": 0.0}
    assert s["ci95"] == pytest.approx(list(wilson_interval(0.5, 2)))  # tasks as trials
    assert "best_at_k" not in s


def test_best_at_k_follows_the_verifier():
    episodes = [
        episode("f/test/s0/1", 0, False, verifier_score=0.9),
        episode("f/test/s0/1", 1, True, verifier_score=0.2),
        episode("f/test/s0/2", 0, True, verifier_score=0.8),
        episode("f/test/s0/2", 1, False, verifier_score=0.1),
    ]
    assert summarize(episodes)["best_at_k"] == 0.5


def test_grouping_by_family():
    episodes = [
        episode("a/test/s0/1", success=True),
        episode("b/test/s0/1"),
        episode("b/test/s0/2", success=True),
    ]
    groups = grouped(episodes, lambda e: e.family)
    assert list(groups) == ["a", "b"]
    assert groups["a"]["success_rate"] == 1.0 and groups["b"]["success_rate"] == 0.5
