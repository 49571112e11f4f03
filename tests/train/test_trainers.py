"""The trainers on a tiny random model: a few steps each, the loss goes down, checkpoints reload and generate."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medagentgym.cli import app
from medagentgym.errors import ConfigError

pytestmark = pytest.mark.train
runner = CliRunner()


def losses(out: Path, metric: str = "loss") -> list[float]:
    with (out / "metrics.csv").open() as handle:
        return [float(r["value"]) for r in csv.DictReader(handle) if r["metric"] == metric]


def generates(checkpoint: str) -> bool:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(checkpoint)
    model = AutoModelForCausalLM.from_pretrained(checkpoint)
    ids = tokenizer.apply_chat_template(
        [{"role": "user", "content": "How many visits?"}],
        add_generation_prompt=True,
        return_tensors="pt",
        return_dict=True,
    )
    out = model.generate(**ids, max_new_tokens=4, min_new_tokens=4, do_sample=False)
    return out.shape[1] == ids["input_ids"].shape[1] + 4


def invoke(*args: str) -> dict:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def sft_data(demo_run, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sft-data")
    invoke("export", "sft", str(demo_run), "--out", str(out))
    return out


@pytest.fixture(scope="module")
def sft_run(tiny_model, sft_data, tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("sft-run")
    result = invoke(
        "train", "sft", "--model", str(tiny_model), "--data", str(sft_data), "--out", str(out),
        "--max-steps", "6", "--lr", "1e-2", "--full", "--batch-size", "4", "--save-steps", "3",
    )  # fmt: skip
    return out, result


def test_sft_contract_loss_and_checkpoint(sft_run):
    out, result = sft_run
    assert set(result) >= {"steps", "final_loss", "checkpoint"} and result["steps"] == 6
    history = losses(out)
    assert len(history) == 6 and history[-1] < history[0]
    assert result["final_loss"] == pytest.approx(history[-1])
    assert (out / "curves.png").is_file() and (out / "config.json").is_file()
    assert generates(result["checkpoint"])


def test_the_checkpoint_plays_in_the_evaluation_runner(sft_run, tmp_path):
    _, result = sft_run
    summary = invoke(
        "eval", "--model", f"hf:{result['checkpoint']}", "--families", "demo", "--limit", "2",
        "--max-steps", "2", "--max-tokens", "8", "--out", str(tmp_path / "eval"),
    )  # fmt: skip
    assert summary and (tmp_path / "eval" / "episodes.jsonl").is_file()


def test_model_specs_without_weights_are_refused():
    from medagentgym.train.modeling import resolve_model_path

    for spec in ("openai:gpt-4.1-mini", "agent:oracle", "/no/such/dir"):
        with pytest.raises(ConfigError):
            resolve_model_path(spec)
    assert resolve_model_path("hf:org/name") == "org/name"


def test_sft_resumes_from_its_last_checkpoint(sft_run, sft_data):
    out, _ = sft_run
    result = invoke(
        "train", "sft", "--model", str(out / "model"), "--data", str(sft_data), "--out", str(out),
        "--max-steps", "7", "--full", "--resume",
    )  # fmt: skip
    assert result["steps"] == 7  # continued from checkpoint-6, not from scratch


def test_sft_lora_with_held_out_evaluation(tiny_model, sft_data, tmp_path):
    result = invoke(
        "train", "sft", "--model", f"hf:{tiny_model}", "--data", str(sft_data), "--out", str(tmp_path),
        "--max-steps", "2", "--lr", "5e-3", "--eval-tasks", "demo", "--eval-n", "3", "--max-new-tokens", "8",
    )  # fmt: skip
    assert result["eval"]["episodes"] == 3 and 0.0 <= result["eval"]["success_rate"] <= 1.0
    assert len((tmp_path / "eval" / "episodes.jsonl").read_text().splitlines()) == 3
    assert generates(result["checkpoint"])


def test_dpo_masks_tool_output_and_the_loss_goes_down(tiny_model, demo_run, tmp_path):
    from transformers import AutoTokenizer

    from medagentgym.train.chat import ChatCodec
    from medagentgym.train.dpo import MaskedPreferenceCollator, tokenize_pairs
    from medagentgym.train.export import read_rows

    invoke("export", "dpo", str(demo_run), "--out", str(tmp_path / "pairs"), "--kinds", "trajectory")
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    codec = ChatCodec(tokenizer)
    rows = read_rows(tmp_path / "pairs")
    [pair] = tokenize_pairs(rows[:1], codec, 4096)
    batch = MaskedPreferenceCollator(pad_token_id=tokenizer.pad_token_id)([pair])
    ids, mask = batch["input_ids"][0], batch["completion_mask"][0]
    trained = codec.decode([int(i) for i, m in zip(ids, mask, strict=True) if m])
    observation = rows[0]["chosen"][1]["content"]  # the schema the environment answered with
    assert observation not in trained and rows[0]["chosen"][0]["content"] in trained

    out = tmp_path / "dpo"
    result = invoke(
        "train", "dpo", "--model", str(tiny_model), "--data", str(tmp_path / "pairs"), "--out", str(out),
        "--max-steps", "4", "--lr", "1e-2", "--batch-size", "4",
    )  # fmt: skip
    history = losses(out)
    assert result["steps"] == 4 and history[-1] < history[0]
    assert generates(result["checkpoint"])


def test_bad_model_is_a_one_line_error(sft_data, tmp_path):
    result = runner.invoke(
        app,
        ["train", "sft", "--model", str(tmp_path / "nope"), "--data", str(sft_data), "--out", str(tmp_path)],
    )
    assert isinstance(result.exception, ConfigError) and "cannot load a model" in str(result.exception)
    settings = tmp_path / "sft.json"
    settings.write_text(json.dumps({"model": "m", "data": str(sft_data), "output_dir": "o", "beta": 1}))
    result = runner.invoke(app, ["train", "sft", "--config", str(settings)])
    assert isinstance(result.exception, ConfigError) and "unknown SFTConfig settings: beta" in str(
        result.exception
    )


def test_each_trainer_offers_only_its_own_flags():
    sft_help = runner.invoke(app, ["train", "sft", "--help"]).output
    ppo_help = runner.invoke(app, ["train", "ppo", "--help"]).output
    assert "--lora-r" in sft_help and "--lora-r" in ppo_help
    for rl_flag in ("--beta", "--num-generations", "--ppo-epochs", "--vf-coef", "--tasks"):
        assert rl_flag not in sft_help and rl_flag in ppo_help
    assert "--ppo-epochs" not in runner.invoke(app, ["train", "grpo", "--help"]).output
    result = runner.invoke(app, ["train", "sft", "--model", "m", "--out", "o", "--ppo-epochs", "2"])
    assert result.exit_code == 2 and "No such option" in result.output
