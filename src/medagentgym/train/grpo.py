"""GRPO with the environment in the loop, on TRL's GRPOTrainer through a rollout function.

TRL samples each training task ``num_generations`` times per batch; our rollout function plays
those episodes with :mod:`medagentgym.train.online` (multi-turn, batched, the environment's
graders giving the rewards) and hands TRL the token-level result: the prompt ids, everything after
them as the "completion", and ``env_mask`` marking which completion tokens the model sampled, so
tool outputs never enter the loss. TRL then normalises rewards within each group and applies its
clipped objective. The reward is the task score plus ``format_reward`` times the share of turns
that were valid actions.

The dataset TRL iterates over holds task ids as plain-text prompts: the real prompt is whatever
the environment shows at reset, so there is nothing to keep in sync.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import trl

from medagentgym.errors import DataError
from medagentgym.tasks.taskset import ListTaskSet, TaskSet, resolve_tasks
from medagentgym.train.config import GRPOConfig, OnlineConfig
from medagentgym.train.curves import CurvesCallback
from medagentgym.train.export import read_rows
from medagentgym.train.modeling import last_checkpoint, lora_config, trainer_arguments
from medagentgym.train.online import Job, LocalPolicy, Rollout, Sampling, play_sync
from medagentgym.train.rundirs import write_run
from medagentgym.train.session import finish, open_session

ROLLOUTS_DIR = "rollouts"


def training_tasks(config: OnlineConfig) -> tuple[TaskSet, list[str]]:
    """The task set episodes are played from and the ids to train on, from an RL export or a family."""
    if config.data:
        ids = [row["task_id"] for row in read_rows(config.data)]
        from medagentgym.tasks.registry import get_task

        tasks: TaskSet = ListTaskSet([get_task(i) for i in ids], Path(config.data).name)
    else:
        tasks = resolve_tasks(config.tasks, config.split)
        ids = [tasks[i].id for i in range(len(tasks))]
    if config.num_tasks:
        ids = ids[: config.num_tasks]
    if not ids:
        raise DataError("no training tasks")
    return tasks, ids


def sampling_for(config: OnlineConfig) -> Sampling:
    return Sampling(
        temperature=config.temperature,
        max_new_tokens=config.max_new_tokens,
        token_budget=config.token_budget,
        max_context=config.max_length,
    )


def episode_reward(rollout: Rollout, format_weight: float) -> float:
    """The score the graders gave plus the weighted format reward (shared with PPO)."""
    return rollout.episode.score + format_weight * rollout.format_score


class EnvironmentRollouts:
    """TRL's ``rollout_func``: plays the prompts' tasks and returns ids, masks and rewards."""

    def __init__(self, config: OnlineConfig, tokenizer: Any, tasks: TaskSet, run_dir: Path) -> None:
        self.config = config
        self.tokenizer = tokenizer
        self.tasks = tasks
        self.run_dir = run_dir
        self.sampling = sampling_for(config)

    def __call__(self, prompts: list[Any], trainer: Any) -> dict[str, list[Any]]:
        seen: Counter[str] = Counter()
        jobs = []
        for prompt in prompts:
            jobs.append(Job(str(prompt), seen[str(prompt)]))
            seen[str(prompt)] += 1
        model = trainer.accelerator.unwrap_model(trainer.model)
        rollouts = play_sync(
            LocalPolicy(model, self.tokenizer),
            self.tasks,
            jobs,
            sampling=self.sampling,
            env_options={"max_steps": self.config.max_turns},
            batch_size=len(jobs),
        )
        step = trainer.state.global_step
        for rollout in rollouts:
            rollout.episode.extra["train_step"] = step
        write_run(self.run_dir, [r.episode for r in rollouts], {"kind": "grpo-rollouts"}, append=True)
        return {
            "prompt_ids": [r.prompt_ids for r in rollouts],
            "completion_ids": [r.completion_ids or [self.tokenizer.eos_token_id] for r in rollouts],
            "logprobs": [r.logprobs or [0.0] for r in rollouts],
            "env_mask": [r.mask or [0] for r in rollouts],
            "task_score": [r.episode.score for r in rollouts],
            "valid_actions": [r.format_score for r in rollouts],
        }


def task_reward(completions: list[Any], task_score: list[float], **_: Any) -> list[float]:
    """The graders' score of each episode (0..1)."""
    return list(task_score)


def format_reward(completions: list[Any], valid_actions: list[float], **_: Any) -> list[float]:
    """The share of an episode's turns that parsed as valid actions."""
    return list(valid_actions)


def train_grpo(config: GRPOConfig) -> dict[str, Any]:
    """Train ``config.model`` online with GRPO; returns steps, final loss and checkpoint."""
    import datasets

    tasks, ids = training_tasks(config)
    session = open_session(config)
    rollouts = EnvironmentRollouts(config, session.tokenizer, tasks, session.out / ROLLOUTS_DIR)
    args = trainer_arguments(
        config,
        trl.GRPOConfig,
        session.device,
        num_generations=config.num_generations,
        temperature=config.temperature,
        beta=config.beta,
        epsilon=config.epsilon,
        reward_weights=[1.0, config.format_reward],
        max_completion_length=config.token_budget,
        remove_unused_columns=False,
    )
    trainer = trl.GRPOTrainer(
        model=session.model,
        reward_funcs=[task_reward, format_reward],
        args=args,
        train_dataset=datasets.Dataset.from_list([{"prompt": task_id} for task_id in ids]),
        processing_class=session.tokenizer,
        peft_config=lora_config(config, session.model),
        rollout_func=rollouts,
        callbacks=[CurvesCallback(session.metrics)],
    )
    trainer.train(resume_from_checkpoint=last_checkpoint(config))
    return finish(session, trainer.model, trainer.state.global_step, {"tasks": len(ids)})
