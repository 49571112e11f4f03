"""A gymnasium environment that plays episodes on a remote MedAgentGym server."""

from __future__ import annotations

import contextlib
from typing import Any, SupportsFloat

import gymnasium as gym
import httpx

from medagentgym.env.spaces import ActionSpace, ChatSpace
from medagentgym.errors import ConfigError, EpisodeError, MedAgentGymError, TaskNotFoundError
from medagentgym.models.base import Message, ModelResponse


class RemoteEnv(gym.Env[list[Message], Any]):
    """The same ``reset``/``step`` API as :class:`~medagentgym.env.environment.MedAgentEnv`, over HTTP.

    ``info["episode"]`` is a plain dict (the server's Episode record) rather than an object.
    """

    def __init__(
        self,
        url: str,
        name: str,
        split: str | None = None,
        *,
        seed: int = 0,
        timeout_s: float = 300.0,
        **options: Any,
    ) -> None:
        self._client = httpx.Client(base_url=url.rstrip("/"), timeout=timeout_s)
        self.name, self.split, self.seed, self.env_options = name, split, seed, options
        self.episode_id: str | None = None
        self.observation_space = ChatSpace()
        self.action_space = ActionSpace()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise MedAgentGymError(
                f"cannot reach the environment server {self._client.base_url}: {exc}"
            ) from None
        if response.status_code >= 400:
            try:
                body = response.json()
                detail = body.get("error") or body.get("detail")
            except ValueError:
                detail = response.text[:200]
            error = TaskNotFoundError if response.status_code == 404 else ConfigError
            raise error(f"server refused {method} {path}: {detail}")
        return response.json()

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[list[Message], dict[str, Any]]:
        super().reset(seed=seed)
        self.close_episode()
        body = {
            "name": self.name,
            "split": self.split,
            "seed": self.seed,
            "options": self.env_options,
            "reset_seed": seed,
            **(options or {}),
        }
        data = self._call("POST", "/episodes", json=body)
        self.episode_id = data["episode_id"]
        return data["observation"], data["info"]

    def step(self, action: Any) -> tuple[list[Message], SupportsFloat, bool, bool, dict[str, Any]]:
        if self.episode_id is None:
            raise EpisodeError("call reset() before step()")
        if isinstance(action, ModelResponse):
            action = action.to_message()
        data = self._call("POST", f"/episodes/{self.episode_id}/step", json={"action": action})
        return data["observation"], data["reward"], data["terminated"], data["truncated"], data["info"]

    def close_episode(self) -> None:
        if self.episode_id is not None:
            episode_id, self.episode_id = self.episode_id, None
            with contextlib.suppress(MedAgentGymError):  # already expired on the server
                self._call("DELETE", f"/episodes/{episode_id}")

    def close(self) -> None:
        self.close_episode()
        self._client.close()
        super().close()
