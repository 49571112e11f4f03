"""The command line: contracts other tools rely on, and clean errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from typer.testing import CliRunner

from medagentgym.cli import app

runner = CliRunner()


def test_tasks_list_json_contract():
    result = runner.invoke(app, ["tasks", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert rows and all(set(r) == {"family", "category", "split", "count"} for r in rows)
    demo = {(r["split"], r["category"]): r["count"] for r in rows if r["family"] == "demo"}
    assert demo[("test", "count")] == 25


def test_tasks_list_table_and_show():
    assert "demo" in runner.invoke(app, ["tasks", "list"]).stdout
    shown = runner.invoke(app, ["tasks", "show", "demo/test/s0/0", "--json"])
    assert shown.exit_code == 0
    assert json.loads(shown.stdout)["info"]["task_id"] == "demo/test/s0/0"


def test_user_errors_are_one_line_without_traceback():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-m", "medagentgym", "tasks", "show", "nope/test/s0/1"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 2
    assert "unknown task family 'nope'" in done.stderr
    assert "Traceback" not in done.stderr
