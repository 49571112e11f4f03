"""The evaluation runner in-process: plan, resume, infra retries, harness faults, the summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from medagentgym.agents.baselines import TrivialAgent
from medagentgym.agents.llm import LLMAgent
from medagentgym.errors import ConfigError, DataError, ModelError
from medagentgym.models.scripted import ScriptedChatModel, answer_key_policy
from medagentgym.runs.runner import EvalSettings, evaluate, plan, select_tasks
from medagentgym.runs.store import RunStore

SETTINGS = EvalSettings(
    model="test:perfect", families=("demo",), limit=6, samples=2, concurrency=3, max_steps=3
)


def perfect_agent(settings: EvalSettings = SETTINGS) -> LLMAgent:
    tasks = select_tasks(settings.families, settings.split, settings.limit, settings.seed)
    return LLMAgent(ScriptedChatModel(answer_key_policy(tasks)))


def test_plan_spreads_over_categories_and_puts_sample_zero_first():
    items = plan(SETTINGS)
    assert len(items) == 12
    assert [i.sample for i in items] == [0] * 6 + [1] * 6
    assert len({i.task.category for i in items}) == 4  # all demo test categories covered
    assert len({i.key for i in items}) == 12


def test_families_interleave():
    tasks = select_tasks(["demo", "demo/ood/s0/3"], "test", 3, 0)
    assert [t.id for t in tasks][:2] == ["demo/test/s0/0", "demo/ood/s0/3"]


def test_evaluate_writes_every_episode_and_summarises(tmp_path: Path):
    summary = evaluate(SETTINGS, perfect_agent(), tmp_path)
    assert summary["episodes"] == 12 and summary["success_rate"] == 1.0 and summary["infra_errors"] == 0
    assert summary["by_family"]["demo"]["n"] == 12
    assert summary["pass_at_k"] == {"1": 1.0, "2": 1.0}
    store = RunStore(tmp_path)
    assert len(store.episodes()) == 12
    manifest = store.manifest()
    assert manifest["identity"]["model"] == "test:perfect"
    assert manifest["invocations"][0]["ended_at"] and manifest["invocations"][0]["played"] == 12


def test_rerun_plays_nothing_and_reports_the_same(tmp_path: Path):
    first = evaluate(SETTINGS, perfect_agent(), tmp_path)
    lines = (tmp_path / "episodes.jsonl").read_text().count("\n")
    calls = []
    agent = LLMAgent(ScriptedChatModel(lambda r: calls.append(r) or {"content": ""}))
    second = evaluate(SETTINGS, agent, tmp_path)
    assert second == first and not calls
    assert (tmp_path / "episodes.jsonl").read_text().count("\n") == lines
    assert RunStore(tmp_path).manifest()["invocations"][1]["played"] == 0


def test_growing_a_run_plays_only_new_pairs(tmp_path: Path):
    evaluate(SETTINGS, perfect_agent(), tmp_path)
    bigger = EvalSettings(**{**SETTINGS.__dict__, "samples": 3})
    summary = evaluate(bigger, perfect_agent(), tmp_path)
    assert summary["episodes"] == 18
    assert RunStore(tmp_path).manifest()["invocations"][1]["played"] == 6


def test_changed_settings_are_refused(tmp_path: Path):
    evaluate(SETTINGS, perfect_agent(), tmp_path)
    hotter = EvalSettings(**{**SETTINGS.__dict__, "temperature": 0.7})
    with pytest.raises(ConfigError, match=r"temperature: 0.0 there, 0.7 now"):
        evaluate(hotter, perfect_agent(), tmp_path)


def test_infra_errors_are_retried_and_never_counted_as_failures(tmp_path: Path):
    tasks = select_tasks(("demo",), "test", 4, 0)
    key = answer_key_policy(tasks)
    failures = {"left": 3}

    def flaky(request):
        if failures["left"]:
            failures["left"] -= 1
            raise ModelError("API down")
        return key(request)

    settings = EvalSettings(model="test:flaky", families=("demo",), limit=4, concurrency=1, infra_retries=3)
    summary = evaluate(settings, LLMAgent(ScriptedChatModel(flaky)), tmp_path)
    assert summary["success_rate"] == 1.0 and summary["infra_errors"] == 0 and summary["episodes"] == 4
    attempts = RunStore(tmp_path).episodes()
    assert sum(e.status == "infra_error" for e in attempts) == 3  # every attempt is kept


def test_persistent_infra_errors_are_reported_apart_and_retried_on_rerun(tmp_path: Path):
    def down(request):
        raise ModelError("API down")

    settings = EvalSettings(model="test:down", families=("demo",), limit=2, concurrency=2, infra_retries=1)
    summary = evaluate(settings, LLMAgent(ScriptedChatModel(down)), tmp_path)
    assert summary == {
        "episodes": 2,
        "success_rate": 0.0,
        "infra_errors": 2,
        "by_family": {"demo": {"n": 0, "success_rate": 0.0, "ci95": [0.0, 1.0]}},
        "pass_at_k": {},
    }
    assert len(RunStore(tmp_path).episodes()) == 4  # two tries each
    tasks = select_tasks(("demo",), "test", 2, 0)
    healed = evaluate(settings, LLMAgent(ScriptedChatModel(answer_key_policy(tasks))), tmp_path)
    assert healed["infra_errors"] == 0 and healed["success_rate"] == 1.0


def test_harness_faults_are_recorded_not_fatal(tmp_path: Path):
    class Broken(TrivialAgent):
        async def act(self, env, observation, info):
            raise RuntimeError("bug in the agent")

    settings = EvalSettings(model="agent:broken", families=("demo",), limit=2, infra_retries=2)
    summary = evaluate(settings, Broken("zero"), tmp_path)
    assert summary["infra_errors"] == 2
    assert len(RunStore(tmp_path).episodes()) == 2  # not replayed within the run
    episode = RunStore(tmp_path).episodes()[0]
    assert episode.termination == "harness_error" and episode.error == "RuntimeError: bug in the agent"
    assert "Traceback" in episode.extra["traceback"]


def test_a_fault_before_the_episode_begins_gets_a_fresh_record(tmp_path: Path, monkeypatch):
    from medagentgym.env.environment import MedAgentEnv

    real_areset = MedAgentEnv.areset
    calls = {"n": 0}

    async def areset(self, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:  # the second episode (same task, sample 1) fails to start
            raise OSError("disk full")
        return await real_areset(self, **kwargs)

    monkeypatch.setattr(MedAgentEnv, "areset", areset)
    settings = EvalSettings(model="test:perfect", families=("demo",), limit=1, samples=2, concurrency=1)
    evaluate(settings, perfect_agent(settings), tmp_path)
    first, second = RunStore(tmp_path).episodes()
    assert first.success and first.sample == 0 and first.status == "completed"
    assert second.sample == 1 and second.error == "OSError: disk full" and second.steps == []
    assert first.episode_id != second.episode_id


def test_run_directory_errors(tmp_path: Path):
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(ConfigError, match="is a file, not a run directory"):
        evaluate(SETTINGS, perfect_agent(), target)
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "run.json").write_text("{not json")
    with pytest.raises(DataError, match="damaged"):
        evaluate(SETTINGS, perfect_agent(), tmp_path / "run")


def test_agent_and_run_must_share_the_protocol(tmp_path: Path):
    agent = LLMAgent(ScriptedChatModel(lambda r: {"content": ""}), protocol="tools")
    with pytest.raises(ConfigError, match="protocol 'tools' but the run uses 'json'"):
        evaluate(SETTINGS, agent, tmp_path)


def test_settings_are_validated():
    with pytest.raises(ConfigError):
        EvalSettings(samples=0)
    with pytest.raises(ConfigError):
        EvalSettings(limit=0)


def test_trajectories_use_the_core_schema(tmp_path: Path):
    evaluate(SETTINGS, perfect_agent(), tmp_path)
    record = json.loads((tmp_path / "episodes.jsonl").read_text().splitlines()[0])
    assert record["schema_version"] == 1 and record["agent"]["type"] == "LLMAgent"
    assert record["steps"][0]["raw"].startswith('{"action": "submit_answer"')
