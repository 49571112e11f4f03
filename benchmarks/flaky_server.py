"""An evaluation against an OpenAI-compatible server that fails 30% of requests.

The in-process fake server answers like a perfect model (it submits each task's reference after
one look-up) but fails a random 30% of requests with HTTP 500, 429 with Retry-After, a stall past
the client's timeout, or a broken body. The model backend retries with backoff; the runner replays
episodes whose model calls still failed. Every episode must be recorded, and since the "model"
never errs, any failed episode is a model failure caused by the server: the target is zero.

    PYTHONPATH=src python benchmarks/flaky_server.py [--episodes 40] [--rate 0.3]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from medagentgym.agents.llm import LLMAgent
from medagentgym.models.fake_server import FAULT_KINDS, FakeOpenAIServer, Faults
from medagentgym.models.openai_compat import OpenAIChatModel
from medagentgym.models.retry import RetryPolicy
from medagentgym.models.scripted import answer_key_policy
from medagentgym.runs.runner import EvalSettings, evaluate, select_tasks
from medagentgym.runs.store import RunStore

LOOKUP = {"content": json.dumps({"action": "request_info", "params": {"info_type": "schema"}})}


def look_then_answer(tasks):
    answer = answer_key_policy(tasks)

    def policy(request):
        looked = any(m["role"] == "assistant" for m in request["messages"])
        return answer(request) if looked else LOOKUP

    return policy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=40)
    parser.add_argument("--rate", type=float, default=0.3)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    settings = EvalSettings(
        model="openai:fake",
        families=("demo",),
        limit=args.episodes,
        concurrency=args.concurrency,
        max_steps=4,
    )
    tasks = select_tasks(settings.families, settings.split, settings.limit, settings.seed)
    faults = Faults(rate=args.rate, stall_s=2.0, retry_after_s=0.1, seed=1)
    with tempfile.TemporaryDirectory() as tmp, FakeOpenAIServer(look_then_answer(tasks), faults) as server:
        model = OpenAIChatModel(
            "fake",
            base_url=server.base_url,
            timeout_s=0.5,
            retry=RetryPolicy(max_retries=6, initial_delay_s=0.05, max_delay_s=1.0),
        )
        began = time.perf_counter()
        summary = evaluate(settings, LLMAgent(model), Path(tmp) / "run")
        wall = time.perf_counter() - began
        finals = RunStore(Path(tmp) / "run").final().values()
        counts = dict(server.counts)
    requests = sum(counts.values())
    failed = sum(counts.get(kind, 0) for kind in FAULT_KINDS)
    print(
        json.dumps(
            {
                "benchmark": "flaky_server",
                "episodes_planned": len(tasks),
                "episodes_recorded": summary["episodes"],
                "success_rate": summary["success_rate"],
                "infra_errors": summary["infra_errors"],
                "model_failures_due_to_server": sum(
                    e.status != "infra_error" and not e.success for e in finals
                ),
                "requests": requests,
                "failed_requests": failed,
                "failure_rate_observed": round(failed / requests, 3),
                "faults": {kind: counts.get(kind, 0) for kind in FAULT_KINDS},
                "wall_s": round(wall, 1),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
