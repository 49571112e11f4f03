"""Training on MedAgentGym trajectories: datasets (SFT, DPO, RL), trainers (SFT, DPO, GRPO, PPO) and a verifier.

Modules, one job each (heavy libraries are imported only by the trainers):

* ``selection`` / ``rundirs`` / ``export``: choosing trajectories, reading and writing run
  directories, building and writing SFT / DPO / RL datasets.
* ``chat``: conversations as token ids with assistant-only masks, for any prefix-preserving template.
* ``config``: one settings dataclass per trainer, from YAML/JSON files and flags.
* ``modeling`` / ``session`` / ``curves``: loading and saving models, one run's lifecycle, metrics.
* ``online``: episodes played by a local model with the environment in the loop (GRPO, PPO, evaluation).
* ``sft``, ``dpo``, ``grpo``, ``ppo``, ``verifier``, ``rollouts``: the trainers, the verifier, rollouts.
* ``cli``: ``medagentgym export|train|verify``.
"""
