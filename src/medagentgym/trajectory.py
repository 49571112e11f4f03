"""The trajectory schema: one record per episode, carrying everything evaluation and training need.

An :class:`Episode` holds the task's identity, the agent and model configuration, every step (the
raw model output exactly as produced, the parsed actions, the observations, rewards, timings and
errors, and token ids / logprobs / loss masks when the backend provides them), the full chat
transcript and the final verdict.

Storage: JSONL, append-only with one fsync per episode, so a crash loses at most the episodes in
flight and a truncated last line (kill -9 mid-write) is skipped on reading; and Parquet for
analysis, with nested parts stored as JSON text columns so the schema never drifts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import threading
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from medagentgym.errors import DataError

SCHEMA_VERSION = 1

Status = Literal["completed", "truncated", "infra_error"]


@dataclass
class StepRecord:
    """One model turn and what the environment did with it."""

    index: int
    style: str
    raw: str
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    observations: list[dict[str, Any]] = field(default_factory=list)
    reward: float = 0.0
    verdict: dict[str, Any] | None = None
    error: str | None = None
    timings: dict[str, float] = field(default_factory=dict)
    model: dict[str, Any] | None = None

    @property
    def observation_text(self) -> str:
        return "\n".join(str(m.get("content") or "") for m in self.observations)

    @property
    def action_names(self) -> list[str]:
        return [a["name"] for a in self.actions if a.get("name")]


@dataclass
class Episode:
    """The full record of one episode."""

    task_id: str
    family: str
    category: str
    split: str
    episode_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    sample: int = 0
    agent: dict[str, Any] = field(default_factory=dict)
    model: dict[str, Any] = field(default_factory=dict)
    env: dict[str, Any] = field(default_factory=dict)
    messages: list[dict[str, Any]] = field(default_factory=list)
    steps: list[StepRecord] = field(default_factory=list)
    verdicts: list[dict[str, Any] | None] = field(default_factory=list)
    score: float = 0.0
    success: bool = False
    status: Status = "completed"
    termination: str = ""
    error: str | None = None
    started_at: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    duration_s: float = 0.0
    usage: dict[str, float] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION

    @property
    def num_steps(self) -> int:
        return len(self.steps)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Episode:
        version = data.get("schema_version", SCHEMA_VERSION)
        if version > SCHEMA_VERSION:
            raise DataError(f"episode schema version {version} is newer than this package ({SCHEMA_VERSION})")
        data = dict(data)
        data["steps"] = [StepRecord(**s) for s in data.get("steps", [])]
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


class EpisodeWriter:
    """Append episodes to a JSONL file, one fsync'd line each; safe to share between threads."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._repair_tail()
        self._handle = self.path.open("a", encoding="utf-8")
        self._lock = threading.Lock()

    def _repair_tail(self) -> None:
        """Cut a partial last line left by a killed writer so appends start on a clean line."""
        if not self.path.exists() or self.path.stat().st_size == 0:
            return
        with self.path.open("rb+") as handle:
            data = handle.read()
            if data.endswith(b"\n"):
                return
            cut = data.rfind(b"\n") + 1
            handle.truncate(cut)

    def write(self, episode: Episode) -> None:
        line = json.dumps(episode.to_dict(), ensure_ascii=False, default=str) + "\n"
        with self._lock:
            self._handle.write(line)
            self._handle.flush()
            os.fsync(self._handle.fileno())

    def close(self) -> None:
        with self._lock:
            self._handle.close()

    def __enter__(self) -> EpisodeWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_episodes(path: Path) -> Iterator[Episode]:
    """Yield the episodes of a JSONL file, skipping a truncated last line."""
    path = Path(path)
    if not path.exists():
        return
    with path.open(encoding="utf-8") as handle:
        lines = handle.readlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            if number == len(lines) and not line.endswith("\n"):
                return  # the writer was killed mid-line; everything before it is intact
            raise DataError(f"{path}:{number}: corrupt episode record ({exc.msg})") from None
        yield Episode.from_dict(data)


_JSON_COLUMNS = ("agent", "model", "env", "messages", "steps", "verdicts", "usage", "extra")


def write_parquet(episodes: Iterable[Episode], path: Path) -> Path:
    """Write episodes to Parquet: scalar fields as columns, nested fields as JSON text."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = []
    for episode in episodes:
        row = episode.to_dict()
        for name in _JSON_COLUMNS:
            row[name] = json.dumps(row[name], ensure_ascii=False, default=str)
        row["num_steps"] = episode.num_steps
        rows.append(row)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), path)
    return path


def read_parquet(path: Path) -> list[Episode]:
    """Read episodes written by :func:`write_parquet`."""
    import pyarrow.parquet as pq

    episodes = []
    for row in pq.read_table(path).to_pylist():
        row.pop("num_steps", None)
        for name in _JSON_COLUMNS:
            row[name] = json.loads(row[name])
        episodes.append(Episode.from_dict(row))
    return episodes
