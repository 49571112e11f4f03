"""Learning gain: does training on oracle trajectories make the embedded model a better agent?

The paper's headline (Qwen2.5-7B: 16.9 -> 53.9 with SFT, 59.9 with SFT then DPO) is measured here
end to end on a small CPU, with the embedded SmolLM2-135M-Instruct:

1. Tasks. For each family, up to ``--categories`` categories (evenly spaced through the family's
   sorted category list; 0 = all of them), ``--train-per-family`` train instances shared evenly
   among them, and test instances of the same categories from the test split, ``--test-tasks`` in
   all, shared evenly among families and categories (the held-out set: other patients, notes,
   values and database rows than anything trained on).
2. Oracle trajectories on the train instances: each family's reference program played through the
   environment (``execute_code``, then ``submit_answer`` with what it printed). The program is
   normalised with ``ast`` (docstrings, comments and type annotations dropped: the same program,
   fewer tokens to imitate).
3. SFT of the model (LoRA) on those trajectories, assistant turns only.
4. Before and after: greedy episodes of the base and the fine-tuned model on the test instances,
   with the same environment settings, budgets and decoding; success = the grader's verdict.
5. DPO on top: the SFT model samples the train instances, its failures are paired with the
   oracle's successes on the same tasks (trajectory- and step-level pairs, as the paper builds
   them), and DPO starts from the SFT model, which is also its reference; evaluated the same way.
6. GRPO from the SFT model when ``--grpo-steps`` is positive.

Prints one JSON object (``--json``) with the success rates, the settings and the minutes per
stage; ``--out`` keeps every run directory and model for inspection.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from medagentgym.agents.base import Agent
from medagentgym.env.environment import MedAgentEnv
from medagentgym.runs.episode import run_episode
from medagentgym.tasks.model import Task
from medagentgym.tasks.registry import get_family
from medagentgym.tasks.taskset import ListTaskSet, resolve_tasks
from medagentgym.trajectory import Episode


def normalise(code: str) -> str:
    """The same program without docstrings, comments or annotations."""
    tree = ast.parse(code)
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                node.body = body[1:] or [ast.Pass()]
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            node.returns = None
            for arg in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]:
                arg.annotation = None
    return ast.unparse(tree)


class NormalisedOracle(Agent):
    """The oracle agent, running the normalised reference program of each question."""

    name = "oracle-normalised"

    async def act(self, env: MedAgentEnv, observation: list[dict[str, Any]], info: dict[str, Any]) -> str:
        oracle = env.task.questions[info.get("question", 1) - 1].oracle
        if oracle.code is None:
            return _action("submit_answer", answer=oracle.answer)
        code = normalise(oracle.code)
        last = env.episode.steps[-1] if env.episode.steps else None
        if (
            last is None
            or last.action_names != ["execute_code"]
            or last.actions[0]["params"].get("code") != code
        ):
            return _action("execute_code", code=code)
        return _action("submit_answer", answer=_last_json_line(last.observation_text))


def _action(name: str, **params: Any) -> str:
    return json.dumps({"action": name, "params": params})


def _last_json_line(text: str) -> Any:
    for line in reversed(text.strip().splitlines()):
        try:
            return json.loads(line)
        except json.JSONDecodeError:
            continue
    return text.strip()


def pick_tasks(family: str, split: str, categories: list[str], per_category: int) -> list[Task]:
    """The first ``per_category`` instances of each category, in split order."""
    tasks = resolve_tasks(family, split)
    quota = dict.fromkeys(categories, per_category)
    chosen: list[Task] = []
    for index in range(len(tasks)):
        task = tasks[index]
        if quota.get(task.category, 0) > 0:
            chosen.append(task)
            quota[task.category] -= 1
        if not any(quota.values()):
            break
    return chosen


def spaced_categories(family: str, count: int) -> list[str]:
    """``count`` categories evenly spaced through the family's sorted list (all when 0)."""
    names = sorted(get_family(family).category_counts("train"))
    if count <= 0 or count >= len(names):
        return names
    return [names[i * len(names) // count] for i in range(count)]


async def _play_oracle(
    tasks: ListTaskSet, env_options: dict[str, Any], concurrency: int = 4
) -> list[Episode]:
    queue = list(range(len(tasks)))
    episodes: list[Episode] = []

    async def worker() -> None:
        env = MedAgentEnv(tasks, **env_options)
        try:
            while queue:
                episodes.append(await run_episode(env, NormalisedOracle(), index=queue.pop()))
        finally:
            env.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return episodes


class Stages:
    """Wall-clock minutes per stage, for the report."""

    def __init__(self) -> None:
        self.start = time.monotonic()
        self.minutes: dict[str, float] = {}

    def run(self, name: str, work: Callable[[], Any]) -> Any:
        began = time.monotonic()
        print(f"[learning_gain] {name}...", file=sys.stderr, flush=True)
        result = work()
        self.minutes[name] = round((time.monotonic() - began) / 60, 2)
        print(f"[learning_gain] {name}: {self.minutes[name]} min", file=sys.stderr, flush=True)
        return result

    @property
    def total(self) -> float:
        return round((time.monotonic() - self.start) / 60, 2)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--model", default="local:default", help="Model SPEC to train (default: the embedded model)."
    )
    parser.add_argument("--families", default="treqs,medcalc", help="Comma-separated families.")
    parser.add_argument(
        "--categories", type=int, default=8, help="At most this many categories per family (0: all)."
    )
    parser.add_argument("--train-per-family", type=int, default=120, help="Oracle trajectories per family.")
    parser.add_argument("--test-tasks", type=int, default=100, help="Held-out test tasks in all.")
    parser.add_argument("--epochs", type=float, default=1.5)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--lora-r", type=int, default=64)
    parser.add_argument("--lora-layers", type=int, default=10, help="Adapt the top N layers (0: all).")
    parser.add_argument("--max-turns", type=int, default=3, help="Environment step budget per episode.")
    parser.add_argument("--max-new-tokens", type=int, default=448, help="Tokens per model turn.")
    parser.add_argument("--token-budget", type=int, default=768, help="Generated tokens per episode.")
    parser.add_argument("--dpo", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument(
        "--dpo-tasks", type=int, default=32, help="Train tasks the SFT model samples for DPO."
    )
    parser.add_argument("--dpo-lr", type=float, default=5e-5)
    parser.add_argument("--grpo-steps", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="Keep everything here (default: a temp dir).")
    parser.add_argument("--json", action="store_true", help="Print only the JSON result on stdout.")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="learning-gain-"))
    result = run(args, out)
    print(json.dumps(result, indent=None if args.json else 2))


def run(args: argparse.Namespace, out: Path) -> dict[str, Any]:
    from contextlib import redirect_stdout

    with redirect_stdout(sys.stderr):  # libraries print; stdout carries only the result
        return _run(args, out)


def _run(args: argparse.Namespace, out: Path) -> dict[str, Any]:
    from medagentgym.train.config import DPOConfig, GRPOConfig, SFTConfig, load_config
    from medagentgym.train.dpo import train_dpo
    from medagentgym.train.export import PairOptions, dpo_rows, rl_rows_from_episodes, sft_rows, write_rows
    from medagentgym.train.grpo import train_grpo
    from medagentgym.train.modeling import inference_dtype, load_model, load_tokenizer, pick_device
    from medagentgym.train.online import Job, LocalPolicy, Sampling, play_sync, summarize
    from medagentgym.train.rundirs import write_run
    from medagentgym.train.selection import EpisodeFilter
    from medagentgym.train.sft import train_sft

    stages = Stages()
    families = [f.strip() for f in args.families.split(",") if f.strip()]
    env_options = {"max_steps": args.max_turns}
    greedy = Sampling(
        temperature=0.0,
        max_new_tokens=args.max_new_tokens,
        token_budget=args.token_budget,
        max_context=3072,
    )
    categories = {f: spaced_categories(f, args.categories) for f in families}
    test_per_family = -(-args.test_tasks // len(families))

    def choose() -> tuple[ListTaskSet, ListTaskSet]:
        train, test = [], []
        for family in families:
            share = len(categories[family])
            train += pick_tasks(family, "train", categories[family], -(-args.train_per_family // share))
            test += pick_tasks(family, "test", categories[family], -(-test_per_family // share))[
                :test_per_family
            ]
        return ListTaskSet(train, "learning-gain/train"), ListTaskSet(test, "learning-gain/test")

    train, test = stages.run("choose tasks", choose)

    def oracle() -> list[Episode]:
        episodes = asyncio.run(_play_oracle(train, env_options))
        write_run(out / "oracle", episodes, {"kind": "oracle", "agent": NormalisedOracle.name})
        return episodes

    oracle_episodes = stages.run("oracle trajectories", oracle)
    rows = sft_rows(oracle_episodes, EpisodeFilter())
    write_rows(rows, out / "sft-data", fmt="parquet", meta={"kind": "sft"})

    device = pick_device("auto")

    def policy_for(model: str, name: str) -> LocalPolicy:
        from medagentgym.train.modeling import resolve_model_path

        path = resolve_model_path(model)
        return LocalPolicy(
            load_model(path, dtype=inference_dtype(device), device=device), load_tokenizer(path), name
        )

    def evaluate(model: str, name: str) -> dict[str, Any]:
        policy = policy_for(model, name)
        jobs = [Job(t.id) for t in test]
        rollouts = play_sync(policy, test, jobs, sampling=greedy, env_options=env_options, batch_size=64)
        episodes = [r.episode for r in rollouts]
        write_run(out / f"eval-{name}", episodes, {"kind": "eval", "model": model})
        return summarize(episodes)

    before = stages.run("evaluate before", lambda: evaluate(args.model, "before"))
    common = {
        "lora_r": args.lora_r,
        "lora_alpha": 2 * args.lora_r,
        "lora_layers": args.lora_layers,
        "batch_size": 2,
        "gradient_accumulation_steps": 4,
        "max_length": 3072,
        "save_steps": 10_000,
        "logging_steps": 5,
    }
    sft = stages.run(
        "SFT",
        lambda: train_sft(
            load_config(
                SFTConfig,
                model=args.model,
                data=str(out / "sft-data"),
                output_dir=str(out / "sft"),
                num_train_epochs=args.epochs,
                learning_rate=args.lr,
                **common,
            )
        ),
    )
    after_sft = stages.run("evaluate after SFT", lambda: evaluate(sft["checkpoint"], "after-sft"))
    result: dict[str, Any] = {
        "model": args.model,
        "families": families,
        "categories": categories,
        "train_trajectories": len(rows),
        "test_tasks": len(test),
        "before": before["success_rate"],
        "after_sft": after_sft["success_rate"],
        "after_dpo": None,
    }
    details: dict[str, Any] = {"before": before, "after_sft": after_sft, "sft": sft}

    if args.dpo:

        def pairs() -> int:
            sampler = Sampling(
                temperature=0.7,
                max_new_tokens=args.max_new_tokens,
                token_budget=args.token_budget,
                max_context=3072,
            )
            chosen = [train[i * len(train) // args.dpo_tasks] for i in range(min(args.dpo_tasks, len(train)))]
            policy = policy_for(sft["checkpoint"], "sft")
            jobs = [Job(t.id, s) for t in chosen for s in range(2)]
            own = [
                r.episode for r in play_sync(policy, train, jobs, sampling=sampler, env_options=env_options)
            ]
            write_run(out / "dpo-rollouts", own, {"kind": "rollouts", "model": sft["checkpoint"]})
            pair_rows = dpo_rows([*oracle_episodes, *own], EpisodeFilter(), PairOptions(max_pairs_per_task=2))
            if pair_rows:
                write_rows(pair_rows, out / "dpo-data", fmt="parquet", meta={"kind": "dpo"})
            return len(pair_rows)

        result["dpo_pairs"] = stages.run("DPO pairs", pairs)
        if result["dpo_pairs"]:
            dpo = stages.run(
                "DPO",
                lambda: train_dpo(
                    load_config(
                        DPOConfig,
                        model=sft["checkpoint"],
                        data=str(out / "dpo-data"),
                        output_dir=str(out / "dpo"),
                        learning_rate=args.dpo_lr,
                        num_train_epochs=1.0,
                        **common,
                    )
                ),
            )
            after_dpo = stages.run("evaluate after DPO", lambda: evaluate(dpo["checkpoint"], "after-dpo"))
            result["after_dpo"] = after_dpo["success_rate"]
            details["after_dpo"] = after_dpo

    if args.grpo_steps > 0:
        write_rows(
            rl_rows_from_episodes(oracle_episodes, EpisodeFilter()), out / "rl-data", meta={"kind": "rl"}
        )
        grpo = stages.run(
            "GRPO",
            lambda: train_grpo(
                load_config(
                    GRPOConfig,
                    model=sft["checkpoint"],
                    output_dir=str(out / "grpo"),
                    data=str(out / "rl-data"),
                    max_steps=args.grpo_steps,
                    num_generations=4,
                    batch_size=4,
                    max_turns=args.max_turns,
                    max_new_tokens=args.max_new_tokens,
                    token_budget=args.token_budget,
                    lora_r=args.lora_r,
                    lora_alpha=2 * args.lora_r,
                    lora_layers=args.lora_layers,
                    save_steps=10_000,
                )
            ),
        )
        result["after_grpo"] = stages.run(
            "evaluate after GRPO", lambda: evaluate(grpo["checkpoint"], "after-grpo")
        )["success_rate"]

    result["details"] = details
    result["settings"] = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    result["stages_minutes"] = stages.minutes
    result["minutes"] = stages.total
    result["out"] = str(out)
    (out / "learning_gain.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main()
