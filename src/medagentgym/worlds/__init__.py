"""Synthetic EHR worlds with the exact schemas of EHRSQL's MIMIC-III and eICU and MIMICSQL.

The credentialed databases cannot ship, so MedAgentGym generates hospitals that look like them:
same tables, columns, types and value formats, clinically plausible and deterministic from a
seed. Each world is a read-only SQLite file plus one CSV per table, as in the original tasks.

>>> world = build_world("mimic_iii")            # doctest: +SKIP
>>> WorldInspector(world).search("heart failure")  # doctest: +SKIP
"""

from medagentgym.worlds.build import (
    DEFAULT_PATIENTS,
    GENERATOR_VERSION,
    World,
    build_world,
    default_world,
)
from medagentgym.worlds.inspector import WorldInspector
from medagentgym.worlds.registry import EHRSQL_NOW, WORLD_NAMES
from medagentgym.worlds.schema import SCHEMAS
from medagentgym.worlds.slots import slot_counts, slot_names, slot_values

__all__ = [
    "DEFAULT_PATIENTS",
    "EHRSQL_NOW",
    "GENERATOR_VERSION",
    "SCHEMAS",
    "WORLD_NAMES",
    "World",
    "WorldInspector",
    "build_world",
    "default_world",
    "slot_counts",
    "slot_names",
    "slot_values",
]
