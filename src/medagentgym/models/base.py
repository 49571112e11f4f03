"""The one small interface every model backend implements.

A backend turns chat messages (OpenAI format) into a :class:`ModelResponse`: the assistant text
and/or tool calls, plus whatever the backend knows about tokens (ids and logprobs, for training),
usage and cost. The environment accepts a ``ModelResponse`` as an action, so the token-level data
flows into the trajectory without the agent loop copying it around.
"""

from __future__ import annotations

import json
import uuid
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

Message = dict[str, Any]
"""An OpenAI-style chat message: ``{"role": ..., "content": ..., ["tool_calls"|"tool_call_id"]}``."""


def new_call_id() -> str:
    return f"call_{uuid.uuid4().hex[:12]}"


@dataclass(frozen=True)
class ToolCall:
    """One function call requested by the model; ``arguments`` is the raw JSON text it produced."""

    name: str
    arguments: str
    id: str = field(default_factory=new_call_id)

    def to_message(self) -> dict[str, Any]:
        """The OpenAI wire form used inside an assistant message's ``tool_calls``."""
        return {
            "id": self.id,
            "type": "function",
            "function": {"name": self.name, "arguments": self.arguments},
        }

    @classmethod
    def from_message(cls, data: dict[str, Any]) -> ToolCall:
        """Read the OpenAI wire form (``{"id", "type", "function": {"name", "arguments"}}``)."""
        function = data.get("function", data)
        arguments = function.get("arguments", "")
        if not isinstance(arguments, str):  # some servers send parsed objects
            arguments = json.dumps(arguments)
        name = function.get("name", "")
        return cls(name=str(name), arguments=arguments, id=data.get("id") or new_call_id())


@dataclass(frozen=True)
class Usage:
    """Token counts and cost of one model call (cost in US dollars, 0 when unknown or local)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.cost_usd + other.cost_usd,
        )


@dataclass(frozen=True)
class ModelResponse:
    """What a model produced for one turn."""

    content: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    finish_reason: str | None = None
    usage: Usage = field(default_factory=Usage)
    latency_s: float = 0.0
    prompt_token_ids: tuple[int, ...] | None = None
    completion_token_ids: tuple[int, ...] | None = None
    logprobs: tuple[float, ...] | None = None
    loss_mask: tuple[int, ...] | None = None
    """Per completion token, 1 if it should be trained on (default: all of them)."""

    def to_message(self) -> Message:
        """The assistant message to append to the conversation."""
        message: Message = {"role": "assistant", "content": self.content}
        if self.tool_calls:
            message["tool_calls"] = [call.to_message() for call in self.tool_calls]
        return message

    def token_record(self) -> dict[str, Any] | None:
        """Token-level data for training, or None when the backend gave none."""
        if self.completion_token_ids is None:
            return None
        return {
            "prompt_token_ids": list(self.prompt_token_ids or ()),
            "completion_token_ids": list(self.completion_token_ids),
            "logprobs": list(self.logprobs) if self.logprobs is not None else None,
            "loss_mask": list(self.loss_mask or [1] * len(self.completion_token_ids)),
        }

    def usage_record(self) -> dict[str, Any]:
        return {
            **asdict(self.usage),
            "latency_s": self.latency_s,
            "finish_reason": self.finish_reason,
        }


class ChatModel(ABC):
    """A chat model backend. ``complete`` and ``acomplete`` take OpenAI-style messages and tools."""

    name: str = "model"

    @abstractmethod
    async def acomplete(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[dict[str, Any]] | None = None,
        **sampling: Any,
    ) -> ModelResponse:
        """Return the next assistant turn; raise :class:`~medagentgym.errors.ModelError` on failure."""

    def complete(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[dict[str, Any]] | None = None,
        **sampling: Any,
    ) -> ModelResponse:
        """Blocking form of :meth:`acomplete`."""
        import asyncio

        return asyncio.run(self.acomplete(messages, tools=tools, **sampling))

    def config(self) -> dict[str, Any]:
        """A JSON-serialisable description recorded with every trajectory."""
        return {"name": self.name, "backend": type(self).__name__}
