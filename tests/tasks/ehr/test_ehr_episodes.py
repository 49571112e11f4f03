"""Whole episodes through the environment: the oracle agent plays the reference solution with
``execute_code`` and ``submit_answer`` and succeeds; the trivial agents do not.

A stand-in ``medagentgym.sandbox`` runs code in a subprocess with the task's mount points
replaced by the world's files, so the test needs no namespaces (``medagentgym validate`` plays
the same episodes in the real sandbox).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from medagentgym.agents.baselines import OracleAgent, TrivialAgent
from medagentgym.env.environment import MedAgentEnv
from medagentgym.runs.episode import run_episode
from medagentgym.tasks.ehr.family import EhrFamily
from medagentgym.tasks.taskset import FamilyTaskSet


@dataclass(frozen=True)
class Mount:
    source: Path
    target: str


class _Session:
    def __init__(self, mounts: list[Mount]) -> None:
        self.mounts = mounts

    def run_python(self, code: str, *, timeout_s: float | None = None) -> Any:
        for mount in self.mounts:
            code = code.replace(mount.target, str(mount.source))
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout_s, check=False
        )
        return types.SimpleNamespace(
            stdout=done.stdout,
            stderr=done.stderr,
            exit_code=done.returncode,
            ok=done.returncode == 0,
            timed_out=False,
            signal=None,
            truncated=False,
            duration_s=time.perf_counter() - start,
        )

    async def arun_python(self, code: str, *, timeout_s: float | None = None) -> Any:
        return await asyncio.to_thread(self.run_python, code, timeout_s=timeout_s)

    def close(self) -> None:
        pass


class _Pool:
    def session(self, mounts: list[Mount], stateful: bool = False) -> _Session:
        del stateful
        return _Session(mounts)


@pytest.fixture
def stand_in_sandbox(monkeypatch: pytest.MonkeyPatch) -> _Pool:
    pool = _Pool()
    module = types.ModuleType("medagentgym.sandbox")
    module.Mount = Mount  # type: ignore[attr-defined]
    module.default_pool = lambda: pool  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "medagentgym.sandbox", module)
    return pool


@pytest.mark.parametrize("name", ["mimic_iii", "eicu", "treqs", "ehr_seqsql"])
def test_oracle_episodes_succeed_and_trivial_ones_fail(
    small_families: dict[str, EhrFamily], stand_in_sandbox: _Pool, name: str
) -> None:
    family = small_families[name]
    tasks = FamilyTaskSet(family, "test")
    env = MedAgentEnv(tasks, max_steps=12, max_observation_chars=200_000, sandbox=stand_in_sandbox)
    indices = range(0, 50, 10)
    oracle = [asyncio.run(run_episode(env, OracleAgent(), index=i)) for i in indices]
    assert all(e.success and e.score == 1.0 for e in oracle), [e.task_id for e in oracle if not e.success]
    if name == "ehr_seqsql":
        assert all(len(e.verdicts) >= 3 for e in oracle)
    for strategy in ("crash", "integers"):
        trivial = [asyncio.run(run_episode(env, TrivialAgent(strategy), index=i)) for i in indices]
        assert not any(e.success for e in trivial), strategy
    env.close()


def test_request_info_through_the_environment(small_families: dict[str, EhrFamily]) -> None:
    env = MedAgentEnv(FamilyTaskSet(small_families["eicu"], "test"))
    env.reset(options={"index": 0})
    search = '{"action": "request_info", "params": {"info_type": "term", "term": "sepsis"}}'
    observation, *_ = env.step(search)
    assert "sepsis" in observation[0]["content"].lower()
    schema = '{"action": "request_info", "params": {"info_type": "schema", "table": "lab"}}'
    observation, *_ = env.step(schema)
    assert "labresult" in observation[0]["content"].lower()
