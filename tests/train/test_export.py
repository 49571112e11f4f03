"""SFT, DPO and RL datasets from real demo trajectories: masks, pairs, filters and edge cases."""

from __future__ import annotations

import copy
import json

import pytest
from typer.testing import CliRunner

from medagentgym.cli import app
from medagentgym.errors import DataError
from medagentgym.train.export import (
    PairOptions,
    dpo_rows,
    read_rows,
    rl_rows_from_episodes,
    rl_rows_from_tasks,
    sft_rows,
    write_rows,
)
from medagentgym.train.rundirs import load_runs
from medagentgym.train.selection import EpisodeFilter
from medagentgym.trajectory import Episode, StepRecord

runner = CliRunner()


@pytest.fixture(scope="module")
def episodes(demo_run):
    return load_runs([demo_run])


def test_sft_keeps_successes_with_assistant_only_masks(episodes):
    rows = sft_rows(episodes, EpisodeFilter())
    successes = [e for e in episodes if e.success]
    assert len(rows) == len(successes) == 16
    for row in rows:
        roles = [m["role"] for m in row["messages"]]
        assert row["train_mask"] == [int(r == "assistant") for r in roles]
        assert roles[-1] == "assistant"  # the trailing "Answer recorded." is dropped
        assert roles[:2] == ["system", "user"]
    malformed = next(r for r in rows if r["num_steps"] == 3)
    assert malformed["messages"][2]["content"] == "not an action"  # kept, but filtered by a steps cap:
    capped = sft_rows(episodes, EpisodeFilter(max_steps=2))
    assert len(capped) == 8 and all(r["num_steps"] == 2 for r in capped)


def test_infra_errors_truncation_and_duplicates(episodes):
    broken = copy.deepcopy(next(e for e in episodes if e.success))
    broken.status = "infra_error"
    rows = sft_rows([*episodes, *episodes, broken], EpisodeFilter())
    assert len(rows) == 16  # duplicates collapse, the infrastructure failure never counts
    assert len(sft_rows([*episodes, *episodes], EpisodeFilter(dedup=False))) == 32
    truncated = [e for e in episodes if e.status == "truncated"]
    assert truncated and not rl_rows_from_episodes(truncated, EpisodeFilter(include_truncated=False))


def test_family_split_and_score_filters(episodes):
    assert not sft_rows(episodes, EpisodeFilter(families=("medcalc",)))
    assert not sft_rows(episodes, EpisodeFilter(splits=("test",)))
    assert len(sft_rows(episodes, EpisodeFilter(min_score=0.0))) == len(episodes)  # every finished episode


def test_no_successes_means_no_sft_data(episodes, tmp_path):
    failures = [e for e in episodes if not e.success]
    assert sft_rows(failures, EpisodeFilter()) == []
    with pytest.raises(DataError, match="nothing to write"):
        write_rows([], tmp_path, meta={})
    assert dpo_rows(failures, EpisodeFilter(), PairOptions()) == []


def test_trajectory_pairs_share_the_prompt_and_contrast_outcomes(episodes):
    rows = dpo_rows(episodes, EpisodeFilter(), PairOptions(kinds=("trajectory",), max_pairs_per_task=10))
    assert rows and all(r["kind"] == "trajectory" for r in rows)
    by_id = {e.episode_id: e for e in episodes}
    for row in rows:
        win, loss = by_id[row["chosen_episode"]], by_id[row["rejected_episode"]]
        assert win.success and not loss.success and win.task_id == loss.task_id == row["task_id"]
        assert [m["role"] for m in row["prompt"]] == ["system", "user"]
        assert row["prompt"] == win.messages[:2] == loss.messages[:2]
        assert row["chosen"][0]["role"] == row["rejected"][0]["role"] == "assistant"
        assert row["chosen"][-1]["role"] == row["rejected"][-1]["role"] == "assistant"


def test_step_pairs_at_the_first_divergence(episodes):
    rows = dpo_rows(episodes, EpisodeFilter(), PairOptions(kinds=("step",), max_pairs_per_task=10))
    submit = [r for r in rows if len(r["prompt"]) == 4]  # system, user, schema request, its answer
    assert submit
    for row in submit:
        assert json.loads(row["chosen"][0]["content"])["action"] == "submit_answer"
        assert json.loads(row["rejected"][0]["content"])["params"]["answer"] == -987654
    assert len(dpo_rows(episodes, EpisodeFilter(), PairOptions(max_pairs_per_task=1))) == 8  # one per task


def _code_step(index: int, code: str, output: str) -> tuple[StepRecord, list[dict]]:
    raw = json.dumps({"action": "execute_code", "params": {"code": code}})
    observation = {"role": "user", "content": output}
    step = StepRecord(
        index=index,
        style="json",
        raw=raw,
        actions=[{"name": "execute_code", "params": {"code": code}}],
        observations=[observation],
    )
    return step, [{"role": "assistant", "content": raw}, observation]


def test_repair_pairs_contrast_the_working_code_with_each_failed_attempt():
    failed, failed_messages = _code_step(0, "print(1/0)", "[stderr]\nZeroDivisionError\n[exit code 1]")
    fixed, fixed_messages = _code_step(1, "print(42)", "42")
    submit_raw = json.dumps({"action": "submit_answer", "params": {"answer": 42}})
    submit = StepRecord(index=2, style="json", raw=submit_raw, actions=[{"name": "submit_answer"}])
    episode = Episode(
        task_id="demo/train/s0/0",
        family="demo",
        category="count",
        split="train",
        messages=[
            {"role": "system", "content": "s"},
            {"role": "user", "content": "q"},
            *failed_messages,
            *fixed_messages,
            {"role": "assistant", "content": submit_raw},
        ],
        steps=[failed, fixed, submit],
        score=1.0,
        success=True,
    )
    [row] = dpo_rows([episode], EpisodeFilter(), PairOptions(kinds=("step",)))
    assert row["prompt"] == episode.messages[:2]
    assert row["chosen"] == [fixed_messages[0]] and row["rejected"] == [failed_messages[0]]


def test_rl_prompts_from_runs_and_from_tasks(episodes):
    rows = rl_rows_from_episodes(episodes, EpisodeFilter())
    assert len(rows) == 8 and all([m["role"] for m in r["prompt"]] == ["system", "user"] for r in rows)
    fresh = rl_rows_from_tasks("demo", "train", limit=3, max_steps=4)
    assert [r["task_id"] for r in fresh] == [f"demo/train/s0/{i}" for i in range(3)]
    assert json.loads(fresh[0]["env"])["max_steps"] == 4


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_written_datasets_load_with_hugging_face(episodes, tmp_path, fmt):
    import datasets

    rows = sft_rows(episodes, EpisodeFilter())
    path = write_rows(rows, tmp_path, fmt=fmt, meta={"kind": "sft"})
    loaded = datasets.load_dataset("parquet" if fmt == "parquet" else "json", data_files=str(path))["train"]
    assert len(loaded) == len(rows) and loaded[0]["train_mask"] == rows[0]["train_mask"]
    assert len(read_rows(tmp_path)) == len(rows)
    assert json.loads((tmp_path / "meta.json").read_text())["rows"] == len(rows)


def test_export_cli_contract(demo_run, tmp_path):
    result = runner.invoke(app, ["export", "sft", str(demo_run), "--out", str(tmp_path / "sft"), "--json"])
    assert result.exit_code == 0, result.output
    assert {"examples": 16, "tasks": 8}.items() <= json.loads(result.stdout).items()
    result = runner.invoke(app, ["export", "dpo", str(demo_run), "--out", str(tmp_path / "dpo"), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["pairs"] > 0
    result = runner.invoke(
        app, ["export", "rl", "--out", str(tmp_path / "rl"), "--tasks", "demo", "--n", "5", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["prompts"] == 5


def test_export_of_a_missing_run_is_a_one_line_error(tmp_path):
    result = runner.invoke(app, ["export", "sft", str(tmp_path / "nope"), "--out", str(tmp_path / "o")])
    assert result.exit_code != 0
    assert isinstance(result.exception, DataError) and "not a run directory" in str(result.exception)
