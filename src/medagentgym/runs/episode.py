"""Playing one episode: the loop between an agent and an environment.

Infrastructure failures (the model API is down, the sandbox broke) do not count against the
agent: they end the episode with ``status="infra_error"`` so that the evaluation runner can retry
it, while the agent's own mistakes are ordinary outcomes.
"""

from __future__ import annotations

import time
from typing import Any

from medagentgym.agents.base import Agent
from medagentgym.env.environment import MedAgentEnv
from medagentgym.errors import ModelError, SandboxError
from medagentgym.trajectory import Episode


async def run_episode(
    env: MedAgentEnv,
    agent: Agent,
    *,
    task_id: str | None = None,
    index: int | None = None,
    seed: int | None = None,
    sample: int = 0,
) -> Episode:
    """Play one episode of ``task_id`` (or task ``index``) and return its record."""
    options: dict[str, Any] = {}
    if task_id is not None:
        options["task_id"] = task_id
    elif index is not None:
        options["index"] = index
    observation, info = await env.areset(seed=seed, options=options)
    started = time.monotonic()
    try:
        while True:
            began = time.perf_counter()
            action = await agent.act(env, observation, info)
            model_s = time.perf_counter() - began
            observation, _, terminated, truncated, info = await env.astep(action)
            env.episode.steps[-1].timings["model_s"] = model_s
            if terminated or truncated:
                break
    except (ModelError, SandboxError) as exc:
        _mark_infra_error(env, exc)
    episode = env.episode
    episode.sample = sample
    episode.agent = agent.config()
    episode.model = dict(episode.agent.get("model") or {})
    episode.usage = _usage(episode)
    episode.duration_s = max(episode.duration_s, time.monotonic() - started)
    return episode


def _mark_infra_error(env: MedAgentEnv, exc: Exception) -> None:
    record = env.episode
    record.status = "infra_error"
    record.termination = "infra_error"
    record.error = f"{type(exc).__name__}: {exc}"
    env.close()


def _usage(episode: Episode) -> dict[str, float]:
    totals = {"prompt_tokens": 0.0, "completion_tokens": 0.0, "cost_usd": 0.0, "model_s": 0.0}
    for step in episode.steps:
        if step.model:
            for key in ("prompt_tokens", "completion_tokens", "cost_usd"):
                totals[key] += float(step.model.get(key, 0) or 0)
        totals["model_s"] += step.timings.get("model_s", 0.0)
    return totals
