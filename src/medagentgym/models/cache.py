"""An on-disk cache of model responses, keyed by the full request.

Re-running an evaluation (after a crash, or to add a model to a report) then costs nothing for the
requests already answered. Only deterministic requests (temperature 0) are cached: caching a
sampled request would hand every one of K samples the same answer.

One JSON file per request, written atomically, so several processes may share a cache directory.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from medagentgym.models.base import ChatModel, Message, ModelResponse, ToolCall, Usage


def request_key(request: Mapping[str, Any]) -> str:
    """A stable digest of a request (model, messages, tools, sampling parameters)."""
    text = json.dumps(request, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def cacheable(sampling: Mapping[str, Any]) -> bool:
    """Whether a request's answer may be reused: only greedy (temperature 0) requests."""
    return float(sampling.get("temperature", 1.0) or 0.0) == 0.0


def response_to_dict(response: ModelResponse) -> dict[str, Any]:
    return asdict(response)


def response_from_dict(data: Mapping[str, Any]) -> ModelResponse:
    def tokens(name: str) -> tuple[Any, ...] | None:
        value = data.get(name)
        return tuple(value) if value is not None else None

    return ModelResponse(
        content=data.get("content"),
        tool_calls=tuple(ToolCall(**call) for call in data.get("tool_calls", ())),
        finish_reason=data.get("finish_reason"),
        usage=Usage(**data.get("usage", {})),
        latency_s=float(data.get("latency_s", 0.0)),
        prompt_token_ids=tokens("prompt_token_ids"),
        completion_token_ids=tokens("completion_token_ids"),
        logprobs=tokens("logprobs"),
        loss_mask=tokens("loss_mask"),
    )


class ResponseCache:
    """Responses stored under ``directory/<key[:2]>/<key>.json``."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> ModelResponse | None:
        path = self._path(key)
        try:
            return response_from_dict(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return None
        except (json.JSONDecodeError, TypeError, KeyError):
            return None  # a damaged entry is a miss; the next put replaces it

    def put(self, key: str, response: ModelResponse) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(response_to_dict(response), handle, ensure_ascii=False)
            Path(tmp).replace(path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


class CachedChatModel(ChatModel):
    """Wraps any backend: answers repeated greedy requests from a :class:`ResponseCache`."""

    def __init__(self, inner: ChatModel, cache: ResponseCache) -> None:
        self.inner = inner
        self.cache = cache
        self.name = inner.name

    async def acomplete(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[dict[str, Any]] | None = None,
        **sampling: Any,
    ) -> ModelResponse:
        if not cacheable(sampling):
            return await self.inner.acomplete(messages, tools=tools, **sampling)
        key = request_key(
            {"model": self.inner.config(), "messages": messages, "tools": tools, "sampling": sampling}
        )
        cached = self.cache.get(key)
        if cached is not None:
            return replace(cached, latency_s=0.0)
        response = await self.inner.acomplete(messages, tools=tools, **sampling)
        self.cache.put(key, response)
        return response

    def config(self) -> dict[str, Any]:
        return {**self.inner.config(), "cache": str(self.cache.directory)}

    def __getattr__(self, name: str) -> Any:
        """Anything else (``context_window``, ``aprobe``, ...) is the wrapped model's."""
        return getattr(self.inner, name)
