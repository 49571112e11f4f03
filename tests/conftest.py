"""Shared fixtures: every test run gets its own data home, so nothing touches the user's cache."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def _isolated_data_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Point MEDAGENTGYM_HOME at a session temp dir unless the caller chose one (CI caches worlds)."""
    if os.environ.get("MEDAGENTGYM_TEST_HOME"):
        home = Path(os.environ["MEDAGENTGYM_TEST_HOME"])
    else:
        home = tmp_path_factory.mktemp("medagentgym-home")
    home.chmod(0o755)
    os.environ["MEDAGENTGYM_HOME"] = str(home)
    return home
