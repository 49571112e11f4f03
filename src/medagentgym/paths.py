"""Where MedAgentGym keeps generated worlds, caches and converted models."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

HOME_ENV = "MEDAGENTGYM_HOME"


def data_home() -> Path:
    """Return the data home: ``$MEDAGENTGYM_HOME`` or the user's cache directory.

    The directory is created on first use. Nothing here is ever mounted into a sandbox as a
    whole: tasks mount only the specific world files they need.
    """
    configured = os.environ.get(HOME_ENV)
    home = Path(configured).expanduser() if configured else Path(platformdirs.user_cache_dir("medagentgym"))
    home.mkdir(parents=True, exist_ok=True)
    return home


def subdir(*parts: str) -> Path:
    """Return (and create) a directory below the data home."""
    path = data_home().joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path
