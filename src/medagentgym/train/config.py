"""One settings dataclass per trainer, loadable from a YAML/JSON file and overridable by flags.

The field names follow ``transformers.TrainingArguments`` / TRL where a setting means the same
thing, so a TRL user reads them without a glossary. A file sets any subset of the fields;
command-line flags override the file; everything else keeps the defaults below, which are the
paper's recipe where it states one (SFT lr 1e-4, DPO lr 5e-6 and beta 0.1, RL lr 1e-5, KL 1e-3,
rollout temperature 0.6) and CPU-friendly sizes where it does not.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from medagentgym.errors import ConfigError

C = TypeVar("C", bound="TrainConfig")


@dataclass
class TrainConfig:
    """What every trainer shares: the model, the data, the optimisation and the checkpoints."""

    model: str = ""
    """Model SPEC: ``local:default``, ``hf:<dir or hub id>`` or a local model directory."""
    output_dir: str = ""
    data: str = ""
    """An exported dataset directory (``medagentgym export ...``)."""
    max_steps: int = -1
    """Optimizer steps; -1 trains for ``num_train_epochs`` instead."""
    num_train_epochs: float = 1.0
    learning_rate: float = 1e-4
    batch_size: int = 4
    gradient_accumulation_steps: int = 1
    max_length: int = 2048
    """Longer examples are cut from the end (the prompt, which comes first, survives)."""
    full_finetune: bool = False
    """Train every weight instead of LoRA adapters."""
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.0
    lora_target_modules: str = "all-linear"
    lora_layers: int = 0
    """Adapt only the top N decoder layers (0: all); the backward pass stops below them."""
    dtype: str = "auto"
    """``auto``, ``float32`` or ``bfloat16``. ``auto`` uses bf16 for the frozen base of LoRA on
    hardware with bf16 matrix units (CUDA, AVX512-BF16/AMX CPUs) and fp32 otherwise."""
    device: str = "auto"
    """``auto`` (CUDA when available), ``cpu`` or ``cuda``."""
    gradient_checkpointing: bool = False
    """Recompute activations in the backward pass: less memory, ~30% more time (TRL turns it on)."""
    save_steps: int = 50
    save_total_limit: int = 2
    logging_steps: int = 1
    warmup_steps: float = 0.0
    """Warmup steps, or a fraction of all steps when below 1."""
    seed: int = 0
    resume: bool = False
    """Continue from the last checkpoint in ``output_dir``."""
    eval_tasks: str = ""
    """Family or task-set directory evaluated after training (empty: no evaluation)."""
    eval_split: str = "test"
    eval_n: int = 50
    eval_max_turns: int = 4
    max_new_tokens: int = 256
    """Tokens per model turn when generating (held-out evaluation, rollouts)."""

    def validate(self) -> None:
        if not self.model:
            raise ConfigError("no model given (--model SPEC or `model:` in the config file)")
        if not self.output_dir:
            raise ConfigError("no output directory given (--out DIR or `output_dir:` in the config file)")
        if self.max_steps == 0 or self.max_steps < -1:
            raise ConfigError(f"max_steps must be positive (or -1 for epochs), got {self.max_steps}")
        if self.learning_rate <= 0 or self.batch_size < 1 or self.gradient_accumulation_steps < 1:
            raise ConfigError("learning_rate, batch_size and gradient_accumulation_steps must be positive")
        if self.dtype not in ("auto", "float32", "bfloat16"):
            raise ConfigError(f"dtype must be auto, float32 or bfloat16, got {self.dtype!r}")
        if self.device not in ("auto", "cpu", "cuda"):
            raise ConfigError(f"device must be auto, cpu or cuda, got {self.device!r}")


@dataclass
class SFTConfig(TrainConfig):
    """Supervised fine-tuning on exported SFT examples (assistant turns only)."""


@dataclass
class DPOConfig(TrainConfig):
    """Direct preference optimisation on exported pairs; the reference is the starting model."""

    learning_rate: float = 5e-6
    beta: float = 0.1


@dataclass
class OnlineConfig(TrainConfig):
    """Online RL with the environment in the loop (shared by GRPO and PPO)."""

    learning_rate: float = 1e-5
    tasks: str = "demo"
    """Family or task-set directory to draw training tasks from (``data`` may name an RL export instead)."""
    split: str = "train"
    num_tasks: int = 0
    """Use the first N tasks (0: all)."""
    num_generations: int = 4
    """Samples per task (the group size G)."""
    temperature: float = 0.6
    max_turns: int = 6
    token_budget: int = 1024
    """Generated tokens per rollout across all its turns."""
    format_reward: float = 0.1
    """Weight of the reward for turns that parse as valid actions (the paper's format reward)."""
    beta: float = 1e-3
    """KL penalty towards the starting model."""
    batch_size: int = 4

    def validate(self) -> None:
        super().validate()
        if self.num_generations < 1 or self.max_turns < 1 or self.token_budget < 1:
            raise ConfigError("num_generations, max_turns and token_budget must be positive")
        if self.temperature <= 0:
            raise ConfigError("online RL samples: temperature must be positive")


@dataclass
class GRPOConfig(OnlineConfig):
    """GRPO: group-normalised rewards, clipped policy ratio (TRL's GRPOTrainer)."""

    epsilon: float = 0.2

    def validate(self) -> None:
        super().validate()
        if self.num_generations < 2:
            raise ConfigError("GRPO needs num_generations >= 2 (rewards are compared within a group)")
        if (self.batch_size * self.gradient_accumulation_steps) % self.num_generations:
            raise ConfigError(
                "batch_size x gradient_accumulation_steps must be a multiple of num_generations"
            )


@dataclass
class PPOConfig(OnlineConfig):
    """PPO: a value head on the policy, GAE advantages and clipped policy and value losses."""

    gamma: float = 1.0
    lam: float = 0.95
    cliprange: float = 0.2
    cliprange_value: float = 0.2
    vf_coef: float = 0.5
    ppo_epochs: int = 2


@dataclass
class VerifierConfig(TrainConfig):
    """An outcome verifier: the model answers YES/NO to "did this trajectory solve the task?"."""

    learning_rate: float = 1e-4
    max_length: int = 1536
    balance: bool = True
    """Use as many failures as successes (the paper balances its verifier data)."""


def load_config(cls: type[C], path: Path | str | None = None, **overrides: Any) -> C:
    """Build a config from defaults, then a YAML/JSON file, then ``overrides`` (None = not given)."""
    values: dict[str, Any] = {}
    if path:
        values.update(_read_file(Path(path)))
    values.update({k: v for k, v in overrides.items() if v is not None})
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigError(f"unknown {cls.__name__} settings: {', '.join(unknown)}")
    try:
        config = cls(**values)
    except TypeError as exc:
        raise ConfigError(f"bad {cls.__name__} settings: {exc}") from None
    _check_types(config)
    config.validate()
    return config


def _read_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"config file {path} does not exist")
    text = path.read_text()
    try:
        if path.suffix in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text) or {}
        else:
            data = json.loads(text)
    except (ValueError, ImportError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path} must hold a mapping of settings")
    return data


def _check_types(config: TrainConfig) -> None:
    """Coerce numbers to floats where floats are expected, and reject other type mismatches.

    YAML reads ``3e-4`` (no dot) as a string, so numeric strings count as floats too.
    """
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        expected = type(f.default)  # every setting has a plain default
        if expected is float and isinstance(value, int | str) and not isinstance(value, bool):
            with contextlib.suppress(ValueError):
                setattr(config, f.name, float(value))
            value = getattr(config, f.name)
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ConfigError(f"setting {f.name} must be {expected.__name__}, got {value!r}")


def save_config(config: TrainConfig, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(dataclasses.asdict(config), indent=2) + "\n")
