"""Clinical correlations: values, drugs, mortality and length of stay follow the problems."""

from __future__ import annotations

from medagentgym.worlds import World


def _mean_lab(world: World, scalar, itemid: int, with_code: str, has: bool) -> float:
    sql = (
        "SELECT AVG(l.VALUENUM) FROM LABEVENTS l WHERE l.ITEMID = ? AND "
        f"{'' if has else 'NOT '}EXISTS (SELECT 1 FROM DIAGNOSES_ICD d WHERE d.HADM_ID = l.HADM_ID "
        "AND d.ICD9_CODE LIKE ?)"
    )
    return scalar(world, sql, itemid, with_code)


def test_labs_follow_diagnoses(mimic: World, scalar) -> None:
    creatinine, glucose, hemoglobin = 50912, 50931, 51222
    assert _mean_lab(mimic, scalar, creatinine, "584%", True) > 1.3 * _mean_lab(
        mimic, scalar, creatinine, "584%", False
    )
    assert _mean_lab(mimic, scalar, glucose, "250%", True) > 1.15 * _mean_lab(
        mimic, scalar, glucose, "250%", False
    )
    assert _mean_lab(mimic, scalar, hemoglobin, "578%", True) < _mean_lab(
        mimic, scalar, hemoglobin, "578%", False
    )


def _share_with_drug(world: World, scalar, drug: str, code: str, has: bool) -> float:
    sql = (
        "SELECT AVG(EXISTS (SELECT 1 FROM PRESCRIPTIONS p WHERE p.HADM_ID = a.HADM_ID AND p.DRUG = ?)) "
        f"FROM ADMISSIONS a WHERE {'' if has else 'NOT '}EXISTS (SELECT 1 FROM DIAGNOSES_ICD d "
        "WHERE d.HADM_ID = a.HADM_ID AND d.ICD9_CODE LIKE ?)"
    )
    return scalar(world, sql, drug, code)


def test_drugs_follow_diagnoses(mimic: World, scalar) -> None:
    assert _share_with_drug(mimic, scalar, "insulin", "250%", True) > 1.5 * _share_with_drug(
        mimic, scalar, "insulin", "250%", False
    )
    assert _share_with_drug(mimic, scalar, "furosemide", "428%", True) > 1.5 * _share_with_drug(
        mimic, scalar, "furosemide", "428%", False
    )


def test_mortality_and_stay_follow_age_and_severity(mimic: World, scalar) -> None:
    young = scalar(
        mimic,
        "SELECT AVG(DISCHARGE_LOCATION = 'dead/expired') FROM ADMISSIONS "
        "WHERE AGE < 50 AND DISCHTIME IS NOT NULL",
    )
    old = scalar(
        mimic,
        "SELECT AVG(DISCHARGE_LOCATION = 'dead/expired') FROM ADMISSIONS "
        "WHERE AGE >= 75 AND DISCHTIME IS NOT NULL",
    )
    assert old > young
    overall = scalar(
        mimic, "SELECT AVG(DISCHARGE_LOCATION = 'dead/expired') FROM ADMISSIONS WHERE DISCHTIME IS NOT NULL"
    )
    assert 0.04 < overall < 0.2
    stay = scalar(mimic, "SELECT AVG(julianday(DISCHTIME) - julianday(ADMITTIME)) FROM ADMISSIONS")
    assert 3 < stay < 14


def test_vitals_follow_problems(eicu: World, scalar) -> None:
    septic = scalar(
        eicu,
        "SELECT AVG(v.heartrate) FROM vitalperiodic v WHERE v.patientunitstayid IN "
        "(SELECT patientunitstayid FROM diagnosis WHERE diagnosisname LIKE 'sepsis%')",
    )
    others = scalar(
        eicu,
        "SELECT AVG(v.heartrate) FROM vitalperiodic v WHERE v.patientunitstayid "
        "NOT IN (SELECT patientunitstayid FROM diagnosis WHERE diagnosisname LIKE 'sep%')",
    )
    assert septic > others + 5


def test_vocabularies_are_rich(worlds: dict[str, World], scalar) -> None:
    mimic, eicu, treqs = worlds["mimic_iii"], worlds["eicu"], worlds["treqs"]
    assert scalar(mimic, "SELECT COUNT(DISTINCT ICD9_CODE) FROM DIAGNOSES_ICD") > 300
    assert scalar(mimic, "SELECT COUNT(DISTINCT DRUG) FROM PRESCRIPTIONS") > 60
    assert scalar(mimic, "SELECT COUNT(DISTINCT ITEMID) FROM LABEVENTS") > 50
    assert scalar(mimic, "SELECT COUNT(DISTINCT SPEC_TYPE_DESC) FROM MICROBIOLOGYEVENTS") > 8
    assert scalar(eicu, "SELECT COUNT(DISTINCT diagnosisname) FROM diagnosis") > 80
    assert scalar(eicu, "SELECT COUNT(DISTINCT treatmentname) FROM treatment") > 80
    assert scalar(eicu, "SELECT COUNT(DISTINCT celllabel) FROM intakeoutput") > 30
    assert scalar(treqs, "SELECT COUNT(DISTINCT DIAGNOSIS) FROM DEMOGRAPHIC") > 60
