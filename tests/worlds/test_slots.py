"""Slot vocabularies hold values that exist in the world, most frequent first."""

from __future__ import annotations

import pytest

from medagentgym.errors import ConfigError
from medagentgym.worlds import World, slot_counts, slot_names, slot_values


def test_every_slot_has_values(worlds: dict[str, World]) -> None:
    for name, world in worlds.items():
        for slot in slot_names(name):
            counts = slot_counts(world, slot)
            assert counts, (name, slot)
            frequencies = [n for _, n in counts]
            assert frequencies == sorted(frequencies, reverse=True), (name, slot)


def test_values_are_usable_in_queries(mimic: World, eicu: World, scalar) -> None:
    lab = slot_values(mimic, "lab_name", limit=1)[0]
    assert (
        scalar(
            mimic,
            "SELECT COUNT(*) FROM LABEVENTS WHERE ITEMID IN (SELECT ITEMID FROM D_LABITEMS WHERE LABEL = ?)",
            lab,
        )
        > 0
    )
    patient = slot_values(mimic, "current_patient_id", limit=1)[0]
    assert (
        scalar(mimic, "SELECT COUNT(*) FROM ADMISSIONS WHERE SUBJECT_ID = ? AND DISCHTIME IS NULL", patient)
        == 1
    )
    assert set(slot_values(eicu, "vital_name")) == {
        "temperature",
        "sao2",
        "heartrate",
        "respiration",
        "systemicsystolic",
        "systemicdiastolic",
        "systemicmean",
    }
    assert "demographic.diagnosis" in slot_names("treqs")


def test_unknown_slot_or_world(mimic: World) -> None:
    with pytest.raises(ConfigError, match="unknown slot"):
        slot_values(mimic, "favourite_colour")
    with pytest.raises(ConfigError, match="unknown world"):
        slot_names("mimic_iv")
