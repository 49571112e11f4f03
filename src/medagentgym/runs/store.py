"""The results store of one evaluation run: a directory with ``run.json`` and ``episodes.jsonl``.

``episodes.jsonl`` receives every attempt as it ends (appended and fsync'd by
:class:`~medagentgym.trajectory.EpisodeWriter`), so kill -9 loses at most the episodes in flight.
``run.json`` records what was run (the settings that define the run, the model's configuration,
the package version) and each invocation's command line and start and end times, so that a run
can be reproduced and resumed. Rerunning on the same directory skips (task, sample) pairs that
already have a final outcome; changing a setting that defines the run is refused.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from medagentgym import __version__
from medagentgym.errors import ConfigError, DataError
from medagentgym.runs.metrics import final_episodes
from medagentgym.trajectory import Episode, EpisodeWriter, read_episodes

MANIFEST = "run.json"
EPISODES = "episodes.jsonl"


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class RunStore:
    """One run directory. ``identity`` is what must match for a rerun to resume it."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory).expanduser()
        if self.directory.exists() and not self.directory.is_dir():
            raise ConfigError(f"{self.directory} is a file, not a run directory")

    @property
    def manifest_path(self) -> Path:
        return self.directory / MANIFEST

    @property
    def episodes_path(self) -> Path:
        return self.directory / EPISODES

    def manifest(self) -> dict[str, Any]:
        """The run's manifest; raises DataError when the directory holds no run."""
        try:
            return json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DataError(f"{self.directory} is not a run directory (no {MANIFEST})") from None
        except json.JSONDecodeError as exc:
            raise DataError(f"{self.manifest_path} is damaged ({exc.msg})") from None

    def begin(self, identity: Mapping[str, Any], details: Mapping[str, Any]) -> int:
        """Create or resume the run; returns the index of this invocation in the manifest.

        Raises:
            ConfigError: the directory holds a run with a different identity, or cannot be written.
        """
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"cannot create the run directory {self.directory}: {exc.strerror}") from None
        if not os.access(self.directory, os.W_OK):
            raise ConfigError(f"the run directory {self.directory} is not writable")
        if self.manifest_path.exists():
            manifest = self.manifest()
            _check_identity(self.directory, manifest.get("identity", {}), identity)
        else:
            manifest = {"identity": dict(identity), "created_at": now(), "invocations": []}
        manifest.update({k: v for k, v in details.items() if k != "invocation"})
        manifest["invocations"].append(
            {**details.get("invocation", {}), "version": __version__, "started_at": now(), "ended_at": None}
        )
        self._write_manifest(manifest)
        return len(manifest["invocations"]) - 1

    def end(self, invocation: int, results: Mapping[str, Any]) -> None:
        """Record the end time and results of an invocation."""
        manifest = self.manifest()
        manifest["invocations"][invocation].update({"ended_at": now(), **results})
        self._write_manifest(manifest)

    def writer(self) -> EpisodeWriter:
        return EpisodeWriter(self.episodes_path)

    def episodes(self) -> list[Episode]:
        """Every stored attempt, in the order written."""
        return list(read_episodes(self.episodes_path))

    def final(self) -> dict[tuple[str, int], Episode]:
        """The final outcome of each (task_id, sample) pair stored so far."""
        return {(e.task_id, e.sample): e for e in final_episodes(self.episodes())}

    def _write_manifest(self, manifest: Mapping[str, Any]) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=f".{MANIFEST}.")
        try:
            os.fchmod(fd, 0o644)  # mkstemp makes it private; a manifest is for everyone to read
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(manifest, handle, indent=2, default=str)
                handle.write("\n")
                handle.flush()
                os.fsync(handle.fileno())
            Path(tmp).replace(self.manifest_path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _check_identity(directory: Path, stored: Mapping[str, Any], wanted: Mapping[str, Any]) -> None:
    changed = [k for k in sorted(set(stored) | set(wanted)) if stored.get(k) != wanted.get(k)]
    if changed:
        what = "; ".join(f"{k}: {stored.get(k)!r} there, {wanted.get(k)!r} now" for k in changed)
        raise ConfigError(f"{directory} holds a run with other settings ({what}); use another --out")
