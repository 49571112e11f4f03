"""Local Hugging Face transformers models, on CPU or GPU, for evaluation and training rollouts.

Every response carries the prompt's and the completion's token ids and the per-token logprobs,
so trajectories can be trained on without re-tokenising. Requests from concurrent episodes are
batched into one left-padded ``generate`` call (:mod:`medagentgym.models.batching`).

Details that matter:

* The chat template renders the prompt; when the template knows tools, the tool schemas go
  through it, otherwise they are described in the system message and calls are read from
  ``<tool_call>{"name": ..., "arguments": ...}</tool_call>`` blocks (the Hermes/Qwen format).
* Temperature 0 is greedy decoding. Generation stops at the end-of-turn token.
* ``logprobs`` are log-softmax of the model's logits for each sampled token, before temperature
  and top-p (the model's own probabilities, as vLLM reports them by default).
* torch and transformers are imported only when a model is loaded.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from medagentgym.errors import ConfigError, ModelError
from medagentgym.models.base import ChatModel, Message, ModelResponse, ToolCall, Usage
from medagentgym.models.batching import MicroBatcher

END_OF_TURN_TOKENS = ("<|im_end|>", "<|eot_id|>", "<|end|>", "<end_of_turn>", "<|endoftext|>")
_TOOL_CALL = re.compile(r"<tool_call>\s*(.*?)\s*</tool_call>", re.DOTALL)


@dataclass(frozen=True)
class _Sampling:
    temperature: float
    top_p: float
    max_new_tokens: int


@dataclass(frozen=True)
class _Request:
    prompt_ids: tuple[int, ...]
    sampling: _Sampling
    with_tools: bool


class HFChatModel(ChatModel):
    """A causal LM and its tokenizer, answering chat requests in batches.

    Build one with :meth:`load` (a local directory or a hub id) or pass already loaded objects.

    Args:
        model: A transformers causal LM (already on its device, in eval mode).
        tokenizer: Its tokenizer, with a chat template.
        name: The name recorded in trajectories.
        source: Where the model came from (recorded in ``config()``).
        max_new_tokens: Default completion length when a request gives no ``max_tokens``.
        batch_window_ms: How long a batch waits for more requests after the first.
        max_batch_size: The most sequences in one ``generate`` call.
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        name: str,
        source: str | None = None,
        max_new_tokens: int = 512,
        batch_window_ms: float = 5.0,
        max_batch_size: int = 16,
    ) -> None:
        if not getattr(tokenizer, "chat_template", None):
            raise ConfigError(f"{name} has no chat template; use an instruction-tuned (chat) model")
        if max_new_tokens < 1:
            raise ConfigError(f"max_new_tokens must be positive, got {max_new_tokens}")
        self.model = model
        self.tokenizer = tokenizer
        self.name = name
        self.source = source or name
        self.max_new_tokens = max_new_tokens
        self.template_has_tools = "tools" in tokenizer.chat_template
        self.stop_ids = _stop_ids(model, tokenizer)
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else self.stop_ids[0]
        self.context_window = int(getattr(model.config, "max_position_embeddings", 0) or 0) or None
        self.batcher: MicroBatcher[_Request, ModelResponse] = MicroBatcher(
            self._generate,
            key=lambda r: r.sampling,
            window_s=batch_window_ms / 1000.0,
            max_size=max_batch_size,
        )

    @classmethod
    def load(
        cls,
        source: str | Path,
        *,
        device: str = "auto",
        dtype: str = "auto",
        threads: int | None = None,
        name: str | None = None,
        **options: Any,
    ) -> HFChatModel:
        """Load a model directory (a checkpoint, a converted model) or a hub id.

        ``threads`` sets torch's CPU threads; None picks them from the cores other processes
        leave idle (see :func:`cpu_threads`).

        Raises:
            ConfigError: the directory is not a model, or the hub cannot be reached (offline).
        """
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        path = Path(source).expanduser()
        local = path.exists()
        if local and not (path / "config.json").is_file() and not (path / "adapter_config.json").is_file():
            raise ConfigError(f"{path} is not a transformers model directory (no config.json)")
        resolved_device = ("cuda" if torch.cuda.is_available() else "cpu") if device == "auto" else device
        if resolved_device == "cpu":
            torch.set_num_threads(threads or cpu_threads())
        torch_dtype = _dtype(torch, dtype, resolved_device)
        where = str(path) if local else str(source)
        cached_only = False if local else _check_hub(where)
        try:
            with quiet_transformers():
                tokenizer = AutoTokenizer.from_pretrained(where, local_files_only=cached_only)
                if local and (path / "adapter_config.json").is_file():
                    model = _load_adapter(where, torch_dtype)
                else:
                    model = AutoModelForCausalLM.from_pretrained(
                        where, dtype=torch_dtype, local_files_only=cached_only
                    )
        except (OSError, ValueError) as exc:
            if local:
                raise ConfigError(f"could not load the model in {path}: {_first_line(exc)}") from None
            raise ConfigError(
                f"could not load {source!r} from the Hugging Face hub ({_first_line(exc)}). Without network, "
                "give a local directory (hf:/path/to/model) or use the embedded model (local:default)"
            ) from None
        model.to(resolved_device).eval()
        return cls(
            model, tokenizer, name=name or (path.name if local else str(source)), source=where, **options
        )

    # ------------------------------------------------------------------ requests

    async def acomplete(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[dict[str, Any]] | None = None,
        **sampling: Any,
    ) -> ModelResponse:
        began = time.perf_counter()
        request = _Request(self.encode(messages, tools), self._sampling(sampling), bool(tools))
        response = await self.batcher.submit(request)
        return dataclasses.replace(response, latency_s=time.perf_counter() - began)

    def _sampling(self, sampling: dict[str, Any]) -> _Sampling:
        temperature = float(sampling.get("temperature") or 0.0)
        top_p = float(sampling.get("top_p") or 1.0)
        max_new = int(
            sampling.get("max_tokens") or sampling.get("max_completion_tokens") or self.max_new_tokens
        )
        if temperature < 0 or not 0 < top_p <= 1 or max_new < 1:
            raise ConfigError("temperature must be >= 0, top_p in (0, 1] and max_tokens positive")
        return _Sampling(temperature, top_p, max_new)

    def encode(
        self, messages: Sequence[Message], tools: Sequence[dict[str, Any]] | None = None
    ) -> tuple[int, ...]:
        """The prompt's token ids: the chat template applied, ready for the assistant's turn."""
        rendered = [self._render(m) for m in messages]
        if tools and not self.template_has_tools:
            rendered = _describe_tools_in_system(rendered, tools)
        ids = self.tokenizer.apply_chat_template(
            rendered,
            tools=list(tools) if tools and self.template_has_tools else None,
            add_generation_prompt=True,
            tokenize=True,
            return_dict=False,
        )
        return tuple(int(i) for i in ids)

    def _render(self, message: Message) -> Message:
        """Adapt a message to the template: no None content; tool turns as text if it lacks tools."""
        rendered: Message = {**message, "content": message.get("content") or ""}
        if self.template_has_tools:
            if rendered.get("tool_calls"):
                rendered["tool_calls"] = [_parsed_arguments(c) for c in rendered["tool_calls"]]
            return rendered
        calls = rendered.pop("tool_calls", None) or []
        if calls:
            blocks = [f"<tool_call>{json.dumps(_parsed_arguments(c)['function'])}</tool_call>" for c in calls]
            rendered["content"] = "\n".join(filter(None, [rendered["content"], *blocks]))
        if rendered["role"] == "tool":
            rendered = {"role": "user", "content": f"Tool result:\n{rendered['content']}"}
        return rendered

    # ------------------------------------------------------------------ generation (worker thread)

    def _generate(self, requests: list[_Request]) -> list[ModelResponse]:
        import torch
        from transformers import LogitsProcessorList

        sampling = requests[0].sampling
        device = self.model.device
        width = max(len(r.prompt_ids) for r in requests)
        ids = torch.full((len(requests), width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(requests), width), dtype=torch.long)
        for row, request in enumerate(requests):
            ids[row, width - len(request.prompt_ids) :] = torch.tensor(request.prompt_ids)
            mask[row, width - len(request.prompt_ids) :] = 1
        recorder = _LogprobRecorder()
        options: dict[str, Any] = {
            "max_new_tokens": sampling.max_new_tokens,
            "do_sample": sampling.temperature > 0,
            "pad_token_id": self.pad_id,
            "eos_token_id": list(self.stop_ids),
            "logits_processor": LogitsProcessorList([recorder]),
            "repetition_penalty": 1.0,
        }
        if sampling.temperature > 0:
            options.update(temperature=sampling.temperature, top_p=sampling.top_p, top_k=0)
        try:
            with torch.inference_mode():
                output = self.model.generate(
                    input_ids=ids.to(device), attention_mask=mask.to(device), **options
                )
        except (RuntimeError, ValueError) as exc:  # out of memory, device errors: not the agent's fault
            raise ModelError(f"{self.name}: generation failed: {_first_line(exc)}") from exc
        completions = output[:, width:].cpu()
        logprobs = recorder.result(completions)
        return [
            self._response(request, completions[row].tolist(), logprobs[row].tolist())
            for row, request in enumerate(requests)
        ]

    def _response(self, request: _Request, tokens: list[int], logprobs: list[float]) -> ModelResponse:
        stop = next((i for i, t in enumerate(tokens) if t in self.stop_ids), None)
        length = len(tokens) if stop is None else stop + 1
        tokens, logprobs = tokens[:length], logprobs[:length]
        text = self.tokenizer.decode(tokens[: stop if stop is not None else length], skip_special_tokens=True)
        content, calls = _split_tool_calls(text) if request.with_tools else (text, ())
        return ModelResponse(
            content=content,
            tool_calls=calls,
            finish_reason="length" if stop is None else ("tool_calls" if calls else "stop"),
            usage=Usage(len(request.prompt_ids), len(tokens)),
            prompt_token_ids=request.prompt_ids,
            completion_token_ids=tuple(tokens),
            logprobs=tuple(float(x) for x in logprobs),
        )

    def config(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "backend": "hf",
            "source": self.source,
            "dtype": str(getattr(self.model, "dtype", "")).removeprefix("torch."),
            "device": str(getattr(self.model, "device", "")),
            "max_new_tokens": self.max_new_tokens,
        }


class _LogprobRecorder:
    """A logits processor that keeps the logprob of each token the generator picks.

    At step t it sees the token chosen at step t-1 (the last input id) and the scores of step t;
    only one step's log-softmax is kept, so memory stays O(batch x vocabulary).
    """

    def __init__(self) -> None:
        self.picked: list[Any] = []
        self._last: Any = None

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        if self._last is not None:
            self.picked.append(self._last.gather(1, input_ids[:, -1:]).squeeze(1))
        self._last = scores.float().log_softmax(dim=-1)
        return scores

    def result(self, completions: Any) -> Any:
        """Per completion token logprobs, shape (batch, generated length)."""
        import torch

        steps = list(self.picked)
        if self._last is not None and completions.shape[1] > len(steps):
            steps.append(
                self._last.gather(
                    1, completions[:, len(steps) : len(steps) + 1].to(self._last.device)
                ).squeeze(1)
            )
        if not steps:
            return torch.zeros(completions.shape, dtype=torch.float32)
        return torch.stack(steps, dim=1).cpu()


@contextlib.contextmanager
def quiet_transformers() -> Iterator[None]:
    """Silence transformers' progress bars and info logs while loading (we print our own lines)."""
    from transformers.utils import logging as hf_logging

    verbosity, bars = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()


def cpu_threads() -> int:
    """Threads for CPU inference: the cores that other processes leave idle, at least one.

    torch's OpenMP threads spin while they wait for each other; when another process keeps a
    core busy, a thread on that core stalls every operation. On a shared 2-core machine one
    thread was 3-8x faster than two while other jobs ran (docs/evaluation.md).
    """
    cores = os.cpu_count() or 1
    busy = os.getloadavg()[0]
    return max(1, min(cores, round(cores - busy)))


def _stop_ids(model: Any, tokenizer: Any) -> tuple[int, ...]:
    ids: list[int] = []
    configured = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    for value in (tokenizer.eos_token_id, configured):
        ids += value if isinstance(value, list) else [value]
    vocab = tokenizer.get_vocab()
    ids += [vocab[t] for t in END_OF_TURN_TOKENS if t in vocab]
    unique = tuple(dict.fromkeys(i for i in ids if i is not None))
    if not unique:
        raise ConfigError("the tokenizer defines no end-of-sequence token")
    return unique


def _check_hub(repo: str) -> bool:
    """Before a hub load: True to use the local hub cache only (offline, but cached).

    Asking the hub once, with a short timeout, turns "no network" into one clear error within
    seconds instead of transformers' minute of download retries.
    """
    import huggingface_hub
    from huggingface_hub import constants
    from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError

    cached = isinstance(huggingface_hub.try_to_load_from_cache(repo, "config.json"), str)
    if constants.HF_HUB_OFFLINE:
        return True
    try:
        huggingface_hub.model_info(repo, timeout=10)
    except GatedRepoError:
        raise ConfigError(
            f"{repo} is gated on the Hugging Face hub: accept its terms and log in (hf auth login)"
        ) from None
    except RepositoryNotFoundError:
        raise ConfigError(f"there is no model {repo!r} on the Hugging Face hub (or it is private)") from None
    except Exception as exc:  # any network failure: DNS, refused, timeout, proxy
        if cached:
            return True
        raise ConfigError(
            f"cannot reach the Hugging Face hub to load {repo!r} ({_first_line(exc)}). Without network, give a "
            "local directory (hf:/path/to/model) or use the embedded model (local:default)"
        ) from None
    return False


def _dtype(torch: Any, dtype: str, device: str) -> Any:
    if dtype == "auto":
        return torch.bfloat16 if device.startswith("cuda") else torch.float32
    value = getattr(torch, dtype, None)
    if not isinstance(value, torch.dtype):
        raise ConfigError(f"unknown dtype {dtype!r}; use auto, float32, bfloat16 or float16")
    return value


def _load_adapter(where: str, torch_dtype: Any) -> Any:
    try:
        from peft import AutoPeftModelForCausalLM
    except ImportError:
        raise ConfigError(f"{where} holds a PEFT adapter; install peft to load it") from None
    return AutoPeftModelForCausalLM.from_pretrained(where, dtype=torch_dtype).merge_and_unload()


def _parsed_arguments(call: dict[str, Any]) -> dict[str, Any]:
    """A wire-form tool call with its JSON arguments parsed (what chat templates expect)."""
    function = dict(call.get("function", {}))
    with contextlib.suppress(json.JSONDecodeError, TypeError):  # else keep the text the model wrote
        function["arguments"] = json.loads(function.get("arguments") or "{}")
    return {**call, "function": function}


def _describe_tools_in_system(messages: list[Message], tools: Sequence[dict[str, Any]]) -> list[Message]:
    lines = [json.dumps(t.get("function", t), separators=(",", ":")) for t in tools]
    text = (
        'Tools (call one by replying <tool_call>{"name": <tool name>, "arguments": {...}}</tool_call>):\n'
        + "\n".join(lines)
    )
    if messages and messages[0]["role"] == "system":
        return [{**messages[0], "content": f"{messages[0]['content']}\n\n{text}"}, *messages[1:]]
    return [{"role": "system", "content": text}, *messages]


def _split_tool_calls(text: str) -> tuple[str | None, tuple[ToolCall, ...]]:
    """Read ``<tool_call>`` blocks out of generated text; unreadable blocks stay in the text."""
    calls = []
    for block in _TOOL_CALL.findall(text):
        try:
            data = json.loads(block, strict=False)
        except json.JSONDecodeError:
            return text, ()
        if not isinstance(data, dict) or "name" not in data:
            return text, ()
        arguments = data.get("arguments", data.get("parameters", {}))
        calls.append(
            ToolCall(str(data["name"]), arguments if isinstance(arguments, str) else json.dumps(arguments))
        )
    if not calls:
        return text, ()
    rest = _TOOL_CALL.sub("", text).strip()
    return rest or None, tuple(calls)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
