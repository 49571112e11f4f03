"""``medagentgym validate``: prove a family's tasks are solvable and not gameable.

It plays the oracle and every trivial strategy on the same evenly spread sample of tasks and
reports success rates. A healthy family has oracle 1.0 and every trivial strategy near 0.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from medagentgym.agents.base import Agent
from medagentgym.agents.baselines import TRIVIAL_STRATEGIES, OracleAgent, TrivialAgent
from medagentgym.env.environment import MedAgentEnv
from medagentgym.errors import ConfigError
from medagentgym.runs.episode import run_episode
from medagentgym.tasks.taskset import TaskSet, resolve_tasks
from medagentgym.trajectory import Episode

ProgressCallback = Callable[[int], None]


def spread_indices(size: int, n: int) -> list[int]:
    """``n`` indices spread evenly over ``range(size)`` (covers every category of a family)."""
    if n <= 0:
        raise ConfigError(f"n must be positive, got {n}")
    n = min(n, size)
    return sorted({i * size // n for i in range(n)})


async def _play_all(
    *,
    tasks: TaskSet,
    agent: Agent,
    indices: Sequence[int],
    concurrency: int,
    env_options: dict[str, Any],
    on_done: ProgressCallback | None,
) -> list[Episode]:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in indices:
        queue.put_nowait(index)
    episodes: list[Episode] = []

    async def worker() -> None:
        env = MedAgentEnv(tasks, **env_options)
        try:
            while not queue.empty():
                index = queue.get_nowait()
                episodes.append(await run_episode(env, agent, index=index))
                if on_done:
                    on_done(1)
        finally:
            env.close()

    await asyncio.gather(*(worker() for _ in range(max(1, min(concurrency, len(indices))))))
    return episodes


def validate(
    family: str,
    *,
    split: str = "test",
    n: int = 100,
    seed: int = 0,
    strategies: Sequence[str] = TRIVIAL_STRATEGIES,
    concurrency: int = 4,
    on_done: ProgressCallback | None = None,
) -> dict[str, Any]:
    """Run the oracle and the trivial strategies over ``n`` tasks; return the success rates.

    The returned dict has ``family``, ``split``, ``n``, ``oracle`` (rate), ``trivial``
    (strategy -> rate), ``infra_errors`` and ``oracle_failures`` (task ids, for debugging).
    """
    tasks = resolve_tasks(family, split, seed)
    indices = spread_indices(len(tasks), n)
    longest = max(len(task.questions) for task in tasks.take(indices))
    # The oracle needs two steps per question (run its code, submit); trivial agents need one.
    env_options = {"max_steps": 2 * longest + 2, "max_observation_chars": 200_000, "feedback": "final"}
    agents: list[Agent] = [OracleAgent(), *(TrivialAgent(s) for s in strategies)]
    results: dict[str, list[Episode]] = {}
    for agent in agents:
        results[agent.name] = asyncio.run(
            _play_all(
                tasks=tasks,
                agent=agent,
                indices=indices,
                concurrency=concurrency,
                env_options=env_options,
                on_done=on_done,
            )
        )
    oracle = results["oracle"]
    infra = sum(e.status == "infra_error" for runs in results.values() for e in runs)
    return {
        "family": family,
        "split": split,
        "n": len(indices),
        "oracle": _rate(oracle),
        "trivial": {s: _rate(results[f"trivial-{s}"]) for s in strategies},
        "infra_errors": infra,
        "oracle_failures": sorted(e.task_id for e in oracle if not e.success),
    }


def _rate(episodes: list[Episode]) -> float:
    return sum(e.success for e in episodes) / len(episodes) if episodes else 0.0
