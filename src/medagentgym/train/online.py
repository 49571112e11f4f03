"""Episodes played by a local model with the environment in the loop, many at once, every token kept.

Online RL (GRPO and PPO share this), the held-out evaluation after training and the learning-gain
benchmark all play episodes here. Episodes run in waves of up to ``batch_size``: each turn, the
contexts of all live episodes are decoded together (one batched forward per token, which on a
small CPU gives 10-30x the throughput of one episode at a time), then all environments step
concurrently, so code runs in the sandbox overlap.

Token-in/token-out: an episode's context is a list of ids that only grows. Sampled tokens are kept
exactly as sampled (mask 1, with their log-probabilities); what the chat template puts between
turns (end of turn, observations, the next assistant header) is tokenized once and masked (mask
0). The loss therefore never sees tool output, and the model is trained on exactly the tokens it
produced. Budgets per episode: model turns (the environment's ``max_steps``), tokens per turn,
generated tokens in all and context length.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from medagentgym.env.environment import MedAgentEnv
from medagentgym.errors import SandboxError
from medagentgym.models.base import ModelResponse, Usage
from medagentgym.runs.metrics import grouped
from medagentgym.tasks.taskset import TaskSet
from medagentgym.train.chat import ChatCodec
from medagentgym.trajectory import Episode


@dataclass(frozen=True)
class Sampling:
    """How turns are generated and how much one episode may generate."""

    temperature: float = 0.0
    """0 decodes greedily."""
    max_new_tokens: int = 256
    """Tokens per model turn."""
    token_budget: int = 1024
    """Generated tokens per episode, all turns together."""
    max_context: int = 4096
    stop_at_action: bool = True
    """End a turn once it holds a complete JSON action (the environment reads only the first one),
    like a stop sequence; saves the tokens small models ramble on with after their action."""


@dataclass
class Generated:
    """One generated turn: the sampled ids, their log-probabilities, and whether it ended on EOS."""

    ids: list[int] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)
    ended_with_eos: bool = False
    stopped_at_action: bool = False


_JSON = json.JSONDecoder(strict=False)


@dataclass(frozen=True)
class Job:
    """One episode to play: a task and the index of this sample of it."""

    task_id: str
    sample: int = 0


@dataclass
class Rollout:
    """A played episode with its token-level record (prompt, then everything after it)."""

    episode: Episode
    prompt_ids: list[int]
    completion_ids: list[int] = field(default_factory=list)
    mask: list[int] = field(default_factory=list)
    """1 for sampled tokens, 0 for the template and observation tokens between turns."""
    logprobs: list[float] = field(default_factory=list)
    """Sampling log-probability of each completion token (0.0 where the mask is 0)."""
    generated: int = 0
    ended_with_eos: bool = False

    @property
    def format_score(self) -> float:
        """Share of turns that parsed as valid actions (the paper's format reward)."""
        steps = self.episode.steps
        return sum(not s.error for s in steps) / len(steps) if steps else 0.0

    def extend(self, ids: Sequence[int], logprobs: Sequence[float] | None) -> None:
        self.completion_ids.extend(ids)
        self.mask.extend([1 if logprobs is not None else 0] * len(ids))
        self.logprobs.extend(logprobs if logprobs is not None else [0.0] * len(ids))

    @property
    def context(self) -> list[int]:
        return self.prompt_ids + self.completion_ids


class LocalPolicy:
    """A causal LM and its tokenizer that generate the next turn of many conversations at once."""

    def __init__(self, model: Any, tokenizer: Any, name: str = "policy") -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.codec = ChatCodec(tokenizer)
        self.name = name
        configured = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
        eos = configured if isinstance(configured, list) else [configured]
        self.eos_ids = {int(i) for i in [*eos, tokenizer.eos_token_id] if i is not None}
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else min(self.eos_ids)
        self._cache_name = _cache_argument(model)
        self._closers = {i for token, i in tokenizer.get_vocab().items() if "}" in token}

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "backend": "LocalPolicy"}

    @torch.no_grad()
    def generate(
        self,
        contexts: Sequence[Sequence[int]],
        limits: Sequence[int],
        temperature: float,
        *,
        stop_at_action: bool = False,
    ) -> list[Generated]:
        """Sample up to ``limits[i]`` (> 0) tokens after each context."""
        was_training = self.model.training
        self.model.eval()
        try:
            return self._decode(contexts, limits, temperature, stop_at_action)
        finally:
            self.model.train(was_training)

    def _decode(
        self,
        contexts: Sequence[Sequence[int]],
        limits: Sequence[int],
        temperature: float,
        stop_at_action: bool,
    ) -> list[Generated]:
        device = next(self.model.parameters()).device
        width = max(len(c) for c in contexts)
        ids = torch.full((len(contexts), width), self.pad_id, dtype=torch.long)
        attention = torch.zeros((len(contexts), width), dtype=torch.long)
        for row, context in enumerate(contexts):  # left padding keeps every row's end aligned
            ids[row, width - len(context) :] = torch.tensor(list(context))
            attention[row, width - len(context) :] = 1
        ids, attention = ids.to(device), attention.to(device)
        positions = (attention.cumsum(-1) - 1).clamp(min=0)
        cache = self._static_cache(width + max(limits))
        out = self.model(
            input_ids=ids,
            attention_mask=attention,
            position_ids=positions,
            use_cache=True,
            logits_to_keep=1,
            **({self._cache_name: cache} if cache is not None else {}),
        )
        results = [Generated() for _ in contexts]
        rows = list(range(len(contexts)))  # which result each batch row feeds
        for _ in range(max(limits)):
            tokens, logprobs = _sample(out.logits[:, -1, :].float(), temperature)
            keep = []
            for b, row in enumerate(rows):
                token, result = int(tokens[b]), results[row]
                result.ids.append(token)
                result.logprobs.append(float(logprobs[b]))
                if token in self.eos_ids:
                    result.ended_with_eos = True
                elif stop_at_action and token in self._closers and has_action(self.codec.decode(result.ids)):
                    result.stopped_at_action = True
                elif len(result.ids) < limits[row]:
                    keep.append(b)
            if not keep:
                break
            cache = getattr(out, self._cache_name)
            if len(keep) < len(rows):  # drop finished rows so the batch shrinks as episodes stop talking
                index = torch.tensor(keep, device=device)
                _select_rows(cache, index)
                tokens, attention, positions = tokens[index], attention[index], positions[index]
                rows = [rows[b] for b in keep]
            attention = torch.cat([attention, attention.new_ones((len(rows), 1))], dim=1)
            positions = positions[:, -1:] + 1
            out = self.model(
                input_ids=tokens.unsqueeze(1),
                attention_mask=attention,
                position_ids=positions,
                use_cache=True,
                logits_to_keep=1,
                **{self._cache_name: cache},
            )
        return results

    def _static_cache(self, length: int) -> Any:
        """A preallocated KV cache: the default one concatenates every layer's keys and values at
        each token, which costs more than the attention itself on long contexts (measured 2x per
        decoding step at 48 x 1100 tokens on CPU). None when this transformers has none."""
        try:
            from transformers import StaticCache

            return StaticCache(config=self.model.config, max_cache_len=length)
        except (ImportError, TypeError):
            return None


def _select_rows(cache: Any, index: torch.Tensor) -> None:
    """Keep only the batch rows ``index`` of a KV cache (static or dynamic)."""
    if not hasattr(cache, "layers"):
        cache.batch_select_indices(index)
        return
    for layer in cache.layers:
        if getattr(layer, "is_initialized", False) and hasattr(layer, "max_cache_len"):
            layer.keys = layer.keys.index_select(0, index)
            layer.values = layer.values.index_select(0, index)
            layer.batch_size = len(index)
        elif getattr(layer, "is_initialized", False):
            layer.batch_select_indices(index)


def has_action(text: str) -> bool:
    """Whether ``text`` already holds a complete JSON action object (the environment reads the first)."""
    start = text.find("{")
    while start != -1:
        try:
            value, _ = _JSON.raw_decode(text, start)
        except json.JSONDecodeError:
            pass
        else:
            if isinstance(value, dict) and ("action" in value or {"name", "arguments"} <= set(value)):
                return True
        start = text.find("{", start + 1)
    return False


def _cache_argument(model: Any) -> str:
    """transformers 5.2x renamed ``past_key_values`` to ``cache`` (inputs and outputs)."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    return "cache" if "cache" in inspect.signature(type(base).forward).parameters else "past_key_values"


def _sample(logits: torch.Tensor, temperature: float) -> tuple[torch.Tensor, torch.Tensor]:
    if temperature <= 0:
        logprobs = torch.log_softmax(logits, dim=-1)
        tokens = logits.argmax(dim=-1)
    else:
        logprobs = torch.log_softmax(logits / temperature, dim=-1)
        tokens = torch.multinomial(logprobs.exp(), 1).squeeze(1)
    return tokens, logprobs.gather(1, tokens.unsqueeze(1)).squeeze(1)


@dataclass
class _Live:
    env: MedAgentEnv
    job: Job
    rollout: Rollout
    done: bool = False


async def play(
    policy: LocalPolicy,
    tasks: TaskSet,
    jobs: Sequence[Job],
    *,
    sampling: Sampling,
    env_options: dict[str, Any],
    batch_size: int = 32,
    on_done: Callable[[int], None] | None = None,
) -> list[Rollout]:
    """Play ``jobs`` with ``policy``; rollouts come back in the order of ``jobs``."""
    rollouts: list[Rollout] = []
    for start in range(0, len(jobs), batch_size):
        rollouts += await _play_wave(policy, tasks, jobs[start : start + batch_size], sampling, env_options)
        if on_done:
            on_done(min(batch_size, len(jobs) - start))
    return rollouts


def play_sync(policy: LocalPolicy, tasks: TaskSet, jobs: Sequence[Job], **kwargs: Any) -> list[Rollout]:
    """Blocking form of :func:`play` (for trainers' callbacks, which are synchronous)."""
    return asyncio.run(play(policy, tasks, jobs, **kwargs))


async def _play_wave(
    policy: LocalPolicy,
    tasks: TaskSet,
    jobs: Sequence[Job],
    sampling: Sampling,
    env_options: dict[str, Any],
) -> list[Rollout]:
    lives = [await _start(policy, tasks, job, env_options) for job in jobs]
    try:
        while True:
            for live in lives:
                if not live.done and _room(live.rollout, sampling) <= 0:
                    _stop_early(live, "token_budget")
            active = [live for live in lives if not live.done]
            if not active:
                break
            began = time.perf_counter()
            outputs = policy.generate(
                [live.rollout.context for live in active],
                [_room(live.rollout, sampling) for live in active],
                sampling.temperature,
                stop_at_action=sampling.stop_at_action,
            )
            model_s = (time.perf_counter() - began) / len(active)
            await asyncio.gather(
                *(_advance(policy, live, out, model_s) for live, out in zip(active, outputs, strict=True))
            )
    finally:
        for live in lives:
            live.env.close()
    for live in lives:
        _finish_record(live, policy, sampling)
    return [live.rollout for live in lives]


async def _start(policy: LocalPolicy, tasks: TaskSet, job: Job, env_options: dict[str, Any]) -> _Live:
    env = MedAgentEnv(tasks, **env_options)
    messages, _ = await env.areset(options={"task_id": job.task_id})
    return _Live(env, job, Rollout(env.episode, policy.codec.prompt_ids(messages)))


def _room(rollout: Rollout, sampling: Sampling) -> int:
    return min(
        sampling.max_new_tokens,
        sampling.token_budget - rollout.generated,
        sampling.max_context - len(rollout.prompt_ids) - len(rollout.completion_ids),
    )


async def _advance(policy: LocalPolicy, live: _Live, output: Generated, model_s: float) -> None:
    tokens, logprobs, ended = output.ids, output.logprobs, output.ended_with_eos
    rollout = live.rollout
    context = rollout.context
    text = policy.codec.decode(tokens[:-1] if ended else tokens)
    response = ModelResponse(
        content=text,
        finish_reason="stop" if ended or output.stopped_at_action else "length",
        usage=Usage(prompt_tokens=len(context), completion_tokens=len(tokens)),
        latency_s=model_s,
        prompt_token_ids=tuple(context),
        completion_token_ids=tuple(tokens),
        logprobs=tuple(logprobs),
    )
    rollout.extend(tokens, logprobs)
    rollout.generated += len(tokens)
    rollout.ended_with_eos = ended
    try:
        _, _, terminated, truncated, _ = await live.env.astep(response)
    except SandboxError:  # the environment has recorded the infrastructure failure
        live.done = True
        return
    live.env.episode.steps[-1].timings["model_s"] = model_s
    if terminated or truncated:
        live.done = True
        return
    messages = live.env.messages
    turn = max(i for i, m in enumerate(messages) if m.get("role") == "assistant")
    bridge = policy.codec.after_turn(messages, turn, ended_with_eos=ended)
    rollout.extend(policy.codec.encode(bridge), None)


def _stop_early(live: _Live, reason: str) -> None:
    """End an episode the environment still considers running (a token budget ran out)."""
    record = live.env.episode
    record.status = "truncated"
    record.termination = reason
    record.score = sum(step.reward for step in record.steps)
    record.success = False
    record.verdicts = [step.verdict for step in record.steps if step.verdict is not None]
    live.done = True


def _finish_record(live: _Live, policy: LocalPolicy, sampling: Sampling) -> None:
    record = live.rollout.episode
    record.sample = live.job.sample
    record.agent = {"name": policy.name, "type": "LocalPolicy", "model": policy.config()}
    record.model = {**policy.config(), "temperature": sampling.temperature}
    record.usage = {
        "prompt_tokens": float(sum((s.model or {}).get("prompt_tokens", 0) for s in record.steps)),
        "completion_tokens": float(live.rollout.generated),
        "cost_usd": 0.0,
        "model_s": sum(s.timings.get("model_s", 0.0) for s in record.steps),
    }


def spread_jobs(tasks: TaskSet, n: int, samples: int = 1) -> list[Job]:
    """``samples`` jobs for each of ``n`` tasks spread evenly over the set (all categories)."""
    from medagentgym.runs.validate import spread_indices

    return [Job(tasks[i].id, s) for i in spread_indices(len(tasks), n) for s in range(samples)]


def summarize(episodes: Sequence[Episode]) -> dict[str, Any]:
    """Success rate and friends over played episodes (infrastructure failures counted apart)."""
    fair = [e for e in episodes if e.status != "infra_error"]
    count = len(fair)
    return {
        "tasks": len({e.task_id for e in fair}),
        "episodes": count,
        "success_rate": sum(e.success for e in fair) / count if count else 0.0,
        "mean_score": sum(e.score for e in fair) / count if count else 0.0,
        "valid_action_rate": _valid_actions(fair),
        "infra_errors": len(episodes) - count,
        "by_family": {
            family: metrics["success_rate"] for family, metrics in grouped(fair, lambda e: e.family).items()
        },
    }


def _valid_actions(episodes: Sequence[Episode]) -> float:
    steps = [s for e in episodes for s in e.steps]
    return sum(not s.error for s in steps) / len(steps) if steps else 0.0
