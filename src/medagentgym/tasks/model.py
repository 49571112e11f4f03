"""The task model: what an agent is asked, what data it sees, and how its answer is graded.

A :class:`Task` is immutable and fully determined by its id. It holds one or more
:class:`Question` s (several for multi-turn families such as EHR-SeqSQL, where follow-up
questions build on earlier ones), the read-only :class:`Resource` s the agent's code can open, and
the actions the agent may use. Graders and oracles stay on the host: the environment never writes
them anywhere the agent's code can read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from medagentgym.errors import ConfigError, DataError
from medagentgym.tasks.graders import Grader, grader_from_spec

ACTIONS = ("request_info", "execute_code", "terminal", "debug", "submit_answer")
"""Every action the environment knows, in the order tools are listed to the agent."""

CODE_ACTIONS = ("execute_code", "debug", "submit_answer")
DATA_ACTIONS = ("request_info", "execute_code", "debug", "submit_answer")

SPLITS = ("train", "test", "ood")
"""``ood`` holds categories or templates never seen in ``train`` (out-of-distribution tests)."""

_ID = re.compile(r"^(?P<family>[a-z0-9_]+)/(?P<split>[a-z]+)/s(?P<seed>\d+)/(?P<index>\d+)$")


@dataclass(frozen=True)
class TaskId:
    """The parts of a generated task's id: ``family/split/s<seed>/<index>``."""

    family: str
    split: str
    seed: int
    index: int

    def __str__(self) -> str:
        return f"{self.family}/{self.split}/s{self.seed}/{self.index}"

    @classmethod
    def parse(cls, text: str) -> TaskId:
        match = _ID.match(text)
        if not match:
            raise ConfigError(
                f"{text!r} is not a task id; expected family/split/s<seed>/<index>, "
                "for example mimic_iii/test/s0/12"
            )
        return cls(match["family"], match["split"], int(match["seed"]), int(match["index"]))

    @staticmethod
    def looks_like(text: str) -> bool:
        return bool(_ID.match(text))


@dataclass(frozen=True)
class Resource:
    """A file or directory the agent's code may read, mounted read-only at ``target``."""

    source: Path
    target: str
    description: str

    def __post_init__(self) -> None:
        if not self.target.startswith("/"):
            raise ConfigError(f"resource target {self.target!r} must be an absolute sandbox path")

    def to_dict(self) -> dict[str, str]:
        return {"source": str(self.source), "target": self.target, "description": self.description}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Resource:
        return cls(Path(data["source"]), data["target"], data["description"])


@dataclass(frozen=True)
class Oracle:
    """The reference solution of a question, played through the normal actions.

    With ``code``, the oracle agent runs it with ``execute_code`` and submits the JSON value the
    code prints on its last stdout line; otherwise it submits ``answer`` directly.
    """

    code: str | None = None
    answer: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "answer": self.answer}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Oracle:
        return cls(code=data.get("code"), answer=data.get("answer"))


@dataclass(frozen=True)
class Question:
    """One question of a task: the text shown to the agent, its grader and its oracle."""

    prompt: str
    grader: Grader
    oracle: Oracle = field(default_factory=Oracle)

    def to_dict(self) -> dict[str, Any]:
        return {
            "prompt": self.prompt,
            "grader": self.grader.to_spec(),
            "oracle": self.oracle.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Question:
        return cls(
            data["prompt"],
            grader_from_spec(data["grader"]),
            Oracle.from_dict(data.get("oracle", {})),
        )


@dataclass(frozen=True)
class Task:
    """One task instance. ``context`` is shown before the first question (data notes, hints)."""

    id: str
    family: str
    category: str
    split: str
    questions: tuple[Question, ...]
    context: str = ""
    resources: tuple[Resource, ...] = ()
    actions: tuple[str, ...] = DATA_ACTIONS
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.questions:
            raise ConfigError(f"task {self.id} has no questions")
        unknown = set(self.actions) - set(ACTIONS)
        if unknown:
            raise ConfigError(f"task {self.id} names unknown actions {sorted(unknown)}")
        if "submit_answer" not in self.actions:
            raise ConfigError(f"task {self.id} must allow submit_answer")

    @property
    def multi_turn(self) -> bool:
        return len(self.questions) > 1

    def to_dict(self) -> dict[str, Any]:
        """Serialise the whole task, graders included (keep such files away from agents)."""
        return {
            "id": self.id,
            "family": self.family,
            "category": self.category,
            "split": self.split,
            "questions": [q.to_dict() for q in self.questions],
            "context": self.context,
            "resources": [r.to_dict() for r in self.resources],
            "actions": list(self.actions),
            "metadata": dict(self.metadata),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Task:
        try:
            return cls(
                id=data["id"],
                family=data["family"],
                category=data["category"],
                split=data["split"],
                questions=tuple(Question.from_dict(q) for q in data["questions"]),
                context=data.get("context", ""),
                resources=tuple(Resource.from_dict(r) for r in data.get("resources", ())),
                actions=tuple(data.get("actions", DATA_ACTIONS)),
                metadata=data.get("metadata", {}),
            )
        except (KeyError, TypeError) as exc:
            raise DataError(f"malformed task record ({exc!r}): {str(dict(data))[:200]}") from None
