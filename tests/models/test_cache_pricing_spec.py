"""Response cache, price table and model SPECs."""

from __future__ import annotations

import asyncio

import pytest

from medagentgym.agents.baselines import OracleAgent, TrivialAgent
from medagentgym.agents.llm import LLMAgent
from medagentgym.errors import ConfigError
from medagentgym.models.base import ModelResponse, ToolCall, Usage
from medagentgym.models.cache import CachedChatModel, ResponseCache, response_from_dict, response_to_dict
from medagentgym.models.fake_server import FakeOpenAIServer
from medagentgym.models.pricing import lookup_prices
from medagentgym.models.scripted import ScriptedChatModel
from medagentgym.models.spec import BackendOptions, build_agent, build_model, parse_spec

HELLO = [{"role": "user", "content": "hello"}]


def counting_model() -> tuple[ScriptedChatModel, list[dict]]:
    seen: list[dict] = []

    def policy(request):
        seen.append(request)
        return {"content": f"answer {len(seen)}"}

    return ScriptedChatModel(policy), seen


def test_greedy_requests_are_answered_from_disk(tmp_path):
    inner, seen = counting_model()
    model = CachedChatModel(inner, ResponseCache(tmp_path))
    first = model.complete(HELLO, temperature=0)
    again = CachedChatModel(counting_model()[0], ResponseCache(tmp_path)).complete(HELLO, temperature=0)
    assert first.content == again.content == "answer 1"
    assert len(seen) == 1
    model.complete([{"role": "user", "content": "other"}], temperature=0)
    assert len(seen) == 2


def test_sampled_requests_bypass_the_cache(tmp_path):
    inner, seen = counting_model()
    model = CachedChatModel(inner, ResponseCache(tmp_path))
    answers = {model.complete(HELLO, temperature=0.7).content for _ in range(3)}
    assert len(seen) == 3 and len(answers) == 3


def test_cache_round_trips_token_data_and_survives_damage(tmp_path):
    response = ModelResponse(
        content="x",
        tool_calls=(ToolCall("submit_answer", '{"answer": 1}', "c1"),),
        finish_reason="stop",
        usage=Usage(3, 2, 0.5),
        prompt_token_ids=(1, 2, 3),
        completion_token_ids=(4, 5),
        logprobs=(-0.1, -0.2),
    )
    assert response_from_dict(response_to_dict(response)) == response
    cache = ResponseCache(tmp_path)
    cache.put("ab" * 32, response)
    assert cache.get("ab" * 32) == response
    path = next(tmp_path.rglob("*.json"))
    path.write_text("{broken")
    assert cache.get("ab" * 32) is None


def test_cached_model_forwards_attributes(tmp_path):
    inner, _ = counting_model()
    inner.context_window = 2048
    model = CachedChatModel(inner, ResponseCache(tmp_path))
    assert model.context_window == 2048
    assert model.config()["backend"] == "scripted"


def test_price_lookup():
    assert lookup_prices("gpt-4.1-mini").input_per_m == 0.40
    assert lookup_prices("gpt-4.1-mini-2025-04-14").output_per_m == 1.60  # dated snapshot
    assert lookup_prices("openai/gpt-4o").input_per_m == 2.50  # provider prefix
    assert lookup_prices("gpt-4.1").input_per_m == 2.00  # not confused with gpt-4.1-mini
    unknown = lookup_prices("my-local-llama")
    assert not unknown.known and unknown.cost(1000, 1000) == 0.0
    custom = lookup_prices("my-local-llama", 1.0, 2.0)
    assert custom.known and custom.cost(1_000_000, 500_000) == pytest.approx(2.0)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("gpt-4o", "bad model spec"),
        ("azure:gpt-4o", "bad model spec"),
        ("openai:", "bad model spec"),
        ("local:tiny", "unknown local model"),
    ],
)
def test_bad_specs(spec, message):
    with pytest.raises(ConfigError, match=message):
        parse_spec(spec)


def test_agent_specs_are_baselines():
    assert isinstance(build_agent("agent:oracle"), OracleAgent)
    trivial = build_agent("agent:trivial-zero")
    assert isinstance(trivial, TrivialAgent) and trivial.strategy == "zero"
    with pytest.raises(ConfigError, match="unknown scripted agent"):
        build_agent("agent:clever")
    with pytest.raises(ConfigError, match="scripted agent, not a model"):
        build_model("agent:oracle")


def test_openai_spec_builds_an_llm_agent(tmp_path):
    with FakeOpenAIServer() as server:
        options = BackendOptions(base_url=server.base_url, cache_dir=tmp_path)
        agent = build_agent("openai:fake", options, protocol="tools", temperature=0.5, max_tokens=64)
        assert isinstance(agent, LLMAgent) and isinstance(agent.model, CachedChatModel)
        config = agent.config()
        assert config["protocol"] == "tools"
        assert config["sampling"] == {"temperature": 0.5, "max_tokens": 64}
        assert config["model"]["model"] == "fake" and config["model"]["base_url"] == server.base_url
        reply = asyncio.run(agent.model.acomplete(HELLO))
        assert reply.content == "hello"


def test_local_specs_say_what_to_install(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name, *a)
    )
    with pytest.raises(ConfigError, match=r"local models need torch: pip install 'medagentgym\[local\]'"):
        build_model("hf:/nowhere")
