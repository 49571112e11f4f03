"""The HTTP environment server (FastAPI).

Each episode is a session: ``POST /episodes`` creates an environment and resets it, ``POST
/episodes/{id}/step`` steps it, ``GET /episodes/{id}`` returns the record so far, ``DELETE``
ends it. Steps run through the environment's async interface, so one server process drives many
episodes at once; idle sessions are closed after ``idle_timeout_s``. Graders stay in the server:
clients only ever see observations, rewards and verdicts.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from medagentgym import __version__
from medagentgym.env.environment import MedAgentEnv, make
from medagentgym.errors import ConfigError, MedAgentGymError, TaskNotFoundError
from medagentgym.trajectory import Episode

ENV_OPTIONS = {
    "max_steps",
    "time_limit_s",
    "feedback",
    "protocol",
    "exec_timeout_s",
    "max_observation_chars",
    "stateful",
}


class CreateEpisode(BaseModel):
    name: str = Field(description="A family, a task id or a saved task-set directory on the server.")
    split: str | None = None
    seed: int = 0
    options: dict[str, Any] = Field(default_factory=dict, description="Environment options.")
    reset_seed: int | None = None
    task_id: str | None = None
    index: int | None = None


class StepRequest(BaseModel):
    action: Any = Field(description="JSON-protocol text, or an OpenAI tool call / assistant message.")


@dataclass
class _Session:
    env: MedAgentEnv
    lock: asyncio.Lock
    last_used: float


def _jsonable(info: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.to_dict() if isinstance(v, Episode) else v) for k, v in info.items()}


def create_app(*, max_sessions: int = 256, idle_timeout_s: float = 1800.0) -> FastAPI:
    """Build the server application (run it with uvicorn, or ``medagentgym serve``)."""
    app = FastAPI(title="MedAgentGym environment server", version=__version__)
    sessions: dict[str, _Session] = {}

    @app.exception_handler(MedAgentGymError)
    async def _our_errors(request: Request, exc: MedAgentGymError) -> JSONResponse:
        status = 404 if isinstance(exc, TaskNotFoundError) else 400
        return JSONResponse(status_code=status, content={"error": str(exc)})

    def _evict_idle() -> None:
        now = time.monotonic()
        for key in [k for k, s in sessions.items() if now - s.last_used > idle_timeout_s]:
            sessions.pop(key).env.close()

    def _session(episode_id: str) -> _Session:
        session = sessions.get(episode_id)
        if session is None:
            raise HTTPException(
                status_code=404, detail=f"no episode {episode_id!r} (ended, expired or never created)"
            )
        session.last_used = time.monotonic()
        return session

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "version": __version__, "sessions": len(sessions)}

    @app.get("/tasks")
    async def tasks(family: str | None = None) -> list[dict[str, Any]]:
        from medagentgym.tasks.registry import all_families, get_family

        families = [get_family(family)] if family else all_families()
        return [
            {"family": f.name, "category": c, "split": s, "count": n}
            for f in families
            for s in f.split_sizes
            for c, n in f.category_counts(s).items()
        ]

    @app.post("/episodes")
    async def create(body: CreateEpisode) -> dict[str, Any]:
        _evict_idle()
        if len(sessions) >= max_sessions:
            raise HTTPException(
                status_code=429, detail=f"the server holds its maximum of {max_sessions} episodes"
            )
        unknown = set(body.options) - ENV_OPTIONS
        if unknown:
            raise ConfigError(
                f"unknown environment options {sorted(unknown)}; allowed: {sorted(ENV_OPTIONS)}"
            )
        env = await asyncio.to_thread(make, body.name, body.split, seed=body.seed, **body.options)
        reset_options = {k: v for k, v in (("task_id", body.task_id), ("index", body.index)) if v is not None}
        observation, info = await env.areset(seed=body.reset_seed, options=reset_options)
        episode_id = uuid.uuid4().hex
        sessions[episode_id] = _Session(env, asyncio.Lock(), time.monotonic())
        return {"episode_id": episode_id, "observation": observation, "info": info}

    @app.post("/episodes/{episode_id}/step")
    async def step(episode_id: str, body: StepRequest) -> dict[str, Any]:
        session = _session(episode_id)
        async with session.lock:  # one step at a time per episode
            observation, reward, terminated, truncated, info = await session.env.astep(body.action)
        return {
            "observation": observation,
            "reward": float(reward),
            "terminated": terminated,
            "truncated": truncated,
            "info": _jsonable(info),
        }

    @app.get("/episodes/{episode_id}")
    async def record(episode_id: str) -> dict[str, Any]:
        return _session(episode_id).env.episode.to_dict()

    @app.delete("/episodes/{episode_id}")
    async def close(episode_id: str) -> dict[str, Any]:
        session = sessions.pop(episode_id, None)
        if session is None:
            raise HTTPException(status_code=404, detail=f"no episode {episode_id!r}")
        session.env.close()
        return {"closed": episode_id}

    return app
