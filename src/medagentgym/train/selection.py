"""Choosing which trajectories a dataset may use.

Every dataset builder goes through :class:`EpisodeFilter`, so the rules that keep bad data out
live in one place: infrastructure failures never become training data, and the user's filters
(family, split, score, length, duplicates) apply the same way to SFT, DPO and RL.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from medagentgym.trajectory import Episode


@dataclass(frozen=True)
class EpisodeFilter:
    """Which episodes a dataset may use. ``None`` means "no constraint"."""

    families: tuple[str, ...] | None = None
    splits: tuple[str, ...] | None = None
    min_score: float | None = None
    max_score: float | None = None
    max_steps: int | None = None
    max_chars: int | None = None
    include_truncated: bool = True
    dedup: bool = True

    def accepts(self, episode: Episode) -> bool:
        if episode.status == "infra_error":
            return False  # the agent never had a fair chance: neither a success nor a failure
        if not self.include_truncated and episode.status == "truncated":
            return False
        if self.families is not None and episode.family not in self.families:
            return False
        if self.splits is not None and episode.split not in self.splits:
            return False
        if self.min_score is not None and episode.score < self.min_score:
            return False
        if self.max_score is not None and episode.score > self.max_score:
            return False
        if self.max_steps is not None and episode.num_steps > self.max_steps:
            return False
        return self.max_chars is None or conversation_chars(episode) <= self.max_chars

    def apply(self, episodes: Iterable[Episode]) -> list[Episode]:
        kept = [e for e in episodes if self.accepts(e)]
        return deduplicate(kept) if self.dedup else kept


def conversation_chars(episode: Episode) -> int:
    return sum(
        len(str(m.get("content") or "")) + len(json.dumps(m.get("tool_calls") or ""))
        for m in episode.messages
    )


def fingerprint(episode: Episode) -> str:
    """Identical conversations on the same task share a fingerprint (re-runs, greedy resamples)."""
    payload = json.dumps([episode.task_id, episode.messages], sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def deduplicate(episodes: Iterable[Episode]) -> list[Episode]:
    seen: set[str] = set()
    kept = []
    for episode in episodes:
        key = fingerprint(episode)
        if key not in seen:
            seen.add(key)
            kept.append(episode)
    return kept


def by_task(episodes: Iterable[Episode]) -> dict[str, list[Episode]]:
    """Group episodes by task id, keeping their order."""
    groups: dict[str, list[Episode]] = {}
    for episode in episodes:
        groups.setdefault(episode.task_id, []).append(episode)
    return groups


def prompt_length(messages: Sequence[dict]) -> int:
    """Number of leading messages before the first assistant turn (the task's prompt)."""
    for index, message in enumerate(messages):
        if message.get("role") == "assistant":
            return index
    return len(messages)
