"""Conversations as token ids with assistant-only masks, and the token-in/token-out bridge."""

from __future__ import annotations

import pytest

from medagentgym.errors import DataError
from medagentgym.train.chat import ChatCodec

MESSAGES = [
    {"role": "system", "content": "You act with JSON."},
    {"role": "user", "content": "How many visits?"},
    {"role": "assistant", "content": '{"action": "request_info", "params": {"info_type": "schema"}}'},
    {"role": "user", "content": "visits(visit_id INTEGER)"},
    {"role": "assistant", "content": '{"action": "submit_answer", "params": {"answer": 3}}'},
]


@pytest.fixture(scope="module")
def codec(tiny_model):
    from transformers import AutoTokenizer

    return ChatCodec(AutoTokenizer.from_pretrained(tiny_model))


def test_only_assistant_bodies_and_their_end_token_are_trained(codec):
    tokens = codec.conversation(MESSAGES)
    assert codec.decode(tokens.input_ids) == codec.render(MESSAGES)
    trained = codec.decode([i for i, m in zip(tokens.input_ids, tokens.mask, strict=True) if m])
    assert trained == MESSAGES[2]["content"] + "<|im_end|>" + MESSAGES[4]["content"] + "<|im_end|>"


def test_an_explicit_mask_can_skip_an_assistant_turn(codec):
    tokens = codec.conversation(MESSAGES, [False, False, False, False, True])
    trained = codec.decode([i for i, m in zip(tokens.input_ids, tokens.mask, strict=True) if m])
    assert trained == MESSAGES[4]["content"] + "<|im_end|>"
    with pytest.raises(DataError, match="mask entries"):
        codec.conversation(MESSAGES, [True])


@pytest.mark.parametrize("ended_with_eos", [True, False])
def test_after_turn_extends_generated_tokens_to_the_next_prompt(codec, ended_with_eos):
    prompt = codec.prompt_ids(MESSAGES[:2])
    generated = codec.encode(MESSAGES[2]["content"] + ("<|im_end|>" if ended_with_eos else ""))
    bridge = codec.after_turn(MESSAGES[:4], 2, ended_with_eos=ended_with_eos)
    context = prompt + generated + codec.encode(bridge)
    assert codec.decode(context) == codec.render(MESSAGES[:4], generation_prompt=True)


def test_templates_that_rewrite_history_are_refused(codec):
    rewriting = "{% for m in messages %}{{ m['role'] + loop.length|string + ':' + m['content'] }}{% endfor %}"
    codec.tokenizer.chat_template, saved = rewriting, codec.tokenizer.chat_template
    try:
        with pytest.raises(DataError, match="not prefix-preserving"):
            codec.conversation(MESSAGES)
    finally:
        codec.tokenizer.chat_template = saved


def test_a_tokenizer_without_template_is_refused(codec):
    class Bare:
        chat_template = None

    with pytest.raises(DataError, match="no chat template"):
        ChatCodec(Bare())
