"""Whole episodes through the real sandbox: scripted agents in both action styles, and validate."""

from __future__ import annotations

import asyncio
import json

from typer.testing import CliRunner

import medagentgym
from medagentgym.agents.baselines import OracleAgent, TrivialAgent
from medagentgym.cli import app
from medagentgym.runs.episode import run_episode


def test_json_protocol_episode_with_code():
    env = medagentgym.make("demo")
    env.reset(options={"index": 1})  # a "mean" question
    code = env.task.questions[0].oracle.code
    observation, *_ = env.step(json.dumps({"action": "execute_code", "params": {"code": code}}))
    printed = json.loads(observation[0]["content"].strip().splitlines()[-1])
    _, reward, terminated, _, info = env.step(
        json.dumps({"action": "submit_answer", "params": {"answer": printed}})
    )
    assert reward == 1.0 and terminated and info["episode"].success
    assert info["episode"].steps[0].timings["exec_s"] > 0


def test_tool_call_episode_with_code_and_terminal():
    env = medagentgym.make("demo", protocol="tools")
    _, info = env.reset(options={"index": 0})
    assert "tools" in env.messages[0]["content"] and info["tools"]
    calls = [
        {"id": "t1", "function": {"name": "terminal", "arguments": json.dumps({"command": "ls /data"})}},
        {
            "id": "t2",
            "function": {
                "name": "execute_code",
                "arguments": json.dumps({"code": env.task.questions[0].oracle.code}),
            },
        },
    ]
    observation, *_ = env.step({"role": "assistant", "content": None, "tool_calls": calls})
    assert [m["tool_call_id"] for m in observation] == ["t1", "t2"]
    assert "clinic.db" in observation[0]["content"] and "visits.csv" in observation[0]["content"]
    answer = json.loads(observation[1]["content"].strip().splitlines()[-1])
    submit = {"id": "t3", "function": {"name": "submit_answer", "arguments": json.dumps({"answer": answer})}}
    _, reward, terminated, _, _ = env.step({"role": "assistant", "tool_calls": [submit]})
    assert reward == 1.0 and terminated


def test_agent_code_cannot_change_the_task_data():
    env = medagentgym.make("demo")
    env.reset(options={"index": 0})
    code = "import sqlite3\nsqlite3.connect('/data/clinic.db').execute('DELETE FROM visits')"
    observation, *_ = env.step(json.dumps({"action": "execute_code", "params": {"code": code}}))
    assert "readonly" in observation[0]["content"].lower() or "read-only" in observation[0]["content"].lower()


def test_scripted_agents_through_run_episode():
    async def play(agent):
        env = medagentgym.make("demo")
        try:
            return await run_episode(env, agent, index=2)
        finally:
            env.close()

    oracle = asyncio.run(play(OracleAgent()))
    assert oracle.success and oracle.agent["name"] == "oracle" and oracle.num_steps == 2
    crash = asyncio.run(play(TrivialAgent("crash")))
    assert not crash.success and "RuntimeError" in crash.steps[0].observation_text


def test_validate_command_on_demo():
    result = CliRunner().invoke(app, ["validate", "--family", "demo", "--n", "12", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["oracle"] == 1.0 and report["n"] == 12
    assert set(report["trivial"]) == {"zero", "empty", "true", "false", "integers", "crash"}
    assert all(rate == 0.0 for rate in report["trivial"].values())
