"""The LLM agent loop: both protocols, raw output kept, token data recorded, context fitting."""

from __future__ import annotations

import asyncio
import json

from medagentgym.agents.llm import LLMAgent, fit_context
from medagentgym.env.environment import make
from medagentgym.models.base import ModelResponse
from medagentgym.models.scripted import ScriptedChatModel, answer_key_policy
from medagentgym.runs.episode import run_episode

SCHEMA = json.dumps({"action": "request_info", "params": {"info_type": "schema"}})


def play(agent: LLMAgent, protocol: str = "json", index: int = 0):
    env = make("demo", split="test", protocol=protocol, max_steps=4)
    return asyncio.run(run_episode(env, agent, index=index))


def test_json_protocol_episode_keeps_raw_output_even_when_unparseable():
    env = make("demo", split="test")
    key = answer_key_policy([env.tasks[0]])
    garbage = "I think the answer is {probably 42"
    replies = [{"content": garbage}, {"content": SCHEMA}]

    def policy(request):
        turn = sum(m["role"] == "assistant" for m in request["messages"])
        return replies[turn] if turn < len(replies) else key(request)

    episode = play(LLMAgent(ScriptedChatModel(policy)))
    assert episode.success and episode.num_steps == 3
    assert episode.steps[0].raw == garbage and episode.steps[0].error
    assert episode.messages[2] == {"role": "assistant", "content": garbage}
    assert "visits" in episode.steps[1].observation_text
    assert episode.model == {"name": "scripted", "backend": "scripted"}
    assert episode.agent["protocol"] == "json"
    assert episode.usage["prompt_tokens"] > 0


def test_tools_protocol_passes_tools_and_gets_tool_messages():
    seen = []
    env = make("demo", split="test")
    key = answer_key_policy([env.tasks[1]], protocol="tools")

    def policy(request):
        seen.append(request["tools"])
        return key(request)

    episode = play(LLMAgent(ScriptedChatModel(policy), protocol="tools"), protocol="tools", index=1)
    assert episode.success
    assert {t["function"]["name"] for t in seen[0]} >= {"submit_answer", "request_info"}
    assert episode.steps[0].style == "tools"
    assert episode.messages[-1]["role"] == "tool"


def test_token_data_from_the_backend_lands_in_the_trajectory():
    class TokenModel(ScriptedChatModel):
        async def acomplete(self, messages, *, tools=None, **sampling):
            reply = await super().acomplete(messages, tools=tools, **sampling)
            return ModelResponse(
                content=reply.content,
                prompt_token_ids=(1, 2),
                completion_token_ids=(3, 4),
                logprobs=(-0.5, -0.25),
            )

    env = make("demo", split="test")
    episode = play(LLMAgent(TokenModel(answer_key_policy([env.tasks[0]]))))
    record = episode.steps[0].model
    assert record["completion_token_ids"] == [3, 4] and record["logprobs"] == [-0.5, -0.25]
    assert record["loss_mask"] == [1, 1]


def test_sampling_settings_reach_the_model():
    seen = []

    def policy(request):
        seen.append({k: request.get(k) for k in ("temperature", "top_p", "max_tokens")})
        return {"content": SCHEMA}

    play(LLMAgent(ScriptedChatModel(policy), temperature=0.6, top_p=0.9, max_tokens=99))
    assert seen[0] == {"temperature": 0.6, "top_p": 0.9, "max_tokens": 99}


def conversation(observation_sizes: list[int]) -> list[dict]:
    messages = [{"role": "system", "content": "S" * 500}, {"role": "user", "content": "T" * 500}]
    for i, size in enumerate(observation_sizes):
        messages.append({"role": "assistant", "content": f"action {i}"})
        messages.append({"role": "user", "content": str(i) * size})
    return messages


def test_fit_context_cuts_oldest_observations_first_with_a_marker():
    messages = conversation([3000, 3000, 3000])
    fitted = fit_context(messages, budget=8000)
    assert fitted[0] == messages[0] and fitted[1] == messages[1]  # system and task intact
    assert fitted[-1] == messages[-1]  # the latest observation intact
    assert "characters omitted to fit the context window" in fitted[3]["content"]
    assert fitted[3]["content"].startswith("0" * 200)
    assert fitted[5] == messages[5]  # cutting the oldest one was enough
    assert sum(len(m["content"]) for m in fitted) <= 8000
    assert messages[3]["content"] == "0" * 3000  # the environment's copy is untouched


def test_fit_context_without_budget_or_when_it_fits():
    messages = conversation([100, 100])
    assert fit_context(messages, None) == messages
    assert fit_context(messages, 10_000) == messages


def test_agent_derives_its_budget_from_the_context_window():
    model = ScriptedChatModel(lambda r: {"content": ""})
    model.context_window = 8192
    assert LLMAgent(model, max_tokens=192).max_context_chars == (8192 - 192) * 3
    assert LLMAgent(ScriptedChatModel(lambda r: {"content": ""})).max_context_chars is None
