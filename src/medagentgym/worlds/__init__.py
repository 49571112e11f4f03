"""Synthetic EHR worlds with the exact schemas of EHRSQL's MIMIC-III and eICU and MIMICSQL.

The credentialed databases cannot ship, so MedAgentGym generates hospitals that look like them:
same tables, columns, types and value formats, clinically plausible and deterministic from a
seed. Each world is a read-only SQLite file plus one CSV per table, as in the original tasks.

>>> world = build_world("mimic_iii")            # doctest: +SKIP
>>> WorldInspector(world).search("heart failure")  # doctest: +SKIP
"""

from importlib import import_module
from typing import Any

_EXPORTS = {
    "DEFAULT_PATIENTS": "medagentgym.worlds.build",
    "GENERATOR_VERSION": "medagentgym.worlds.build",
    "World": "medagentgym.worlds.build",
    "build_world": "medagentgym.worlds.build",
    "default_world": "medagentgym.worlds.build",
    "WorldInspector": "medagentgym.worlds.inspector",
    "EHRSQL_NOW": "medagentgym.worlds.registry",
    "WORLD_NAMES": "medagentgym.worlds.registry",
    "SCHEMAS": "medagentgym.worlds.schema",
    "slot_counts": "medagentgym.worlds.slots",
    "slot_names": "medagentgym.worlds.slots",
    "slot_values": "medagentgym.worlds.slots",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Import on first use, so that ``medagentgym --help`` does not load pandas."""
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'medagentgym.worlds' has no attribute {name!r}")
