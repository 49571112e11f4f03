"""Write a world's tables: the SQLite file and CSVs the agent sees, and the inspector sidecar.

Everything is written in a fixed order from deterministic frames, so the same tables give a
byte-identical database. The sidecar (column profiles and the text vocabulary for fuzzy search)
is computed here, once, so that ``request_info`` answers in milliseconds; it lives next to the
database but is never mounted into the agent's sandbox.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from medagentgym.worlds.schema import Schema, Table

TOP_VALUES = 50
SIDECAR = "inspect.json"
_NOT_VOCABULARY = re.compile(r"(^|_)(id|time|date|dob|dod)$|id$|time$|date$", re.IGNORECASE)
_TIME_LIKE = re.compile(r"(time|date|dob|dod)$", re.IGNORECASE)
_NUMBERISH = re.compile(r"^[\s\d.,:<>=+\-/%]*[\d]")


def _python_column(series: pd.Series) -> list:
    """A column as Python values for sqlite3 (numpy scalars and NaN/NA become int/float/None)."""
    if pd.api.types.is_integer_dtype(series.dtype) and not series.hasnans:
        return series.astype("int64").tolist()
    if pd.api.types.is_float_dtype(series.dtype):
        values = series.to_numpy(dtype=float)
        out = values.tolist()
        missing = np.isnan(values)
    else:
        values = series.astype(object).to_numpy()
        out = [int(v) if isinstance(v, np.integer) else v for v in values.tolist()]
        missing = pd.isna(values)
    for i in np.nonzero(missing)[0]:
        out[i] = None
    return out


def _check_columns(table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    missing = set(table.column_names) - set(frame.columns)
    if missing:
        raise ValueError(f"generator bug: {table.name} lacks columns {sorted(missing)}")
    return frame[list(table.column_names)]


def write_sqlite(path: Path, schema: Schema, tables: dict[str, pd.DataFrame]) -> None:
    """Create the database with the schema's DDL, insert every table, add lookup indexes."""
    connection = sqlite3.connect(path)
    try:
        connection.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA locking_mode=EXCLUSIVE; "
            "PRAGMA cache_size=-200000;"
        )
        connection.executescript(schema.ddl())
        for table in schema.tables:
            frame = _check_columns(table, tables[table.name])
            rows = zip(*(_python_column(frame[c]) for c in frame.columns), strict=True)
            marks = ", ".join("?" * len(frame.columns))
            connection.executemany(f"INSERT INTO {table.name} VALUES ({marks})", rows)
        connection.executescript(schema.index_ddl())
        connection.commit()
    finally:
        connection.close()


def write_csvs(folder: Path, schema: Schema, tables: dict[str, pd.DataFrame]) -> None:
    """One CSV per table, named as in the original prompts (NULL = empty field)."""
    folder.mkdir(parents=True, exist_ok=True)
    options = pacsv.WriteOptions(quoting_style="needed")
    for table in schema.tables:
        frame = _check_columns(table, tables[table.name])
        arrow = pa.Table.from_pandas(frame, preserve_index=False)
        pacsv.write_csv(arrow, folder / table.csv_name, write_options=options)


def _scalar(value: object) -> object:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def profile(schema: Schema, tables: dict[str, pd.DataFrame]) -> dict:
    """Column profiles and the searchable vocabulary of a world (the sidecar): the distinct
    values of its name/label columns, and the table and column names themselves."""
    out: dict = {"schema": schema.name, "tables": {}, "vocabulary": {}}
    vocabulary: dict[str, list[str]] = {}
    for table in schema.tables:
        frame = tables[table.name]
        columns = {}
        for column in table.columns:
            series = frame[column.name]
            counts = series.value_counts(dropna=True, sort=True)
            entry = {
                "type": column.type,
                "nulls": int(series.isna().sum()),
                "distinct": len(counts),
                "top": [[_scalar(v), int(c)] for v, c in counts.head(TOP_VALUES).items()],
            }
            if len(counts) and (column.affinity != "TEXT" or _TIME_LIKE.search(column.name)):
                values = counts.index
                entry["min"], entry["max"] = _scalar(values.min()), _scalar(values.max())
            columns[column.name] = entry
            if _searchable(column.name, column.affinity, counts.index):
                place = f"{table.name}.{column.name}"
                for value in counts.index:
                    vocabulary.setdefault(str(value), []).append(place)
        vocabulary.setdefault(table.name, []).append(f"{table.name} (table)")
        for column in table.columns:
            vocabulary.setdefault(column.name, []).append(f"{table.name}.{column.name} (column)")
        out["tables"][table.name] = {
            "rows": len(frame),
            "csv": table.csv_name,
            "columns": columns,
        }
    out["vocabulary"] = vocabulary
    return out


def _searchable(name: str, affinity: str, values: pd.Index) -> bool:
    """Text columns of names and labels (not ids, times or number-like text)."""
    if affinity != "TEXT" or _NOT_VOCABULARY.search(name) or not len(values):
        return False
    sample = [str(v) for v in values[:200]]
    return sum(bool(_NUMBERISH.match(v)) for v in sample) < 0.5 * len(sample)


def write_profile(path: Path, schema: Schema, tables: dict[str, pd.DataFrame]) -> None:
    path.write_text(json.dumps(profile(schema, tables), sort_keys=False), encoding="utf-8")
