"""Training datasets built from trajectories: SFT examples, DPO pairs and RL prompts.

* SFT: each successful trajectory becomes one multi-turn chat example. Every message is kept (the
  tool and code outputs are the context the model acts on) and ``train_mask`` marks the assistant
  turns, the only ones the loss sees.
* DPO, as the paper builds them: trajectory-level pairs (a success against a failure on the same
  task, sharing the task prompt) and step-level pairs (at the point where two trajectories first
  differ, or where a successful trajectory made an erroneous attempt, the code that worked against
  the code that failed, with the conversation up to that point as the shared prompt).
* RL: the task prompt and the environment settings that online training resets the environment with.

Rows are plain dicts in TRL's conversational formats (``messages``; ``prompt``/``chosen``/
``rejected``; ``prompt``) plus provenance columns, written as Parquet or JSONL that
``datasets.load_dataset`` reads directly.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from medagentgym.errors import ConfigError, DataError
from medagentgym.train.selection import EpisodeFilter, by_task, prompt_length
from medagentgym.trajectory import Episode, StepRecord

Row = dict[str, Any]
Format = Literal["parquet", "jsonl"]
PairKind = Literal["trajectory", "step"]

_FAILED_RUN_MARKERS = ("[exit code", "[timed out", "[killed by signal")
"""How ``env.prompts.format_execution`` reports a script that did not finish cleanly."""


# ---------------------------------------------------------------------------------------------- SFT


def sft_rows(episodes: Iterable[Episode], selection: EpisodeFilter) -> list[Row]:
    """One chat example per successful trajectory (or per trajectory scoring ``min_score`` or more)."""
    rows = []
    for episode in selection.apply(episodes):
        if selection.min_score is None and not episode.success:
            continue
        messages = _trim_tail(episode.messages)
        if not any(m.get("role") == "assistant" for m in messages):
            continue
        rows.append(
            {
                "messages": messages,
                "train_mask": [int(m.get("role") == "assistant") for m in messages],
                **_provenance(episode),
            }
        )
    return rows


# ---------------------------------------------------------------------------------------------- DPO


@dataclass(frozen=True)
class PairOptions:
    """Which preference pairs to build and how many per task."""

    kinds: tuple[PairKind, ...] = ("trajectory", "step")
    max_pairs_per_task: int = 4


def dpo_rows(episodes: Iterable[Episode], selection: EpisodeFilter, options: PairOptions) -> list[Row]:
    """Preference pairs from trajectories grouped by task (see the module docstring)."""
    unknown = set(options.kinds) - {"trajectory", "step"}
    if unknown or not options.kinds:
        raise ConfigError(f"pair kinds must be among trajectory, step; got {sorted(options.kinds)}")
    rows: list[Row] = []
    seen: set[str] = set()
    for group in by_task(selection.apply(episodes)).values():
        wins = [e for e in group if e.success]
        losses = [e for e in group if not e.success]
        candidates: list[Row] = []
        for index, loss in enumerate(losses if wins else []):
            win = wins[index % len(wins)]
            if "trajectory" in options.kinds:
                candidates += _trajectory_pair(win, loss)
            if "step" in options.kinds:
                candidates += _divergence_pair(win, loss)
        if "step" in options.kinds:
            for win in wins:
                candidates += _repair_pairs(win)
        kept = 0
        for row in candidates:
            key = json.dumps([row["prompt"], row["chosen"], row["rejected"]], sort_keys=True, default=str)
            if key in seen or kept >= options.max_pairs_per_task:
                continue
            seen.add(key)
            rows.append(row)
            kept += 1
    return rows


def _trajectory_pair(win: Episode, loss: Episode) -> list[Row]:
    start = prompt_length(win.messages)
    if win.messages[:start] != loss.messages[:start]:
        return []  # different prompts (other environment settings): not a fair comparison
    chosen, rejected = _trim_tail(win.messages[start:]), _trim_tail(loss.messages[start:])
    if not chosen or not rejected:
        return []
    return [_pair("trajectory", win.messages[:start], chosen, rejected, win=win, loss=loss)]


def _divergence_pair(win: Episode, loss: Episode) -> list[Row]:
    """At the first message where two trajectories differ, the winner's turn against the loser's."""
    point = next(
        (i for i, (a, b) in enumerate(zip(win.messages, loss.messages, strict=False)) if a != b),
        None,
    )
    if point is None:
        return []
    a, b = win.messages[point], loss.messages[point]
    if a.get("role") != "assistant" or b.get("role") != "assistant":
        return []  # the environment answered differently, not the agent
    return [_pair("step", win.messages[:point], [a], [b], win=win, loss=loss)]


def _repair_pairs(win: Episode) -> list[Row]:
    """Inside a success: the code that finally worked against each earlier attempt that failed."""
    turns = _assistant_indices(win.messages)
    steps = win.steps[: len(turns)]
    good = [k for k, s in enumerate(steps) if _runs_code(s) and not _failed(s)]
    if not good:
        return []
    final = good[-1]
    chosen = win.messages[turns[final]]
    return [
        _pair("step", win.messages[: turns[k]], [chosen], [win.messages[turns[k]]], win=win, loss=win)
        for k, step in enumerate(steps[:final])
        if _failed(step) and win.messages[turns[k]] != chosen
    ]


def _pair(
    kind: PairKind,
    prompt: list[dict[str, Any]],
    chosen: list[dict[str, Any]],
    rejected: list[dict[str, Any]],
    *,
    win: Episode,
    loss: Episode,
) -> Row:
    return {
        "prompt": prompt,
        "chosen": chosen,
        "rejected": rejected,
        "kind": kind,
        "task_id": win.task_id,
        "family": win.family,
        "category": win.category,
        "split": win.split,
        "chosen_episode": win.episode_id,
        "rejected_episode": loss.episode_id,
        "chosen_score": win.score,
        "rejected_score": loss.score,
    }


def _runs_code(step: StepRecord) -> bool:
    return any(name in ("execute_code", "terminal") for name in step.action_names)


def _failed(step: StepRecord) -> bool:
    """A malformed action or a script that crashed, timed out or was killed."""
    if step.error:
        return True
    text = step.observation_text
    return _runs_code(step) and any(marker in text for marker in _FAILED_RUN_MARKERS)


def _assistant_indices(messages: Sequence[dict[str, Any]]) -> list[int]:
    return [i for i, m in enumerate(messages) if m.get("role") == "assistant"]


# ----------------------------------------------------------------------------------------------- RL


def rl_rows_from_episodes(episodes: Iterable[Episode], selection: EpisodeFilter) -> list[Row]:
    """One prompt per task seen in the runs (the first episode's prompt and settings)."""
    rows = []
    for task_id, group in by_task(selection.apply(episodes)).items():
        first = group[0]
        rows.append(
            {
                "prompt": first.messages[: prompt_length(first.messages)],
                "task_id": task_id,
                "family": first.family,
                "category": first.category,
                "split": first.split,
                "env": json.dumps(first.env, sort_keys=True),
            }
        )
    return rows


def rl_rows_from_tasks(tasks: str, split: str, *, limit: int | None = None, **env_options: Any) -> list[Row]:
    """One prompt per task of a family split (or saved task set), straight from the environment."""
    from medagentgym.env.environment import make

    env = make(tasks, split=split, **env_options)
    try:
        count = len(env.tasks) if limit is None else min(limit, len(env.tasks))
        rows = []
        for index in range(count):
            messages, info = env.reset(options={"index": index})
            rows.append(
                {
                    "prompt": messages,
                    "task_id": info["task_id"],
                    "family": info["family"],
                    "category": info["category"],
                    "split": info["split"],
                    "env": json.dumps(env.options(), sort_keys=True),
                }
            )
        return rows
    finally:
        env.close()


# ------------------------------------------------------------------------------------------ writing


def write_rows(rows: Sequence[Row], out_dir: Path, *, fmt: Format = "parquet", meta: dict[str, Any]) -> Path:
    """Write ``rows`` as ``out_dir/train.{parquet,jsonl}`` with a ``meta.json`` beside it.

    The file name makes ``datasets.load_dataset(str(out_dir))`` find a ``train`` split.
    """
    if fmt not in ("parquet", "jsonl"):
        raise ConfigError(f"format must be parquet or jsonl, got {fmt!r}")
    if not rows:
        raise DataError("nothing to write: no trajectory passed the filters")
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob("train.*"):
        stale.unlink()
    path = out_dir / f"train.{fmt}"
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(list(rows)), path)
    else:
        with path.open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
    (out_dir / "meta.json").write_text(
        json.dumps({**meta, "rows": len(rows), "file": path.name}, indent=2) + "\n"
    )
    return path


def read_rows(data: Path) -> list[Row]:
    """Read a dataset written by :func:`write_rows` (a directory or the file itself)."""
    data = Path(data)
    if data.is_dir():
        files = sorted(data.glob("train.*"))
        if not files:
            raise DataError(f"{data} holds no exported dataset (train.parquet or train.jsonl)")
        data = files[0]
    if not data.is_file():
        raise DataError(f"no dataset at {data}")
    if data.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(data).to_pylist()
    if data.suffix == ".jsonl":
        with data.open(encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]
    raise DataError(f"{data}: expected a .parquet or .jsonl file")


# ---------------------------------------------------------------------------------------- helpers


def _trim_tail(messages: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop the messages after the last assistant turn (the final "Answer recorded." carries nothing)."""
    turns = _assistant_indices(messages)
    return list(messages[: turns[-1] + 1]) if turns else []


def _provenance(episode: Episode) -> Row:
    return {
        "task_id": episode.task_id,
        "family": episode.family,
        "category": episode.category,
        "split": episode.split,
        "episode_id": episode.episode_id,
        "score": episode.score,
        "num_steps": episode.num_steps,
    }
