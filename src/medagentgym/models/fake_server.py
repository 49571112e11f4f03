"""A small OpenAI-compatible chat server that runs in-process, with fault injection.

It answers ``POST /v1/chat/completions`` (and ``GET /v1/models``) with whatever a *policy*
returns for the request, and can fail a chosen fraction of requests the ways real servers do:
500, 429 with Retry-After, a stall longer than the client's timeout, or a broken body. Tests and
``benchmarks/flaky_server.py`` use it to prove that an evaluation survives a flaky API, and it
lets anyone try the OpenAI backend without a key::

    with FakeOpenAIServer(policy=lambda request: {"content": "hi"}) as server:
        model = OpenAIChatModel("fake", base_url=server.base_url, api_key="none")
"""

from __future__ import annotations

import contextlib
import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from medagentgym.models.scripted import Policy, echo_policy

FAULT_KINDS = ("500", "429", "timeout", "garbage")


@dataclass(frozen=True)
class Faults:
    """Which requests fail and how.

    ``script`` lists the outcome of the first requests in order (``"ok"`` or a fault kind);
    after it, each request fails with probability ``rate``, with a kind drawn from ``kinds``.
    Besides the transient kinds of :data:`FAULT_KINDS`, ``"400"`` answers a permanent client
    error (as for a prompt over the context length).
    """

    rate: float = 0.0
    kinds: tuple[str, ...] = FAULT_KINDS
    script: tuple[str, ...] = ()
    retry_after_s: float = 0.05
    stall_s: float = 3.0
    seed: int = 0


class FakeOpenAIServer:
    """A threaded HTTP server on 127.0.0.1; use as a context manager or call start/stop."""

    def __init__(
        self, policy: Policy = echo_policy, faults: Faults | None = None, model: str = "fake"
    ) -> None:
        self.policy = policy
        self.faults = faults or Faults()
        self.model = model
        self.counts: Counter[str] = Counter()
        self.requests: list[dict[str, Any]] = []
        self._rng = random.Random(self.faults.seed)
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the server is not running")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> str:
        handler = type("Handler", (_Handler,), {"server_state": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> FakeOpenAIServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def next_outcome(self) -> str:
        with self._lock:
            served = sum(self.counts.values())
            if served < len(self.faults.script):
                outcome = self.faults.script[served]
            elif self._rng.random() < self.faults.rate:
                outcome = self._rng.choice(self.faults.kinds)
            else:
                outcome = "ok"
            self.counts[outcome] += 1
            return outcome

    def completion(self, request: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.requests.append(request)
        message = {"role": "assistant", "content": None, **self.policy(request)}
        prompt_chars = sum(len(str(m.get("content") or "")) for m in request.get("messages", []))
        completion_chars = len(message.get("content") or "") + len(
            json.dumps(message.get("tool_calls") or "")
        )
        return {
            "id": f"chatcmpl-{time.monotonic_ns()}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": request.get("model", self.model),
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "finish_reason": "tool_calls" if message.get("tool_calls") else "stop",
                }
            ],
            "usage": {
                "prompt_tokens": prompt_chars // 4 + 1,
                "completion_tokens": completion_chars // 4 + 1,
                "total_tokens": (prompt_chars + completion_chars) // 4 + 2,
            },
        }


class _Handler(BaseHTTPRequestHandler):
    server_state: FakeOpenAIServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        del format, args  # quiet: tests and benchmarks read the counters instead

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up
            self.wfile.write(body)

    def _json(self, status: int, data: object, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(data).encode(), headers)

    def do_GET(self) -> None:
        if self.path.rstrip("/").endswith("/models"):
            model = self.server_state.model
            self._json(
                200, {"object": "list", "data": [{"id": model, "object": "model", "owned_by": "fake"}]}
            )
        else:
            self._json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
            return
        try:
            request = json.loads(raw)
        except json.JSONDecodeError:
            self._json(400, {"error": {"message": "the body is not JSON", "type": "invalid_request_error"}})
            return
        state = self.server_state
        outcome = state.next_outcome()
        faults = state.faults
        if outcome == "400":
            self._json(
                400,
                {"error": {"message": "injected: context length exceeded", "type": "invalid_request_error"}},
            )
        elif outcome == "500":
            self._json(500, {"error": {"message": "injected server error", "type": "server_error"}})
        elif outcome == "429":
            retry_ms = int(faults.retry_after_s * 1000)
            headers = {
                "Retry-After": str(max(1, round(faults.retry_after_s))),
                "retry-after-ms": str(retry_ms),
            }
            self._json(429, {"error": {"message": "injected rate limit", "type": "rate_limit"}}, headers)
        elif outcome == "timeout":
            time.sleep(faults.stall_s)
            self._json(200, state.completion(request))
        elif outcome == "garbage":
            self._send(200, b'{"id": "broken", "choices": [{"message": ')
        else:
            try:
                body = state.completion(request)
            except Exception as exc:  # a broken policy is a server error, not a hung client
                self._json(500, {"error": {"message": f"policy failed: {exc!r}", "type": "server_error"}})
                return
            self._json(200, body)
