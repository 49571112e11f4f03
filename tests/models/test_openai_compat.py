"""The OpenAI-compatible backend against the in-process fake server, faults included."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import pytest

from medagentgym.errors import ConfigError, ModelError
from medagentgym.models.fake_server import FakeOpenAIServer, Faults
from medagentgym.models.openai_compat import OpenAIChatModel
from medagentgym.models.pricing import lookup_prices
from medagentgym.models.retry import RetryPolicy

FAST = RetryPolicy(max_retries=6, initial_delay_s=0.01, max_delay_s=0.05)
HELLO = [{"role": "user", "content": "hello there"}]


def model_for(server: FakeOpenAIServer, **options) -> OpenAIChatModel:
    options = {"timeout_s": 1.0, "retry": FAST, **options}
    return OpenAIChatModel("gpt-4.1-mini", base_url=server.base_url, api_key="sk-test", **options)


def test_completion_usage_and_cost():
    with FakeOpenAIServer() as server:
        response = model_for(server).complete(HELLO, temperature=0, max_tokens=5)
        sent = server.requests[-1]
    assert response.content == "hello there"
    assert response.finish_reason == "stop"
    assert response.usage.prompt_tokens > 0 and response.usage.completion_tokens > 0
    expected = lookup_prices("gpt-4.1-mini").cost(
        response.usage.prompt_tokens, response.usage.completion_tokens
    )
    assert response.usage.cost_usd == pytest.approx(expected) and expected > 0
    assert sent["temperature"] == 0 and sent["max_tokens"] == 5 and sent["model"] == "gpt-4.1-mini"


def test_tool_calls_and_headers_reach_the_server():
    seen_tools = []

    def policy(request):
        seen_tools.append(request.get("tools"))
        call = {
            "id": "c1",
            "type": "function",
            "function": {"name": "submit_answer", "arguments": '{"answer": 3}'},
        }
        return {"content": None, "tool_calls": [call]}

    tools = [{"type": "function", "function": {"name": "submit_answer", "parameters": {"type": "object"}}}]
    with FakeOpenAIServer(policy) as server:
        response = model_for(server, headers={"X-Team": "ml"}).complete(HELLO, tools=tools)
    assert seen_tools == [tools]
    assert response.tool_calls[0].name == "submit_answer"
    assert json.loads(response.tool_calls[0].arguments) == {"answer": 3}


def test_every_fault_kind_is_retried_until_success():
    faults = Faults(script=("500", "429", "timeout", "garbage", "ok"), stall_s=2.0, retry_after_s=0.05)
    with FakeOpenAIServer(faults=faults) as server:
        began = time.monotonic()
        response = model_for(server, timeout_s=0.5).complete(HELLO)
        elapsed = time.monotonic() - began
        counts = dict(server.counts)
    assert response.content == "hello there"
    assert counts == {"500": 1, "429": 1, "timeout": 1, "garbage": 1, "ok": 1}
    assert elapsed >= 0.5  # the stalled request was abandoned after the request timeout


def test_retry_after_header_is_honoured():
    faults = Faults(script=("429", "ok"), retry_after_s=1.0)
    with FakeOpenAIServer(faults=faults) as server:
        began = time.monotonic()
        model_for(server).complete(HELLO)  # backoff alone would wait at most 0.05 s
        assert time.monotonic() - began >= 1.0


def test_giving_up_raises_model_error():
    with FakeOpenAIServer(faults=Faults(rate=1.0, kinds=("500",))) as server:
        model = model_for(server, retry=RetryPolicy(max_retries=2, initial_delay_s=0.01))
        with pytest.raises(ModelError, match=r"gave up after 3 tries; last error: HTTP 500"):
            model.complete(HELLO)


def test_client_errors_fail_at_once():
    with FakeOpenAIServer(faults=Faults(script=("400", "ok"))) as server:
        with pytest.raises(ModelError, match=r"refused the request \(HTTP 400: injected: context length"):
            model_for(server).complete(HELLO)
        assert sum(server.counts.values()) == 1


def test_concurrency_limit_is_respected():
    lock, state = threading.Lock(), {"now": 0, "peak": 0}

    def policy(request):
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        time.sleep(0.05)
        with lock:
            state["now"] -= 1
        return {"content": "ok"}

    async def many(model):
        try:
            return await asyncio.gather(*(model.acomplete(HELLO) for _ in range(10)))
        finally:
            await model.aclose()

    with FakeOpenAIServer(policy) as server:
        asyncio.run(many(model_for(server, concurrency=3)))
    assert state["peak"] <= 3


def test_missing_key_and_unreachable_server_are_one_line_errors(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(ConfigError, match="OPENAI_API_KEY is not set"):
        OpenAIChatModel("gpt-4o")
    model = OpenAIChatModel("m", base_url="http://127.0.0.1:9/v1", retry=FAST)
    with pytest.raises(ModelError, match=r"cannot reach http://127.0.0.1:9/v1"):
        asyncio.run(probe(model))


def test_probe_accepts_a_live_server():
    with FakeOpenAIServer() as server:
        asyncio.run(probe(model_for(server)))


async def probe(model: OpenAIChatModel) -> None:
    try:
        await model.aprobe()
    finally:
        await model.aclose()


def test_headers_from_the_environment(monkeypatch):
    monkeypatch.setenv("MEDAGENTGYM_OPENAI_HEADERS", '{"X-A": "1"}')
    model = OpenAIChatModel("m", base_url="http://x/v1", headers={"X-B": "2"})
    assert model.headers == {"X-A": "1", "X-B": "2"}
    monkeypatch.setenv("MEDAGENTGYM_OPENAI_HEADERS", "X-A: 1")
    with pytest.raises(ConfigError, match="must be a JSON object"):
        OpenAIChatModel("m", base_url="http://x/v1")
