"""request_info answers: schema, column values, fuzzy search; bad names get help, not errors."""

from __future__ import annotations

import time

import pytest

from medagentgym.worlds import World, WorldInspector


@pytest.fixture(scope="module")
def inspectors(worlds: dict[str, World]) -> dict[str, WorldInspector]:
    return {name: WorldInspector(world) for name, world in worlds.items()}


def test_schema_lists_tables_and_columns(inspectors: dict[str, WorldInspector]) -> None:
    text = inspectors["mimic_iii"].schema()
    assert "ADMISSIONS (" in text and "HADM_ID INT" in text and "CHARTEVENTS" in text
    one = inspectors["mimic_iii"].schema("labevents")
    assert one.startswith("LABEVENTS") and "VALUENUM DOUBLE PRECISION" in one
    assert "foreign keys: HADM_ID -> ADMISSIONS.HADM_ID" in one
    assert "ADMISSIONS" not in one.split("\n")[0].split("(")[0]


def test_unknown_names_get_helpful_text(inspectors: dict[str, WorldInspector]) -> None:
    eicu = inspectors["eicu"]
    text = eicu.schema("patients")
    assert "Unknown table 'patients'" in text and "Did you mean 'patient'" in text
    assert "vitalperiodic" in text
    column = eicu.column_values("patient", "agee")
    assert "Unknown column 'agee'" in column and "'age'" in column and "uniquepid" in column
    assert "Unknown table" in eicu.column_values("nope", "x")
    assert "non-empty" in eicu.search("   ")


def test_column_values_most_frequent_first(inspectors: dict[str, WorldInspector], eicu: World, query) -> None:
    text = inspectors["eicu"].column_values("patient", "gender", limit=5)
    assert text.startswith("patient.gender: 2 distinct values")
    order = [r[0] for r in query(eicu, "SELECT gender FROM patient GROUP BY 1 ORDER BY COUNT(*) DESC")]
    listing = text.split("Most frequent (count): ")[1]
    assert listing.index(repr(order[0])) < listing.index(repr(order[1]))
    many = inspectors["mimic_iii"].column_values("D_ICD_DIAGNOSES", "short_title", limit=3)
    assert "14328 distinct values" in many and "and 14325 more" in many
    numeric = inspectors["mimic_iii"].column_values("ADMISSIONS", "AGE")
    assert "range 11 .. 89" in numeric
    assert "range" not in inspectors["mimic_iii"].column_values("PATIENTS", "GENDER")
    assert "range '2100-" in inspectors["mimic_iii"].column_values("ADMISSIONS", "ADMITTIME")


def test_search_finds_values_with_their_columns(inspectors: dict[str, WorldInspector]) -> None:
    mimic = inspectors["mimic_iii"]
    text = mimic.search("creatinine")
    assert "'creatinine' in D_LABITEMS.LABEL" in text
    assert "'creatinine'" in mimic.search("creatinin")  # a typo still finds it
    assert "chf nos" in mimic.search("chf")
    assert "heart failure" in mimic.search("congestive heart failure").lower()
    assert "sputum" in inspectors["eicu"].search("sputum")
    assert "vitalperiodic.heartrate (column)" in inspectors["eicu"].search("heartrate")
    lines = mimic.search("heart", limit=3).splitlines()
    assert len(lines) == 4


def test_calls_are_fast(inspectors: dict[str, WorldInspector]) -> None:
    mimic = inspectors["mimic_iii"]
    mimic.search("warmup")
    for call in (
        mimic.schema,
        lambda: mimic.column_values("LABEVENTS", "ITEMID"),
        lambda: mimic.search("acute kidney failure"),
    ):
        started = time.perf_counter()
        call()
        assert time.perf_counter() - started < 0.5  # generous: benchmarks track the 50 ms goal
