"""An outcome verifier: a small LM that reads a trajectory and answers Yes or No, to pick the best of K.

As in the paper, the verifier is a causal LM fine-tuned to answer whether a trajectory solved its
task, and its score is ``p(Yes) / (p(Yes) + p(No))`` at the answer position. It is trained with
the SFT machinery (the one-token answer is the only trained token) on labelled trajectories from
run directories, classes balanced. Scoring writes ``episode.extra["verifier_score"]`` back into
the run directories, where reports read it, and summarises Best@K (the success of the sample the
verifier ranks first among the first K) next to Pass@K (whether any of the first K succeeded).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from medagentgym.env.prompts import truncate
from medagentgym.errors import DataError
from medagentgym.runs.metrics import VERIFIER_KEY as SCORE_KEY
from medagentgym.runs.metrics import best_at_k
from medagentgym.train.chat import ChatCodec, Message
from medagentgym.train.config import VerifierConfig
from medagentgym.train.rundirs import load_runs, rewrite_episodes
from medagentgym.train.selection import by_task
from medagentgym.trajectory import Episode

YES, NO = "Yes", "No"
INSTRUCTIONS = (
    "You check the work of an agent that solved a biomedical data task with code. Read the task, "
    "the agent's actions and what it observed, then answer Yes if its final answer is correct and "
    "No if it is not."
)
_OBSERVATION_CHARS = 800


def verifier_prompt(episode: Episode, max_chars: int = 6000) -> list[Message]:
    """The question put to the verifier about one trajectory."""
    task = next((m.get("content") or "" for m in episode.messages if m.get("role") == "user"), "")
    lines = []
    for step in episode.steps:
        lines.append(f"[action {step.index + 1}]\n{step.raw or step.tool_calls}")
        lines.append(f"[observation]\n{truncate(step.observation_text, _OBSERVATION_CHARS)}")
    transcript = truncate("\n".join(lines), max_chars) if lines else "(the agent did nothing)"
    question = (
        f"Task:\n{task}\n\nTrajectory:\n{transcript}\n\nDid the agent answer correctly? Answer Yes or No."
    )
    return [{"role": "system", "content": INSTRUCTIONS}, {"role": "user", "content": question}]


def verifier_rows(episodes: Sequence[Episode], *, balance: bool, seed: int = 0) -> list[dict[str, Any]]:
    """Labelled chat rows (the answer is the only trained message); infrastructure failures left out."""
    fair = [e for e in episodes if e.status != "infra_error"]
    wins = [e for e in fair if e.success]
    losses = [e for e in fair if not e.success]
    if not wins or not losses:
        raise DataError(
            f"a verifier needs successes and failures; got {len(wins)} and {len(losses)} usable trajectories"
        )
    if balance:
        rng = random.Random(seed)
        n = min(len(wins), len(losses))
        wins, losses = rng.sample(wins, n), rng.sample(losses, n)
    rows = []
    for episode in [*wins, *losses]:
        messages = [
            *verifier_prompt(episode),
            {"role": "assistant", "content": YES if episode.success else NO},
        ]
        rows.append({"messages": messages, "train_mask": [0, 0, 1], "task_id": episode.task_id})
    random.Random(seed).shuffle(rows)
    return rows


def train_verifier(config: VerifierConfig, run_dirs: Sequence[Path | str]) -> dict[str, Any]:
    """Fine-tune ``config.model`` into a verifier on the labelled trajectories of ``run_dirs``."""
    from medagentgym.train.sft import train_on_rows

    rows = verifier_rows(load_runs(run_dirs), balance=config.balance, seed=config.seed)
    return train_on_rows(config, rows)


class Verifier:
    """A trained verifier model that scores trajectories in batches."""

    def __init__(self, model: Any, tokenizer: Any, batch_size: int = 8) -> None:
        self.model = model.eval()
        self.codec = ChatCodec(tokenizer)
        self.batch_size = batch_size
        yes, no = self.codec.encode(YES), self.codec.encode(NO)
        if not yes or not no or yes[0] == no[0]:
            raise DataError(f"the tokenizer cannot tell {YES!r} from {NO!r} by their first token")
        self.yes_id, self.no_id = yes[0], no[0]
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id

    @classmethod
    def load(cls, spec: str) -> Verifier:
        from medagentgym.train.modeling import (
            inference_dtype,
            load_model,
            load_tokenizer,
            pick_device,
            resolve_model_path,
        )

        path, device = resolve_model_path(spec), pick_device("auto")
        return cls(load_model(path, dtype=inference_dtype(device), device=device), load_tokenizer(path))

    def score(self, episodes: Sequence[Episode], max_length: int = 2048) -> list[float]:
        """``p(Yes) / (p(Yes) + p(No))`` for each trajectory."""
        import torch

        scores: list[float] = []
        device = next(self.model.parameters()).device
        for start in range(0, len(episodes), self.batch_size):
            batch = [
                self.codec.prompt_ids(verifier_prompt(e))[-max_length:]
                for e in episodes[start : start + self.batch_size]
            ]
            width = max(len(ids) for ids in batch)
            ids = torch.full((len(batch), width), self.pad_id, dtype=torch.long)
            mask = torch.zeros_like(ids)
            for row, prompt in enumerate(batch):
                ids[row, width - len(prompt) :] = torch.tensor(prompt)
                mask[row, width - len(prompt) :] = 1
            positions = (mask.cumsum(-1) - 1).clamp(min=0)
            with torch.no_grad():
                logits = (
                    self.model(
                        input_ids=ids.to(device),
                        attention_mask=mask.to(device),
                        position_ids=positions.to(device),
                        logits_to_keep=1,
                    )
                    .logits[:, -1, :]
                    .float()
                )
            pair = torch.log_softmax(logits[:, [self.yes_id, self.no_id]], dim=-1)
            scores.extend(pair[:, 0].exp().tolist())
        return scores


def score_runs(
    run_dirs: Sequence[Path | str], scorer: Callable[[Sequence[Episode]], list[float]]
) -> list[Episode]:
    """Score every episode of each run directory and write the scores back; returns all episodes."""
    everything = []
    for run_dir in map(Path, run_dirs):
        episodes = load_runs([run_dir])
        for episode, score in zip(episodes, scorer(episodes), strict=True):
            episode.extra[SCORE_KEY] = score
        rewrite_episodes(run_dir, episodes)
        everything += episodes
    return everything


def best_and_pass_at_k(episodes: Sequence[Episode], ks: Sequence[int]) -> list[dict[str, float]]:
    """Best@K and Pass@K over tasks, both on each task's first K samples (by sample index)."""
    fair = (e for e in episodes if e.status != "infra_error")
    groups = [sorted(g, key=lambda e: e.sample) for g in by_task(fair).values()]
    if not groups:
        raise DataError("no scored episodes")
    table = []
    for k in ks:
        firsts = [g[:k] for g in groups]
        table.append(
            {
                "k": k,
                "pass_at_k": sum(any(e.success for e in g) for g in firsts) / len(firsts),
                "best_at_k": best_at_k(firsts) or 0.0,
            }
        )
    return table


def verifier_accuracy(episodes: Sequence[Episode]) -> float:
    """How often ``score > 0.5`` agrees with the graders (on scored, fairly played episodes)."""
    scored = [e for e in episodes if SCORE_KEY in e.extra and e.status != "infra_error"]
    if not scored:
        return 0.0
    return sum((e.extra[SCORE_KEY] > 0.5) == e.success for e in scored) / len(scored)
