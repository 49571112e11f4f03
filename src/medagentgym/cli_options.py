"""Command-line options shared by every sub-command (kept apart from ``cli`` to avoid import cycles)."""

from __future__ import annotations

from typing import Annotated

import typer

JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
"""``--json``: print the result as JSON on stdout (and nothing else there)."""
