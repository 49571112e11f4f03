"""Chat conversations as token ids with a per-token training mask.

Multi-turn agent training must learn from the model's own turns only, while tool and code outputs
stay in the context. TRL's ``assistant_only_loss`` needs ``{% generation %}`` markers that most
chat templates (SmolLM2's, Qwen2.5's) lack, so we derive the mask from the template itself: the
conversation is rendered one message at a time and each message contributes exactly the text it
adds to the rendering. That works for every prefix-preserving template (rendering ``k+1`` messages
starts with the rendering of ``k``), which is checked rather than assumed.

The same segmentation drives online rollouts (token-in/token-out): the generated tokens are kept
as they are and only the text the template puts between them and the next generation (the end of
the turn, the observations, the next assistant header) is tokenized, and masked out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from medagentgym.errors import DataError

Message = dict[str, Any]


@dataclass
class Tokenized:
    """Token ids and a parallel mask (1 = a model token the loss is computed on)."""

    input_ids: list[int] = field(default_factory=list)
    mask: list[int] = field(default_factory=list)

    def extend(self, ids: Sequence[int], trainable: bool) -> None:
        self.input_ids.extend(ids)
        self.mask.extend([int(trainable)] * len(ids))

    def __len__(self) -> int:
        return len(self.input_ids)


def clean_message(message: Message) -> Message:
    """Drop keys whose value is None (Parquet round trips add them; templates test ``is defined``)."""
    return {k: v for k, v in message.items() if v is not None}


class ChatCodec:
    """Renders and tokenizes conversations with one tokenizer's chat template."""

    def __init__(self, tokenizer: Any) -> None:
        if not getattr(tokenizer, "chat_template", None):
            raise DataError("the tokenizer has no chat template; agent training needs one")
        self.tokenizer = tokenizer
        self.eos_text = tokenizer.eos_token or ""

    def render(self, messages: Sequence[Message], *, generation_prompt: bool = False) -> str:
        if not messages:
            return ""
        return self.tokenizer.apply_chat_template(
            [clean_message(m) for m in messages],
            tokenize=False,
            add_generation_prompt=generation_prompt,
        )

    def encode(self, text: str) -> list[int]:
        return list(self.tokenizer(text, add_special_tokens=False)["input_ids"]) if text else []

    def decode(self, ids: Sequence[int]) -> str:
        return self.tokenizer.decode(list(ids), skip_special_tokens=False)

    def prompt_ids(self, messages: Sequence[Message]) -> list[int]:
        """The ids the model reads before its next turn."""
        return self.encode(self.render(messages, generation_prompt=True))

    def conversation(self, messages: Sequence[Message], trainable: Sequence[bool] | None = None) -> Tokenized:
        """Tokenize a conversation; by default every assistant message is trainable.

        An assistant segment splits into its header (``<|im_start|>assistant\\n``, context: the
        model never generates it) and its body up to and including the end-of-turn token
        (trained); whatever the template adds after that token is context again.
        """
        if trainable is None:
            trainable = [m.get("role") == "assistant" for m in messages]
        if len(trainable) != len(messages):
            raise DataError(f"{len(trainable)} mask entries for {len(messages)} messages")
        out = Tokenized()
        before = ""
        for k, message in enumerate(messages):
            after = self.render(messages[: k + 1])
            added = self._added(before, after, k)
            if message.get("role") == "assistant" and trainable[k]:
                header = self._added(before, self.render(messages[:k], generation_prompt=True), k)
                if not added.startswith(header):
                    raise DataError("the chat template renders assistant turns unlike its generation prompt")
                body, tail = self._split_at_eos(added[len(header) :])
                out.extend(self.encode(header), False)
                out.extend(self.encode(body), True)
                out.extend(self.encode(tail), False)
            else:
                out.extend(self.encode(added), False)
            before = after
        return out

    def after_turn(self, messages: Sequence[Message], turn: int, *, ended_with_eos: bool) -> str:
        """The text between a generated assistant turn and the model's next generation.

        ``messages[turn]`` is the turn the model generated and ``messages`` goes on with the
        observations. The generated tokens are kept verbatim (token-in/token-out: nothing the model
        produced is ever re-tokenized), so this returns only what the template puts after them: the
        end-of-turn token when generation hit its length limit, the template's text after that
        token, the observations and the next assistant header.
        """
        before = self.render(messages[:turn])
        through = self.render(messages[: turn + 1])
        _, tail = self._split_at_eos(self._added(before, through, turn))
        rest = self._added(through, self.render(messages, generation_prompt=True), turn + 1)
        return ("" if ended_with_eos else self.eos_text) + tail + rest

    def _split_at_eos(self, text: str) -> tuple[str, str]:
        """Split after the last end-of-turn token: (up to and including it, the rest)."""
        if not self.eos_text or self.eos_text not in text:
            return text, ""
        cut = text.rfind(self.eos_text) + len(self.eos_text)
        return text[:cut], text[cut:]

    @staticmethod
    def _added(before: str, after: str, index: int) -> str:
        if not after.startswith(before):
            raise DataError(
                f"the chat template is not prefix-preserving at message {index} (rendering more messages "
                "rewrites earlier ones); multi-turn masks cannot be derived from it"
            )
        return after[len(before) :]
