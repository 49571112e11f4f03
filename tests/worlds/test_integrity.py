"""Identifiers, references, time order and value formats are consistent, as in EHRSQL/MIMICSQL."""

from __future__ import annotations

import re

from medagentgym.worlds import EHRSQL_NOW, World
from medagentgym.worlds.schema import SCHEMAS


def test_foreign_keys_resolve(worlds: dict[str, World], scalar) -> None:
    for name, world in worlds.items():
        for table in SCHEMAS[name].tables:
            for column, ref, ref_column in table.foreign_keys:
                if table.name == "COST":  # EVENT_ID refers to one of four tables by EVENT_TYPE
                    continue
                missing = scalar(
                    world,
                    f"SELECT COUNT(*) FROM {table.name} WHERE {column} IS NOT NULL AND {column} "
                    f"NOT IN (SELECT {ref_column} FROM {ref})",
                )
                assert missing == 0, (name, table.name, column)


def test_mimic_identifiers(mimic: World, query, scalar) -> None:
    assert scalar(mimic, "SELECT COUNT(*) - COUNT(DISTINCT SUBJECT_ID) FROM PATIENTS") == 0
    hadm = [r[0] for r in query(mimic, "SELECT HADM_ID FROM ADMISSIONS")]
    assert all(100_000 <= h < 200_000 for h in hadm) and len(set(hadm)) == len(hadm)
    stays = [r[0] for r in query(mimic, "SELECT ICUSTAY_ID FROM ICUSTAYS")]
    assert all(200_000 <= s < 300_000 for s in stays) and len(set(stays)) == len(stays)
    counts = [r[0] for r in query(mimic, "SELECT COUNT(*) FROM ADMISSIONS GROUP BY SUBJECT_ID")]
    assert min(counts) >= 1 and max(counts) <= 5
    for table in ("PATIENTS", "ADMISSIONS", "ICUSTAYS", "TRANSFERS", "LABEVENTS", "COST"):
        assert scalar(mimic, f"SELECT MIN(ROW_ID) FROM {table}") == 0
    # event rows agree with their admission on SUBJECT_ID
    for table in ("DIAGNOSES_ICD", "LABEVENTS", "CHARTEVENTS", "PRESCRIPTIONS", "COST"):
        wrong = scalar(
            mimic,
            f"SELECT COUNT(*) FROM {table} t JOIN ADMISSIONS a ON a.HADM_ID = t.HADM_ID "
            "WHERE a.SUBJECT_ID != t.SUBJECT_ID",
        )
        assert wrong == 0, table


def test_mimic_time_order(mimic: World, scalar) -> None:
    checks = {
        "admission after birth": "SELECT COUNT(*) FROM ADMISSIONS a JOIN PATIENTS p USING (SUBJECT_ID) "
        "WHERE a.ADMITTIME <= p.DOB",
        "discharge after admission": "SELECT COUNT(*) FROM ADMISSIONS WHERE DISCHTIME <= ADMITTIME",
        "icu inside admission": "SELECT COUNT(*) FROM ICUSTAYS i JOIN ADMISSIONS a USING (HADM_ID) "
        "WHERE i.INTIME < a.ADMITTIME OR i.OUTTIME > a.DISCHTIME OR i.OUTTIME <= i.INTIME",
        "charts inside icu": "SELECT COUNT(*) FROM CHARTEVENTS c JOIN ICUSTAYS i USING (ICUSTAY_ID) "
        "WHERE c.CHARTTIME < i.INTIME OR c.CHARTTIME > COALESCE(i.OUTTIME, :now)",
        "inputs inside icu": "SELECT COUNT(*) FROM INPUTEVENTS_CV c JOIN ICUSTAYS i USING (ICUSTAY_ID) "
        "WHERE c.CHARTTIME < i.INTIME OR c.CHARTTIME > COALESCE(i.OUTTIME, :now)",
        "labs inside admission": "SELECT COUNT(*) FROM LABEVENTS l JOIN ADMISSIONS a USING (HADM_ID) "
        "WHERE l.CHARTTIME < a.ADMITTIME OR l.CHARTTIME > COALESCE(a.DISCHTIME, :now)",
        "procedures inside admission": "SELECT COUNT(*) FROM PROCEDURES_ICD x JOIN ADMISSIONS a "
        "USING (HADM_ID) WHERE x.CHARTTIME < a.ADMITTIME OR x.CHARTTIME > COALESCE(a.DISCHTIME, :now)",
        "diagnoses at admission": "SELECT COUNT(*) FROM DIAGNOSES_ICD x JOIN ADMISSIONS a USING (HADM_ID) "
        "WHERE x.CHARTTIME != a.ADMITTIME",
        "prescriptions on admission days": "SELECT COUNT(*) FROM PRESCRIPTIONS p JOIN ADMISSIONS a "
        "USING (HADM_ID) WHERE date(p.STARTDATE) < date(a.ADMITTIME) OR p.ENDDATE < p.STARTDATE "
        "OR p.STARTDATE > COALESCE(a.DISCHTIME, :now)",
        "death not before last admission": "SELECT COUNT(*) FROM PATIENTS p JOIN ADMISSIONS a "
        "USING (SUBJECT_ID) WHERE p.DOD < date(a.ADMITTIME)",
        "nothing after now": "SELECT (SELECT COUNT(*) FROM LABEVENTS WHERE CHARTTIME > :now) + "
        "(SELECT COUNT(*) FROM PATIENTS WHERE DOD > :now) + "
        "(SELECT COUNT(*) FROM ADMISSIONS WHERE ADMITTIME < '2100-01-01')",
    }
    for label, sql in checks.items():
        assert scalar(mimic, sql.replace(":now", f"'{EHRSQL_NOW}'")) == 0, label


def test_current_patients(worlds: dict[str, World], scalar) -> None:
    mimic, eicu = worlds["mimic_iii"], worlds["eicu"]
    n = mimic.n_patients
    current = scalar(mimic, "SELECT COUNT(DISTINCT SUBJECT_ID) FROM ADMISSIONS WHERE DISCHTIME IS NULL")
    assert 0.07 * n <= current <= 0.13 * n
    # an open admission is the patient's last one, has no discharge location, often an open ICU stay
    assert (
        scalar(
            mimic,
            "SELECT COUNT(*) FROM ADMISSIONS WHERE DISCHTIME IS NULL AND DISCHARGE_LOCATION IS NOT NULL",
        )
        == 0
    )
    assert (
        scalar(
            mimic,
            "SELECT COUNT(*) FROM ICUSTAYS i JOIN ADMISSIONS a USING (HADM_ID) "
            "WHERE i.OUTTIME IS NULL AND a.DISCHTIME IS NOT NULL",
        )
        == 0
    )
    assert scalar(mimic, "SELECT COUNT(*) FROM ICUSTAYS WHERE OUTTIME IS NULL") >= 0.3 * current
    open_eicu = scalar(
        eicu, "SELECT COUNT(DISTINCT uniquepid) FROM patient WHERE hospitaldischargetime IS NULL"
    )
    assert 0.07 * eicu.n_patients <= open_eicu <= 0.13 * eicu.n_patients
    assert (
        scalar(
            eicu,
            "SELECT COUNT(*) FROM patient WHERE hospitaldischargetime IS NULL "
            "AND hospitaldischargestatus IS NOT NULL",
        )
        == 0
    )


def test_recent_events_exist_for_time_filters(mimic: World, eicu: World, scalar) -> None:
    """'this year', 'this month', 'today' and current-patient questions need recent data."""
    for table, column in (
        ("LABEVENTS", "CHARTTIME"),
        ("CHARTEVENTS", "CHARTTIME"),
        ("PRESCRIPTIONS", "STARTDATE"),
        ("INPUTEVENTS_CV", "CHARTTIME"),
    ):
        assert scalar(mimic, f"SELECT COUNT(*) FROM {table} WHERE {column} >= '2105-12-01'") > 0
    assert scalar(mimic, "SELECT COUNT(*) FROM LABEVENTS WHERE CHARTTIME >= '2105-12-31'") > 0
    for table, column in (
        ("lab", "labresulttime"),
        ("vitalperiodic", "observationtime"),
        ("medication", "drugstarttime"),
        ("intakeoutput", "intakeoutputtime"),
    ):
        assert scalar(eicu, f"SELECT COUNT(*) FROM {table} WHERE {column} >= '2105-12-01'") > 0
    years = scalar(mimic, "SELECT COUNT(DISTINCT strftime('%Y', ADMITTIME)) FROM ADMISSIONS")
    assert years == 6


def test_mimic_value_formats(mimic: World, query, scalar) -> None:
    ages = query(
        mimic,
        "SELECT a.AGE, CAST((julianday(a.ADMITTIME) - julianday(p.DOB)) / 365.25 AS INT) "
        "FROM ADMISSIONS a JOIN PATIENTS p USING (SUBJECT_ID)",
    )
    assert all(11 <= age <= 89 for age, _ in ages)
    assert sum(abs(age - derived) > 1 for age, derived in ages) == 0
    text = [
        ("PATIENTS", "GENDER"),
        ("ADMISSIONS", "ADMISSION_TYPE"),
        ("ADMISSIONS", "INSURANCE"),
        ("D_ICD_DIAGNOSES", "SHORT_TITLE"),
        ("D_ICD_DIAGNOSES", "ICD9_CODE"),
        ("D_LABITEMS", "LABEL"),
        ("D_ITEMS", "LABEL"),
        ("PRESCRIPTIONS", "DRUG"),
        ("PRESCRIPTIONS", "ROUTE"),
        ("MICROBIOLOGYEVENTS", "SPEC_TYPE_DESC"),
        ("TRANSFERS", "CAREUNIT"),
    ]
    for table, column in text:
        upper = scalar(mimic, f"SELECT COUNT(*) FROM {table} WHERE {column} != lower({column})")
        assert upper == 0, (table, column)
    assert {r[0] for r in query(mimic, "SELECT DISTINCT LINKSTO FROM D_ITEMS")} == {
        "chartevents",
        "inputevents_cv",
        "outputevents",
    }
    assert {r[0] for r in query(mimic, "SELECT DISTINCT GENDER FROM PATIENTS")} == {"m", "f"}
    units = {r[0] for r in query(mimic, "SELECT DISTINCT CAREUNIT FROM TRANSFERS")}
    assert units - {None} <= {"micu", "sicu", "ccu", "csru", "tsicu"}
    assert (
        scalar(
            mimic, "SELECT COUNT(*) FROM PRESCRIPTIONS WHERE CAST(DOSE_VAL_RX AS INT) || '' != DOSE_VAL_RX"
        )
        == 0
    )
    times = [r[0] for r in query(mimic, "SELECT CHARTTIME FROM LABEVENTS LIMIT 500")]
    assert all(re.fullmatch(r"210[0-5]-\d\d-\d\d \d\d:\d\d:00", t) for t in times)
    for label in ("heart rate", "sao2", "arterial bp mean", "temperature c (calc)", "admit wt"):
        assert (
            scalar(mimic, "SELECT COUNT(*) FROM D_ITEMS WHERE LABEL = ? AND LINKSTO = 'chartevents'", label)
            == 1
        )


def test_cost_is_one_row_per_billable_event(mimic: World, eicu: World, scalar, query) -> None:
    events = {
        "diagnoses_icd": "DIAGNOSES_ICD",
        "procedures_icd": "PROCEDURES_ICD",
        "labevents": "LABEVENTS",
        "prescriptions": "PRESCRIPTIONS",
    }
    for event_type, table in events.items():
        assert scalar(mimic, f"SELECT COUNT(*) FROM COST WHERE EVENT_TYPE = '{event_type}'") == scalar(
            mimic, f"SELECT COUNT(*) FROM {table}"
        )
        orphan = scalar(
            mimic,
            f"SELECT COUNT(*) FROM COST c LEFT JOIN {table} t ON t.ROW_ID = c.EVENT_ID "
            f"WHERE c.EVENT_TYPE = '{event_type}' AND (t.ROW_ID IS NULL OR t.HADM_ID != c.HADM_ID)",
        )
        assert orphan == 0, event_type
    # one constant cost per item
    per_drug = query(
        mimic,
        "SELECT COUNT(DISTINCT c.COST) FROM COST c JOIN PRESCRIPTIONS p "
        "ON p.ROW_ID = c.EVENT_ID WHERE c.EVENT_TYPE = 'prescriptions' GROUP BY p.DRUG",
    )
    assert {r[0] for r in per_drug} == {1}
    assert {r[0] for r in query(eicu, "SELECT DISTINCT eventtype FROM cost")} == {
        "diagnosis",
        "lab",
        "medication",
        "treatment",
    }


def test_eicu_formats(eicu: World, query, scalar) -> None:
    pids = [r[0] for r in query(eicu, "SELECT DISTINCT uniquepid FROM patient")]
    assert all(re.fullmatch(r"0\d\d-\d{1,7}", p) for p in pids)
    ages = {r[0] for r in query(eicu, "SELECT DISTINCT age FROM patient")}
    assert all(a == "> 89" or 11 <= int(a) <= 89 for a in ages)
    assert {r[0] for r in query(eicu, "SELECT DISTINCT gender FROM patient")} == {"male", "female"}
    assert (
        scalar(
            eicu,
            "SELECT COUNT(*) FROM intakeoutput WHERE cellpath NOT LIKE '%intake%' "
            "AND cellpath NOT LIKE '%output%'",
        )
        == 0
    )
    assert scalar(eicu, "SELECT COUNT(*) FROM intakeoutput WHERE cellpath LIKE '%intake%'") > 0
    assert scalar(eicu, "SELECT COUNT(*) FROM intakeoutput WHERE cellpath NOT LIKE '%|' || celllabel") == 0
    assert {r[0] for r in query(eicu, "SELECT DISTINCT hospitaldischargestatus FROM patient")} <= {
        "alive",
        "expired",
        None,
    }
    # a hospital stay belongs to one person; unit stays lie inside their hospital stay
    assert (
        scalar(
            eicu,
            "SELECT COUNT(*) FROM (SELECT patienthealthsystemstayid FROM patient "
            "GROUP BY 1 HAVING COUNT(DISTINCT uniquepid) > 1)",
        )
        == 0
    )
    assert (
        scalar(
            eicu,
            "SELECT COUNT(*) FROM patient WHERE unitadmittime < hospitaladmittime OR "
            "unitdischargetime > hospitaldischargetime",
        )
        == 0
    )
    for table, column in (
        ("lab", "labresulttime"),
        ("treatment", "treatmenttime"),
        ("diagnosis", "diagnosistime"),
        ("vitalperiodic", "observationtime"),
    ):
        outside = scalar(
            eicu,
            f"SELECT COUNT(*) FROM {table} t JOIN patient p USING (patientunitstayid) "
            f"WHERE t.{column} < p.unitadmittime OR t.{column} > "
            f"COALESCE(p.unitdischargetime, '{EHRSQL_NOW}')",
        )
        assert outside == 0, table


def test_treqs_derived_columns(treqs: World, scalar, query) -> None:
    checks = [
        "SELECT COUNT(*) FROM DEMOGRAPHIC WHERE AGE != ADMITYEAR - DOB_YEAR",
        "SELECT COUNT(*) FROM DEMOGRAPHIC WHERE ADMITYEAR != CAST(substr(ADMITTIME, 1, 4) AS INT)",
        "SELECT COUNT(*) FROM DEMOGRAPHIC WHERE DAYS_STAY != CAST(julianday(DISCHTIME) - "
        "julianday(ADMITTIME) AS INT)",
        "SELECT COUNT(*) FROM DEMOGRAPHIC WHERE EXPIRE_FLAG != (DOD IS NOT NULL)",
        "SELECT COUNT(*) FROM DEMOGRAPHIC WHERE DOD_YEAR != CAST(substr(DOD, 1, 4) AS REAL)",
        "SELECT COUNT(*) FROM DEMOGRAPHIC WHERE DISCHTIME IS NULL",
        "SELECT COUNT(*) FROM (SELECT SUBJECT_ID FROM DEMOGRAPHIC GROUP BY 1 "
        "HAVING COUNT(DISTINCT NAME) > 1)",
    ]
    for sql in checks:
        assert scalar(treqs, sql) == 0, sql
    # original case, matched case-insensitively by the lower-case gold SQL
    assert (
        scalar(treqs, "SELECT COUNT(*) FROM DEMOGRAPHIC WHERE GENDER = 'm'")
        == scalar(treqs, "SELECT COUNT(*) FROM DEMOGRAPHIC WHERE GENDER = 'M'")
        > 0
    )
    assert {r[0] for r in query(treqs, "SELECT DISTINCT DRUG_TYPE FROM PRESCRIPTIONS")} <= {
        "MAIN",
        "BASE",
        "ADDITIVE",
    }
    assert {r[0] for r in query(treqs, "SELECT DISTINCT FLAG FROM LAB")} == {"abnormal", "delta", None}
    assert (
        scalar(treqs, "SELECT COUNT(*) FROM DEMOGRAPHIC WHERE ADMISSION_TYPE = 'newborn' AND AGE != 0") == 0
    )
    assert scalar(treqs, "SELECT COUNT(*) FROM DEMOGRAPHIC WHERE ADMISSION_TYPE = 'newborn'") > 0
    units = [r[0] for r in query(treqs, "SELECT VALUE_UNIT FROM LAB WHERE ITEMID = '50912' LIMIT 50")]
    assert all(re.fullmatch(r"\d+\.\dmg/dL", u) for u in units)


def test_current_patients_have_every_kind_of_event(mimic: World, eicu: World, scalar) -> None:
    """Questions about "the current hospital/ICU visit" need events of every kind there."""
    open_hadm = "(SELECT HADM_ID FROM ADMISSIONS WHERE DISCHTIME IS NULL)"
    open_icu = "(SELECT ICUSTAY_ID FROM ICUSTAYS WHERE OUTTIME IS NULL)"
    for table, key, scope in (
        ("DIAGNOSES_ICD", "HADM_ID", open_hadm),
        ("PROCEDURES_ICD", "HADM_ID", open_hadm),
        ("LABEVENTS", "HADM_ID", open_hadm),
        ("PRESCRIPTIONS", "HADM_ID", open_hadm),
        ("MICROBIOLOGYEVENTS", "HADM_ID", open_hadm),
        ("TRANSFERS", "HADM_ID", open_hadm),
        ("CHARTEVENTS", "ICUSTAY_ID", open_icu),
        ("INPUTEVENTS_CV", "ICUSTAY_ID", open_icu),
        ("OUTPUTEVENTS", "ICUSTAY_ID", open_icu),
        ("COST", "HADM_ID", open_hadm),
    ):
        assert scalar(mimic, f"SELECT COUNT(*) FROM {table} WHERE {key} IN {scope}") > 0, table
    open_unit = "(SELECT patientunitstayid FROM patient WHERE unitdischargetime IS NULL)"
    for table in ("diagnosis", "treatment", "lab", "medication", "intakeoutput", "vitalperiodic"):
        assert scalar(eicu, f"SELECT COUNT(*) FROM {table} WHERE patientunitstayid IN {open_unit}") > 0
