"""``medagentgym export|train|verify``: datasets from trajectories, trainers, rollouts and the verifier.

Each trainer's flags name the settings of its config dataclass (:mod:`medagentgym.train.config`),
and only those; ``--config FILE`` (YAML or JSON) supplies the rest, flags win. With ``--json``
stdout carries exactly one JSON object: library output during training goes to stderr.

torch, transformers and TRL are imported inside the commands, so ``medagentgym --help`` stays fast.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from medagentgym.cli_options import JsonFlag

export_app = typer.Typer(
    help="Turn trajectories (run directories) into training datasets.", no_args_is_help=True
)
train_app = typer.Typer(
    help="Fine-tune models on trajectories or online in the environment.", no_args_is_help=True
)
verify_app = typer.Typer(
    help="Train an outcome verifier and use it to pick the best of K.", no_args_is_help=True
)

RunDirs = Annotated[list[Path], typer.Argument(help="Run directories (episodes.jsonl + run.json).")]
OutDir = Annotated[Path, typer.Option("--out", help="Output directory.")]
Families = Annotated[list[str] | None, typer.Option("--family", help="Keep only this family (repeatable).")]
Splits = Annotated[list[str] | None, typer.Option("--split", help="Keep only this split (repeatable).")]
MaxSteps = Annotated[
    int | None, typer.Option("--max-steps", help="Drop trajectories longer than this many steps.")
]
MaxChars = Annotated[int | None, typer.Option("--max-chars", help="Drop conversations longer than this.")]
NoDedup = Annotated[bool, typer.Option("--no-dedup", help="Keep identical trajectories.")]
NoTruncated = Annotated[bool, typer.Option("--no-truncated", help="Drop episodes cut by a budget.")]
Format = Annotated[str, typer.Option("--format", help="parquet or jsonl.")]


def _report(result: dict[str, Any], as_json: bool) -> None:
    from rich.console import Console

    from medagentgym.cli import print_json

    if as_json:
        print_json(result)
        return
    console = Console()
    for key, value in result.items():
        console.print(f"[bold]{key}[/]: {value}", highlight=False)


def _selection(
    families: list[str] | None,
    splits: list[str] | None,
    min_score: float | None,
    max_steps: int | None,
    max_chars: int | None,
    no_dedup: bool,
    no_truncated: bool,
) -> Any:
    from medagentgym.train.selection import EpisodeFilter

    return EpisodeFilter(
        families=tuple(families) if families else None,
        splits=tuple(splits) if splits else None,
        min_score=min_score,
        max_steps=max_steps,
        max_chars=max_chars,
        include_truncated=not no_truncated,
        dedup=not no_dedup,
    )


# ------------------------------------------------------------------------------------------ export


@export_app.command("sft")
def export_sft(
    run_dirs: RunDirs,
    out: OutDir,
    family: Families = None,
    split: Splits = None,
    min_score: Annotated[
        float | None,
        typer.Option("--min-score", help="Keep trajectories scoring this much (default: successes)."),
    ] = None,
    max_steps: MaxSteps = None,
    max_chars: MaxChars = None,
    no_dedup: NoDedup = False,
    no_truncated: NoTruncated = False,
    fmt: Format = "parquet",
    as_json: JsonFlag = False,
) -> None:
    """Successful trajectories as multi-turn chat examples with assistant-only masks."""
    from medagentgym.train.export import sft_rows, write_rows
    from medagentgym.train.rundirs import load_runs

    selection = _selection(family, split, min_score, max_steps, max_chars, no_dedup, no_truncated)
    rows = sft_rows(load_runs(run_dirs), selection)
    path = write_rows(rows, out, fmt=fmt, meta={"kind": "sft", "sources": [str(d) for d in run_dirs]})  # type: ignore[arg-type]
    _report({"examples": len(rows), "tasks": len({r["task_id"] for r in rows}), "file": str(path)}, as_json)


@export_app.command("dpo")
def export_dpo(
    run_dirs: RunDirs,
    out: OutDir,
    kinds: Annotated[
        str, typer.Option("--kinds", help="Pair kinds: trajectory, step or both.")
    ] = "trajectory,step",
    max_pairs_per_task: Annotated[int, typer.Option("--max-pairs-per-task", help="Cap per task.")] = 4,
    family: Families = None,
    split: Splits = None,
    max_steps: MaxSteps = None,
    max_chars: MaxChars = None,
    no_dedup: NoDedup = False,
    no_truncated: NoTruncated = False,
    fmt: Format = "parquet",
    as_json: JsonFlag = False,
) -> None:
    """Preference pairs: success against failure per task, and corrected against failing steps."""
    from medagentgym.train.export import PairOptions, dpo_rows, write_rows
    from medagentgym.train.rundirs import load_runs

    selection = _selection(family, split, None, max_steps, max_chars, no_dedup, no_truncated)
    options = PairOptions(
        kinds=tuple(k.strip() for k in kinds.split(",") if k.strip()), max_pairs_per_task=max_pairs_per_task
    )  # type: ignore[arg-type]
    rows = dpo_rows(load_runs(run_dirs), selection, options)
    path = write_rows(rows, out, fmt=fmt, meta={"kind": "dpo", "sources": [str(d) for d in run_dirs]})  # type: ignore[arg-type]
    result = {
        "pairs": len(rows),
        "trajectory_pairs": sum(r["kind"] == "trajectory" for r in rows),
        "step_pairs": sum(r["kind"] == "step" for r in rows),
        "tasks": len({r["task_id"] for r in rows}),
        "file": str(path),
    }
    _report(result, as_json)


@export_app.command("rl")
def export_rl(
    out: OutDir,
    run_dirs: Annotated[
        list[Path] | None, typer.Argument(help="Run directories to take the tasks from.")
    ] = None,
    tasks: Annotated[str | None, typer.Option("--tasks", help="Or: a family / task-set directory.")] = None,
    task_split: Annotated[str, typer.Option("--task-split", help="Split of --tasks.")] = "train",
    n: Annotated[int | None, typer.Option("--n", help="At most this many tasks from --tasks.")] = None,
    max_turns: Annotated[
        int, typer.Option("--max-turns", help="Environment step budget (with --tasks).")
    ] = 6,
    family: Families = None,
    split: Splits = None,
    fmt: Format = "parquet",
    as_json: JsonFlag = False,
) -> None:
    """Task prompts and environment settings for online RL (GRPO/PPO ``--data``)."""
    from medagentgym.errors import ConfigError
    from medagentgym.train.export import rl_rows_from_episodes, rl_rows_from_tasks, write_rows
    from medagentgym.train.rundirs import load_runs

    if bool(run_dirs) == bool(tasks):
        raise ConfigError("give either run directories or --tasks")
    if tasks:
        rows = rl_rows_from_tasks(tasks, task_split, limit=n, max_steps=max_turns)
    else:
        selection = _selection(family, split, None, None, None, False, False)
        rows = rl_rows_from_episodes(load_runs(run_dirs or []), selection)
    path = write_rows(rows, out, fmt=fmt, meta={"kind": "rl"})  # type: ignore[arg-type]
    _report({"prompts": len(rows), "tasks": len({r["task_id"] for r in rows}), "file": str(path)}, as_json)


# ------------------------------------------------------------------------------------------- train

_TRAINERS = {
    "sft": ("SFTConfig", "medagentgym.train.sft", "train_sft"),
    "dpo": ("DPOConfig", "medagentgym.train.dpo", "train_dpo"),
    "grpo": ("GRPOConfig", "medagentgym.train.grpo", "train_grpo"),
    "ppo": ("PPOConfig", "medagentgym.train.ppo", "train_ppo"),
}
_HELP = {
    "sft": "Supervised fine-tuning on `export sft` data (assistant turns only).",
    "dpo": "DPO on `export dpo` pairs (tool output masked); reference = the starting model.",
    "grpo": "Online GRPO with the environment in the loop (TRL GRPOTrainer + our rollouts).",
    "ppo": "Online PPO (value head, GAE) on the same rollouts as GRPO.",
}


def _run_trainer(kind: str, config_file: Path | None, overrides: dict[str, Any]) -> dict[str, Any]:
    import importlib

    from medagentgym.train import config as configs

    config_name, module, function = _TRAINERS[kind]
    config = configs.load_config(getattr(configs, config_name), config_file, **overrides)
    with contextlib.redirect_stdout(sys.stderr):  # keep stdout for the result
        return getattr(importlib.import_module(module), function)(config)


def _flag(name: str, kind: type, help_text: str) -> Any:
    """An optional flag: None means "not given", so the config file or the default decides."""
    return Annotated[kind | None, typer.Option(name, help=help_text)]


# Trainer flags: parameter -> (config field, annotated type). A trainer offers exactly the flags
# whose field its config dataclass has, so ``train sft --help`` lists no RL settings.
_TRAINER_FLAGS: dict[str, tuple[str, Any]] = {
    "model": ("model", _flag("--model", str, "Model SPEC (local:default, hf:DIR, DIR).")),
    "data": ("data", _flag("--data", str, "Exported dataset directory.")),
    "out": ("output_dir", _flag("--out", str, "Output directory.")),
    "max_steps": ("max_steps", _flag("--max-steps", int, "Optimizer steps (-1: epochs).")),
    "epochs": ("num_train_epochs", _flag("--epochs", float, "Epochs when --max-steps is -1.")),
    "lr": ("learning_rate", _flag("--lr", float, "Learning rate.")),
    "batch_size": ("batch_size", _flag("--batch-size", int, "Examples (episodes) per step.")),
    "grad_accum": ("gradient_accumulation_steps", _flag("--grad-accum", int, "Gradient accumulation steps.")),
    "max_length": ("max_length", _flag("--max-length", int, "Tokens per example.")),
    "full": ("full_finetune", _flag("--full/--lora", bool, "Full fine-tuning or LoRA.")),
    "lora_r": ("lora_r", _flag("--lora-r", int, "LoRA rank.")),
    "lora_alpha": ("lora_alpha", _flag("--lora-alpha", int, "LoRA alpha.")),
    "lora_layers": ("lora_layers", _flag("--lora-layers", int, "Adapt only the top N layers.")),
    "dtype": ("dtype", _flag("--dtype", str, "auto, float32 or bfloat16.")),
    "device": ("device", _flag("--device", str, "auto, cpu or cuda.")),
    "save_steps": ("save_steps", _flag("--save-steps", int, "Checkpoint every N steps.")),
    "resume": ("resume", _flag("--resume/--no-resume", bool, "Continue from the last checkpoint.")),
    "seed": ("seed", _flag("--seed", int, "Random seed.")),
    "eval_tasks": ("eval_tasks", _flag("--eval-tasks", str, "Evaluate on this family afterwards.")),
    "eval_split": ("eval_split", _flag("--eval-split", str, "Split of --eval-tasks.")),
    "eval_n": ("eval_n", _flag("--eval-n", int, "Held-out tasks to evaluate.")),
    "max_new_tokens": ("max_new_tokens", _flag("--max-new-tokens", int, "Tokens per model turn.")),
    "beta": ("beta", _flag("--beta", float, "DPO beta / RL KL coefficient.")),
    "tasks": ("tasks", _flag("--tasks", str, "Family or task-set directory to train on.")),
    "split": ("split", _flag("--split", str, "Split of --tasks.")),
    "num_tasks": ("num_tasks", _flag("--num-tasks", int, "First N tasks (0: all).")),
    "num_generations": ("num_generations", _flag("--num-generations", int, "Samples per task.")),
    "temperature": ("temperature", _flag("--temperature", float, "Sampling temperature.")),
    "max_turns": ("max_turns", _flag("--max-turns", int, "Model turns per episode.")),
    "token_budget": ("token_budget", _flag("--token-budget", int, "Tokens per episode.")),
    "format_reward": ("format_reward", _flag("--format-reward", float, "Format reward weight.")),
    "ppo_epochs": ("ppo_epochs", _flag("--ppo-epochs", int, "Passes per batch.")),
    "vf_coef": ("vf_coef", _flag("--vf-coef", float, "Value loss weight.")),
}


def _trainer_command(kind: str) -> Any:
    """The ``train <kind>`` command, with the flags of that trainer's config only."""
    import dataclasses
    import inspect

    from medagentgym.train import config as configs

    fields = {f.name for f in dataclasses.fields(getattr(configs, _TRAINERS[kind][0]))}
    offered = {name: flag for name, flag in _TRAINER_FLAGS.items() if flag[0] in fields}

    def command(**given: Any) -> None:
        config_file, as_json = given.pop("config"), given.pop("as_json")
        overrides = {offered[name][0]: value for name, value in given.items()}
        _report(_run_trainer(kind, config_file, overrides), as_json)

    keyword = inspect.Parameter.KEYWORD_ONLY
    config_flag = Annotated[Path | None, typer.Option("--config", help="YAML/JSON file of settings.")]
    parameters = [inspect.Parameter("config", keyword, default=None, annotation=config_flag)]
    parameters += [
        inspect.Parameter(name, keyword, default=None, annotation=annotation)
        for name, (_, annotation) in offered.items()
    ]
    parameters.append(inspect.Parameter("as_json", keyword, default=False, annotation=JsonFlag))
    command.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    command.__doc__ = _HELP[kind]
    return command


for _kind in _TRAINERS:
    train_app.command(_kind)(_trainer_command(_kind))


@train_app.command("rollout")
def rollout_command(
    model: Annotated[
        str, typer.Option("--model", help="SPEC: local:default, hf:DIR, openai:NAME, agent:oracle.")
    ],
    tasks: Annotated[str, typer.Option("--tasks", help="Family or task-set directory.")],
    out: OutDir,
    split: Annotated[str, typer.Option("--split", help="Split of --tasks.")] = "train",
    n: Annotated[int, typer.Option("--n", help="Tasks spread over the split (0: all).")] = 0,
    k: Annotated[int, typer.Option("--k", help="Samples per task.")] = 1,
    temperature: Annotated[float, typer.Option("--temperature", help="0 decodes greedily.")] = 0.0,
    max_turns: Annotated[int, typer.Option("--max-turns", help="Model turns per episode.")] = 6,
    max_new_tokens: Annotated[int, typer.Option("--max-new-tokens", help="Tokens per turn.")] = 256,
    token_budget: Annotated[int, typer.Option("--token-budget", help="Generated tokens per episode.")] = 1024,
    batch_size: Annotated[int, typer.Option("--batch-size", help="Episodes decoded together.")] = 32,
    ray_address: Annotated[
        str | None, typer.Option("--ray-address", help="Spread over Ray: an address, 'auto' or 'local'.")
    ] = None,
    workers: Annotated[int, typer.Option("--workers", help="Ray shards (0: one per cluster CPU).")] = 0,
    as_json: JsonFlag = False,
) -> None:
    """Sample K trajectories per task from any backend into a run directory (over Ray with --ray-address)."""
    from medagentgym.train.online import Sampling
    from medagentgym.train.rollouts import RolloutPlan, sample_rollouts, write_rollouts

    plan = RolloutPlan(
        model=model,
        tasks=tasks,
        split=split,
        num_tasks=n,
        samples=k,
        sampling=Sampling(temperature=temperature, max_new_tokens=max_new_tokens, token_budget=token_budget),
        env_options={"max_steps": max_turns},
        batch_size=batch_size,
    )
    with contextlib.redirect_stdout(sys.stderr):
        episodes = sample_rollouts(plan, ray_address=ray_address, workers=workers)
    _report(write_rollouts(plan, episodes, out), as_json)


# ------------------------------------------------------------------------------------------ verify


@verify_app.command("train")
def verify_train(
    run_dirs: RunDirs,
    model: Annotated[str, typer.Option("--model", help="Base model SPEC of the verifier.")],
    out: Annotated[str, typer.Option("--out", help="Output directory.")],
    config: Annotated[Path | None, typer.Option("--config", help="YAML/JSON file of settings.")] = None,
    max_steps: Annotated[
        int | None, typer.Option("--max-steps", help="Optimizer steps (-1: epochs).")
    ] = None,
    epochs: Annotated[float | None, typer.Option("--epochs", help="Epochs when --max-steps is -1.")] = None,
    lr: Annotated[float | None, typer.Option("--lr", help="Learning rate.")] = None,
    batch_size: Annotated[int | None, typer.Option("--batch-size", help="Examples per step.")] = None,
    full: Annotated[bool | None, typer.Option("--full/--lora", help="Full fine-tuning or LoRA.")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Fine-tune a Yes/No outcome verifier on labelled trajectories (classes balanced)."""
    from medagentgym.train.config import VerifierConfig, load_config

    settings = load_config(
        VerifierConfig,
        config,
        model=model,
        output_dir=out,
        max_steps=max_steps,
        num_train_epochs=epochs,
        learning_rate=lr,
        batch_size=batch_size,
        full_finetune=full,
        seed=seed,
    )
    with contextlib.redirect_stdout(sys.stderr):
        from medagentgym.train.verifier import train_verifier

        result = train_verifier(settings, run_dirs)
    _report(result, as_json)


@verify_app.command("score")
def verify_score(
    run_dirs: RunDirs,
    verifier: Annotated[
        str, typer.Option("--verifier", help="Verifier model SPEC (a `verify train` model).")
    ],
    k: Annotated[
        str, typer.Option("--k", help="Comma-separated K values for Best@K / Pass@K.")
    ] = "1,2,4,8,16",
    as_json: JsonFlag = False,
) -> None:
    """Score trajectories (written to episode.extra.verifier_score) and report Best@K next to Pass@K."""
    from medagentgym.errors import ConfigError
    from medagentgym.train.verifier import Verifier, best_and_pass_at_k, score_runs, verifier_accuracy

    try:
        ks = sorted({int(x) for x in k.split(",") if x.strip()})
    except ValueError:
        raise ConfigError(f"--k must be comma-separated integers, got {k!r}") from None
    with contextlib.redirect_stdout(sys.stderr):
        model = Verifier.load(verifier)
        episodes = score_runs(run_dirs, model.score)
    result = {
        "episodes": len(episodes),
        "accuracy": verifier_accuracy(episodes),
        "best_vs_pass": best_and_pass_at_k(episodes, ks),
    }
    _report(result, as_json)
