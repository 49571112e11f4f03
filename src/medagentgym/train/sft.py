"""Supervised fine-tuning on exported trajectories with TRL's SFTTrainer.

Examples are tokenized here, not by TRL: :class:`~medagentgym.train.chat.ChatCodec` derives the
assistant-only mask from any prefix-preserving chat template, and TRL accepts the result as a
pre-tokenized dataset (``input_ids`` + ``assistant_masks``), so tool outputs stay in the context
without ever being trained on, whatever the template.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from medagentgym.errors import DataError
from medagentgym.train.chat import ChatCodec
from medagentgym.train.config import SFTConfig, TrainConfig
from medagentgym.train.curves import CurvesCallback
from medagentgym.train.export import Row, read_rows
from medagentgym.train.modeling import last_checkpoint, lora_config, trainer_arguments
from medagentgym.train.session import finish, open_session


def tokenize_examples(rows: Sequence[Row], codec: ChatCodec, max_length: int) -> list[dict[str, list[int]]]:
    """``input_ids``/``assistant_masks`` per example, cut to ``max_length``; untrainable ones dropped."""
    examples = []
    for row in rows:
        if "messages" not in row:
            raise DataError("not an SFT dataset: rows have no messages (export it with `export sft`)")
        mask = row.get("train_mask")
        trainable = [bool(x) for x in mask] if mask is not None else None
        tokens = codec.conversation(row["messages"], trainable)
        ids, masks = tokens.input_ids[:max_length], tokens.mask[:max_length]
        if any(masks):
            examples.append({"input_ids": ids, "assistant_masks": masks})
    if not examples:
        raise DataError(f"no example keeps a trained token within max_length={max_length}")
    return examples


def train_sft(config: SFTConfig) -> dict[str, Any]:
    """Fine-tune ``config.model`` on ``config.data``; returns steps, final loss and checkpoint."""
    return train_on_rows(config, read_rows(config.data))


def train_on_rows(config: TrainConfig, rows: Sequence[Row]) -> dict[str, Any]:
    """Supervised training on chat rows (``messages`` + optional ``train_mask``); also the verifier's."""
    import datasets
    import trl

    session = open_session(config)
    examples = tokenize_examples(rows, ChatCodec(session.tokenizer), config.max_length)
    args = trainer_arguments(
        config, trl.SFTConfig, session.device, max_length=config.max_length, packing=False
    )
    trainer = trl.SFTTrainer(
        model=session.model,
        args=args,
        train_dataset=datasets.Dataset.from_list(examples),
        processing_class=session.tokenizer,
        peft_config=lora_config(config, session.model),
        callbacks=[CurvesCallback(session.metrics)],
    )
    trainer.train(resume_from_checkpoint=last_checkpoint(config))
    return finish(session, trainer.model, trainer.state.global_step, {"examples": len(examples)})
