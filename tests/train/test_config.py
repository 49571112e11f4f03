"""Trainer settings: defaults, files, flag overrides and clear errors."""

from __future__ import annotations

import json

import pytest

from medagentgym.errors import ConfigError
from medagentgym.train.config import DPOConfig, GRPOConfig, PPOConfig, SFTConfig, load_config


def test_defaults_follow_the_paper():
    assert load_config(SFTConfig, model="m", output_dir="o").learning_rate == 1e-4
    dpo = load_config(DPOConfig, model="m", output_dir="o")
    assert (dpo.learning_rate, dpo.beta) == (5e-6, 0.1)
    grpo = load_config(GRPOConfig, model="m", output_dir="o")
    assert (grpo.learning_rate, grpo.temperature, grpo.beta) == (1e-5, 0.6, 1e-3)


def test_flags_override_the_file(tmp_path):
    path = tmp_path / "sft.yaml"
    path.write_text(
        "model: hf:/models/x\noutput_dir: out\nlearning_rate: 3e-4\nmax_steps: 7\nnum_train_epochs: 2\n"
    )
    config = load_config(SFTConfig, path, max_steps=9, batch_size=None)
    assert (config.model, config.learning_rate, config.max_steps, config.batch_size) == (
        "hf:/models/x",
        3e-4,
        9,
        4,
    )
    assert config.num_train_epochs == 2.0 and isinstance(config.num_train_epochs, float)
    as_json = tmp_path / "ppo.json"
    as_json.write_text(json.dumps({"model": "m", "output_dir": "o", "gamma": 0.99}))
    assert load_config(PPOConfig, as_json).gamma == 0.99


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"beta": 0.2}, "unknown SFTConfig settings: beta"),
        ({"max_steps": "ten"}, "max_steps must be int"),
        ({"max_steps": 0}, "max_steps must be positive"),
        ({"dtype": "float16"}, "dtype must be"),
        ({"model": ""}, "no model given"),
    ],
)
def test_bad_settings_are_one_line_errors(overrides, message):
    with pytest.raises(ConfigError, match=message):
        load_config(SFTConfig, **{"model": "m", "output_dir": "o", **overrides})


def test_grpo_groups_must_fit_the_batch(tmp_path):
    with pytest.raises(ConfigError, match="multiple of num_generations"):
        load_config(GRPOConfig, model="m", output_dir="o", batch_size=6, num_generations=4)
    with pytest.raises(ConfigError, match="num_generations >= 2"):
        load_config(GRPOConfig, model="m", output_dir="o", num_generations=1, batch_size=1)
    assert load_config(PPOConfig, model="m", output_dir="o", num_generations=1).num_generations == 1


def test_missing_or_malformed_files(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(SFTConfig, tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("- a list\n")
    with pytest.raises(ConfigError, match="mapping"):
        load_config(SFTConfig, bad)


def test_lora_can_adapt_only_the_top_layers(tiny_model):
    from transformers import AutoModelForCausalLM

    from medagentgym.train.modeling import lora_config

    model = AutoModelForCausalLM.from_pretrained(tiny_model)
    top = lora_config(load_config(SFTConfig, model="m", output_dir="o", lora_layers=1), model)
    assert top.layers_to_transform == [1]
    assert {"q_proj", "down_proj"} <= set(top.target_modules)
    assert lora_config(load_config(SFTConfig, model="m", output_dir="o"), model).layers_to_transform is None
    assert lora_config(load_config(SFTConfig, model="m", output_dir="o", full_finetune=True), model) is None
