"""The worlds have exactly the tables, columns, types and files of the originals."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from medagentgym.worlds import World
from medagentgym.worlds.schema import SCHEMAS, Column

FACTS = Path("/work/shared/facts/schemas.json")


def _affinity(declared: str) -> str:
    return Column("x", declared).affinity


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_schema_matches_the_reference_specification(name: str) -> None:
    if not FACTS.is_file():
        pytest.skip("reference schemas.json not available")
    reference = json.loads(FACTS.read_text())["schemas"][name]["tables"]
    schema = SCHEMAS[name]
    assert [t.name for t in schema.tables] == list(reference)
    for table in schema.tables:
        expected = [(c["name"], c["type"], c["not_null"]) for c in reference[table.name]["columns"]]
        actual = [(c.name, c.type, c.not_null) for c in table.columns]
        assert actual == expected, table.name


def test_database_declares_every_column_with_its_affinity(worlds: dict[str, World], query) -> None:
    for name, world in worlds.items():
        schema = SCHEMAS[name]
        tables = {r[0] for r in query(world, "SELECT name FROM sqlite_master WHERE type='table'")}
        assert tables == {t.name for t in schema.tables}
        for table in schema.tables:
            info = query(world, f"PRAGMA table_info({table.name})")
            assert [(r[1], r[2], bool(r[3])) for r in info] == [
                (c.name, c.type, c.not_null or c.primary_key) for c in table.columns
            ], table.name
            for column in table.columns:
                assert _affinity(column.type) == column.affinity


def test_text_columns_are_case_insensitive_only_in_treqs(worlds: dict[str, World], query) -> None:
    ddl = {
        name: " ".join(r[0] for r in query(w, "SELECT sql FROM sqlite_master WHERE type='table'"))
        for name, w in worlds.items()
    }
    assert "COLLATE NOCASE" in ddl["treqs"]
    assert "COLLATE NOCASE" not in ddl["mimic_iii"] + ddl["eicu"]


def test_stored_values_have_the_declared_storage_class(worlds: dict[str, World], query) -> None:
    """Numeric comparisons in gold SQL need INTEGER/REAL values, not numeric text."""
    checks = {
        "mimic_iii": [
            ("ADMISSIONS", "AGE", "integer"),
            ("LABEVENTS", "VALUENUM", "real"),
            ("CHARTEVENTS", "VALUENUM", "real"),
            ("COST", "COST", "real"),
            ("PRESCRIPTIONS", "DOSE_VAL_RX", "text"),
            ("TRANSFERS", "WARDID", "integer"),
        ],
        "eicu": [
            ("patient", "age", "text"),
            ("vitalperiodic", "heartrate", "integer"),
            ("intakeoutput", "cellvaluenumeric", "real"),
            ("cost", "cost", "real"),
        ],
        "treqs": [
            ("DEMOGRAPHIC", "AGE", "integer"),
            ("DEMOGRAPHIC", "DAYS_STAY", "integer"),
            ("DEMOGRAPHIC", "DOD_YEAR", "real"),
            ("DEMOGRAPHIC", "SUBJECT_ID", "text"),
            ("LAB", "ITEMID", "text"),
        ],
    }
    for name, columns in checks.items():
        for table, column, storage in columns:
            kinds = {
                r[0]
                for r in query(
                    worlds[name], f"SELECT DISTINCT typeof({column}) FROM {table} WHERE {column} IS NOT NULL"
                )
            }
            allowed = {storage, "integer"} if storage == "real" else {storage}
            assert kinds <= allowed and kinds, (name, table, column, kinds)


def test_csv_files_mirror_the_tables(worlds: dict[str, World]) -> None:
    for name, world in worlds.items():
        for table in SCHEMAS[name].tables:
            with (world.csv_dir / table.csv_name).open(newline="") as handle:
                reader = csv.reader(handle)
                header = next(reader)
                count = sum(1 for _ in reader)
            assert header == list(table.column_names)
            assert count == world.tables[table.name]


def test_csv_names_follow_the_original_prompts(worlds: dict[str, World]) -> None:
    names = {p.name for p in worlds["mimic_iii"].csv_dir.iterdir()}
    assert "PROCEDURES.csv" in names and "ADMISSIONS.csv" in names
    assert "vitalperiod.csv" in {p.name for p in worlds["eicu"].csv_dir.iterdir()}
