"""One training run, from settings to result, the same way for every trainer.

Layout of ``output_dir``::

    config.json        the settings actually used
    checkpoints/       resumable trainer checkpoints (every ``save_steps``)
    model/             the final model, adapters merged: use it as ``--model hf:OUT/model``
    metrics.csv        every logged metric; curves.png draws them
    eval/              held-out episodes (a run directory) when ``eval_tasks`` is set
    result.json        what the command prints
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from medagentgym.train.config import TrainConfig, save_config
from medagentgym.train.curves import MetricsLog
from medagentgym.train.modeling import (
    inference_dtype,
    load_model,
    load_tokenizer,
    pick_device,
    pick_dtype,
    resolve_model_path,
    save_merged,
)

RESULT_FILE = "result.json"


@dataclass
class Session:
    """The loaded model and where the run writes."""

    config: TrainConfig
    device: str
    model: Any
    tokenizer: Any
    metrics: MetricsLog

    @property
    def out(self) -> Path:
        return Path(self.config.output_dir)


def open_session(config: TrainConfig) -> Session:
    """Load the starting model and tokenizer and record the settings."""
    device = pick_device(config.device)
    path = resolve_model_path(config.model)
    tokenizer = load_tokenizer(path)
    model = load_model(path, dtype=pick_dtype(config, device), device=device)
    out = Path(config.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    save_config(config, out / "config.json")
    return Session(config, device, model, tokenizer, MetricsLog(out))


def finish(session: Session, trained: Any, steps: int, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Save the merged model, draw the curves, run the held-out evaluation, write the result."""
    checkpoint, merged = save_merged(trained, session.tokenizer, session.out)
    session.metrics.plot()
    result: dict[str, Any] = {
        "steps": steps,
        "final_loss": session.metrics.last("loss"),
        "checkpoint": str(checkpoint),
        **(extra or {}),
    }
    if session.config.eval_tasks:
        result["eval"] = evaluate_after_training(session, merged.to(inference_dtype(session.device)))
    (session.out / RESULT_FILE).write_text(json.dumps(result, indent=2) + "\n")
    return result


def evaluate_after_training(session: Session, model: Any) -> dict[str, Any]:
    """Greedy episodes of the trained model on held-out tasks, recorded as a run directory."""
    from medagentgym.tasks.taskset import resolve_tasks
    from medagentgym.train.online import LocalPolicy, Sampling, play_sync, spread_jobs, summarize
    from medagentgym.train.rundirs import write_run

    config = session.config
    tasks = resolve_tasks(config.eval_tasks, config.eval_split)
    jobs = spread_jobs(tasks, config.eval_n)
    sampling = Sampling(
        temperature=0.0,
        max_new_tokens=config.max_new_tokens,
        token_budget=config.max_new_tokens * config.eval_max_turns,
        max_context=config.max_length,
    )
    policy = LocalPolicy(model, session.tokenizer, name=str(session.out / "model"))
    rollouts = play_sync(
        policy,
        tasks,
        jobs,
        sampling=sampling,
        env_options={"max_steps": config.eval_max_turns},
        batch_size=32,
    )
    episodes = [r.episode for r in rollouts]
    manifest = {"kind": "eval", "model": policy.name, "tasks": config.eval_tasks, "split": config.eval_split}
    write_run(session.out / "eval", episodes, manifest)
    return summarize(episodes)
