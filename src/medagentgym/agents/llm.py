"""The LLM agent: each turn, send the conversation so far to a chat model and act on its answer.

The agent keeps no state of its own: the conversation lives in the environment (``env.messages``),
so one agent can drive many concurrent episodes. The model's :class:`ModelResponse` goes to
``env.step`` unchanged, so its raw text, tool calls, token ids and logprobs land in the trajectory
whether or not they parse.

Small models have small context windows. When the conversation is longer than the budget, the
oldest observations are cut to a short head and a marker saying how much was omitted; the system
prompt, the task and the latest turn are never cut.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from medagentgym.agents.base import Agent
from medagentgym.errors import ConfigError
from medagentgym.models.base import ChatModel, Message

if TYPE_CHECKING:
    from medagentgym.env.environment import MedAgentEnv

KEPT_HEAD_CHARS = 200
CHARS_PER_TOKEN = 3
"""A conservative characters-per-token ratio for turning a token window into a character budget."""


class LLMAgent(Agent):
    """Acts with a chat model, in the JSON protocol or with tool calls.

    Args:
        model: The backend.
        protocol: ``"json"`` (the model writes ``{"action": ..., "params": ...}``) or ``"tools"``
            (the environment's actions are passed as OpenAI tools). The environment must use the
            same protocol so that its system prompt explains the right one.
        temperature: 0 is greedy.
        top_p: Nucleus sampling (None: the backend's default).
        max_tokens: The longest answer per turn (None: the backend's default).
        max_context_chars: Budget for the conversation sent to the model. None derives it from the
            model's context window when the backend knows it, else sends everything.
    """

    def __init__(
        self,
        model: ChatModel,
        *,
        protocol: Literal["json", "tools"] = "json",
        temperature: float = 0.0,
        top_p: float | None = None,
        max_tokens: int | None = None,
        max_context_chars: int | None = None,
    ) -> None:
        if protocol not in ("json", "tools"):
            raise ConfigError(f"protocol must be 'json' or 'tools', got {protocol!r}")
        if temperature < 0:
            raise ConfigError(f"temperature must be >= 0, got {temperature}")
        self.model = model
        self.name = model.name
        self.protocol = protocol
        self.sampling = {
            k: v
            for k, v in {"temperature": temperature, "top_p": top_p, "max_tokens": max_tokens}.items()
            if v is not None
        }
        self.max_context_chars = max_context_chars or _default_budget(model, max_tokens)

    async def act(self, env: MedAgentEnv, observation: list[Message], info: dict[str, Any]) -> Any:
        messages = fit_context(env.messages, self.max_context_chars)
        tools = env.tool_schemas() if self.protocol == "tools" else None
        return await self.model.acomplete(messages, tools=tools, **self.sampling)

    def config(self) -> dict[str, Any]:
        return {
            **super().config(),
            "protocol": self.protocol,
            "sampling": dict(self.sampling),
            "max_context_chars": self.max_context_chars,
            "model": self.model.config(),
        }


def _default_budget(model: ChatModel, max_tokens: int | None) -> int | None:
    window = getattr(model, "context_window", None)
    if not window:
        return None
    answer = max_tokens or getattr(model, "max_new_tokens", 0) or 0
    return max(1000, (window - answer) * CHARS_PER_TOKEN)


def fit_context(messages: Sequence[Message], budget: int | None) -> list[Message]:
    """Return the messages with the oldest observations cut until their text fits ``budget``.

    Observations are the user and tool messages after the task message. The first two messages
    (system prompt, task) and the latest turn (everything after the last assistant message) are
    never cut. The input list is not modified.
    """
    fitted = list(messages)
    if budget is None:
        return fitted
    total = sum(_size(m) for m in fitted)
    last_assistant = max(
        (i for i, m in enumerate(fitted) if m.get("role") == "assistant"), default=len(fitted)
    )
    for index in range(2, last_assistant):
        if total <= budget:
            break
        message = fitted[index]
        content = message.get("content")
        if message.get("role") not in ("user", "tool") or not isinstance(content, str):
            continue
        if len(content) <= 2 * KEPT_HEAD_CHARS:  # cutting would save little
            continue
        cut = (
            content[:KEPT_HEAD_CHARS]
            + f"\n[... {len(content) - KEPT_HEAD_CHARS:,} characters omitted to fit the context window ...]"
        )
        fitted[index] = {**message, "content": cut}
        total -= len(content) - len(cut)
    return fitted


def _size(message: Message) -> int:
    size = len(message.get("content") or "")
    for call in message.get("tool_calls") or ():
        size += len(str(call.get("function", {}).get("arguments", "")))
    return size
