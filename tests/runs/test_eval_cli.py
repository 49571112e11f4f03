"""``medagentgym eval`` as users and the acceptance checks run it: the JSON contract, resume after
kill -9, a flaky OpenAI-compatible server, and one-line errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from medagentgym.agents.llm import LLMAgent
from medagentgym.models.fake_server import FakeOpenAIServer, Faults
from medagentgym.models.openai_compat import OpenAIChatModel
from medagentgym.models.retry import RetryPolicy
from medagentgym.models.scripted import answer_key_policy
from medagentgym.runs.runner import EvalSettings, evaluate, select_tasks
from medagentgym.runs.store import RunStore
from medagentgym.trajectory import read_episodes

ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "COLUMNS": "120"}


def medagentgym(*args: str, **options) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "medagentgym", *args]
    return subprocess.run(
        command, capture_output=True, text=True, env=ENV, check=False, timeout=240, **options
    )


def test_json_contract_and_identical_rerun(tmp_path: Path):
    args = ["eval", "--model", "agent:trivial-zero", "--families", "demo", "--split", "test"]
    args += ["--limit", "4", "--samples", "2", "--out", str(tmp_path / "run"), "--json"]
    first = medagentgym(*args)
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    assert set(summary) == {"episodes", "success_rate", "infra_errors", "by_family", "pass_at_k"}
    assert summary["episodes"] == 8 and summary["infra_errors"] == 0
    assert set(summary["by_family"]["demo"]) == {"n", "success_rate", "ci95"}
    assert len(summary["by_family"]["demo"]["ci95"]) == 2
    assert set(summary["pass_at_k"]) == {"1", "2"}
    lines = (tmp_path / "run" / "episodes.jsonl").read_text().count("\n")
    second = medagentgym(*args)
    assert json.loads(second.stdout) == summary
    assert (tmp_path / "run" / "episodes.jsonl").read_text().count("\n") == lines


def test_kill_9_loses_only_in_flight_episodes_and_the_rerun_completes(tmp_path: Path):
    tasks = select_tasks(("demo",), "test", 20, 0)
    key = answer_key_policy(tasks)

    def slow_perfect(request):
        time.sleep(0.15)
        return key(request)

    out = tmp_path / "run"
    with FakeOpenAIServer(slow_perfect) as server:
        args = ["eval", "--model", "openai:fake", "--base-url", server.base_url, "--families", "demo"]
        args += ["--limit", "20", "--samples", "2", "--concurrency", "4", "--out", str(out), "--json"]
        process = subprocess.Popen(
            [sys.executable, "-m", "medagentgym", *args],
            env=ENV,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        path = out / "episodes.jsonl"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and (not path.exists() or path.read_text().count("\n") < 8):
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait()
        before = list(read_episodes(path))
        assert 8 <= len(before) < 40  # killed mid-run, the store stays readable
        with path.open("a") as handle:  # as if the kill had hit in the middle of a write
            handle.write('{"task_id": "demo/test/s0/1", "fam')
        done = medagentgym(*args)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["episodes"] == 40 and summary["success_rate"] == 1.0 and summary["infra_errors"] == 0
    records = Counter((e.task_id, e.sample) for e in read_episodes(path))
    assert len(records) == 40 and set(records.values()) == {1}  # nothing finished was played twice
    assert "resuming" in done.stderr


def test_flaky_server_costs_no_model_failures(tmp_path: Path):
    settings = EvalSettings(model="openai:fake", families=("demo",), limit=12, concurrency=4, max_steps=3)
    tasks = select_tasks(settings.families, settings.split, settings.limit, settings.seed)
    faults = Faults(rate=0.3, stall_s=1.5, retry_after_s=0.02, seed=7)
    with FakeOpenAIServer(answer_key_policy(tasks), faults) as server:
        model = OpenAIChatModel(
            "fake",
            base_url=server.base_url,
            timeout_s=0.5,
            retry=RetryPolicy(max_retries=8, initial_delay_s=0.01, max_delay_s=0.1),
        )
        summary = evaluate(settings, LLMAgent(model), tmp_path)
        counts = dict(server.counts)
    assert sum(counts[k] for k in ("500", "429", "timeout", "garbage") if k in counts) >= 3
    assert summary["episodes"] == 12 and summary["infra_errors"] == 0
    assert summary["success_rate"] == 1.0  # any failure here would be the server's fault
    assert len(RunStore(tmp_path).episodes()) == 12


def test_user_errors_are_one_line(tmp_path: Path):
    cases = [
        (["eval", "--model", "gpt-4o", "--out", str(tmp_path / "a")], "bad model spec 'gpt-4o'"),
        (
            ["eval", "--model", "agent:oracle", "--families", "nope", "--out", str(tmp_path / "b")],
            "unknown task family",
        ),
        (["report", str(tmp_path / "missing")], "does not exist"),
        (["report", str(tmp_path)], "is not a run directory"),
    ]
    for args, message in cases:
        done = medagentgym(*args)
        assert done.returncode == 2, (args, done.stderr)
        assert message in done.stderr and "Traceback" not in done.stderr
    (tmp_path / "file").write_text("x")
    done = medagentgym(
        "eval", "--model", "agent:trivial-zero", "--families", "demo", "--out", str(tmp_path / "file")
    )
    assert done.returncode == 2 and "is a file, not a run directory" in done.stderr


def test_unreachable_server_is_one_line(tmp_path: Path):
    done = medagentgym(
        "eval",
        "--model",
        "openai:m",
        "--base-url",
        "http://127.0.0.1:9/v1",
        "--families",
        "demo",
        "--limit",
        "1",
        "--out",
        str(tmp_path / "run"),
    )
    assert done.returncode == 2
    assert "cannot reach http://127.0.0.1:9/v1" in done.stderr and "Traceback" not in done.stderr


def test_missing_key_is_one_line(tmp_path: Path):
    env = {k: v for k, v in ENV.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "medagentgym",
            "eval",
            "--model",
            "openai:gpt-4o",
            "--out",
            str(tmp_path / "r"),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 2 and "OPENAI_API_KEY is not set" in done.stderr
