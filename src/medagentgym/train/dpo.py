"""Direct preference optimisation on exported pairs with TRL's DPOTrainer.

Step-level pairs end in one assistant turn, but trajectory-level pairs continue over several turns
with tool outputs between them, and TRL would count those outputs in the sequence log-likelihood.
So pairs are tokenized here with :class:`~medagentgym.train.chat.ChatCodec` (a mask per token)
and a small collator folds those masks into TRL's ``completion_mask``: only the agent's own
tokens enter the DPO loss. The reference model is the starting model (with LoRA, the same weights
with the adapters switched off).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import trl
from trl.trainer.dpo_trainer import DataCollatorForPreference

from medagentgym.errors import DataError
from medagentgym.train.chat import ChatCodec, Message
from medagentgym.train.config import DPOConfig
from medagentgym.train.curves import CurvesCallback
from medagentgym.train.export import Row, read_rows
from medagentgym.train.modeling import last_checkpoint, lora_config, trainer_arguments
from medagentgym.train.session import finish, open_session


def tokenize_pairs(rows: Sequence[Row], codec: ChatCodec, max_length: int) -> list[dict[str, list[int]]]:
    """Shared prompt ids, then chosen/rejected ids with their per-token masks."""
    pairs = []
    for row in rows:
        if not {"prompt", "chosen", "rejected"} <= set(row):
            raise DataError("not a DPO dataset: rows need prompt, chosen and rejected (use `export dpo`)")
        chosen = _tokenize(codec, row["prompt"], row["chosen"])
        rejected = _tokenize(codec, row["prompt"], row["rejected"])
        split = min(
            _common_prefix(chosen.input_ids, rejected.input_ids),
            chosen.mask.index(1) if 1 in chosen.mask else len(chosen),
            rejected.mask.index(1) if 1 in rejected.mask else len(rejected),
        )
        room = max_length - split
        pair = {
            "prompt_ids": chosen.input_ids[:split],
            "chosen_ids": chosen.input_ids[split:][:room],
            "chosen_mask": chosen.mask[split:][:room],
            "rejected_ids": rejected.input_ids[split:][:room],
            "rejected_mask": rejected.mask[split:][:room],
        }
        if room > 0 and any(pair["chosen_mask"]) and any(pair["rejected_mask"]):
            pairs.append(pair)
    if not pairs:
        raise DataError(f"no pair keeps trained tokens on both sides within max_length={max_length}")
    return pairs


def _tokenize(codec: ChatCodec, prompt: list[Message], completion: list[Message]) -> Any:
    trainable = [False] * len(prompt) + [m.get("role") == "assistant" for m in completion]
    return codec.conversation(list(prompt) + list(completion), trainable)


def _common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


class MaskedPreferenceCollator(DataCollatorForPreference):
    """TRL's preference collator, with tool-output tokens removed from ``completion_mask``."""

    def torch_call(self, examples: list[dict[str, Any]]) -> dict[str, Any]:
        batch = super().torch_call(examples)
        masks = [[0] * len(e["prompt_ids"]) + list(e["chosen_mask"]) for e in examples]
        masks += [[0] * len(e["prompt_ids"]) + list(e["rejected_mask"]) for e in examples]
        folded = torch.zeros_like(batch["completion_mask"])
        for row, mask in enumerate(masks):  # rows are cut from the end ("keep_start"), as TRL cut them
            kept = mask[: self.max_length] if self.max_length else mask
            folded[row, : len(kept)] = torch.tensor(kept, dtype=folded.dtype)
        batch["completion_mask"] = batch["completion_mask"] * folded
        return batch


class _PretokenizedDPOTrainer(trl.DPOTrainer):
    """DPOTrainer fed examples that are already tokenized (with masks) by :func:`tokenize_pairs`."""

    def _prepare_dataset(self, dataset: Any, processing_class: Any, args: Any, dataset_name: str) -> Any:
        return dataset


def train_dpo(config: DPOConfig) -> dict[str, Any]:
    """Preference-tune ``config.model`` on ``config.data``; returns steps, final loss and checkpoint."""
    import datasets

    rows = read_rows(config.data)
    session = open_session(config)
    pairs = tokenize_pairs(rows, ChatCodec(session.tokenizer), config.max_length)
    args = trainer_arguments(
        config,
        trl.DPOConfig,
        session.device,
        beta=config.beta,
        max_length=config.max_length,
        remove_unused_columns=False,
    )
    collator = MaskedPreferenceCollator(
        pad_token_id=session.tokenizer.pad_token_id,
        max_length=config.max_length,
        truncation_mode="keep_start",
    )
    trainer = _PretokenizedDPOTrainer(
        model=session.model,
        args=args,
        data_collator=collator,
        train_dataset=datasets.Dataset.from_list(pairs),
        processing_class=session.tokenizer,
        peft_config=lora_config(config, session.model),
        callbacks=[CurvesCallback(session.metrics)],
    )
    trainer.train(resume_from_checkpoint=last_checkpoint(config))
    return finish(session, trainer.model, trainer.state.global_step, {"pairs": len(pairs)})
