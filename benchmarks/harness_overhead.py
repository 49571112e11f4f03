"""Harness overhead per step: the evaluation runner with an instant model vs bare ``env.step``.

Both sides play the same demo tasks with the same four actions per episode (three
``request_info`` look-ups, then the correct answer). The bare baseline calls ``env.reset`` and
``env.step`` with the action text. The harness side runs the real runner: worker pool, LLM agent
(context fitting, request building), an instant scripted model, ``run_episode`` and the results
store (one fsync'd JSONL line per episode). The difference per step is the harness overhead.
Rounds alternate between the two sides; the medians are reported.

    PYTHONPATH=src python benchmarks/harness_overhead.py [--episodes 40] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path

from medagentgym.agents.llm import LLMAgent
from medagentgym.env.environment import MedAgentEnv
from medagentgym.models.scripted import ScriptedChatModel, answer_key_policy
from medagentgym.runs.runner import EvalSettings, WorkItem, play, select_tasks
from medagentgym.tasks.taskset import ListTaskSet
from medagentgym.trajectory import EpisodeWriter

LOOKUPS = [
    {"action": "request_info", "params": {"info_type": "schema"}},
    {
        "action": "request_info",
        "params": {"info_type": "column_values", "table": "visits", "column": "diagnosis"},
    },
    {"action": "request_info", "params": {"info_type": "term", "term": "asthma"}},
]
TARGET_MS = 2.0


def scripted_policy(tasks):
    answer = answer_key_policy(tasks)

    def policy(request):
        turn = sum(m["role"] == "assistant" for m in request["messages"])
        return {"content": json.dumps(LOOKUPS[turn])} if turn < len(LOOKUPS) else answer(request)

    return policy


def bare(tasks, settings: EvalSettings) -> tuple[float, int]:
    env = MedAgentEnv(ListTaskSet(tasks), **settings.env_options())
    policy = scripted_policy(tasks)
    steps = 0
    began = time.perf_counter()
    for task in tasks:
        env.reset(options={"task_id": task.id})
        done = False
        while not done:
            action = policy({"messages": env.messages})["content"]
            _, _, terminated, truncated, _ = env.step(action)
            steps += 1
            done = terminated or truncated
    return time.perf_counter() - began, steps


def harness(tasks, settings: EvalSettings, directory: Path) -> tuple[float, int]:
    agent = LLMAgent(ScriptedChatModel(scripted_policy(tasks)))
    items = [WorkItem(task, 0) for task in tasks]
    path = directory / f"episodes-{time.monotonic_ns()}.jsonl"
    began = time.perf_counter()
    with EpisodeWriter(path) as writer:
        asyncio.run(play(items, agent, writer, settings))
    elapsed = time.perf_counter() - began
    steps = sum(len(json.loads(line)["steps"]) for line in path.read_text().splitlines())
    return elapsed, steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    settings = EvalSettings(
        model="scripted", families=("demo",), limit=args.episodes, concurrency=1, max_steps=8
    )
    tasks = select_tasks(settings.families, settings.split, settings.limit, settings.seed)
    bare(tasks[:2], settings)  # warm up: build the demo world, import everything
    bare_ms, harness_ms = [], []
    with tempfile.TemporaryDirectory() as tmp:
        harness(tasks[:2], settings, Path(tmp))
        for _ in range(args.rounds):
            seconds, steps = bare(tasks, settings)
            bare_ms.append(1000 * seconds / steps)
            seconds, steps = harness(tasks, settings, Path(tmp))
            harness_ms.append(1000 * seconds / steps)
    overhead = statistics.median(h - b for h, b in zip(harness_ms, bare_ms, strict=True))
    print(
        json.dumps(
            {
                "benchmark": "harness_overhead",
                "episodes": len(tasks),
                "steps_per_episode": len(LOOKUPS) + 1,
                "rounds": args.rounds,
                "bare_env_step_ms_median": round(statistics.median(bare_ms), 4),
                "harness_step_ms_median": round(statistics.median(harness_ms), 4),
                "overhead_ms_per_step": round(overhead, 4),
                "target_ms_per_step": TARGET_MS,
                "meets_target": overhead <= TARGET_MS,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
