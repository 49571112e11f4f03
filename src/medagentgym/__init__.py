"""MedAgentGym: train and evaluate LLM agents that solve biomedical problems with code.

Quick use::

    import medagentgym
    env = medagentgym.make("demo", split="test")
    messages, info = env.reset(seed=0)

The public names below are imported lazily so that ``import medagentgym`` stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "make": "medagentgym.env.environment",
    "MedAgentEnv": "medagentgym.env.environment",
    "Task": "medagentgym.tasks.model",
    "Question": "medagentgym.tasks.model",
    "Resource": "medagentgym.tasks.model",
    "Oracle": "medagentgym.tasks.model",
    "Family": "medagentgym.tasks.registry",
    "register_family": "medagentgym.tasks.registry",
    "get_family": "medagentgym.tasks.registry",
    "all_families": "medagentgym.tasks.registry",
    "get_task": "medagentgym.tasks.registry",
    "Episode": "medagentgym.trajectory",
    "MedAgentGymError": "medagentgym.errors",
}

__all__ = ["__version__", *_EXPORTS.keys()]  # noqa: PLE0604 - names resolved lazily


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'medagentgym' has no attribute {name!r}")
