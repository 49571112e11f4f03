"""Reading model output into actions: both styles, and every malformed output we know of."""

from __future__ import annotations

import json

import pytest

from medagentgym.env.actions import ACTION_SPECS
from medagentgym.env.protocol import parse_turn
from medagentgym.models.base import ModelResponse, ToolCall

ALL = frozenset(ACTION_SPECS)


def only_call(action, allowed=ALL):
    turn = parse_turn(action, allowed)
    assert len(turn.calls) == 1
    return turn.calls[0]


GOOD_TEXTS = {
    "plain": '{"action": "execute_code", "params": {"code": "print(1)"}}',
    "fenced": '```json\n{"action": "execute_code", "params": {"code": "print(1)"}}\n```',
    "prose around": 'Let me look.\n{"action": "execute_code", "params": {"code": "print(1)"}}\nDone.',
    "think block": '<think>I should print {"x": 1}.</think>{"action": "execute_code", "params": {"code": "print(1)"}}',
    "raw newline in string": '{"action": "execute_code", "params": {"code": "print(1)\nprint(2)"}}',
    "alias": '{"action": "validate_code", "params": {"code": "print(1)"}}',
    "name/arguments shape": '<tool_call>{"name": "execute_code", "arguments": {"code": "print(1)"}}</tool_call>',
}


@pytest.mark.parametrize("text", GOOD_TEXTS.values(), ids=GOOD_TEXTS.keys())
def test_json_protocol_variants(text):
    call = only_call(text)
    assert call.ok, call.error
    assert call.name == "execute_code"
    assert call.params["code"].startswith("print(1)")


MALFORMED = {
    "not json": ("I think the answer is 42.", "no action found"),
    "empty": ("", "empty"),
    "whitespace": ("   \n ", "empty"),
    "only think": ("<think>hmm, what to do</think>", "only a <think> block"),
    "unknown action": ('{"action": "fly", "params": {}}', "unknown action 'fly'"),
    "action not a string": ('{"action": 3, "params": {}}', "non-empty string"),
    "missing param": (
        '{"action": "execute_code", "params": {}}',
        "missing required parameter(s): code",
    ),
    "extra param": (
        '{"action": "execute_code", "params": {"code": "1", "lang": "py"}}',
        "unknown parameter(s) lang",
    ),
    "wrong type": ('{"action": "execute_code", "params": {"code": 5}}', "must be a string"),
    "params not object": (
        '{"action": "execute_code", "params": ["print(1)"]}',
        "must be a JSON object",
    ),
    "bad choice": (
        '{"action": "request_info", "params": {"info_type": "everything"}}',
        "must be one of schema, column_values, term",
    ),
    "one megabyte": ("x" * 1_000_000, "limit is 200,000"),
    "truncated json": (
        '{"action": "execute_code", "params": {"code": "print(1)"',
        "no action found",
    ),
}


@pytest.mark.parametrize(("text", "expected"), MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_outputs_become_errors(text, expected):
    call = only_call(text)
    assert not call.ok
    assert expected in call.error


def test_action_not_allowed_for_task():
    call = only_call('{"action": "terminal", "params": {"command": "ls"}}', frozenset({"submit_answer"}))
    assert "not available in this task" in call.error


def test_raw_text_is_kept_verbatim_even_when_invalid():
    text = "  garbage {not json  "
    turn = parse_turn(text, ALL)
    assert turn.raw == text and turn.message["content"] == text


def test_submit_answer_accepts_any_json_value():
    for answer in (42, "micu", True, [1, 2], None, {"a": 1}):
        call = only_call(json.dumps({"action": "submit_answer", "params": {"answer": answer}}))
        assert call.ok and call.params["answer"] == answer


class TestToolCalls:
    def test_assistant_message_with_tool_calls(self):
        message = {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "a",
                    "type": "function",
                    "function": {"name": "execute_code", "arguments": '{"code": "print(1)"}'},
                },
                {
                    "id": "b",
                    "type": "function",
                    "function": {"name": "submit_answer", "arguments": '{"answer": 3}'},
                },
            ],
        }
        turn = parse_turn(message, ALL)
        assert turn.style == "tools"
        assert [c.name for c in turn.calls] == ["execute_code", "submit_answer"]
        assert [c.call_id for c in turn.calls] == ["a", "b"]

    def test_single_tool_call_dict(self):
        call = only_call(
            {
                "type": "function",
                "function": {"name": "submit_answer", "arguments": '{"answer": 1}'},
            }
        )
        assert call.ok and call.call_id

    def test_bad_arguments_json(self):
        call = only_call({"id": "x", "function": {"name": "execute_code", "arguments": '{"code": '}})
        assert not call.ok and "not valid JSON" in call.error and call.call_id == "x"

    def test_unknown_tool(self):
        call = only_call({"id": "x", "function": {"name": "rm_rf", "arguments": "{}"}})
        assert "unknown action" in call.error

    def test_model_response(self):
        response = ModelResponse(
            tool_calls=(ToolCall("submit_answer", '{"answer": 1}'),), completion_token_ids=(1, 2)
        )
        turn = parse_turn(response, ALL)
        assert turn.response is response and turn.calls[0].ok

    def test_content_without_tool_calls_falls_back_to_json_protocol(self):
        turn = parse_turn(
            {
                "role": "assistant",
                "content": '{"action": "submit_answer", "params": {"answer": 1}}',
            },
            ALL,
        )
        assert turn.style == "json" and turn.calls[0].ok


def test_non_text_action_is_an_error_not_an_exception():
    call = only_call(12345)
    assert not call.ok and "must be text or an OpenAI tool call" in call.error


def test_tool_schemas_are_valid_json_schema():
    for spec in ACTION_SPECS.values():
        schema = spec.tool_schema()
        params = schema["function"]["parameters"]
        assert params["type"] == "object" and params["additionalProperties"] is False
        assert set(params["required"]) <= set(params["properties"])
        json.dumps(schema)


def test_no_action_message_follows_the_protocol():
    assert '{"action"' in only_call("just prose").error
    turn = parse_turn("just prose", ALL, "tools")
    assert "call exactly one of the provided tools" in turn.calls[0].error
