"""Gymnasium spaces for chat environments: observations are message lists, actions are model output."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np

from medagentgym.models.base import ModelResponse


class ChatSpace(gym.Space[list[dict[str, Any]]]):
    """Lists of OpenAI-style chat messages (dicts with a ``role``)."""

    def __init__(self, seed: int | np.random.Generator | None = None) -> None:
        super().__init__(shape=None, dtype=None, seed=seed)

    def contains(self, x: Any) -> bool:
        return isinstance(x, list) and all(isinstance(m, Mapping) and "role" in m for m in x)

    def sample(self, mask: Any = None, probability: Any = None) -> list[dict[str, Any]]:
        del mask, probability
        return [{"role": "user", "content": f"sample {int(self.np_random.integers(1_000_000))}"}]

    @property
    def is_np_flattenable(self) -> bool:
        return False


class ActionSpace(gym.Space[Any]):
    """Model output: JSON-protocol text, an OpenAI tool call / assistant message, or a ModelResponse."""

    def __init__(self, seed: int | np.random.Generator | None = None) -> None:
        super().__init__(shape=None, dtype=None, seed=seed)

    def contains(self, x: Any) -> bool:
        return isinstance(x, str | Mapping | ModelResponse)

    def sample(self, mask: Any = None, probability: Any = None) -> str:
        """A random (almost always wrong) answer submission, for smoke tests and random baselines."""
        del mask, probability
        answer = int(self.np_random.integers(0, 100))
        return json.dumps({"action": "submit_answer", "params": {"answer": answer}})

    @property
    def is_np_flattenable(self) -> bool:
        return False
