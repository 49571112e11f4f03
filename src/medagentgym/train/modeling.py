"""Models for training: resolving a SPEC, choosing device and precision, LoRA, saving the result.

Decisions made here once for every trainer:

* Precision: on CUDA the frozen base of a LoRA run is bf16; on CPU training runs in fp32 (faster
  there, see :func:`pick_dtype`), while generation (evaluation, rollouts) uses bf16 wherever the
  hardware has bf16 matrix units.
* A finished run is saved as one merged model directory (adapters folded in, tokenizer beside it),
  so it loads anywhere a plain transformers model does, e.g. ``medagentgym eval --model hf:DIR``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from medagentgym.errors import ConfigError
from medagentgym.train.config import TrainConfig

MODEL_DIR = "model"
CHECKPOINTS_DIR = "checkpoints"


def resolve_model_path(spec: str) -> str:
    """A local directory (or, with network access, a Hub id) for a model SPEC.

    ``local:default`` is the embedded model (converted once into the data home), ``hf:X`` and a
    bare ``X`` name a transformers directory or Hub id. API and scripted SPECs have no weights.
    """
    kind, _, value = spec.partition(":")
    if kind == "local":
        from medagentgym.models.embedded import model_dir
        from medagentgym.models.spec import parse_spec

        parse_spec(spec)
        return str(model_dir())
    if kind in ("openai", "agent"):
        raise ConfigError(
            f"model {spec!r} has no local weights to train or sample; use local:default or hf:DIR"
        )
    path = value if kind == "hf" else spec
    if not path:
        raise ConfigError("empty model SPEC")
    if path.startswith(("/", ".", "~")) and not Path(path).expanduser().is_dir():
        raise ConfigError(f"cannot load a model from {path}: no such directory")
    return str(Path(path).expanduser()) if path.startswith("~") else path


def pick_device(setting: str) -> str:
    if setting == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device cuda was asked for but CUDA is not available")
    if setting == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return setting


def has_fast_bf16(device: str) -> bool:
    if device == "cuda":
        return torch.cuda.is_bf16_supported()
    cpu = torch.cpu
    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(getattr(cpu, name, lambda: False)() for name in checks)


def pick_dtype(config: TrainConfig, device: str) -> torch.dtype:
    """Training precision: bf16 base weights for LoRA on CUDA, fp32 otherwise.

    On CPU, fp32 trains ~3x faster than bf16 even where bf16 matmuls are fast (measured on a
    2-core AMX machine: LoRA 251 vs 76 tok/s): the element-wise ops, the backward pass and the
    casts around fp32 adapters dominate, and they are slow in bf16.
    """
    if config.dtype != "auto":
        return getattr(torch, config.dtype)
    if device == "cuda" and not config.full_finetune and has_fast_bf16(device):
        return torch.bfloat16
    return torch.float32


def inference_dtype(device: str) -> torch.dtype:
    """Generation precision: bf16 where the hardware has bf16 matrix units (~2x faster decoding
    and ~3x faster prefill than fp32 on an AMX CPU), fp32 otherwise."""
    return torch.bfloat16 if has_fast_bf16(device) else torch.float32


def load_tokenizer(path: str) -> Any:
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(path)
    except OSError as exc:
        raise ConfigError(f"cannot load a tokenizer from {path}: {str(exc).splitlines()[0]}") from None
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_model(path: str, *, dtype: torch.dtype, device: str) -> Any:
    from transformers import AutoModelForCausalLM

    try:
        model = AutoModelForCausalLM.from_pretrained(path, dtype=dtype)
    except OSError as exc:
        raise ConfigError(f"cannot load a model from {path}: {str(exc).splitlines()[0]}") from None
    return model.to(device)


def lora_config(config: TrainConfig, model: Any) -> Any:
    """The PEFT adapter settings for ``model``, or None for full fine-tuning.

    With ``lora_layers = N`` only the top N decoder layers get adapters: the backward pass then
    stops there, which on a CPU roughly halves the cost of a step on a 30-layer model.
    """
    if config.full_finetune:
        return None
    from peft import LoraConfig

    targets: Any = config.lora_target_modules
    if targets != "all-linear":
        targets = [t.strip() for t in targets.split(",") if t.strip()]
    layers = None
    if config.lora_layers:
        total = model.config.get_text_config().num_hidden_layers
        layers = list(range(max(0, total - config.lora_layers), total))
        if targets == "all-linear":  # PEFT wants explicit names when choosing layers
            targets = _layer_linear_names(model)
    return LoraConfig(
        r=config.lora_r,
        lora_alpha=config.lora_alpha,
        lora_dropout=config.lora_dropout,
        target_modules=targets,
        layers_to_transform=layers,
        task_type="CAUSAL_LM",
    )


def _layer_linear_names(model: Any) -> list[str]:
    """The names of the linear layers inside the decoder layers (``q_proj``, ``up_proj``...)."""
    return sorted(
        {
            name.rsplit(".", 1)[-1]
            for name, module in model.named_modules()
            if isinstance(module, torch.nn.Linear) and ".layers." in name
        }
    )


def trainer_arguments(config: TrainConfig, arguments_class: type, device: str, **extra: Any) -> Any:
    """TRL/transformers arguments for ``config``: the settings every trainer maps the same way."""
    os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")
    return arguments_class(
        output_dir=str(Path(config.output_dir) / CHECKPOINTS_DIR),
        max_steps=config.max_steps,
        num_train_epochs=config.num_train_epochs,
        learning_rate=config.learning_rate,
        per_device_train_batch_size=config.batch_size,
        gradient_accumulation_steps=config.gradient_accumulation_steps,
        warmup_steps=config.warmup_steps,
        logging_steps=config.logging_steps,
        save_strategy="steps",
        save_steps=config.save_steps,
        save_total_limit=config.save_total_limit,
        gradient_checkpointing=config.gradient_checkpointing,
        seed=config.seed,
        use_cpu=device == "cpu",
        bf16=False,
        fp16=False,
        report_to="none",
        disable_tqdm=True,
        dataloader_num_workers=0,
        **extra,
    )


def last_checkpoint(config: TrainConfig) -> str | None:
    """The checkpoint ``--resume`` continues from; a clear error when there is none."""
    if not config.resume:
        return None
    from transformers.trainer_utils import get_last_checkpoint

    folder = Path(config.output_dir) / CHECKPOINTS_DIR
    found = get_last_checkpoint(str(folder)) if folder.is_dir() else None
    if found is None:
        raise ConfigError(f"--resume: no checkpoint in {folder}")
    return found


def save_merged(model: Any, tokenizer: Any, output_dir: str | Path) -> tuple[Path, Any]:
    """Fold LoRA adapters into the weights and save a standalone model directory.

    Returns the directory and the merged model (the adapters are merged in place).
    """
    from peft import PeftModel

    target = Path(output_dir) / MODEL_DIR
    if isinstance(model, PeftModel):
        model = model.merge_and_unload()
    model.save_pretrained(target)
    tokenizer.save_pretrained(target)
    return target, model
