"""Run directories: ``episodes.jsonl`` (one Episode per line) and a ``run.json`` manifest.

This is the format ``medagentgym eval`` writes; the training side reads it (exports, verifier)
and writes it (rollouts, held-out evaluations), so everything it produces can be exported,
scored and reported like any evaluation run.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from medagentgym.errors import DataError
from medagentgym.trajectory import Episode, EpisodeWriter, read_episodes

EPISODES_FILE = "episodes.jsonl"
MANIFEST_FILE = "run.json"


def episodes_path(run_dir: Path) -> Path:
    path = run_dir / EPISODES_FILE if run_dir.is_dir() else run_dir
    if not path.is_file():
        raise DataError(f"{run_dir} is not a run directory (no {EPISODES_FILE})")
    return path


def load_runs(run_dirs: Sequence[Path | str]) -> list[Episode]:
    """Read the episodes of one or more run directories, in order."""
    if not run_dirs:
        raise DataError("give at least one run directory")
    episodes: list[Episode] = []
    for run_dir in map(Path, run_dirs):
        episodes.extend(read_episodes(episodes_path(run_dir)))
    return episodes


def write_run(
    run_dir: Path, episodes: Iterable[Episode], manifest: dict[str, Any], *, append: bool = False
) -> Path:
    """Write (or append) ``episodes`` to ``run_dir`` and (re)write its manifest."""
    run_dir.mkdir(parents=True, exist_ok=True)
    if not append:
        (run_dir / EPISODES_FILE).unlink(missing_ok=True)
    with EpisodeWriter(run_dir / EPISODES_FILE) as writer:
        for episode in episodes:
            writer.write(episode)
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    _atomic_text(
        run_dir / MANIFEST_FILE, json.dumps({**manifest, "updated_at": stamp}, indent=2, default=str)
    )
    return run_dir


def rewrite_episodes(run_dir: Path, episodes: Sequence[Episode]) -> None:
    """Replace a run's episodes atomically (used to add verifier scores)."""
    path = episodes_path(run_dir)
    text = "".join(json.dumps(e.to_dict(), ensure_ascii=False, default=str) + "\n" for e in episodes)
    _atomic_text(path, text)


def _atomic_text(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text if text.endswith("\n") or not text else text + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
