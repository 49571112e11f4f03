"""Slot vocabularies: the values a question template can be filled with, as a world has them.

EHRSQL templates have typed placeholders (``{diagnosis_name}``, ``{lab_name}``,
``{patient_id}``...); MIMICSQL conditions compare a column with a literal. This module answers
"which values does this world have for that slot, most frequent first" with one SQL query per
slot, so question families and the importer's re-grounding sample values that exist (and
therefore give non-empty answers). For TREQS the slots are ``table.column`` names.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from medagentgym.errors import ConfigError
from medagentgym.sqlite import connect_readonly
from medagentgym.worlds.schema import TREQS

if TYPE_CHECKING:
    from medagentgym.worlds.build import World

_MIMIC = {
    "patient_id": "SELECT SUBJECT_ID, COUNT(*) FROM ADMISSIONS GROUP BY 1",
    "current_patient_id": "SELECT SUBJECT_ID, COUNT(*) FROM ADMISSIONS WHERE DISCHTIME IS NULL GROUP BY 1",
    "gender": "SELECT GENDER, COUNT(*) FROM PATIENTS GROUP BY 1",
    "admission_route": "SELECT ADMISSION_LOCATION, COUNT(*) FROM ADMISSIONS GROUP BY 1",
    "diagnosis_name": (
        "SELECT d.SHORT_TITLE, COUNT(*) FROM DIAGNOSES_ICD x "
        "JOIN D_ICD_DIAGNOSES d ON d.ICD9_CODE = x.ICD9_CODE GROUP BY 1"
    ),
    "procedure_name": (
        "SELECT d.SHORT_TITLE, COUNT(*) FROM PROCEDURES_ICD x "
        "JOIN D_ICD_PROCEDURES d ON d.ICD9_CODE = x.ICD9_CODE GROUP BY 1"
    ),
    "abbreviation": (
        "SELECT t, SUM(n) FROM ("
        "SELECT d.SHORT_TITLE AS t, COUNT(*) AS n FROM DIAGNOSES_ICD x "
        "JOIN D_ICD_DIAGNOSES d ON d.ICD9_CODE = x.ICD9_CODE GROUP BY 1 UNION ALL "
        "SELECT d.SHORT_TITLE, COUNT(*) FROM PROCEDURES_ICD x "
        "JOIN D_ICD_PROCEDURES d ON d.ICD9_CODE = x.ICD9_CODE GROUP BY 1) GROUP BY 1"
    ),
    "lab_name": (
        "SELECT d.LABEL, COUNT(*) FROM LABEVENTS x JOIN D_LABITEMS d ON d.ITEMID = x.ITEMID GROUP BY 1"
    ),
    "drug_name": "SELECT DRUG, COUNT(*) FROM PRESCRIPTIONS GROUP BY 1",
    "drug_route": "SELECT ROUTE, COUNT(*) FROM PRESCRIPTIONS GROUP BY 1",
    "vital_name": (
        "SELECT d.LABEL, COUNT(*) FROM CHARTEVENTS x JOIN D_ITEMS d ON d.ITEMID = x.ITEMID "
        "WHERE d.LABEL NOT IN ('admit wt', 'admit ht') GROUP BY 1"
    ),
    "intake_name": (
        "SELECT d.LABEL, COUNT(*) FROM INPUTEVENTS_CV x JOIN D_ITEMS d ON d.ITEMID = x.ITEMID GROUP BY 1"
    ),
    "output_name": (
        "SELECT d.LABEL, COUNT(*) FROM OUTPUTEVENTS x JOIN D_ITEMS d ON d.ITEMID = x.ITEMID GROUP BY 1"
    ),
    "culture_name": "SELECT SPEC_TYPE_DESC, COUNT(*) FROM MICROBIOLOGYEVENTS GROUP BY 1",
    "organism_name": (
        "SELECT ORG_NAME, COUNT(*) FROM MICROBIOLOGYEVENTS WHERE ORG_NAME IS NOT NULL GROUP BY 1"
    ),
    "careunit": "SELECT CAREUNIT, COUNT(*) FROM TRANSFERS WHERE CAREUNIT IS NOT NULL GROUP BY 1",
    "ward_id": "SELECT WARDID, COUNT(*) FROM TRANSFERS WHERE WARDID IS NOT NULL GROUP BY 1",
}

_EICU = {
    "patient_id": "SELECT uniquepid, COUNT(*) FROM patient GROUP BY 1",
    "current_patient_id": (
        "SELECT uniquepid, COUNT(*) FROM patient WHERE hospitaldischargetime IS NULL GROUP BY 1"
    ),
    "gender": "SELECT gender, COUNT(*) FROM patient GROUP BY 1",
    "admission_route": "SELECT hospitaladmitsource, COUNT(*) FROM patient GROUP BY 1",
    "diagnosis_name": "SELECT diagnosisname, COUNT(*) FROM diagnosis GROUP BY 1",
    "procedure_name": "SELECT treatmentname, COUNT(*) FROM treatment GROUP BY 1",
    "lab_name": "SELECT labname, COUNT(*) FROM lab GROUP BY 1",
    "drug_name": "SELECT drugname, COUNT(*) FROM medication GROUP BY 1",
    "drug_route": "SELECT routeadmin, COUNT(*) FROM medication GROUP BY 1",
    "intake_name": ("SELECT celllabel, COUNT(*) FROM intakeoutput WHERE cellpath LIKE '%intake%' GROUP BY 1"),
    "output_name": ("SELECT celllabel, COUNT(*) FROM intakeoutput WHERE cellpath LIKE '%output%' GROUP BY 1"),
    "culture_name": "SELECT culturesite, COUNT(*) FROM microlab GROUP BY 1",
    "organism_name": "SELECT organism, COUNT(*) FROM microlab GROUP BY 1",
    "allergy_name": "SELECT allergyname, COUNT(*) FROM allergy GROUP BY 1",
    "ward_id": "SELECT wardid, COUNT(*) FROM patient GROUP BY 1",
}

# vitalperiodic's vital names are its column names, weighted by how often each is charted
_EICU["vital_name"] = " UNION ALL ".join(
    f"SELECT '{c}', COUNT({c}) FROM vitalperiodic"
    for c in (
        "temperature",
        "sao2",
        "heartrate",
        "respiration",
        "systemicsystolic",
        "systemicdiastolic",
        "systemicmean",
    )
)

_TREQS_NOT_SLOTS = {"DOB", "DOD", "ADMITTIME", "DISCHTIME", "CHARTTIME", "VALUE_UNIT", "HADM_ID"}
_TREQS = {
    f"{t.name.lower()}.{c.name.lower()}": (
        f"SELECT {c.name}, COUNT(*) FROM {t.name} WHERE {c.name} IS NOT NULL GROUP BY 1"
    )
    for t in TREQS.tables
    for c in t.columns
    if c.name not in _TREQS_NOT_SLOTS
}

SLOT_QUERIES: dict[str, dict[str, str]] = {"mimic_iii": _MIMIC, "eicu": _EICU, "treqs": _TREQS}


def slot_names(world: str) -> tuple[str, ...]:
    """The slots a world can fill (EHRSQL placeholder names, or TREQS ``table.column``)."""
    if world not in SLOT_QUERIES:
        raise ConfigError(f"unknown world {world!r}; choose from {', '.join(SLOT_QUERIES)}")
    return tuple(SLOT_QUERIES[world])


@cache
def _counts(db_path: Path, world: str, slot: str) -> tuple[tuple[object, int], ...]:
    query = f"SELECT * FROM ({SLOT_QUERIES[world][slot]}) ORDER BY 2 DESC, 1"
    connection = connect_readonly(db_path)
    try:
        return tuple(connection.execute(query).fetchall())
    finally:
        connection.close()


def slot_counts(world: World, slot: str) -> list[tuple[object, int]]:
    """``(value, occurrences)`` of a slot in a world, most frequent first."""
    if slot not in slot_names(world.name):
        raise ConfigError(
            f"unknown slot {slot!r} for {world.name}; choose from {', '.join(slot_names(world.name))}"
        )
    return list(_counts(world.db_path, world.name, slot))


def slot_values(world: World, slot: str, limit: int | None = None) -> list[object]:
    """The values of a slot, most frequent first (``limit`` keeps the first ones)."""
    values = [value for value, _ in slot_counts(world, slot)]
    return values if limit is None else values[:limit]
