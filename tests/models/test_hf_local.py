"""The local transformers backend on a tiny random model: token data, batching, tools, errors."""

from __future__ import annotations

import asyncio
import json

import pytest

from medagentgym.errors import ConfigError
from medagentgym.models.hf_local import HFChatModel, _Request, _Sampling

SYSTEM = {"role": "system", "content": "You are an expert biomedical data scientist."}


def chat(text: str) -> list[dict]:
    return [SYSTEM, {"role": "user", "content": text}]


@pytest.fixture
def model(tiny_pair) -> HFChatModel:
    net, tokenizer = tiny_pair
    return HFChatModel(net, tokenizer, name="tiny", max_new_tokens=6, batch_window_ms=50)


def test_response_carries_token_ids_and_logprobs_of_the_model(model):
    import torch

    response = model.complete(chat("How many visits?"), temperature=0)
    prompt, completion = response.prompt_token_ids, response.completion_token_ids
    assert prompt == model.encode(chat("How many visits?"))
    assert 1 <= len(completion) <= 6 and len(response.logprobs) == len(completion)
    assert response.usage.prompt_tokens == len(prompt) and response.usage.completion_tokens == len(completion)
    # the recorded logprobs are the model's own: recompute them with one forward pass
    ids = torch.tensor([list(prompt) + list(completion)])
    with torch.no_grad():
        logits = model.model(ids).logits[0, len(prompt) - 1 : -1].log_softmax(-1)
    expected = logits.gather(1, torch.tensor(completion)[:, None]).squeeze(1)
    assert torch.allclose(torch.tensor(response.logprobs), expected, atol=1e-4)
    assert response.token_record()["loss_mask"] == [1] * len(completion)


def test_concurrent_requests_share_one_left_padded_generate_call(model):
    prompts = [
        chat("hi"),
        chat("How many visits had a heart rate above 90 beats per minute?"),
        chat("answer 42"),
    ]
    alone = [model.complete(p, temperature=0).completion_token_ids for p in prompts]
    model.batcher.batch_sizes.clear()

    async def together():
        return await asyncio.gather(*(model.acomplete(p, temperature=0) for p in prompts))

    batched = asyncio.run(together())
    assert dict(model.batcher.batch_sizes) == {3: 1}
    assert [r.completion_token_ids for r in batched] == alone  # padding changes nothing


def test_different_sampling_settings_are_not_mixed(model):
    model.batcher.batch_sizes.clear()

    async def mixed():
        return await asyncio.gather(
            model.acomplete(chat("a"), temperature=0),
            model.acomplete(chat("b"), temperature=0),
            model.acomplete(chat("c"), temperature=0.8, top_p=0.9),
        )

    responses = asyncio.run(mixed())
    assert sorted(model.batcher.batch_sizes.elements()) == [1, 2]
    assert all(r.completion_token_ids for r in responses)


def test_generation_stops_at_the_end_of_turn(model):
    stop = model.stop_ids[0]
    request = _Request((1, 2, 3), _Sampling(0.0, 1.0, 8), with_tools=False)
    response = model._response(
        request, [5, 6, stop, model.pad_id, model.pad_id], [-0.1, -0.2, -0.3, 0.0, 0.0]
    )
    assert response.completion_token_ids == (5, 6, stop)
    assert response.logprobs == (-0.1, -0.2, -0.3)
    assert response.finish_reason == "stop"
    assert model._response(request, [5, 6, 7], [-1.0] * 3).finish_reason == "length"


def test_max_tokens_limits_the_answer(model):
    response = model.complete(chat("hi"), temperature=0, max_tokens=2)
    assert len(response.completion_token_ids) <= 2


def test_tools_without_template_support_are_described_and_parsed(model):
    tools = [
        {
            "type": "function",
            "function": {"name": "submit_answer", "description": "Submit.", "parameters": {}},
        }
    ]
    history = [
        *chat("q"),
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "submit_answer", "arguments": '{"answer": 1}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "Answer recorded."},
    ]
    prompt = model.tokenizer.decode(model.encode(history, tools))
    assert "submit_answer" in prompt and "<tool_call>" in prompt and "Tool result:" in prompt
    request = _Request((1,), _Sampling(0.0, 1.0, 8), with_tools=True)
    text = 'Let me submit.\n<tool_call>{"name": "submit_answer", "arguments": {"answer": 7}}</tool_call>'
    tokens = model.tokenizer.encode(text, add_special_tokens=False)
    response = model._response(request, tokens, [0.0] * len(tokens))
    assert response.content == "Let me submit."
    assert response.tool_calls[0].name == "submit_answer"
    assert json.loads(response.tool_calls[0].arguments) == {"answer": 7}


def test_config_and_context_window(model):
    assert model.context_window == 1024
    config = model.config()
    assert config["backend"] == "hf" and config["device"] == "cpu"


def test_load_a_saved_directory(tiny_pair, tmp_path):
    net, tokenizer = tiny_pair
    net.save_pretrained(tmp_path / "ckpt")
    tokenizer.save_pretrained(tmp_path / "ckpt")
    loaded = HFChatModel.load(tmp_path / "ckpt", max_new_tokens=3)
    assert loaded.name == "ckpt"
    assert loaded.complete(chat("hi"), temperature=0).completion_token_ids


def test_bad_sources_are_one_line_errors(tmp_path, tiny_pair):
    with pytest.raises(ConfigError, match="is not a transformers model directory"):
        HFChatModel.load(tmp_path)
    net, tokenizer = tiny_pair
    tokenizer_without_template = tokenizer.__class__(
        tokenizer_object=tokenizer.backend_tokenizer, eos_token="<|im_end|>"
    )
    with pytest.raises(ConfigError, match="has no chat template"):
        HFChatModel(net, tokenizer_without_template, name="base")


def test_unreachable_hub_is_a_clear_error(monkeypatch):
    import huggingface_hub

    def offline(*args, **kwargs):
        raise ConnectionError("Name or service not known")

    monkeypatch.setattr(huggingface_hub, "model_info", offline)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    with pytest.raises(ConfigError, match=r"cannot reach the Hugging Face hub .*local:default"):
        HFChatModel.load("someone/not-cached-model")
