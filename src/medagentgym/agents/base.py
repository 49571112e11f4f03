"""The agent interface: given the environment and its latest observation, produce the next action.

Agents are stateless across episodes and safe to share between concurrent episodes: whatever an
agent needs about the episode so far it reads from the environment (``env.messages``,
``env.episode``). An action is anything ``env.step`` accepts.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

from medagentgym.models.base import Message

if TYPE_CHECKING:
    from medagentgym.env.environment import MedAgentEnv


class Agent(ABC):
    """Base class of every agent (LLM-backed or scripted)."""

    name: str = "agent"

    @abstractmethod
    async def act(self, env: MedAgentEnv, observation: list[Message], info: dict[str, Any]) -> Any:
        """Return the next action for ``env.step``."""

    def config(self) -> dict[str, Any]:
        """A JSON-serialisable description recorded with every trajectory."""
        return {"name": self.name, "type": type(self).__name__}
