"""Reading what a model produced into actions, in either of the two supported styles.

* JSON protocol (the paper's): the model writes ``{"action": ..., "params": {...}}`` as text. We
  tolerate ``<think>`` blocks, code fences, prose around the object, raw newlines inside strings
  and the ``{"name": ..., "arguments": ...}`` shape small models often emit.
* Tool calls (OpenAI style): an assistant message with ``tool_calls``, a single tool-call dict,
  or a :class:`~medagentgym.models.base.ModelResponse`.

Nothing here raises on bad model output: every problem becomes a :class:`Call` with an ``error``
that the environment shows to the model, at the cost of one step.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from medagentgym.env.actions import ACTION_SPECS, ProtocolError, canonical_action
from medagentgym.models.base import Message, ModelResponse, ToolCall

MAX_OUTPUT_CHARS = 200_000
"""Longer model outputs are rejected unparsed (a runaway generation, not an action)."""

_THINK = re.compile(r"<think>.*?(</think>|\Z)", re.DOTALL | re.IGNORECASE)
_FENCE = re.compile(r"```[a-zA-Z0-9_-]*\s*\n?(.*?)```", re.DOTALL)
_MAX_SCAN = 64

Style = Literal["json", "tools"]

NO_ACTION_HINTS: dict[str, str] = {
    "json": 'reply with one JSON object such as {"action": "execute_code", "params": {"code": "print(1)"}}',
    "tools": "call exactly one of the provided tools",
}


@dataclass(frozen=True)
class Call:
    """One requested action: validated ``name``/``params``, or an ``error`` to show the model."""

    name: str | None
    params: Mapping[str, Any]
    call_id: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_record(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "params": dict(self.params),
            "call_id": self.call_id,
            "error": self.error,
        }


@dataclass(frozen=True)
class Turn:
    """A parsed model turn: the assistant message to keep, its style and its calls."""

    message: Message
    style: Style
    calls: tuple[Call, ...]
    response: ModelResponse | None = None

    @property
    def raw(self) -> str:
        """The model's raw text (kept verbatim in the trajectory even when it fails to parse)."""
        return self.message.get("content") or ""


def parse_turn(action: Any, allowed: frozenset[str], protocol: Style = "json") -> Turn:
    """Parse an action given to ``env.step`` into a :class:`Turn`.

    ``protocol`` is the style the model was asked to use; it only shapes error messages.
    """
    if isinstance(action, ModelResponse):
        turn = _from_message(action.to_message(), allowed, protocol)
        return Turn(turn.message, turn.style, turn.calls, action)
    if isinstance(action, str):
        return _from_text(action, allowed, protocol)
    if isinstance(action, Mapping):
        if "tool_calls" in action or action.get("role") == "assistant":
            return _from_message(dict(action), allowed, protocol)
        if "function" in action or ("name" in action and "arguments" in action):
            call = ToolCall.from_message(dict(action))
            return _from_message(
                {"role": "assistant", "content": None, "tool_calls": [call.to_message()]}, allowed
            )
        if "action" in action:
            text = json.dumps(dict(action), default=str)
            return Turn({"role": "assistant", "content": text}, "json", (_json_call(dict(action), allowed),))
    shown = type(action).__name__
    message: Message = {"role": "assistant", "content": str(action)[:MAX_OUTPUT_CHARS]}
    error = f"an action must be text or an OpenAI tool call, got {shown}"
    return Turn(message, "json", (Call(None, {}, error=error),))


def _from_message(message: Message, allowed: frozenset[str], protocol: Style = "json") -> Turn:
    raw_calls = message.get("tool_calls") or []
    if not raw_calls:
        return _from_text(message.get("content") or "", allowed, protocol)
    calls = []
    normalized = []
    for raw in raw_calls:
        call = raw if isinstance(raw, ToolCall) else ToolCall.from_message(raw)
        normalized.append(call.to_message())
        calls.append(_tool_call(call, allowed))
    kept: Message = {
        "role": "assistant",
        "content": message.get("content"),
        "tool_calls": normalized,
    }
    return Turn(kept, "tools", tuple(calls))


def _tool_call(call: ToolCall, allowed: frozenset[str]) -> Call:
    try:
        if len(call.arguments) > MAX_OUTPUT_CHARS:
            raise ProtocolError(
                f"the arguments are {len(call.arguments):,} characters long; the limit is {MAX_OUTPUT_CHARS:,}"
            )
        try:
            params = json.loads(call.arguments or "{}", strict=False)
        except json.JSONDecodeError as exc:
            raise ProtocolError(
                f"the arguments of {call.name!r} are not valid JSON ({exc.msg} at position {exc.pos})"
            ) from None
        name = _check_allowed(canonical_action(call.name), allowed)
        return Call(name, ACTION_SPECS[name].validate(params), call.id)
    except ProtocolError as exc:
        return Call(None, {}, call.id, str(exc))


def _from_text(text: Any, allowed: frozenset[str], protocol: Style = "json") -> Turn:
    text = text if isinstance(text, str) else str(text)
    message: Message = {"role": "assistant", "content": text}
    try:
        if len(text) > MAX_OUTPUT_CHARS:
            raise ProtocolError(
                f"your message is {len(text):,} characters long; the limit is {MAX_OUTPUT_CHARS:,}. "
                "Write a shorter action"
            )
        if not text.strip():
            raise ProtocolError("your message was empty")
        obj = _find_action_object(text, protocol)
    except ProtocolError as exc:
        return Turn(message, "json", (Call(None, {}, error=str(exc)),))
    return Turn(message, "json", (_json_call(obj, allowed),))


def _json_call(obj: dict[str, Any], allowed: frozenset[str]) -> Call:
    try:
        if "action" in obj:
            name, params = obj["action"], obj.get("params", {})
        else:  # {"name": ..., "arguments": ...} as small models write it
            name, params = obj["name"], obj.get("arguments", obj.get("parameters", {}))
        if isinstance(params, str):
            try:
                params = json.loads(params, strict=False)
            except json.JSONDecodeError:
                raise ProtocolError('"params" must be a JSON object, got a string') from None
        canonical = _check_allowed(canonical_action(name), allowed)
        return Call(canonical, ACTION_SPECS[canonical].validate(params))
    except ProtocolError as exc:
        return Call(None, {}, error=str(exc))


def _check_allowed(name: str, allowed: frozenset[str]) -> str:
    if name not in allowed:
        raise ProtocolError(
            f"the action {name} is not available in this task; available: {', '.join(sorted(allowed))}"
        )
    return name


def _find_action_object(text: str, protocol: Style) -> dict[str, Any]:
    """Return the first JSON object in ``text`` that names an action."""
    visible = _THINK.sub("", text)
    for candidate in _candidates(visible):
        if isinstance(candidate, dict) and (
            "action" in candidate or ("name" in candidate and "arguments" in candidate)
        ):
            return candidate
    if visible.strip() == "" and text.strip():
        raise ProtocolError("your message contained only a <think> block and no action")
    raise ProtocolError(f"no action found: {NO_ACTION_HINTS[protocol]}")


def _candidates(text: str) -> Iterator[Any]:
    for block in _FENCE.findall(text):
        yield from _loads(block.strip())
    yield from _loads(text.strip())
    decoder = json.JSONDecoder(strict=False)
    starts = [m.start() for m in re.finditer(r"\{", text)][:_MAX_SCAN]
    for start in starts:
        try:
            obj, _ = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            continue
        yield obj


def _loads(text: str) -> Iterator[Any]:
    if text.startswith("{"):
        try:
            yield json.loads(text, strict=False)
        except json.JSONDecodeError:
            return
