"""PPO: the actor-critic form of the online loop, on the same rollouts as GRPO.

TRL 1.x no longer ships a PPO trainer, so the update is written here in plain PyTorch; the
rollouts (multi-turn, batched, token-in/token-out, tool output masked) are the shared ones from
:mod:`medagentgym.train.online`. Per step:

1. play ``batch_size`` episodes (``num_generations`` per task) at the sampling temperature;
2. score every sampled token under the current policy (old log-probs), the reference (KL) and a
   value head on the policy's last hidden state (the critic);
3. rewards: ``-beta * KL`` on each sampled token, plus the episode reward (task score + format
   reward) on the last one; advantages by GAE over the sampled tokens only (observation tokens are
   the environment's transition, not actions), whitened over the batch;
4. ``ppo_epochs`` passes of the clipped policy loss plus ``vf_coef`` times the clipped value loss.

Checkpoints hold the trainable weights, the value head, the optimizer and the step, so ``resume``
continues where a run stopped.
"""

from __future__ import annotations

import copy
import json
import random
import shutil
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from medagentgym.train.config import PPOConfig
from medagentgym.train.grpo import ROLLOUTS_DIR, episode_reward, sampling_for, training_tasks
from medagentgym.train.modeling import CHECKPOINTS_DIR, last_checkpoint, lora_config
from medagentgym.train.online import Job, LocalPolicy, Rollout, play_sync
from medagentgym.train.rundirs import write_run
from medagentgym.train.session import Session, finish, open_session


class ValueHead(nn.Module):
    """The critic: a linear map from the policy's last hidden state to the value of the state."""

    def __init__(self, hidden_size: int) -> None:
        super().__init__()
        self.linear = nn.Linear(hidden_size, 1)
        nn.init.zeros_(self.linear.weight)
        nn.init.zeros_(self.linear.bias)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.linear(hidden.float()).squeeze(-1)


@dataclass
class Experience:
    """One rollout scored for the update; tensors are over its sampled tokens only."""

    rollout: Rollout
    actions: torch.Tensor
    """Positions (in the completion) of the sampled tokens."""
    old_logprobs: torch.Tensor
    ref_logprobs: torch.Tensor
    values: torch.Tensor
    advantages: torch.Tensor
    returns: torch.Tensor


def gae(
    rewards: torch.Tensor, values: torch.Tensor, gamma: float, lam: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """Generalised advantage estimates and returns for one trajectory of actions."""
    advantages = torch.zeros_like(rewards)
    running = torch.zeros((), dtype=rewards.dtype)
    for t in reversed(range(len(rewards))):
        following = values[t + 1] if t + 1 < len(values) else torch.zeros((), dtype=values.dtype)
        delta = rewards[t] + gamma * following - values[t]
        running = delta + gamma * lam * running
        advantages[t] = running
    return advantages, advantages + values


class PPOTrainer:
    """Runs the PPO loop for one :class:`PPOConfig`."""

    def __init__(self, config: PPOConfig, session: Session) -> None:
        self.config = config
        self.session = session
        adapters = lora_config(config, session.model)
        if adapters is not None:
            from peft import get_peft_model

            self.model = get_peft_model(session.model, adapters)
            self.reference: Any = None
        else:
            self.model = session.model
            self.reference = copy.deepcopy(session.model).eval().requires_grad_(False)
        device = next(self.model.parameters()).device
        self.value_head = ValueHead(self.model.config.get_text_config().hidden_size).to(device)
        trainable = [p for p in self.model.parameters() if p.requires_grad] + list(
            self.value_head.parameters()
        )
        self.optimizer = torch.optim.AdamW(trainable, lr=config.learning_rate)
        self.tasks, self.task_ids = training_tasks(config)
        self.sampling = sampling_for(config)
        self.step = 0
        self.rng = random.Random(config.seed)

    # ------------------------------------------------------------------ the loop

    def train(self) -> int:
        resume = last_checkpoint(self.config)
        if resume:
            self._load(Path(resume))
        total = self.config.max_steps if self.config.max_steps > 0 else self._steps_for_epochs()
        batches = self._task_batches()
        while self.step < total:
            rollouts = self._rollouts(next(batches))
            experience = self._score(rollouts)
            metrics = self._update(experience)
            self.step += 1
            metrics.update(self._rollout_metrics(rollouts))
            self.session.metrics.log(self.step, metrics)
            if self.step % self.config.save_steps == 0 or self.step == total:
                self._save()
        return self.step

    def _steps_for_epochs(self) -> int:
        per_step = max(1, self.config.batch_size // self.config.num_generations)
        return max(1, int(self.config.num_train_epochs * len(self.task_ids) / per_step))

    def _task_batches(self) -> Iterator[list[str]]:
        per_step = max(1, self.config.batch_size // self.config.num_generations)
        order: list[str] = []
        for _ in range(self.step):  # replay the shuffles so a resumed run sees the same sequence
            order = self._refill(order, per_step)[per_step:]
        while True:
            order = self._refill(order, per_step)
            yield order[:per_step]
            order = order[per_step:]

    def _refill(self, order: list[str], size: int) -> list[str]:
        while len(order) < size:
            shuffled = list(self.task_ids)
            self.rng.shuffle(shuffled)
            order = order + shuffled
        return order

    def _rollouts(self, task_ids: list[str]) -> list[Rollout]:
        jobs = [Job(task_id, s) for task_id in task_ids for s in range(self.config.num_generations)]
        rollouts = play_sync(
            LocalPolicy(self.model, self.session.tokenizer),
            self.tasks,
            jobs,
            sampling=self.sampling,
            env_options={"max_steps": self.config.max_turns},
            batch_size=len(jobs),
        )
        for rollout in rollouts:
            rollout.episode.extra["train_step"] = self.step
        write_run(
            self.session.out / ROLLOUTS_DIR,
            [r.episode for r in rollouts],
            {"kind": "ppo-rollouts"},
            append=True,
        )
        return rollouts

    # ------------------------------------------------------------------ scoring

    def _forward(self, model: Any, rollout: Rollout) -> tuple[torch.Tensor, torch.Tensor]:
        """Log-probs of the completion tokens and the hidden states that predicted them."""
        device = next(model.parameters()).device
        ids = torch.tensor([rollout.prompt_ids + rollout.completion_ids], device=device)
        n = len(rollout.completion_ids)
        out = model(input_ids=ids, output_hidden_states=True, logits_to_keep=n + 1, use_cache=False)
        logits = out.logits[0, :-1].float() / self.sampling.temperature
        targets = ids[0, -n:]
        logprobs = torch.log_softmax(logits, dim=-1).gather(1, targets.unsqueeze(1)).squeeze(1)
        return logprobs, out.hidden_states[-1][0, -(n + 1) : -1]

    def _reference_context(self) -> AbstractContextManager[Any]:
        return self.model.disable_adapter() if self.reference is None else nullcontext()

    @torch.no_grad()
    def _score(self, rollouts: list[Rollout]) -> list[Experience]:
        self.model.eval()
        scored = []
        for rollout in rollouts:
            if not any(rollout.mask):
                continue
            actions = torch.tensor([i for i, m in enumerate(rollout.mask) if m])
            logprobs, hidden = self._forward(self.model, rollout)
            with self._reference_context():
                ref_logprobs, _ = self._forward(
                    self.model if self.reference is None else self.reference, rollout
                )
            old, ref = logprobs[actions].cpu(), ref_logprobs[actions].cpu()
            values = self.value_head(hidden)[actions].cpu()
            rewards = -self.config.beta * (old - ref)
            rewards[-1] += episode_reward(rollout, self.config.format_reward)
            advantages, returns = gae(rewards, values, self.config.gamma, self.config.lam)
            scored.append(Experience(rollout, actions, old, ref, values, advantages, returns))
        if scored:
            flat = torch.cat([e.advantages for e in scored])
            mean, std = flat.mean(), flat.std() if flat.numel() > 1 else torch.tensor(1.0)
            for e in scored:
                e.advantages = (e.advantages - mean) / (std + 1e-8)
        return scored

    # ------------------------------------------------------------------ update

    def _update(self, experience: list[Experience]) -> dict[str, float]:
        if not experience:
            return {"policy_loss": 0.0, "value_loss": 0.0}
        self.model.train()
        tokens = sum(len(e.actions) for e in experience)
        config = self.config
        totals = {"policy_loss": 0.0, "value_loss": 0.0, "clip_frac": 0.0, "kl": 0.0}
        for _ in range(config.ppo_epochs):
            self.optimizer.zero_grad()
            for e in experience:
                logprobs, hidden = self._forward(self.model, e.rollout)
                device = logprobs.device
                new = logprobs[e.actions.to(device)]
                values = self.value_head(hidden)[e.actions.to(device)]
                old, adv = e.old_logprobs.to(device), e.advantages.to(device)
                ratio = torch.exp(new - old)
                clipped = torch.clamp(ratio, 1 - config.cliprange, 1 + config.cliprange)
                policy_loss = torch.max(-adv * ratio, -adv * clipped).sum()
                old_values, returns = e.values.to(device), e.returns.to(device)
                values_clipped = old_values + torch.clamp(
                    values - old_values, -config.cliprange_value, config.cliprange_value
                )
                value_loss = 0.5 * torch.max((values - returns) ** 2, (values_clipped - returns) ** 2).sum()
                ((policy_loss + config.vf_coef * value_loss) / tokens).backward()
                totals["policy_loss"] += policy_loss.item() / tokens / config.ppo_epochs
                totals["value_loss"] += value_loss.item() / tokens / config.ppo_epochs
                totals["clip_frac"] += (
                    ((ratio - 1).abs() > config.cliprange).sum().item() / tokens / config.ppo_epochs
                )
                totals["kl"] += (old - e.ref_logprobs.to(device)).sum().item() / tokens / config.ppo_epochs
            torch.nn.utils.clip_grad_norm_(
                [p for group in self.optimizer.param_groups for p in group["params"]], max_norm=1.0
            )
            self.optimizer.step()
        totals["loss"] = totals["policy_loss"] + config.vf_coef * totals["value_loss"]
        return totals

    def _rollout_metrics(self, rollouts: list[Rollout]) -> dict[str, float]:
        n = len(rollouts)
        return {
            "reward": sum(episode_reward(r, self.config.format_reward) for r in rollouts) / n,
            "success": sum(r.episode.success for r in rollouts) / n,
            "valid_actions": sum(r.format_score for r in rollouts) / n,
            "completion_tokens": sum(r.generated for r in rollouts) / n,
        }

    # ------------------------------------------------------------------ checkpoints

    def _trainable_state(self) -> dict[str, torch.Tensor]:
        return {n: p.detach().cpu() for n, p in self.model.named_parameters() if p.requires_grad}

    def _save(self) -> None:
        folder = self.session.out / CHECKPOINTS_DIR / f"checkpoint-{self.step}"
        folder.mkdir(parents=True, exist_ok=True)
        torch.save(self._trainable_state(), folder / "policy.pt")
        torch.save(self.value_head.state_dict(), folder / "value_head.pt")
        torch.save(self.optimizer.state_dict(), folder / "optimizer.pt")
        (folder / "trainer_state.json").write_text(json.dumps({"global_step": self.step}) + "\n")
        checkpoints = sorted(folder.parent.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
        for stale in checkpoints[: -self.config.save_total_limit]:
            shutil.rmtree(stale, ignore_errors=True)

    def _load(self, folder: Path) -> None:
        self.model.load_state_dict(torch.load(folder / "policy.pt"), strict=False)
        self.value_head.load_state_dict(torch.load(folder / "value_head.pt"))
        self.optimizer.load_state_dict(torch.load(folder / "optimizer.pt"))
        self.step = json.loads((folder / "trainer_state.json").read_text())["global_step"]


def train_ppo(config: PPOConfig) -> dict[str, Any]:
    """Train ``config.model`` online with PPO; returns steps, final loss and checkpoint."""
    torch.manual_seed(config.seed)
    session = open_session(config)
    trainer = PPOTrainer(config, session)
    steps = trainer.train()
    torch.save(trainer.value_head.state_dict(), session.out / "value_head.pt")
    return finish(session, trainer.model, steps, {"tasks": len(trainer.task_ids)})
