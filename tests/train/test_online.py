"""Online loop: token-in/token-out rollouts, GRPO, PPO, the verifier and Ray rollouts on a tiny model."""

from __future__ import annotations

import json
import shutil

import pytest
import torch

from medagentgym.tasks.taskset import resolve_tasks
from medagentgym.train.online import Job, LocalPolicy, Sampling, play_sync, summarize
from medagentgym.trajectory import Episode

pytestmark = pytest.mark.train


@pytest.fixture(scope="module")
def policy(tiny_model):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(0)
    return LocalPolicy(
        AutoModelForCausalLM.from_pretrained(tiny_model), AutoTokenizer.from_pretrained(tiny_model)
    )


def test_rollouts_keep_sampled_tokens_and_mask_everything_else(policy):
    tasks = resolve_tasks("demo", "train")
    jobs = [Job("demo/train/s0/0", s) for s in range(2)] + [Job("demo/train/s0/1")]
    sampling = Sampling(temperature=1.0, max_new_tokens=10, token_budget=25)
    rollouts = play_sync(policy, tasks, jobs, sampling=sampling, env_options={"max_steps": 4}, batch_size=2)
    assert [(r.episode.task_id, r.episode.sample) for r in rollouts] == [(j.task_id, j.sample) for j in jobs]
    for rollout in rollouts:
        episode = rollout.episode
        sampled = [t for step in episode.steps for t in step.model["completion_token_ids"]]
        assert [t for t, m in zip(rollout.completion_ids, rollout.mask, strict=True) if m] == sampled
        assert rollout.generated == len(sampled) <= 25
        assert len(rollout.logprobs) == len(rollout.completion_ids)
        context = policy.codec.decode(rollout.context)
        assert context.startswith(policy.codec.render(episode.messages[:2], generation_prompt=True))
        for step in episode.steps[:-1]:  # every observation the model read is in the context, masked
            assert step.observation_text in context
        assert episode.status in ("truncated", "completed") and episode.num_steps <= 4
    # 10 tokens a turn, 25 in all: a model that rarely stops runs out of tokens before its 4th turn
    assert any(r.episode.termination == "token_budget" for r in rollouts)
    summary = summarize([r.episode for r in rollouts])
    assert summary["episodes"] == 3 and summary["tasks"] == 2
    assert summary["by_family"] == {"demo": summary["success_rate"]}


def test_batched_decoding_matches_one_sequence_at_a_time(policy):
    """Left padding, the preallocated cache and dropping finished rows change nothing."""
    contexts = [list(range(5, 45)), list(range(7, 19)), list(range(3, 30))]
    limits = [12, 3, 7]  # the second row finishes first, then the third: the batch shrinks twice
    batched = policy.generate(contexts, limits, temperature=0.0)
    for context, limit, result in zip(contexts, limits, batched, strict=True):
        alone = policy.model.generate(
            torch.tensor([context]),
            attention_mask=torch.ones((1, len(context)), dtype=torch.long),
            max_new_tokens=limit,
            do_sample=False,
            eos_token_id=None,
            pad_token_id=policy.pad_id,
        )[0, len(context) :].tolist()
        expected = alone[: next((i + 1 for i, t in enumerate(alone) if t in policy.eos_ids), len(alone))]
        assert result.ids == expected
        assert len(result.logprobs) == len(result.ids)


def test_a_turn_can_stop_once_it_holds_a_complete_action():
    from medagentgym.train.online import has_action

    action = '{"action": "execute_code", "params": {"code": "print({1: 2})"}}'
    assert has_action(action) and has_action("Sure. " + action + " and more text")
    assert not has_action(action[:-1]) and not has_action('{"answer": 3}') and not has_action("no braces")
    assert has_action('{"name": "submit_answer", "arguments": {"answer": 1}}')


def test_gae_matches_a_hand_computation():
    from medagentgym.train.ppo import gae

    rewards, values = torch.tensor([0.0, 0.0, 1.0]), torch.tensor([0.5, 0.25, 0.5])
    advantages, returns = gae(rewards, values, gamma=1.0, lam=0.5)
    deltas = [0.0 + 0.25 - 0.5, 0.0 + 0.5 - 0.25, 1.0 - 0.5]
    expected = [deltas[0] + 0.5 * (deltas[1] + 0.5 * deltas[2]), deltas[1] + 0.5 * deltas[2], deltas[2]]
    assert advantages.tolist() == pytest.approx(expected)
    assert returns.tolist() == pytest.approx([a + v for a, v in zip(expected, values.tolist(), strict=True)])


def test_grpo_plays_groups_in_the_environment(tiny_model, tmp_path):
    from medagentgym.train.config import GRPOConfig, load_config
    from medagentgym.train.grpo import train_grpo

    config = load_config(
        GRPOConfig,
        model=str(tiny_model),
        output_dir=str(tmp_path),
        max_steps=1,
        batch_size=4,
        num_generations=2,
        num_tasks=2,
        max_turns=2,
        max_new_tokens=8,
        token_budget=16,
        learning_rate=1e-3,
    )
    result = train_grpo(config)
    assert result["steps"] == 1
    lines = (tmp_path / "rollouts" / "episodes.jsonl").read_text().splitlines()
    episodes = [Episode.from_dict(json.loads(line)) for line in lines]
    assert len(episodes) == 4 and sorted(e.sample for e in episodes) == [0, 0, 1, 1]
    assert all(step.model["completion_token_ids"] for e in episodes for step in e.steps)
    assert any(row.startswith("1,reward") for row in (tmp_path / "metrics.csv").read_text().splitlines())


def test_ppo_trains_saves_and_resumes(tiny_model, tmp_path):
    from medagentgym.train.config import PPOConfig, load_config
    from medagentgym.train.ppo import train_ppo

    settings = {
        "model": str(tiny_model),
        "output_dir": str(tmp_path),
        "batch_size": 2,
        "num_generations": 2,
        "num_tasks": 2,
        "max_turns": 2,
        "max_new_tokens": 8,
        "token_budget": 16,
        "learning_rate": 1e-3,
        "save_steps": 1,
    }
    assert train_ppo(load_config(PPOConfig, max_steps=1, **settings))["steps"] == 1
    assert (tmp_path / "checkpoints" / "checkpoint-1" / "value_head.pt").is_file()
    assert train_ppo(load_config(PPOConfig, max_steps=2, resume=True, **settings))["steps"] == 2
    metrics = (tmp_path / "metrics.csv").read_text()
    assert "1,value_loss" in metrics and "2,value_loss" in metrics


def test_verifier_learns_and_scores_best_of_k(tiny_model, demo_run, tmp_path):
    from medagentgym.train.config import VerifierConfig, load_config
    from medagentgym.train.verifier import Verifier, best_and_pass_at_k, score_runs, train_verifier

    config = load_config(
        VerifierConfig, model=str(tiny_model), output_dir=str(tmp_path / "v"), max_steps=5, learning_rate=1e-2,
        full_finetune=True, max_length=1024,
    )  # fmt: skip
    result = train_verifier(config, [demo_run])
    with (tmp_path / "v" / "metrics.csv").open() as handle:
        history = [float(line.split(",")[2]) for line in handle if ",loss," in line]
    assert history[-1] < history[0]
    run = tmp_path / "run"
    shutil.copytree(demo_run, run)
    episodes = score_runs([run], Verifier.load(result["checkpoint"]).score)
    reread = [
        Episode.from_dict(json.loads(line)) for line in (run / "episodes.jsonl").read_text().splitlines()
    ]
    assert all(0.0 <= e.extra["verifier_score"] <= 1.0 for e in reread) and len(reread) == len(episodes)
    table = best_and_pass_at_k(episodes, [1, 4])
    assert table[1]["pass_at_k"] == 1.0 and 0.0 <= table[1]["best_at_k"] <= 1.0


def test_best_at_k_picks_the_highest_score():
    from medagentgym.train.verifier import best_and_pass_at_k

    def episode(sample: int, success: bool, score: float) -> Episode:
        return Episode(
            "t/0", "demo", "c", "test", sample=sample, success=success, extra={"verifier_score": score}
        )

    episodes = [episode(0, False, 0.9), episode(1, True, 0.8), episode(2, True, 0.95)]
    assert best_and_pass_at_k(episodes, [1, 2, 3]) == [
        {"k": 1, "pass_at_k": 0.0, "best_at_k": 0.0},
        {"k": 2, "pass_at_k": 1.0, "best_at_k": 0.0},
        {"k": 3, "pass_at_k": 1.0, "best_at_k": 1.0},
    ]


@pytest.mark.slow
def test_rollouts_over_a_local_ray_instance(tiny_model, tmp_path):
    pytest.importorskip("ray")
    import ray

    from medagentgym.train.rollouts import RolloutPlan, sample_rollouts, write_rollouts

    plan = RolloutPlan(
        model=str(tiny_model),
        tasks="demo",
        split="test",
        num_tasks=3,
        samples=2,
        sampling=Sampling(temperature=1.0, max_new_tokens=6, token_budget=12),
        env_options={"max_steps": 2},
    )
    try:
        episodes = sample_rollouts(plan, ray_address="local", workers=2)
    finally:
        ray.shutdown()
    assert [(e.task_id, e.sample) for e in episodes] == [(j.task_id, j.sample) for j in plan.jobs()]
    summary = write_rollouts(plan, episodes, tmp_path)
    assert summary["episodes"] == 6 and json.loads((tmp_path / "run.json").read_text())["samples"] == 2


def test_scripted_and_api_backends_roll_out_through_the_evaluation_runner(tmp_path):
    from medagentgym.train.rollouts import RolloutPlan, sample_rollouts, write_rollouts

    plan = RolloutPlan(model="agent:oracle", tasks="demo", split="train", num_tasks=3, samples=2)
    episodes = sample_rollouts(plan)
    assert [(e.task_id, e.sample) for e in episodes] == [(j.task_id, j.sample) for j in plan.jobs()]
    assert all(e.success for e in episodes)
    assert write_rollouts(plan, episodes, tmp_path)["success_rate"] == 1.0
