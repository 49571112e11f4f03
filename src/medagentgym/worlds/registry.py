"""The three worlds: schema, hospital configuration and emitter, and how to generate one."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from medagentgym.worlds.cohort import CohortConfig, Hospital, build_cohort
from medagentgym.worlds.emit import eicu, mimic_iii, treqs
from medagentgym.worlds.knowledge import Knowledge, load_knowledge
from medagentgym.worlds.schema import EICU, MIMIC_III, TREQS, Schema

EHRSQL_START = "2100-01-01 00:00:00"
EHRSQL_NOW = "2105-12-31 23:59:00"  # EHRSQL's current_time


@dataclass(frozen=True)
class WorldSpec:
    """Everything that distinguishes one world from another."""

    schema: Schema
    cohort: CohortConfig
    emit: Callable[[Hospital, Knowledge, np.random.Generator], dict[str, pd.DataFrame]]
    summary: str


SPECS: dict[str, WorldSpec] = {
    "mimic_iii": WorldSpec(
        MIMIC_III,
        CohortConfig(start=EHRSQL_START, end=EHRSQL_NOW, ongoing=True, current_share=0.1),
        mimic_iii.emit,
        "EHRSQL MIMIC-III (17 tables; also EHR-SeqSQL's database)",
    ),
    "eicu": WorldSpec(
        EICU,
        CohortConfig(
            start=EHRSQL_START,
            end=EHRSQL_NOW,
            ongoing=True,
            current_share=0.1,
            max_age=95,
            icu_always=True,
            extra_icu_share=0.12,
        ),
        eicu.emit,
        "EHRSQL eICU (10 tables)",
    ),
    "treqs": WorldSpec(
        TREQS,
        CohortConfig(
            start="2100-01-01 00:00:00",
            end="2205-12-31 23:59:00",
            ongoing=False,
            min_age=15,
            max_age=95,
            newborn_share=0.1,
        ),
        treqs.emit,
        "MIMICSQL / TREQS (5 tables)",
    ),
}

WORLD_NAMES: tuple[str, ...] = ("mimic_iii", "eicu", "treqs")


def generate(name: str, seed: int, n_patients: int) -> dict[str, pd.DataFrame]:
    """All tables of world ``name``: a pure function of (name, seed, n_patients)."""
    spec = SPECS[name]
    rng = np.random.default_rng(np.random.SeedSequence([seed, zlib.crc32(name.encode())]))
    knowledge = load_knowledge()
    hospital = build_cohort(rng, n_patients, spec.cohort, knowledge)
    return spec.emit(hospital, knowledge, rng)
