"""Running oracle programs on the host (one Python process for many programs)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Sequence

import pytest

RUNNER = """
import contextlib, io, json, sys
for line in sys.stdin:
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(json.loads(line), "<oracle>", "exec"), {"__name__": "__main__"})
        print(json.dumps({"stdout": out.getvalue()}))
    except Exception as exc:
        print(json.dumps({"error": repr(exc)}))
"""


@pytest.fixture(scope="session")
def run_programs() -> Callable[[Sequence[str]], list[dict[str, str]]]:
    """Run each program in a fresh namespace of one host Python; returns stdout or error per program."""

    def run(programs: Sequence[str]) -> list[dict[str, str]]:
        stdin = "".join(json.dumps(p) + "\n" for p in programs)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        done = subprocess.run(
            [sys.executable, "-c", RUNNER], input=stdin, capture_output=True, text=True, env=env, check=True
        )
        return [json.loads(line) for line in done.stdout.splitlines()]

    return run
