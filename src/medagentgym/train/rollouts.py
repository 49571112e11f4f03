"""Sampling K trajectories per task from any backend, on this machine or spread over a Ray cluster.

Rollouts feed the dataset exporters (SFT from successes, DPO from successes against failures) and
the verifier, and are written as a run directory like any evaluation. Local weights
(``local:default``, ``hf:DIR``) play in batched waves with :mod:`medagentgym.train.online`, which
records token ids and log-probabilities; API models and scripted agents (``openai:...``,
``agent:oracle``) play through the evaluation runner. With ``ray_address`` the jobs are cut into
one shard per worker; each worker builds the model once, plays its shard and returns the
episodes, which the driver writes, so the run directory has a single writer.
``ray_address="local"`` starts a private Ray instance on this machine (the way the tests run it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from medagentgym.errors import ConfigError
from medagentgym.train.online import Job, Sampling
from medagentgym.trajectory import Episode


@dataclass(frozen=True)
class RolloutPlan:
    """What to sample: which model, which tasks, how many samples each, and the budgets."""

    model: str
    tasks: str
    split: str = "train"
    num_tasks: int = 0
    """Tasks spread evenly over the split (0: all of them)."""
    samples: int = 1
    sampling: Sampling = field(default_factory=Sampling)
    env_options: dict[str, Any] = field(default_factory=dict)
    batch_size: int = 32
    seed: int = 0

    def jobs(self) -> list[Job]:
        from medagentgym.tasks.taskset import resolve_tasks
        from medagentgym.train.online import spread_jobs

        if self.samples < 1:
            raise ConfigError(f"samples must be at least 1, got {self.samples}")
        tasks = resolve_tasks(self.tasks, self.split, self.seed)
        return spread_jobs(tasks, self.num_tasks or len(tasks), self.samples)


def play_shard(plan: RolloutPlan, jobs: Sequence[Job]) -> list[Episode]:
    """Build the model and play ``jobs`` (what one machine, or one Ray worker, does)."""
    if plan.model.partition(":")[0] in ("openai", "agent"):
        return _play_with_runner(plan, jobs)
    return _play_local(plan, jobs)


class _Collector:
    """Stands in for the runner's episode writer: keeps the last attempt of each (task, sample)."""

    def __init__(self) -> None:
        self.final: dict[tuple[str, int], Episode] = {}

    def write(self, episode: Episode) -> None:
        self.final[(episode.task_id, episode.sample)] = episode


def _play_with_runner(plan: RolloutPlan, jobs: Sequence[Job]) -> list[Episode]:
    import asyncio

    from medagentgym.models.spec import build_agent
    from medagentgym.runs.runner import EvalSettings, WorkItem, play
    from medagentgym.tasks.taskset import resolve_tasks

    tasks = resolve_tasks(plan.tasks, plan.split, plan.seed)
    settings = EvalSettings(
        model=plan.model,
        split=plan.split,
        seed=plan.seed,
        concurrency=plan.batch_size,
        temperature=plan.sampling.temperature,
        max_tokens=plan.sampling.max_new_tokens,
        **{
            k: v
            for k, v in plan.env_options.items()
            if k in ("max_steps", "time_limit_s", "feedback", "protocol")
        },
    )
    agent = build_agent(plan.model, temperature=settings.temperature, max_tokens=settings.max_tokens)
    collector = _Collector()
    items = [WorkItem(tasks.find(job.task_id), job.sample) for job in jobs]
    asyncio.run(play(items, agent, collector, settings))  # type: ignore[arg-type]
    return list(collector.final.values())


def _play_local(plan: RolloutPlan, jobs: Sequence[Job]) -> list[Episode]:
    from medagentgym.tasks.taskset import resolve_tasks
    from medagentgym.train.modeling import (
        inference_dtype,
        load_model,
        load_tokenizer,
        pick_device,
        resolve_model_path,
    )
    from medagentgym.train.online import LocalPolicy, play_sync

    device = pick_device("auto")
    path = resolve_model_path(plan.model)
    model = load_model(path, dtype=inference_dtype(device), device=device)
    policy = LocalPolicy(model, load_tokenizer(path), name=plan.model)
    rollouts = play_sync(
        policy,
        resolve_tasks(plan.tasks, plan.split, plan.seed),
        jobs,
        sampling=plan.sampling,
        env_options=plan.env_options,
        batch_size=plan.batch_size,
    )
    return [r.episode for r in rollouts]


def sample_rollouts(plan: RolloutPlan, *, ray_address: str | None = None, workers: int = 0) -> list[Episode]:
    """Play every job of ``plan`` here, or over Ray when ``ray_address`` is given."""
    jobs = plan.jobs()
    if ray_address is None:
        return _in_job_order(jobs, play_shard(plan, jobs))
    import ray

    if not ray.is_initialized():
        if ray_address == "local":
            ray.init(num_cpus=workers or 2, include_dashboard=False, log_to_driver=False)
        else:
            ray.init(address=ray_address, include_dashboard=False, log_to_driver=False)
    count = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
    shards = [jobs[i::count] for i in range(count) if jobs[i::count]]
    remote = ray.remote(play_shard)
    results = ray.get([remote.remote(plan, shard) for shard in shards])
    return _in_job_order(jobs, [e for shard in results for e in shard])


def _in_job_order(jobs: Sequence[Job], episodes: Sequence[Episode]) -> list[Episode]:
    by_job = {(e.task_id, e.sample): e for e in episodes}
    return [by_job[(job.task_id, job.sample)] for job in jobs]


def write_rollouts(plan: RolloutPlan, episodes: Sequence[Episode], out: Path) -> dict[str, Any]:
    """Write the episodes as a run directory and summarise them."""
    from medagentgym.train.online import summarize
    from medagentgym.train.rundirs import write_run

    manifest = {
        "kind": "rollouts",
        "model": plan.model,
        "tasks": plan.tasks,
        "split": plan.split,
        "samples": plan.samples,
        "temperature": plan.sampling.temperature,
        "env": plan.env_options,
    }
    write_run(out, episodes, manifest)
    return {**summarize(episodes), "run_dir": str(out)}
