"""What model calls cost: a small table of list prices, overridable per run.

Prices are US dollars per million tokens (input, output), as published by the provider for the
standard tier. They change; pass ``--price-input``/``--price-output`` to ``medagentgym eval`` (or
``Prices(...)`` in code) for anything not listed or out of date. Unknown models cost 0 and the
run records that the price was unknown.
"""

from __future__ import annotations

from dataclasses import dataclass

from medagentgym.models.base import Usage

LIST_PRICES: dict[str, tuple[float, float]] = {
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4o": (2.50, 10.00),
    "gpt-4o-mini": (0.15, 0.60),
    "o3": (2.00, 8.00),
    "o3-mini": (1.10, 4.40),
    "o4-mini": (1.10, 4.40),
    "codex-mini": (1.50, 6.00),
}
"""Model name (or dated-snapshot prefix) -> (input, output) USD per million tokens."""


@dataclass(frozen=True)
class Prices:
    """Per-million-token prices of one model; ``known`` is False when nothing was found."""

    input_per_m: float = 0.0
    output_per_m: float = 0.0
    known: bool = False

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (prompt_tokens * self.input_per_m + completion_tokens * self.output_per_m) / 1e6

    def usage(self, prompt_tokens: int, completion_tokens: int) -> Usage:
        return Usage(prompt_tokens, completion_tokens, self.cost(prompt_tokens, completion_tokens))


def lookup_prices(model: str, input_per_m: float | None = None, output_per_m: float | None = None) -> Prices:
    """Prices for ``model``: the overrides when given, else the longest matching table entry.

    A dated snapshot such as ``gpt-4.1-mini-2025-04-14`` matches ``gpt-4.1-mini``; a provider
    prefix such as ``openai/gpt-4o`` is ignored.
    """
    if input_per_m is not None or output_per_m is not None:
        return Prices(input_per_m or 0.0, output_per_m or 0.0, known=True)
    bare = model.rsplit("/", 1)[-1].lower()
    matches = [name for name in LIST_PRICES if bare == name or bare.startswith(f"{name}-")]
    if not matches:
        return Prices()
    best = max(matches, key=len)
    return Prices(*LIST_PRICES[best], known=True)
