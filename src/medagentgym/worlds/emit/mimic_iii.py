"""EHRSQL's MIMIC-III: 17 tables, lower-case strings, times in 2100-2105, "now" = 2105-12-31 23:59.

Conventions kept from EHRSQL's preprocessing: diagnoses are charted at the admission time,
prescription dates are midnights, ROW_IDs count from 0, COST has one row per diagnosis,
procedure, lab and prescription with a constant cost per item, ``D_ITEMS.LINKSTO`` names the
event table of each item. Deliberate difference: procedures are charted when they happen inside
the stay (EHRSQL charted them at discharge, which left open admissions without procedures).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from medagentgym.worlds import events as ev
from medagentgym.worlds.cohort import DAY, Hospital
from medagentgym.worlds.emit.common import (
    cost_table,
    lower,
    midnight,
    timestamps,
    unique_ids,
)
from medagentgym.worlds.knowledge import Knowledge

HOUR = 3600.0


def _rows(columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """A table from its columns, with EHRSQL's ROW_ID counting from 0."""
    out = pd.DataFrame(columns)
    out.insert(0, "ROW_ID", np.arange(len(out)))
    return out


def _transfers(
    adm: pd.DataFrame, icu: pd.DataFrame, icustay_id: np.ndarray, rng: np.random.Generator, wards: dict
) -> pd.DataFrame:
    """Ward and ICU movements: an admit row, a row per move, a discharge row (if discharged)."""
    general = np.asarray(wards["general"])
    by_aid = icu.groupby("aid").indices
    rows = []
    for a in adm.itertuples(index=False):
        segments = []
        cursor = a.admit
        for i in by_aid.get(a.aid, ()):
            stay = icu.iloc[i]
            if stay.intime > cursor:
                segments.append((cursor, stay.intime, None, None, None))
            out = stay.outtime
            if stay.careunit != stay.last_careunit and not np.isnan(out):
                middle = np.floor(stay.intime + (out - stay.intime) / 2)
                segments.append((stay.intime, middle, icustay_id[i], stay.careunit, stay.ward))
                segments.append((middle, out, icustay_id[i], stay.last_careunit, stay.last_ward))
            else:
                segments.append((stay.intime, out, icustay_id[i], stay.careunit, stay.ward))
            cursor = out
        if not np.isnan(cursor) and (np.isnan(a.disch) or cursor < a.disch):
            segments.append((cursor, a.disch, None, None, None))
        for j, (start, stop, stay_id, unit, icu_ward) in enumerate(segments):
            ward = icu_ward if unit is not None else int(general[rng.integers(len(general))])
            rows.append((a.aid, stay_id, "admit" if j == 0 else "transfer", unit, ward, start, stop))
        if not np.isnan(a.disch):
            rows.append((a.aid, None, "discharge", None, None, a.disch, np.nan))
    return pd.DataFrame(
        rows, columns=["aid", "icustay_id", "eventtype", "careunit", "wardid", "intime", "outtime"]
    )


def _body_charts(hosp: Hospital, icu_windows: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """'admit wt' at ICU admission (re-weighed now and then) and 'admit ht' (inches)."""
    size = ev.body_size(hosp, rng)
    pid = hosp.admissions["pid"].to_numpy()[icu_windows["aid"].to_numpy()]
    days = ((icu_windows["end"] - icu_windows["start"]) / DAY).to_numpy()
    n_weights = 1 + rng.poisson(0.3 * days)
    w_index = np.repeat(np.arange(len(icu_windows)), n_weights)
    first = np.r_[True, np.diff(w_index) != 0]
    span = (icu_windows["end"] - icu_windows["start"]).to_numpy()[w_index]
    offset = np.where(first, rng.uniform(0.5, 3, len(w_index)) * HOUR, rng.random(len(w_index)) * span)
    weight = size["weight"].to_numpy()[pid[w_index]] + rng.normal(0, 1.2, len(w_index))
    heights = rng.random(len(icu_windows)) < 0.7
    h_index = np.nonzero(heights)[0]
    frames = [
        pd.DataFrame(
            {
                "wid": icu_windows["wid"].to_numpy()[w_index],
                "aid": icu_windows["aid"].to_numpy()[w_index],
                "key": "weight",
                "time": icu_windows["start"].to_numpy()[w_index] + offset,
                "value": np.round(weight, 1),
            }
        ),
        pd.DataFrame(
            {
                "wid": icu_windows["wid"].to_numpy()[h_index],
                "aid": icu_windows["aid"].to_numpy()[h_index],
                "key": "height",
                "time": icu_windows["start"].to_numpy()[h_index] + rng.uniform(0.5, 3, len(h_index)) * HOUR,
                "value": np.round(size["height"].to_numpy()[pid[h_index]] / 2.54),
            }
        ),
    ]
    out = pd.concat(frames, ignore_index=True)
    end = icu_windows.set_index("wid")["end"].reindex(out["wid"]).to_numpy()
    out["time"] = np.floor(np.minimum(out["time"], end - 60))
    return out


def emit(hosp: Hospital, k: Knowledge, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """All 17 EHRSQL MIMIC-III tables for a cohort."""
    persons, adm, icu = hosp.persons, hosp.admissions, hosp.icustays
    wards = k.demographics["mimic"]["wards"]
    subject = np.sort(unique_ids(rng, 1, 100_000, len(persons)))
    hadm = unique_ids(rng, 100_000, 200_000, len(adm))
    icustay_id = unique_ids(rng, 200_000, 300_000, len(icu))
    subj_adm = subject[adm["pid"].to_numpy()]

    def ids(aid: np.ndarray) -> dict[str, np.ndarray]:
        return {"SUBJECT_ID": subj_adm[aid], "HADM_ID": hadm[aid]}

    tables: dict[str, pd.DataFrame] = {}
    tables["PATIENTS"] = _rows(
        {
            "SUBJECT_ID": subject,
            "GENDER": np.where(persons["male"], "m", "f"),
            "DOB": timestamps(persons["dob"]),
            "DOD": timestamps(persons["dod"]),
        },
    )
    tables["ADMISSIONS"] = _rows(
        {
            **ids(adm["aid"].to_numpy()),
            "ADMITTIME": timestamps(adm["admit"]),
            "DISCHTIME": timestamps(adm["disch"]),
            "ADMISSION_TYPE": lower(adm["adm_type"]),
            "ADMISSION_LOCATION": lower(adm["location"]),
            "DISCHARGE_LOCATION": lower(adm["discharge_location"]),
            "INSURANCE": lower(adm["insurance"]),
            "LANGUAGE": lower(adm["language"]),
            "MARITAL_STATUS": lower(adm["marital"]),
            "ETHNICITY": lower(adm["ethnicity"]),
            "AGE": adm["age"].to_numpy(),
        },
    )
    for name, table in (("D_ICD_DIAGNOSES", k.icd9_dx), ("D_ICD_PROCEDURES", k.icd9_px)):
        tables[name] = _rows(
            {
                "ICD9_CODE": lower(table["code"]),
                "SHORT_TITLE": lower(table["short_title"]),
                "LONG_TITLE": lower(table["long_title"]),
            },
        )
    labs = k.labs.index[k.labs["itemid"].notna()].to_numpy()
    lab_items = k.labs.loc[labs].sort_values("itemid")
    tables["D_LABITEMS"] = _rows(
        {"ITEMID": lab_items["itemid"].astype(int).to_numpy(), "LABEL": lower(lab_items["label"])}
    )
    items = pd.concat(
        [
            k.vitals.assign(linksto="chartevents"),
            k.io.assign(linksto=np.where(k.io["kind"] == "intake", "inputevents_cv", "outputevents")),
        ]
    ).sort_values("itemid")
    tables["D_ITEMS"] = _rows(
        {
            "ITEMID": items["itemid"].astype(int).to_numpy(),
            "LABEL": lower(items["label"]),
            "LINKSTO": items["linksto"].to_numpy(),
        },
    )

    adm_windows = ev.windows_of(adm, "aid", "admit")
    icu_windows = ev.windows_of(icu, "uid", "intime")

    dx = ev.diagnosis_codes(k, hosp, rng)
    tables["DIAGNOSES_ICD"] = _rows(
        {
            **ids(dx["aid"].to_numpy()),
            "ICD9_CODE": lower(dx["code"]),
            "CHARTTIME": timestamps(adm["admit"].to_numpy()[dx["aid"].to_numpy()]),
        },
    )
    px = ev.procedure_codes(k, hosp, adm_windows, rng).sort_values(["aid", "time"], kind="stable")
    tables["PROCEDURES_ICD"] = _rows(
        {**ids(px["aid"].to_numpy()), "ICD9_CODE": lower(px["code"]), "CHARTTIME": timestamps(px["time"])},
    )
    lab = ev.lab_events(k, hosp, adm_windows, rng, labs)
    tables["LABEVENTS"] = _rows(
        {
            **ids(lab["aid"].to_numpy()),
            "ITEMID": k.labs["itemid"].to_numpy()[lab["lab"].to_numpy()].astype(int),
            "CHARTTIME": timestamps(lab["time"]),
            "VALUENUM": lab["value"].to_numpy(),
            "VALUEUOM": lower(k.labs["unit"].to_numpy()[lab["lab"].to_numpy()]),
        },
    )
    rx = ev.drug_orders(k, hosp, adm_windows, rng)
    drug = k.drugs.loc[rx["drug"].to_numpy()]
    start = midnight(rx["start"])
    stop = np.maximum(midnight(rx["stop"]), start)
    stop = np.where(rx["stop"].to_numpy() > hosp.end, np.nan, stop)
    tables["PRESCRIPTIONS"] = _rows(
        {
            **ids(rx["aid"].to_numpy()),
            "STARTDATE": timestamps(start),
            "ENDDATE": timestamps(stop),
            "DRUG": lower(drug["drug"]),
            "DOSE_VAL_RX": drug["dose"].to_numpy(),
            "DOSE_UNIT_RX": lower(drug["unit"]),
            "ROUTE": lower(drug["route"]),
        },
    )

    def billed(table: str, item: np.ndarray, time_column: str) -> pd.DataFrame:
        frame = tables[table]
        return pd.DataFrame(
            {
                "SUBJECT_ID": frame["SUBJECT_ID"],
                "HADM_ID": frame["HADM_ID"],
                "item": item,
                "EVENT_ID": frame["ROW_ID"],
                "CHARGETIME": frame[time_column],
            }
        )

    cost = cost_table(
        rng,
        [
            ("diagnoses_icd", billed("DIAGNOSES_ICD", tables["DIAGNOSES_ICD"]["ICD9_CODE"], "CHARTTIME")),
            ("labevents", billed("LABEVENTS", tables["LABEVENTS"]["ITEMID"], "CHARTTIME")),
            ("procedures_icd", billed("PROCEDURES_ICD", tables["PROCEDURES_ICD"]["ICD9_CODE"], "CHARTTIME")),
            ("prescriptions", billed("PRESCRIPTIONS", tables["PRESCRIPTIONS"]["DRUG"], "STARTDATE")),
        ],
    )
    tables["COST"] = cost.rename(columns={"row_id": "ROW_ID", "event_type": "EVENT_TYPE", "cost": "COST"})[
        ["ROW_ID", "SUBJECT_ID", "HADM_ID", "EVENT_TYPE", "EVENT_ID", "CHARGETIME", "COST"]
    ]

    vitals = k.vitals.index.to_numpy()
    chart = ev.vital_signs(k, hosp, icu_windows, rng, step=np.full(len(icu_windows), HOUR), vitals=vitals)
    chart["key"] = k.vitals["key"].to_numpy()[chart["vital"].to_numpy()]
    chart = pd.concat([chart.drop(columns="vital"), _body_charts(hosp, icu_windows, rng)], ignore_index=True)
    chart = chart.sort_values(["aid", "wid", "time", "key"], kind="stable", ignore_index=True)
    vitals_by_key = k.vitals.set_index("key")
    uid = chart["wid"].to_numpy()
    tables["CHARTEVENTS"] = _rows(
        {
            **ids(chart["aid"].to_numpy()),
            "ICUSTAY_ID": icustay_id[uid],
            "ITEMID": vitals_by_key.loc[chart["key"], "itemid"].astype(int).to_numpy(),
            "CHARTTIME": timestamps(chart["time"]),
            "VALUENUM": chart["value"].to_numpy(),
            "VALUEUOM": lower(vitals_by_key.loc[chart["key"], "unit"].to_numpy()),
        },
    )
    fluids = ev.fluid_events(k, hosp, icu_windows, rng, items=k.io.index.to_numpy(), step=HOUR)
    for table, kind, column in (("INPUTEVENTS_CV", "intake", "AMOUNT"), ("OUTPUTEVENTS", "output", "VALUE")):
        part = fluids[k.io["kind"].to_numpy()[fluids["item"].to_numpy()] == kind]
        part = part.sort_values(["aid", "time", "item"], kind="stable")
        tables[table] = _rows(
            {
                **ids(part["aid"].to_numpy()),
                "ICUSTAY_ID": icustay_id[part["wid"].to_numpy()],
                "CHARTTIME": timestamps(part["time"]),
                "ITEMID": k.io["itemid"].to_numpy()[part["item"].to_numpy()].astype(int),
                column: part["amount"].to_numpy(),
            },
        )
    micro = ev.cultures(k, hosp, adm_windows, rng)
    organism = np.where(
        micro["organism"].to_numpy() >= 0,
        k.organisms["mimic"].to_numpy()[np.maximum(micro["organism"].to_numpy(), 0)],
        None,
    )
    tables["MICROBIOLOGYEVENTS"] = _rows(
        {
            **ids(micro["aid"].to_numpy()),
            "CHARTTIME": timestamps(micro["time"]),
            "SPEC_TYPE_DESC": lower(k.specimens["mimic"].to_numpy()[micro["specimen"].to_numpy()]),
            "ORG_NAME": lower(organism),
        },
    )
    icu = icu.assign(
        ward=[int(rng.choice(wards[u])) for u in icu["careunit"]],
        last_ward=[int(rng.choice(wards[u])) for u in icu["last_careunit"]],
    )
    icu.loc[icu["careunit"] == icu["last_careunit"], "last_ward"] = icu["ward"]
    tables["ICUSTAYS"] = _rows(
        {
            **ids(icu["aid"].to_numpy()),
            "ICUSTAY_ID": icustay_id,
            "FIRST_CAREUNIT": icu["careunit"].to_numpy(),
            "LAST_CAREUNIT": icu["last_careunit"].to_numpy(),
            "FIRST_WARDID": icu["ward"].to_numpy(),
            "LAST_WARDID": icu["last_ward"].to_numpy(),
            "INTIME": timestamps(icu["intime"]),
            "OUTTIME": timestamps(icu["outtime"]),
        },
    )
    moves = _transfers(adm, icu, icustay_id, rng, wards)
    tables["TRANSFERS"] = _rows(
        {
            **ids(moves["aid"].to_numpy()),
            "ICUSTAY_ID": moves["icustay_id"].astype("Int64").to_numpy(),
            "EVENTTYPE": moves["eventtype"].to_numpy(),
            "CAREUNIT": moves["careunit"].to_numpy(),
            "WARDID": moves["wardid"].astype("Int64").to_numpy(),
            "INTIME": timestamps(moves["intime"]),
            "OUTTIME": timestamps(moves["outtime"]),
        },
    )
    return tables
