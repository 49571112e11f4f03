"""MIMICSQL (TREQS): 5 denormalised tables, one DEMOGRAPHIC row per admission.

Values keep MIMIC-III's original case ('EMERGENCY', 'Medicare', 'Congestive heart failure,
unspecified'); the schema declares TEXT columns ``COLLATE NOCASE`` so that the lower-case gold
SQL matches them. Ids are TEXT, as ``pandas.to_sql`` wrote them; times span MIMIC's shifted
years (2100-2205) and there is no "now" (every admission is closed). Derived columns follow
MIMICSQL's ``process_tables.py``: AGE = admit year - birth year, DAYS_STAY = whole days,
DRUG_DOSE = dose + unit, VALUE_UNIT = value + unit, DIAGNOSIS = the free-text admission reason.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from medagentgym.worlds import events as ev
from medagentgym.worlds.cohort import DAY, Hospital
from medagentgym.worlds.emit.common import timestamps, unique_ids
from medagentgym.worlds.knowledge import Knowledge


def _names(hosp: Hospital, k: Knowledge, rng: np.random.Generator) -> np.ndarray:
    """Distinct 'First Last' names per person, first names by sex."""
    names = k.demographics["names"]
    last = np.asarray(names["last"], dtype=object)
    out = np.empty(len(hosp.persons), dtype=object)
    for male, key in ((True, "first_male"), (False, "first_female")):
        first = np.asarray(names[key], dtype=object)
        who = np.nonzero(hosp.persons["male"].to_numpy() == male)[0]
        pairs = rng.choice(len(first) * len(last), len(who), replace=len(who) > len(first) * len(last))
        out[who] = [f"{first[p // len(last)]} {last[p % len(last)]}".title() for p in pairs]
    return out


def _whole_days(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Whole days between minute-resolution timestamps (the times as stored)."""
    minute = 60.0
    return np.floor((np.floor(end / minute) - np.floor(start / minute)) * minute / DAY).astype(int)


def _year(values: np.ndarray) -> np.ndarray:
    return (
        np.asarray(values, dtype="float")
        .astype("int64")
        .astype("datetime64[s]")
        .astype("datetime64[Y]")
        .astype(int)
        + 1970
    )


def _flags(k: Knowledge, lab: pd.DataFrame) -> np.ndarray:
    """MIMIC's FLAG: 'abnormal' outside the reference range, else 'delta' after a big change."""
    catalogue = k.labs.loc[lab["lab"].to_numpy()]
    value = lab["value"].to_numpy()
    lo, hi = catalogue["ref_lo"].to_numpy(), catalogue["ref_hi"].to_numpy()
    abnormal = (hi > lo) & ((value < lo) | (value > hi))
    log = catalogue["log"].to_numpy()
    scaled = np.where(log, np.log(np.maximum(value, 1e-6)), value)
    groups = [lab["aid"].to_numpy(), lab["lab"].to_numpy()]
    previous = pd.Series(scaled).groupby(groups).shift(1).to_numpy()
    delta = np.abs(scaled - previous) > 2 * catalogue["sd"].to_numpy()
    return np.where(abnormal, "abnormal", np.where(delta, "delta", None)).astype(object)


def emit(hosp: Hospital, k: Knowledge, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """The 5 MIMICSQL tables for a cohort."""
    persons, adm, icu = hosp.persons, hosp.admissions, hosp.icustays
    subject = np.sort(unique_ids(rng, 1, 100_000, len(persons))).astype(str)
    hadm = unique_ids(rng, 100_000, 200_000, len(adm)).astype(str)
    icustay_id = unique_ids(rng, 200_000, 300_000, len(icu)).astype(str)
    pid = adm["pid"].to_numpy()
    names = _names(hosp, k, rng)
    dob = persons["dob"].to_numpy()[pid]
    dod = persons["dod"].to_numpy()[pid]
    admit_year = _year(adm["admit"])
    dob_year = _year(dob)
    tables = {
        "DEMOGRAPHIC": pd.DataFrame(
            {
                "SUBJECT_ID": subject[pid],
                "HADM_ID": hadm,
                "NAME": names[pid],
                "MARITAL_STATUS": adm["marital"].to_numpy(),
                "AGE": admit_year - dob_year,
                "DOB": timestamps(dob),
                "GENDER": np.where(persons["male"].to_numpy()[pid], "M", "F"),
                "LANGUAGE": adm["language"].to_numpy(),
                "RELIGION": adm["religion"].to_numpy(),
                "ADMISSION_TYPE": adm["adm_type"].to_numpy(),
                "DAYS_STAY": _whole_days(adm["admit"].to_numpy(), adm["disch"].to_numpy()),
                "INSURANCE": adm["insurance"].to_numpy(),
                "ETHNICITY": adm["ethnicity"].to_numpy(),
                "EXPIRE_FLAG": (~np.isnan(dod)).astype(int),
                "ADMISSION_LOCATION": adm["location"].to_numpy(),
                "DISCHARGE_LOCATION": adm["discharge_location"].to_numpy(),
                "DIAGNOSIS": adm["admit_text"].to_numpy(),
                "DOD": timestamps(dod),
                "DOB_YEAR": dob_year,
                "DOD_YEAR": np.where(np.isnan(dod), np.nan, _year(np.nan_to_num(dod)).astype(float)),
                "ADMITTIME": timestamps(adm["admit"]),
                "DISCHTIME": timestamps(adm["disch"]),
                "ADMITYEAR": admit_year,
            }
        )
    }

    def ids(aid: np.ndarray) -> dict[str, np.ndarray]:
        return {"SUBJECT_ID": subject[pid[aid]], "HADM_ID": hadm[aid]}

    windows = ev.windows_of(adm, "aid", "admit")
    dx = ev.diagnosis_codes(k, hosp, rng)
    px = ev.procedure_codes(k, hosp, windows, rng).sort_values(["aid", "time"], kind="stable")
    for name, codes, titles in (("DIAGNOSES", dx, k.icd9_dx), ("PROCEDURES", px, k.icd9_px)):
        info = titles.set_index("code").loc[codes["code"].to_numpy()]
        tables[name] = pd.DataFrame(
            {
                **ids(codes["aid"].to_numpy()),
                "ICD9_CODE": codes["code"].to_numpy(),
                "SHORT_TITLE": info["short_title"].to_numpy(),
                "LONG_TITLE": info["long_title"].to_numpy(),
            }
        )
    orders = ev.drug_orders(k, hosp, windows, rng)
    drug = k.drugs.loc[orders["drug"].to_numpy()]
    icu_windows = ev.windows_of(icu, "uid", "intime")
    stay = ev.window_at(icu_windows, orders["aid"].to_numpy(), orders["start"].to_numpy())
    start = orders["start"].to_numpy()
    inside = (stay >= 0) & (start >= icu["intime"].to_numpy()[stay]) & (start < icu["end"].to_numpy()[stay])
    tables["PRESCRIPTIONS"] = pd.DataFrame(
        {
            **ids(orders["aid"].to_numpy()),
            "ICUSTAY_ID": np.where(inside, icustay_id[stay], None),
            "DRUG_TYPE": drug["type"].to_numpy(),
            "DRUG": drug["drug"].to_numpy(),
            "FORMULARY_DRUG_CD": drug["fcode"].to_numpy(),
            "ROUTE": drug["route"].to_numpy(),
            "DRUG_DOSE": (drug["dose"] + drug["unit"]).to_numpy(),
        }
    )
    labs = k.labs.index[k.labs["itemid"].notna()].to_numpy()
    lab = ev.lab_events(k, hosp, windows, rng, labs)
    catalogue = k.labs.loc[lab["lab"].to_numpy()]
    decimals = catalogue["dec"].to_numpy()
    value = [f"{v:.{d}f}" for v, d in zip(lab["value"].to_numpy(), decimals, strict=True)]
    units = catalogue["unit"].fillna("").to_numpy()
    tables["LAB"] = pd.DataFrame(
        {
            **ids(lab["aid"].to_numpy()),
            "ITEMID": catalogue["itemid"].astype(int).astype(str).to_numpy(),
            "CHARTTIME": timestamps(lab["time"]),
            "FLAG": _flags(k, lab),
            "VALUE_UNIT": [v + u for v, u in zip(value, units, strict=True)],
            "LABEL": catalogue["label"].to_numpy(),
            "FLUID": catalogue["fluid"].to_numpy(),
            "CATEGORY": catalogue["category"].to_numpy(),
        }
    )
    return tables
