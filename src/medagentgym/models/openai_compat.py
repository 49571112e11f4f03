"""Any OpenAI-compatible chat endpoint (OpenAI, Azure's v1 API, vLLM, SGLang, llama.cpp, Ollama).

The ``openai`` client does the HTTP; this module adds what an evaluation needs around it: a
concurrency limit, our own retries (exponential backoff with jitter, honouring Retry-After) on
429, 5xx, timeouts and broken responses, a request timeout, and token usage with cost. The
client's built-in retries are switched off so that every wait is ours and visible.

Configuration comes from arguments or the environment: ``OPENAI_API_KEY``, ``OPENAI_BASE_URL``
and ``MEDAGENTGYM_OPENAI_HEADERS`` (a JSON object of extra HTTP headers).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

from medagentgym.errors import ConfigError, ModelError
from medagentgym.models.base import ChatModel, Message, ModelResponse, ToolCall, new_call_id
from medagentgym.models.pricing import Prices, lookup_prices
from medagentgym.models.retry import RetryPolicy, TransientError, parse_retry_after, with_retries

HEADERS_ENV = "MEDAGENTGYM_OPENAI_HEADERS"
RETRYABLE_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504, 520, 522, 524, 529})
_SAMPLING_ARGS = frozenset({"temperature", "top_p", "max_tokens", "max_completion_tokens", "seed", "stop"})


def env_headers() -> dict[str, str]:
    """Extra HTTP headers from ``$MEDAGENTGYM_OPENAI_HEADERS`` (a JSON object)."""
    text = os.environ.get(HEADERS_ENV)
    if not text:
        return {}
    try:
        headers = json.loads(text)
    except json.JSONDecodeError:
        headers = None
    if not isinstance(headers, dict):
        raise ConfigError(f'{HEADERS_ENV} must be a JSON object such as {{"X-Team": "ml"}}')
    return {str(k): str(v) for k, v in headers.items()}


class OpenAIChatModel(ChatModel):
    """A chat model served over the OpenAI chat-completions API.

    Args:
        model: The model name the server expects.
        base_url: The API root (``.../v1``); ``$OPENAI_BASE_URL`` or OpenAI's when None.
        api_key: The key; ``$OPENAI_API_KEY`` when None. Servers with their own base URL may need
            none.
        headers: Extra HTTP headers (merged over ``$MEDAGENTGYM_OPENAI_HEADERS``).
        concurrency: Requests in flight at once (per event loop).
        timeout_s: Seconds before a request is abandoned (and retried).
        retry: When and how long to retry transient failures.
        prices: Per-million-token prices; looked up by model name when None.
    """

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        headers: Mapping[str, str] | None = None,
        concurrency: int = 8,
        timeout_s: float = 120.0,
        retry: RetryPolicy | None = None,
        prices: Prices | None = None,
    ) -> None:
        if not model:
            raise ConfigError("the OpenAI backend needs a model name, as in openai:gpt-4.1-mini")
        if concurrency < 1 or timeout_s <= 0:
            raise ConfigError("concurrency must be at least 1 and the timeout positive")
        self.model = model
        self.name = model
        self.base_url = base_url or os.environ.get("OPENAI_BASE_URL") or None
        key = api_key or os.environ.get("OPENAI_API_KEY")
        if not key and self.base_url is None:
            raise ConfigError(
                "OPENAI_API_KEY is not set: export it, or give --base-url for a server without keys"
            )
        self._api_key = key or "no-key"
        self.headers = {**env_headers(), **dict(headers or {})}
        self.concurrency = concurrency
        self.timeout_s = timeout_s
        self.retry = retry or RetryPolicy()
        self.prices = prices or lookup_prices(model)
        self._per_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, tuple[Any, asyncio.Semaphore]]
        self._per_loop = weakref.WeakKeyDictionary()

    @property
    def where(self) -> str:
        return self.base_url or "api.openai.com"

    def _client(self) -> tuple[Any, asyncio.Semaphore]:
        """The client and concurrency gate of the running event loop (both are loop-bound)."""
        loop = asyncio.get_running_loop()
        if loop not in self._per_loop:
            import openai

            client = openai.AsyncOpenAI(
                api_key=self._api_key,
                base_url=self.base_url,
                default_headers=self.headers or None,
                timeout=self.timeout_s,
                max_retries=0,
            )
            self._per_loop[loop] = (client, asyncio.Semaphore(self.concurrency))
        return self._per_loop[loop]

    async def acomplete(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[dict[str, Any]] | None = None,
        **sampling: Any,
    ) -> ModelResponse:
        params: dict[str, Any] = {"model": self.model, "messages": list(messages)}
        params.update({k: v for k, v in sampling.items() if k in _SAMPLING_ARGS and v is not None})
        extra = {k: v for k, v in sampling.items() if k not in _SAMPLING_ARGS and v is not None}
        if extra:
            params["extra_body"] = extra
        if tools:
            params["tools"] = list(tools)
        client, gate = self._client()

        async def attempt() -> ModelResponse:
            async with gate:
                began = time.perf_counter()
                completion = await self._create(client, params)
                return self._response(completion, time.perf_counter() - began)

        return await with_retries(attempt, self.retry, what=f"model {self.model} at {self.where}")

    async def _create(self, client: Any, params: dict[str, Any]) -> Any:
        """One request; transient failures become :class:`TransientError`, the rest ModelError."""
        import openai

        try:
            return await client.chat.completions.create(**params)
        except openai.APIStatusError as exc:
            detail = f"HTTP {exc.status_code}: {_error_message(exc)}"
            if exc.status_code in RETRYABLE_STATUS:
                raise TransientError(detail, parse_retry_after(exc.response.headers)) from exc
            raise ModelError(f"model {self.model} at {self.where} refused the request ({detail})") from exc
        except openai.APITimeoutError as exc:
            raise TransientError(f"no answer within {self.timeout_s:g} s") from exc
        except openai.APIConnectionError as exc:
            raise TransientError(f"connection failed ({_root_cause(exc)})") from exc
        except (ValueError, openai.APIResponseValidationError) as exc:
            raise TransientError(f"broken response ({type(exc).__name__}: {exc})") from exc

    def _response(self, completion: Any, latency_s: float) -> ModelResponse:
        choices = getattr(completion, "choices", None)
        if not choices or getattr(choices[0], "message", None) is None:
            raise TransientError("broken response (no choices)")
        choice = choices[0]
        message = choice.message
        calls = tuple(
            ToolCall(
                name=call.function.name or "",
                arguments=call.function.arguments or "",
                id=call.id or new_call_id(),
            )
            for call in (message.tool_calls or ())
            if getattr(call, "function", None) is not None
        )
        usage = getattr(completion, "usage", None)
        prompt_tokens = int(getattr(usage, "prompt_tokens", 0) or 0)
        completion_tokens = int(getattr(usage, "completion_tokens", 0) or 0)
        return ModelResponse(
            content=message.content,
            tool_calls=calls,
            finish_reason=choice.finish_reason,
            usage=self.prices.usage(prompt_tokens, completion_tokens),
            latency_s=latency_s,
        )

    def complete(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[dict[str, Any]] | None = None,
        **sampling: Any,
    ) -> ModelResponse:
        """Blocking form; the HTTP client is closed before its event loop ends."""

        async def once() -> ModelResponse:
            try:
                return await self.acomplete(messages, tools=tools, **sampling)
            finally:
                await self.aclose()

        return asyncio.run(once())

    async def aclose(self) -> None:
        """Close the running loop's HTTP client (call before the loop ends)."""
        state = self._per_loop.pop(asyncio.get_running_loop(), None)
        if state is not None:
            await state[0].close()

    async def aprobe(self) -> None:
        """Check the server answers and accepts the key (``GET /models``); one-line errors if not."""
        import openai

        client, _ = self._client()
        try:
            await client.models.list(timeout=min(self.timeout_s, 15.0))
        except openai.AuthenticationError as exc:
            raise ConfigError(f"{self.where} rejected the API key ({_error_message(exc)})") from None
        except openai.APIStatusError:
            return  # reachable; some servers do not list models
        except openai.APIConnectionError as exc:
            raise ModelError(f"cannot reach {self.where}: {_root_cause(exc)}") from None

    def config(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "backend": "openai",
            "model": self.model,
            "base_url": self.base_url,
            "prices_per_m": [self.prices.input_per_m, self.prices.output_per_m]
            if self.prices.known
            else None,
        }


def _error_message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
    return str(getattr(exc, "message", exc))


def _root_cause(exc: BaseException) -> str:
    while exc.__cause__ is not None:
        exc = exc.__cause__
    return str(exc) or type(exc).__name__
