"""Metrics over episodes: success with 95% intervals, pass@k, pass^k, Best@K, and means.

Conventions:

* One outcome per (task, sample): :func:`final_episodes` keeps the last non-infrastructure
  attempt (or the last attempt when all failed on infrastructure). Infrastructure errors are
  counted apart and never enter a success rate.
* The 95% interval is Wilson's score interval (statsmodels). With K samples per task the
  outcomes of one task are correlated, so the interval treats each task as one trial with its
  mean success: conservative, and exact Wilson when K = 1.
* pass@k is the unbiased estimator of Chen et al. (2021), ``1 - C(n-c, k) / C(n, k)``; pass^k
  (τ-bench) is ``C(c, k) / C(n, k)``, the chance that k fresh samples all succeed. Both are
  averaged over the tasks that have at least k samples.
* Best@K: per task, the sample with the highest verifier score (``extra["verifier_score"]``)
  is picked, and its success counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from math import comb
from statistics import fmean
from typing import Any

from medagentgym.trajectory import Episode

VERIFIER_KEY = "verifier_score"


def final_episodes(episodes: Iterable[Episode]) -> list[Episode]:
    """One episode per (task_id, sample): the last real outcome, else the last infra error."""
    chosen: dict[tuple[str, int], Episode] = {}
    for episode in episodes:
        key = (episode.task_id, episode.sample)
        held = chosen.get(key)
        if held is None or episode.status != "infra_error" or held.status == "infra_error":
            chosen[key] = episode
    return list(chosen.values())


def wilson_interval(successes: float, n: int) -> tuple[float, float]:
    """The 95% Wilson score interval of a proportion ((0, 1) when there is no data)."""
    if n <= 0:
        return (0.0, 1.0)
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(successes, n, alpha=0.05, method="wilson")
    return (max(0.0, float(low)), min(1.0, float(high)))


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k for one task with ``c`` successes out of ``n`` samples (needs n >= k)."""
    if n - c < k:
        return 1.0
    return 1.0 - comb(n - c, k) / comb(n, k)


def pass_hat_k(n: int, c: int, k: int) -> float:
    """pass^k for one task: the chance that k samples drawn without replacement all succeed."""
    return comb(c, k) / comb(n, k)


def _by_task(episodes: Sequence[Episode]) -> dict[str, list[Episode]]:
    tasks: dict[str, list[Episode]] = defaultdict(list)
    for episode in episodes:
        tasks[episode.task_id].append(episode)
    return tasks


def _mean(values: Iterable[float]) -> float:
    values = list(values)
    return fmean(values) if values else 0.0


def summarize(episodes: Iterable[Episode]) -> dict[str, Any]:
    """Every metric for one group of final episodes (see the module docstring)."""
    episodes = list(episodes)
    scored = [e for e in episodes if e.status != "infra_error"]
    tasks = _by_task(scored)
    task_rates = [_mean(float(e.success) for e in runs) for runs in tasks.values()]
    rate = _mean(float(e.success) for e in scored)
    samples = max((len(runs) for runs in tasks.values()), default=0)
    counts = [(len(runs), sum(e.success for e in runs)) for runs in tasks.values()]
    result: dict[str, Any] = {
        "n": len(scored),
        "tasks": len(tasks),
        "successes": sum(e.success for e in scored),
        "success_rate": rate,
        "ci95": list(wilson_interval(_mean(task_rates) * len(tasks), len(tasks))),
        "pass_at_k": {
            str(k): _mean(pass_at_k(n, c, k) for n, c in counts if n >= k) for k in range(1, samples + 1)
        },
        "pass_hat_k": {
            str(k): _mean(pass_hat_k(n, c, k) for n, c in counts if n >= k) for k in range(1, samples + 1)
        },
        "infra_errors": len(episodes) - len(scored),
        "truncated": sum(e.status == "truncated" for e in scored),
        "mean_score": _mean(e.score for e in scored),
        "mean_steps": _mean(e.num_steps for e in scored),
        "mean_prompt_tokens": _mean(e.usage.get("prompt_tokens", 0.0) for e in scored),
        "mean_completion_tokens": _mean(e.usage.get("completion_tokens", 0.0) for e in scored),
        "mean_cost_usd": _mean(e.usage.get("cost_usd", 0.0) for e in scored),
        "total_cost_usd": sum(e.usage.get("cost_usd", 0.0) for e in episodes),
        "mean_wall_s": _mean(e.duration_s for e in scored),
    }
    best = best_at_k(tasks.values())
    if best is not None:
        result["best_at_k"] = best
    return result


def best_at_k(tasks: Iterable[Sequence[Episode]]) -> float | None:
    """Success of the verifier's favourite sample per task; None when no episode has a score."""
    picks = []
    for runs in tasks:
        rated = [e for e in runs if isinstance(e.extra.get(VERIFIER_KEY), int | float)]
        if rated:
            picks.append(float(max(rated, key=lambda e: e.extra[VERIFIER_KEY]).success))
    return _mean(picks) if picks else None


def grouped(episodes: Iterable[Episode], key: Callable[[Episode], str]) -> dict[str, dict[str, Any]]:
    """:func:`summarize` per group, groups in sorted order."""
    groups: dict[str, list[Episode]] = defaultdict(list)
    for episode in episodes:
        groups[key(episode)].append(episode)
    return {name: summarize(groups[name]) for name in sorted(groups)}
