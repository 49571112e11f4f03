"""The environment's execute_code and terminal actions run through this sandbox."""

from __future__ import annotations

import json

import medagentgym


def _act(action: str, **params: str) -> str:
    return json.dumps({"action": action, "params": params})


def test_execute_code_and_terminal_run_isolated_against_the_task_database(pool):
    env = medagentgym.make("demo", split="test", sandbox=pool)
    try:
        env.reset(seed=0)
        code = (
            "import os, sqlite3\n"
            "db = sqlite3.connect('file:/data/clinic.db?mode=ro', uri=True)\n"
            "tables = db.execute(\"select name from sqlite_master where type='table'\").fetchall()\n"
            "print(len(tables) > 0, os.getcwd(), os.getpid())"
        )
        observation = env.step(_act("execute_code", code=code))[0][0]["content"]
        assert "True /workdir 1" in observation
        observation = env.step(_act("terminal", command="id -u; ls /data"))[0][0]["content"]
        assert "clinic.db" in observation and "\n0\n" not in f"\n{observation}\n"
    finally:
        env.close()
