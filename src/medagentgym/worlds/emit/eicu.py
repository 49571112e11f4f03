"""EHRSQL's eICU: 10 tables keyed by ICU unit stay, lower-case strings, times in 2100-2105.

eICU records only what happens during unit stays, so every event here lies inside one: a
person (``uniquepid``, 'NNN-NNNNN') has hospital stays (``patienthealthsystemstayid``) with one
or more unit stays (``patientunitstayid``, one ``patient`` row each). Diagnosis and treatment
names follow eICU's "category - detail" vocabulary; intake/output cells carry eICU's
``flowsheet|...|i&o|intake (ml)|...`` cell paths.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz import fuzz

from medagentgym.worlds import events as ev
from medagentgym.worlds.cohort import Hospital, categorical
from medagentgym.worlds.emit.common import (
    cost_table,
    icd9_dotted,
    icd10_dotted,
    timestamps,
    unique_ids,
)
from medagentgym.worlds.knowledge import Knowledge

N_HOSPITALS = 25
CELL_ROOT = "flowsheet|flowsheet cell labels|i&o"
ARTERIAL_LINE = ("systemicsystolic", "systemicdiastolic", "systemicmean")


def _numbered(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.reset_index(drop=True)
    frame.insert(0, name, np.arange(len(frame)))
    return frame


def _hospitals(rng: np.random.Generator) -> tuple[np.ndarray, list[np.ndarray]]:
    """Hospital ids and each hospital's ICU ward ids."""
    hospital_ids = np.sort(unique_ids(rng, 50, 460, N_HOSPITALS))
    ward_pool = unique_ids(rng, 80, 1200, N_HOSPITALS * 3)
    counts = rng.integers(1, 4, N_HOSPITALS)
    wards = np.split(ward_pool[: counts.sum()], np.cumsum(counts)[:-1])
    return hospital_ids, wards


def _icd9code(k: Knowledge, problem: np.ndarray, name: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """eICU's ``'584.9, n17.9'`` codes: the problem's ICD-9 code whose title best matches the
    diagnosis name, with its ICD-10-CM equivalent (NULL when nothing matches, and for some)."""
    titles = k.icd9_dx.set_index("code")["long_title"]
    dx = k.assoc["dx"]
    best: dict[tuple[int, str], str | None] = {}
    for p, n in set(zip(problem.tolist(), name.tolist(), strict=True)):
        codes = dx.loc[dx["problem"] == p, "item"].tolist()
        # best title match; on ties the problem's earlier (more principal) code wins
        scored = [(fuzz.token_set_ratio(n, titles[c].lower()), -i, c) for i, c in enumerate(codes)]
        score, _, code = max(scored, default=(0, 0, None))
        best[(p, n)] = code if score >= 60 else None
    out = np.empty(len(problem), dtype=object)
    for i, key in enumerate(zip(problem.tolist(), name.tolist(), strict=True)):
        code = best[key]
        if code is not None:
            icd10 = k.icd10_of.get(code)
            dotted = icd9_dotted(code)
            out[i] = (f"{dotted}, {icd10_dotted(icd10)}" if icd10 else dotted).lower()
    out[rng.random(len(out)) < 0.1] = None
    return out


def _patients(hosp: Hospital, k: Knowledge, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    persons, adm, icu = hosp.persons, hosp.admissions, hosp.icustays
    demo = k.demographics["eicu"]
    prefix = rng.integers(2, 36, len(persons))
    number = unique_ids(rng, 1, 300_000, len(persons))
    uniquepid = np.array([f"{p:03d}-{n}" for p, n in zip(prefix, number, strict=True)], dtype=object)
    phs = unique_ids(rng, 100_000, 500_000, len(adm))
    unit_id = unique_ids(rng, 500_000, 3_400_000, len(icu))
    hospital_ids, wards = _hospitals(rng)
    popularity = 1 / np.arange(1, N_HOSPITALS + 1) ** 0.7
    home = rng.choice(N_HOSPITALS, len(persons), p=popularity / popularity.sum())
    moved = rng.random(len(adm)) < 0.12
    hospital = np.where(moved, rng.integers(0, N_HOSPITALS, len(adm)), home[adm["pid"].to_numpy()])
    size = ev.body_size(hosp, rng)
    aid = icu["aid"].to_numpy()
    pid = adm["pid"].to_numpy()[aid]
    h = hospital[aid]
    ward = np.array([w[rng.integers(len(w))] for w in (wards[i] for i in h)])
    age = adm["age"].to_numpy()[aid]
    elective = (adm["adm_type"].to_numpy() == "ELECTIVE")[aid]
    source = np.where(
        elective & (rng.random(len(icu)) < 0.7),
        "operating room",
        categorical(rng, demo["admit_source"], len(icu)),
    )
    weight = size["weight"].to_numpy()[pid] + rng.normal(0, 2.0, len(icu))
    admission_weight = np.where(rng.random(len(icu)) < 0.08, np.nan, np.round(weight, 1))
    discharged = ~np.isnan(adm["disch"].to_numpy()[aid])
    discharge_weight = np.where(
        discharged & (rng.random(len(icu)) < 0.6),
        np.round(admission_weight + rng.normal(-0.8, 1.5, len(icu)), 1),
        np.nan,
    )
    height = np.where(rng.random(len(icu)) < 0.1, np.nan, size["height"].to_numpy()[pid])
    status = np.where(adm["died"].to_numpy()[aid], "expired", "alive").astype(object)
    status[~discharged] = None
    patient = pd.DataFrame(
        {
            "uniquepid": uniquepid[pid],
            "patienthealthsystemstayid": phs[aid],
            "patientunitstayid": unit_id,
            "gender": np.where(persons["male"].to_numpy()[pid], "male", "female"),
            "age": np.where(age > 89, "> 89", age.astype(str)),
            "ethnicity": categorical(rng, demo["ethnicity"], len(persons))[pid],
            "hospitalid": hospital_ids[h],
            "wardid": ward,
            "admissionheight": height,
            "admissionweight": admission_weight,
            "dischargeweight": discharge_weight,
            "hospitaladmittime": timestamps(adm["admit"].to_numpy()[aid]),
            "hospitaladmitsource": source,
            "unitadmittime": timestamps(icu["intime"]),
            "unitdischargetime": timestamps(icu["outtime"]),
            "hospitaldischargetime": timestamps(adm["disch"].to_numpy()[aid]),
            "hospitaldischargestatus": status,
        }
    )
    return patient, unit_id


def _allergies(hosp: Hospital, k: Knowledge, rng: np.random.Generator, unit_id: np.ndarray) -> pd.DataFrame:
    catalogue = k.demographics["eicu"]["allergy"]
    names = np.array(list(catalogue), dtype=object)
    drugs = np.array([v or None for v in catalogue.values()], dtype=object)
    n = len(hosp.persons)
    count = np.where(rng.random(n) < 0.25, rng.integers(1, 3, n), 0)
    person = np.repeat(np.arange(n), count)
    allergy = rng.integers(0, len(names), len(person))
    pairs = pd.DataFrame({"pid": person, "allergy": allergy}).drop_duplicates()
    icu = hosp.icustays.assign(pid=hosp.admissions["pid"].to_numpy()[hosp.icustays["aid"]])
    rows = pairs.merge(icu[["uid", "pid", "intime"]], on="pid").sort_values(["uid", "allergy"])
    time = rows["intime"].to_numpy() + rng.uniform(5, 120, len(rows)) * 60
    return _numbered(
        "allergyid",
        pd.DataFrame(
            {
                "patientunitstayid": unit_id[rows["uid"].to_numpy()],
                "drugname": drugs[rows["allergy"].to_numpy()],
                "allergyname": names[rows["allergy"].to_numpy()],
                "allergytime": timestamps(time),
            }
        ),
    )


def _vitals(
    hosp: Hospital, k: Knowledge, rng: np.random.Generator, windows: pd.DataFrame, unit_id: np.ndarray
) -> pd.DataFrame:
    """Periodic vitals: one row per observation on a 5-minute lattice, 30-60 minutes apart."""
    series = k.vitals.index[(k.vitals["kind"] == "series") & k.vitals["eicu"].notna()].to_numpy()
    step = 300.0 * rng.integers(6, 13, len(windows))
    long = ev.vital_signs(k, hosp, windows, rng, step=step, vitals=series)
    long["column"] = k.vitals["eicu"].to_numpy()[long["vital"].to_numpy()]
    wide = long.pivot_table(index=["wid", "time"], columns="column", values="value", sort=True)
    wide = wide.reset_index()
    no_line = rng.random(len(hosp.icustays)) < 0.35
    hidden = no_line[wide["wid"].to_numpy()]
    for column in ARTERIAL_LINE:
        wide.loc[hidden, column] = np.nan
    frame = pd.DataFrame(
        {
            "patientunitstayid": unit_id[wide["wid"].to_numpy()],
            "temperature": wide["temperature"].to_numpy(),
            **{
                column: wide[column].astype("Int64").to_numpy()
                for column in ("sao2", "heartrate", "respiration", *ARTERIAL_LINE)
            },
            "observationtime": timestamps(wide["time"]),
        }
    )
    return _numbered("vitalperiodicid", frame)


def emit(hosp: Hospital, k: Knowledge, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """All 10 EHRSQL eICU tables for a cohort."""
    patient, unit_id = _patients(hosp, k, rng)
    windows = ev.windows_of(hosp.icustays, "uid", "intime")
    unit = patient["patientunitstayid"].to_numpy()
    tables: dict[str, pd.DataFrame] = {"patient": patient}

    dx = ev.named_events(k, hosp, "eicu_dx", windows, rng, early_hours=8.0, repeat=0.15)
    dx = dx.sort_values(["wid", "time"], kind="stable")
    tables["diagnosis"] = _numbered(
        "diagnosisid",
        pd.DataFrame(
            {
                "patientunitstayid": unit[dx["wid"].to_numpy()],
                "diagnosisname": dx["item"].to_numpy(),
                "diagnosistime": timestamps(dx["time"]),
                "icd9code": _icd9code(k, dx["problem"].to_numpy(), dx["item"].to_numpy(), rng),
            }
        ),
    )
    tx = ev.named_events(k, hosp, "eicu_tx", windows, rng, early_hours=None, repeat=0.6)
    tx = tx.sort_values(["wid", "time"], kind="stable")
    tables["treatment"] = _numbered(
        "treatmentid",
        pd.DataFrame(
            {
                "patientunitstayid": unit[tx["wid"].to_numpy()],
                "treatmentname": tx["item"].to_numpy(),
                "treatmenttime": timestamps(tx["time"]),
            }
        ),
    )
    labs = k.labs.index[k.labs["eicu"].notna()].to_numpy()
    lab = ev.lab_events(k, hosp, windows, rng, labs).sort_values(["wid", "time"], kind="stable")
    tables["lab"] = _numbered(
        "labid",
        pd.DataFrame(
            {
                "patientunitstayid": unit[lab["wid"].to_numpy()],
                "labname": k.labs["eicu"].to_numpy()[lab["lab"].to_numpy()],
                "labresult": lab["value"].to_numpy(),
                "labresulttime": timestamps(lab["time"]),
            }
        ),
    )
    orders = ev.drug_orders(k, hosp, windows, rng)
    orders = orders[k.drugs["eicu"].notna().to_numpy()[orders["drug"].to_numpy()]]
    orders = orders.sort_values(["wid", "start"], kind="stable")
    drug = k.drugs.loc[orders["drug"].to_numpy()]
    stop = orders["stop"].to_numpy()
    tables["medication"] = _numbered(
        "medicationid",
        pd.DataFrame(
            {
                "patientunitstayid": unit[orders["wid"].to_numpy()],
                "drugname": drug["eicu"].to_numpy(),
                "dosage": drug["eicu_dose"].to_numpy(),
                "routeadmin": drug["eicu_route"].to_numpy(),
                "drugstarttime": timestamps(orders["start"]),
                "drugstoptime": timestamps(np.where(stop >= hosp.end - 60, np.nan, stop)),
            }
        ),
    )

    phs_of_unit = dict(zip(unit, patient["patienthealthsystemstayid"], strict=True))
    pid_of_unit = dict(zip(unit, patient["uniquepid"], strict=True))

    def billed(table: str, id_column: str, item: str, time: str) -> pd.DataFrame:
        frame = tables[table]
        units = frame["patientunitstayid"]
        return pd.DataFrame(
            {
                "uniquepid": units.map(pid_of_unit).to_numpy(),
                "patienthealthsystemstayid": units.map(phs_of_unit).to_numpy(),
                "item": frame[item].to_numpy(),
                "eventid": frame[id_column].to_numpy(),
                "chargetime": frame[time].to_numpy(),
            }
        )

    cost = cost_table(
        rng,
        [
            ("diagnosis", billed("diagnosis", "diagnosisid", "diagnosisname", "diagnosistime")),
            ("lab", billed("lab", "labid", "labname", "labresulttime")),
            ("treatment", billed("treatment", "treatmentid", "treatmentname", "treatmenttime")),
            ("medication", billed("medication", "medicationid", "drugname", "drugstarttime")),
        ],
    )
    tables["cost"] = cost.rename(columns={"row_id": "costid", "event_type": "eventtype"})[
        ["costid", "uniquepid", "patienthealthsystemstayid", "eventtype", "eventid", "chargetime", "cost"]
    ]
    tables["allergy"] = _allergies(hosp, k, rng, unit_id)

    items = k.io.index[k.io["eicu"].notna()].to_numpy()
    fluids = ev.fluid_events(k, hosp, windows, rng, items=items, step=60.0)
    paths = CELL_ROOT + "|" + k.io["kind"] + " (ml)|" + k.io["eicu_group"] + "|" + k.io["eicu"]
    item = fluids["item"].to_numpy()
    tables["intakeoutput"] = _numbered(
        "intakeoutputid",
        pd.DataFrame(
            {
                "patientunitstayid": unit[fluids["wid"].to_numpy()],
                "cellpath": paths.to_numpy(dtype=object)[item],
                "celllabel": k.io["eicu"].to_numpy(dtype=object)[item],
                "cellvaluenumeric": fluids["amount"].to_numpy(),
                "intakeoutputtime": timestamps(fluids["time"]),
            }
        ),
    )
    micro = ev.cultures(k, hosp, windows, rng)
    site = k.specimens["eicu"].to_numpy()[micro["specimen"].to_numpy()]
    micro = micro[pd.notna(site)]
    organism = micro["organism"].to_numpy()
    names = np.where(organism >= 0, k.organisms["eicu"].to_numpy()[np.maximum(organism, 0)], "no growth")
    tables["microlab"] = _numbered(
        "microlabid",
        pd.DataFrame(
            {
                "patientunitstayid": unit[micro["wid"].to_numpy()],
                "culturesite": k.specimens["eicu"].to_numpy()[micro["specimen"].to_numpy()],
                "organism": names,
                "culturetakentime": timestamps(micro["time"]),
            }
        ),
    )
    tables["vitalperiodic"] = _vitals(hosp, k, rng, windows, unit)
    return tables
