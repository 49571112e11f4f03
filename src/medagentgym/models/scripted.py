"""Scripted models: answer instantly from a policy, for tests, benchmarks and dry runs.

A *policy* maps an OpenAI-style request body (``{"messages": [...], "tools": [...], ...}``) to the
assistant message to return. The same policies drive :class:`ScriptedChatModel` in-process and
:class:`~medagentgym.models.fake_server.FakeOpenAIServer` over HTTP.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from medagentgym.models.base import ChatModel, Message, ModelResponse, ToolCall, Usage

Policy = Callable[[dict[str, Any]], dict[str, Any]]
"""Request body -> assistant message (``{"content": ...}`` and/or ``{"tool_calls": [...]}``)."""


def echo_policy(request: dict[str, Any]) -> dict[str, Any]:
    """Reply with the last message's text (handy for smoke tests)."""
    last = request["messages"][-1] if request.get("messages") else {}
    return {"content": str(last.get("content") or "")}


def scripted_policy(replies: Sequence[dict[str, Any]]) -> Policy:
    """Reply with ``replies`` in turn, per conversation: reply i answers the i-th assistant turn."""

    def policy(request: dict[str, Any]) -> dict[str, Any]:
        turn = sum(m.get("role") == "assistant" for m in request.get("messages", []))
        return replies[min(turn, len(replies) - 1)]

    return policy


class ScriptedChatModel(ChatModel):
    """A model that answers at once with what ``policy`` says; usage counts 4 characters a token."""

    def __init__(self, policy: Policy, name: str = "scripted") -> None:
        self.policy = policy
        self.name = name

    async def acomplete(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[dict[str, Any]] | None = None,
        **sampling: Any,
    ) -> ModelResponse:
        message = self.policy({"messages": list(messages), "tools": tools, **sampling})
        calls = tuple(ToolCall.from_message(call) for call in message.get("tool_calls") or ())
        prompt_chars = sum(len(str(m.get("content") or "")) for m in messages)
        return ModelResponse(
            content=message.get("content"),
            tool_calls=calls,
            finish_reason="tool_calls" if calls else "stop",
            usage=Usage(prompt_chars // 4, len(message.get("content") or "") // 4),
        )

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "backend": "scripted"}


def answer_key_policy(tasks: Sequence[Any], protocol: str = "json") -> Policy:
    """Submit each task's reference answer at once: a perfect "model" for testing the harness.

    It reads the graders' references, which no real agent ever sees; with it, any failed episode
    is the harness's (or a flaky server's) fault, not the model's.
    """
    key = {q.prompt: q.grader.to_spec().get("reference") for task in tasks for q in task.questions}

    def policy(request: dict[str, Any]) -> dict[str, Any]:
        users = [
            str(m.get("content") or "")
            for m in request.get("messages", [])
            if m.get("role") in ("user", "tool")
        ]
        latest = (a for text in reversed(users) for prompt, a in key.items() if prompt in text)
        answer = next(latest, None)  # the question asked last
        arguments = {"answer": list(answer) if isinstance(answer, tuple) else answer}
        if protocol == "tools":
            return {
                "tool_calls": [
                    {
                        "type": "function",
                        "function": {"name": "submit_answer", "arguments": json.dumps(arguments)},
                    }
                ]
            }
        return {"content": json.dumps({"action": "submit_answer", "params": arguments})}

    return policy
