"""``medagentgym data build``: JSON output, the table, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from medagentgym.worlds.cli import app

runner = CliRunner()


def test_build_json(data_home: Path) -> None:
    result = runner.invoke(app, ["build", "--world", "treqs", "--patients", "40", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    [world] = payload["worlds"]
    assert world["name"] == "treqs"
    assert Path(world["path"]).is_dir()
    assert set(world["tables"]) == {"DEMOGRAPHIC", "DIAGNOSES", "PROCEDURES", "PRESCRIPTIONS", "LAB"}
    assert world["tables"]["DEMOGRAPHIC"] > 0 and world["seconds"] > 0


def test_build_table(data_home: Path) -> None:
    result = runner.invoke(app, ["build", "--world", "treqs", "--patients", "40"])
    assert result.exit_code == 0
    assert "treqs" in result.stdout and "MIMICSQL" in result.stdout


def test_bad_input_is_one_line(data_home: Path) -> None:
    for args, message in (
        (["build", "--world", "mimic_iv"], "unknown world 'mimic_iv'"),
        (["build", "--world", "treqs", "--patients", "3"], "between"),
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 2
        assert result.stderr.strip().count("\n") == 0 and message in result.stderr
        assert "Traceback" not in result.output
