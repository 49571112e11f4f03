"""Scripted agents used to validate tasks: the oracle and the trivial strategies.

The oracle plays each question's reference solution through the normal actions (run the oracle
code, then submit the JSON value it printed), so a task only validates if its data, sandbox mounts
and grader agree end to end. The trivial strategies are the cheap tricks that fooled the original
benchmark's graders; none may score above chance.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from medagentgym.agents.base import Agent
from medagentgym.errors import ConfigError
from medagentgym.models.base import Message

if TYPE_CHECKING:
    from medagentgym.env.environment import MedAgentEnv


def _action(name: str, **params: Any) -> str:
    return json.dumps({"action": name, "params": params})


def _last_step_for_question(env: MedAgentEnv) -> Any:
    steps = env.episode.steps
    return steps[-1] if steps else None


class OracleAgent(Agent):
    """Submits each question's reference answer, computing it in the sandbox when it has code."""

    name = "oracle"

    async def act(self, env: MedAgentEnv, observation: list[Message], info: dict[str, Any]) -> Any:
        question = env.task.questions[info.get("question", 1) - 1]
        oracle = question.oracle
        if oracle.code is None:
            return _action("submit_answer", answer=oracle.answer)
        last = _last_step_for_question(env)
        ran_code = (
            last is not None
            and last.action_names == ["execute_code"]
            and last.actions[0]["params"].get("code") == oracle.code
        )
        if not ran_code:
            return _action("execute_code", code=oracle.code)
        return _action("submit_answer", answer=_last_json_line(last.observation_text))


def _last_json_line(text: str) -> Any:
    """The oracle code prints its answer as JSON on the last line of stdout."""
    for line in reversed(text.strip().splitlines()):
        try:
            return json.loads(line)
        except json.JSONDecodeError:
            continue
    return text.strip()


class TrivialAgent(Agent):
    """Repeats one cheap strategy; ``crash`` runs failing code and submits the traceback."""

    STRATEGIES: dict[str, Any] = {  # noqa: RUF012 - a constant table
        "zero": 0,
        "empty": "",
        "true": True,
        "false": False,
        "integers": " ".join(str(i) for i in range(101)),
        "crash": None,
    }

    def __init__(self, strategy: str) -> None:
        if strategy not in self.STRATEGIES:
            raise ConfigError(f"unknown trivial strategy {strategy!r}; known: {', '.join(self.STRATEGIES)}")
        self.strategy = strategy
        self.name = f"trivial-{strategy}"

    async def act(self, env: MedAgentEnv, observation: list[Message], info: dict[str, Any]) -> Any:
        if self.strategy != "crash":
            return _action("submit_answer", answer=self.STRATEGIES[self.strategy])
        last = _last_step_for_question(env)
        if last is None or last.action_names != ["execute_code"]:
            return _action(
                "execute_code",
                code="import sys\nprint(1, 0, True)\nraise RuntimeError('line 1 crashed: 0 1 True')",
            )
        return _action("submit_answer", answer=last.observation_text)

    def config(self) -> dict[str, Any]:
        return {**super().config(), "strategy": self.strategy}


def baseline_agent(name: str) -> Agent:
    """Look up a scripted agent by name: ``oracle`` or ``trivial-<strategy>``."""
    if name == "oracle":
        return OracleAgent()
    if name.startswith("trivial-"):
        return TrivialAgent(name.removeprefix("trivial-"))
    known = ["oracle", *(f"trivial-{s}" for s in TrivialAgent.STRATEGIES)]
    raise ConfigError(f"unknown scripted agent {name!r}; known: {', '.join(known)}")


TRIVIAL_STRATEGIES = tuple(TrivialAgent.STRATEGIES)
