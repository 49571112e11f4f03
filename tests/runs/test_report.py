"""Reports: files written, numbers right, untrusted model output escaped, and a real browser check."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medagentgym.agents.llm import LLMAgent
from medagentgym.cli import app
from medagentgym.models.scripted import ScriptedChatModel, answer_key_policy
from medagentgym.runs.report import load_runs, write_report
from medagentgym.runs.runner import EvalSettings, evaluate, select_tasks

EVIL = '</script><script>document.title="pwned"</script><img src=x onerror=alert(1)>'


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Two small runs of the demo family: a perfect agent and one that writes hostile text."""
    root = tmp_path_factory.mktemp("runs")
    settings = EvalSettings(model="test:perfect", families=("demo",), limit=4, samples=2, max_steps=2)
    tasks = select_tasks(settings.families, settings.split, settings.limit, settings.seed)
    evaluate(settings, LLMAgent(ScriptedChatModel(answer_key_policy(tasks))), root / "perfect")
    hostile = EvalSettings(**{**settings.__dict__, "model": "test:hostile"})
    evaluate(hostile, LLMAgent(ScriptedChatModel(lambda r: {"content": EVIL})), root / "hostile")
    return [root / "perfect", root / "hostile"]


def test_report_files_and_numbers(runs, tmp_path: Path):
    paths = write_report(load_runs(runs), tmp_path / "out" / "report.html")
    assert {p.name for p in paths.values()} == {
        "report.html",
        "report.json",
        "report-leaderboard.csv",
        "report-families.csv",
        "report-success.png",
        "report-passk.png",
    }
    assert all(p.stat().st_size > 0 for p in paths.values())
    assert paths["success_png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    board = list(csv.DictReader(paths["leaderboard_csv"].open()))
    assert [row["run"] for row in board] == ["test:perfect", "test:hostile"]
    assert float(board[0]["success_rate"]) == 1.0 and float(board[1]["success_rate"]) == 0.0
    assert float(board[0]["pass@2"]) == 1.0 and "pass^2" in board[0]
    data = json.loads(paths["json"].read_text())
    assert data["runs"][0]["by_family"]["demo"]["n"] == 8
    families = list(csv.DictReader(paths["families_csv"].open()))
    assert {row["category"] for row in families} >= {"*", "count", "mean"}


def test_html_is_self_contained_and_escapes_model_output(runs, tmp_path: Path):
    paths = write_report(load_runs(runs), tmp_path / "report.html")
    page = paths["html"].read_text()
    assert "<script>document.title" not in page and EVIL not in page
    assert not re.search(r"(src|href)=\"https?://", page)  # nothing fetched from the network
    assert page.count("data:image/png;base64,") == 2
    payload = page.split('<script type="application/json" id="data">')[1].split("</script>")[0]
    data = json.loads(payload)
    assert len(data["episodes"]) == 16 and data["runs"] == ["test:perfect", "test:hostile"]
    assert data["episodes"][-1]["steps"][0]["raw"] == EVIL  # intact once parsed


def test_report_command(runs, tmp_path: Path):
    result = CliRunner().invoke(app, ["report", *map(str, runs), "--out", str(tmp_path / "r.html"), "--json"])
    assert result.exit_code == 0, result.output
    board = json.loads(result.stdout)
    assert board[0]["run"] == "test:perfect"
    assert (tmp_path / "r.html").is_file() and (tmp_path / "r-success.png").is_file()


def test_report_out_must_be_html(runs, tmp_path: Path):
    from medagentgym.errors import ConfigError

    with pytest.raises(ConfigError, match=r"must end in \.html"):
        write_report(load_runs(runs), tmp_path / "report.txt")


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("chromium") is None, reason="needs Debian's chromium (apt-get install chromium)"
)
def test_report_renders_in_headless_chromium(runs, tmp_path: Path):
    """The viewer's JavaScript runs: the episode list and the first episode's steps are in the DOM."""
    page = write_report(load_runs(runs), tmp_path / "report.html")["html"]
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1400,2200",
    ]  # fmt: skip
    dom = subprocess.run(
        ["chromium", *flags, "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert dom.count('class="item') == 16  # one list entry per episode
    assert "16 of 16 episodes" in dom
    assert 'class="step"' in dom and "model output (raw)" in dom
    assert "pwned" not in dom.split("<title>")[1].split("</title>")[0]
    shot = tmp_path / "shot.png"
    subprocess.run(
        ["chromium", *flags, f"--screenshot={shot}", page.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    assert shot.stat().st_size > 50_000  # a rendered page, not a blank one
