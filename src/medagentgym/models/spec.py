"""Model SPECs: the one string that names what to evaluate.

===================  ==========================================================================
``openai:<model>``   an OpenAI-compatible endpoint (``--base-url``; key from ``OPENAI_API_KEY``)
``hf:<path or id>``  a local transformers directory (any checkpoint), or a hub id (needs network)
``local:default``    the embedded SmolLM2-135M-Instruct (no network; converted once)
``agent:<name>``     a scripted baseline: ``oracle`` or ``trivial-<strategy>``
===================  ==========================================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from medagentgym.agents.base import Agent
from medagentgym.errors import ConfigError
from medagentgym.models.base import ChatModel
from medagentgym.models.retry import RetryPolicy

KINDS = ("openai", "hf", "local", "agent")
SPEC_HELP = "openai:<model>, hf:<path or hub id>, local:default or agent:<oracle|trivial-STRATEGY>"


@dataclass(frozen=True)
class BackendOptions:
    """How to reach or load the model; none of this changes what the model is asked."""

    base_url: str | None = None
    api_key: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    concurrency: int = 8
    timeout_s: float = 120.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    price_input: float | None = None
    price_output: float | None = None
    cache_dir: Path | None = None
    device: str = "auto"
    dtype: str = "auto"
    max_new_tokens: int = 512
    max_batch_size: int = 16
    threads: int | None = None


def parse_spec(spec: str) -> tuple[str, str]:
    """Split ``kind:value``; raise a one-line ConfigError for anything else."""
    kind, sep, value = spec.partition(":")
    if not sep or kind not in KINDS or not value.strip():
        raise ConfigError(f"bad model spec {spec!r}; use {SPEC_HELP}")
    if kind == "local" and value != "default":
        raise ConfigError(f"unknown local model {value!r}; the embedded model is local:default")
    return kind, value.strip()


def build_model(spec: str, options: BackendOptions | None = None) -> ChatModel:
    """The chat model a SPEC names (``agent:`` specs have none)."""
    options = options or BackendOptions()
    kind, value = parse_spec(spec)
    model: ChatModel
    if kind == "openai":
        from medagentgym.models.openai_compat import OpenAIChatModel
        from medagentgym.models.pricing import lookup_prices

        model = OpenAIChatModel(
            value,
            base_url=options.base_url,
            api_key=options.api_key,
            headers=options.headers,
            concurrency=options.concurrency,
            timeout_s=options.timeout_s,
            retry=options.retry,
            prices=lookup_prices(value, options.price_input, options.price_output),
        )
    elif kind in ("hf", "local"):
        _require_local_stack()
        local_options: dict[str, Any] = {
            "device": options.device,
            "dtype": options.dtype,
            "max_new_tokens": options.max_new_tokens,
            "max_batch_size": options.max_batch_size,
            "threads": options.threads,
        }
        if kind == "local":
            from medagentgym.models.embedded import load_embedded

            model = load_embedded(**local_options)
        else:
            from medagentgym.models.hf_local import HFChatModel

            model = HFChatModel.load(value, **local_options)
    else:
        raise ConfigError(f"{spec} is a scripted agent, not a model")
    if options.cache_dir is not None:
        from medagentgym.models.cache import CachedChatModel, ResponseCache

        model = CachedChatModel(model, ResponseCache(options.cache_dir))
    return model


def _require_local_stack() -> None:
    import importlib.util

    missing = [name for name in ("torch", "transformers") if importlib.util.find_spec(name) is None]
    if missing:
        raise ConfigError(f"local models need {' and '.join(missing)}: pip install 'medagentgym[local]'")


def build_agent(
    spec: str,
    options: BackendOptions | None = None,
    *,
    protocol: Literal["json", "tools"] = "json",
    temperature: float = 0.0,
    top_p: float | None = None,
    max_tokens: int | None = None,
    max_context_chars: int | None = None,
) -> Agent:
    """The agent a SPEC names: a scripted baseline, or an LLM agent around the model."""
    kind, value = parse_spec(spec)
    if kind == "agent":
        from medagentgym.agents.baselines import baseline_agent

        return baseline_agent(value)
    from medagentgym.agents.llm import LLMAgent

    return LLMAgent(
        build_model(spec, options),
        protocol=protocol,
        temperature=temperature,
        top_p=top_p,
        max_tokens=max_tokens,
        max_context_chars=max_context_chars,
    )
