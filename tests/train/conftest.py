"""Fixtures for the training tests: a tiny random model, scripted agents and real demo trajectories.

Nothing is downloaded: the tokenizer is a small byte-level BPE trained on the demo prompts in
milliseconds, with a ChatML template like SmolLM2's, and the model is a 2-layer Llama built from
a config. Episodes are real environment episodes on the demo family, played by scripted agents
that need no sandbox (``request_info`` and ``submit_answer`` only).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

import medagentgym
from medagentgym.agents.base import Agent
from medagentgym.runs.episode import run_episode
from medagentgym.train.rundirs import write_run

pytest.importorskip("trl")

CHATML = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + "
    "'<|im_end|>' + '\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


def action(name: str, **params: Any) -> str:
    return json.dumps({"action": name, "params": params})


def reference(env) -> Any:
    return env.task.questions[0].grader.to_spec()["reference"]


class ScriptedAgent(Agent):
    """Plays a fixed script; ``"answer"`` submits the reference, ``"wrong"`` a wrong answer."""

    def __init__(self, script: list[str]) -> None:
        self.script = script
        self.name = "scripted-" + "-".join(script)

    async def act(self, env, observation, info) -> Any:
        move = self.script[min(len(env.episode.steps), len(self.script) - 1)]
        if move == "schema":
            return action("request_info", info_type="schema")
        if move == "answer":
            return action("submit_answer", answer=reference(env))
        if move == "wrong":
            return action("submit_answer", answer=-987654)
        return move  # raw text, e.g. malformed output


def play(scripts: list[list[str]], indices: list[int], *, split: str = "train", max_steps: int = 6) -> list:
    env = medagentgym.make("demo", split=split, max_steps=max_steps)
    episodes = []
    try:
        for index in indices:
            for sample, script in enumerate(scripts):
                episodes.append(
                    asyncio.run(run_episode(env, ScriptedAgent(script), index=index, sample=sample))
                )
    finally:
        env.close()
    return episodes


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run directory with successes, failures, a repaired success and a truncated episode."""
    scripts = [
        ["schema", "answer"],  # success
        ["schema", "wrong"],  # failure, diverges from the success at the submission
        ["not an action", "schema", "answer"],  # success after a malformed turn
        ["schema", "schema", "schema", "schema", "schema", "schema"],  # truncated by the step budget
    ]
    run_dir = tmp_path_factory.mktemp("demo-run")
    write_run(run_dir, play(scripts, list(range(8))), {"kind": "test"})
    return run_dir


def _tokenizer(corpus: list[str]) -> Any:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=1500,
        special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    core.train_from_iterator(corpus, trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        unk_token="<|endoftext|>",
    )
    tokenizer.chat_template = CHATML
    return tokenizer


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory, demo_run: Path) -> Path:
    """A 2-layer random Llama with a demo-trained tokenizer, saved as a model directory."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    from medagentgym.train.rundirs import load_runs

    corpus = [m["content"] for e in load_runs([demo_run]) for m in e.messages if m.get("content")]
    tokenizer = _tokenizer(corpus)
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=4096,
        tie_word_embeddings=True,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.eos_token_id,
    )
    directory = tmp_path_factory.mktemp("tiny-model")
    LlamaForCausalLM(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory
