"""The 55 MedCalc-Bench calculators as pure functions of canonical inputs.

This module is the ground-truth engine of the ``medcalc`` family and of the importer's
``--recompute`` check. It uses only the standard library on purpose: the oracle of each task embeds
the source of its calculator (and the helpers it calls) in a self-contained snippet that runs in
the sandbox, where ``medagentgym`` is not importable.

Canonical units: age in years, weight in kg, height in cm, temperature in degrees Celsius,
pressures in mm Hg, FiO2 as a fraction, concentrations in mg/dL (creatinine, BUN, glucose,
calcium, bilirubin, cholesterol, triglycerides), g/dL (albumin, hemoglobin), mmol/L (= mEq/L for
sodium, potassium, chloride, bicarbonate), cell counts in 10^3/uL, insulin in uIU/mL, dates as ISO
text. Conventions follow MedCalc-Bench where it makes one (stated in each task's question).
"""

from __future__ import annotations

import datetime
import math

# --------------------------------------------------------------------------- shared helpers


def bmi(weight: float, height: float) -> float:
    """Body mass index (kg/m^2) from weight (kg) and height (cm)."""
    return weight / (height / 100) ** 2


def ideal_body_weight(sex: str, height: float) -> float:
    """Devine formula (kg): 50 (men) or 45.5 (women) + 2.3 kg per inch over 5 feet."""
    return (50.0 if sex == "male" else 45.5) + 2.3 * (height / 2.54 - 60)


def adjusted_body_weight(sex: str, weight: float, height: float) -> float:
    """Adjusted body weight (kg) = IBW + 0.4 * (actual weight - IBW)."""
    ibw = ideal_body_weight(sex, height)
    return ibw + 0.4 * (weight - ibw)


def mean_arterial_pressure(sbp: float, dbp: float) -> float:
    """MAP (mm Hg) = 2/3 * diastolic + 1/3 * systolic."""
    return 2 * dbp / 3 + sbp / 3


def anion_gap(sodium: float, chloride: float, bicarbonate: float) -> float:
    """Anion gap (mEq/L) = Na - (Cl + HCO3)."""
    return sodium - (chloride + bicarbonate)


def albumin_corrected_anion_gap(sodium: float, chloride: float, bicarbonate: float, albumin: float) -> float:
    """Anion gap + 2.5 * (4 - albumin in g/dL)."""
    return anion_gap(sodium, chloride, bicarbonate) + 2.5 * (4 - albumin)


def rr_interval(heart_rate: float) -> float:
    """RR interval in seconds."""
    return 60 / heart_rate


def band(value: float, cuts: tuple, points: tuple) -> int:
    """Points of the first band whose upper cut ``value`` is below; the last entry otherwise.

    ``cuts`` are ascending upper bounds (exclusive); ``points`` has one more entry than ``cuts``.
    """
    for cut, score in zip(cuts, points, strict=False):
        if value < cut:
            return score
    return points[-1]


def parse_date(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


# --------------------------------------------------------------------------- physical


def body_surface_area(*, weight: float, height: float) -> float:
    """Mosteller: sqrt(height (cm) * weight (kg) / 3600), m^2."""
    return math.sqrt(weight * height / 3600)


def target_weight(*, target_bmi: float, height: float) -> float:
    """Weight (kg) at which the patient would have the target BMI."""
    return target_bmi * (height / 100) ** 2


def maintenance_fluids(*, weight: float) -> float:
    """Holliday-Segar 4-2-1 rule (mL/hr)."""
    if weight < 10:
        return 4 * weight
    if weight <= 20:
        return 40 + 2 * (weight - 10)
    return 60 + (weight - 20)


def qtc_bazett(*, qt: float, heart_rate: float) -> float:
    return qt / math.sqrt(rr_interval(heart_rate))


def qtc_fridericia(*, qt: float, heart_rate: float) -> float:
    return qt / rr_interval(heart_rate) ** (1 / 3)


def qtc_framingham(*, qt: float, heart_rate: float) -> float:
    return qt + 154 * (1 - rr_interval(heart_rate))


def qtc_hodges(*, qt: float, heart_rate: float) -> float:
    return qt + 1.75 * (heart_rate - 60)


def qtc_rautaharju(*, qt: float, heart_rate: float) -> float:
    return qt * (120 + heart_rate) / 180


# --------------------------------------------------------------------------- lab


def cockcroft_gault(*, sex: str, age: float, weight: float, height: float, creatinine: float) -> float:
    """Creatinine clearance (mL/min) with MedCalc-Bench's weight rule.

    Underweight (BMI < 18.5): actual weight; normal (18.5-24.9): min(IBW, actual weight);
    overweight or obese: adjusted body weight.
    """
    index = bmi(weight, height)
    if index < 18.5:
        used = weight
    elif index < 25:
        used = min(ideal_body_weight(sex, height), weight)
    else:
        used = adjusted_body_weight(sex, weight, height)
    return (140 - age) * used * (1.0 if sex == "male" else 0.85) / (72 * creatinine)


def ckd_epi_2021(*, sex: str, age: float, creatinine: float) -> float:
    """2021 race-free CKD-EPI creatinine equation (mL/min/1.73 m^2)."""
    kappa, alpha, factor = (0.7, -0.241, 1.012) if sex == "female" else (0.9, -0.302, 1.0)
    ratio = creatinine / kappa
    return 142 * min(ratio, 1) ** alpha * max(ratio, 1) ** -1.2 * 0.9938**age * factor


def mdrd_gfr(*, sex: str, age: float, creatinine: float, black: bool) -> float:
    """4-variable MDRD (IDMS-traceable, 175), mL/min/1.73 m^2."""
    value = 175 * creatinine**-1.154 * age**-0.203
    return value * (0.742 if sex == "female" else 1.0) * (1.212 if black else 1.0)


def corrected_calcium(*, calcium: float, albumin: float) -> float:
    """Calcium (mg/dL) + 0.8 * (4 - albumin (g/dL))."""
    return calcium + 0.8 * (4 - albumin)


def fib4(*, age: float, ast: float, alt: float, platelets: float) -> float:
    """FIB-4 = age * AST / (platelets (10^9/L) * sqrt(ALT))."""
    return age * ast / (platelets * math.sqrt(alt))


def meld_na(*, creatinine: float, bilirubin: float, inr: float, sodium: float, dialysis: bool) -> float:
    """MELD Na (UNOS/OPTN, 2016): bounded inputs, MELD(i) rounded to a tenth, Na term above 11, integer."""
    creatinine = 4.0 if dialysis else min(max(creatinine, 1.0), 4.0)
    bilirubin = max(bilirubin, 1.0)
    inr = max(inr, 1.0)
    sodium = min(max(sodium, 125.0), 137.0)
    meld = 0.957 * math.log(creatinine) + 0.378 * math.log(bilirubin) + 1.12 * math.log(inr) + 0.643
    meld = round(meld, 1) * 10
    if meld > 11:
        meld = meld + 1.32 * (137 - sodium) - 0.033 * meld * (137 - sodium)
    return float(min(round(meld), 40))


def corrected_sodium(*, sodium: float, glucose: float) -> float:
    """Katz correction: Na + 0.024 * (glucose (mg/dL) - 100)."""
    return sodium + 0.024 * (glucose - 100)


def serum_osmolality(*, sodium: float, bun: float, glucose: float) -> float:
    """2 * Na + BUN / 2.8 + glucose / 18 (mOsm/kg)."""
    return 2 * sodium + bun / 2.8 + glucose / 18


def homa_ir(*, insulin: float, glucose: float) -> float:
    """Fasting insulin (uIU/mL) * fasting glucose (mg/dL) / 405."""
    return insulin * glucose / 405


def free_water_deficit(*, sex: str, age: float, weight: float, sodium: float) -> float:
    """Total body water fraction * weight * (Na / 140 - 1), litres.

    Fractions: children 0.6; adult men 0.6, women 0.5; from 65 years men 0.5, women 0.45.
    """
    if age < 18:
        fraction = 0.6
    elif age < 65:
        fraction = 0.6 if sex == "male" else 0.5
    else:
        fraction = 0.5 if sex == "male" else 0.45
    return fraction * weight * (sodium / 140 - 1)


def delta_gap(*, sodium: float, chloride: float, bicarbonate: float) -> float:
    """Anion gap - 12."""
    return anion_gap(sodium, chloride, bicarbonate) - 12


def delta_ratio(*, sodium: float, chloride: float, bicarbonate: float) -> float:
    """(Anion gap - 12) / (24 - HCO3)."""
    return (anion_gap(sodium, chloride, bicarbonate) - 12) / (24 - bicarbonate)


def albumin_corrected_delta_gap(
    *, sodium: float, chloride: float, bicarbonate: float, albumin: float
) -> float:
    """Albumin-corrected anion gap - 12."""
    return albumin_corrected_anion_gap(sodium, chloride, bicarbonate, albumin) - 12


def albumin_corrected_delta_ratio(
    *, sodium: float, chloride: float, bicarbonate: float, albumin: float
) -> float:
    """(Albumin-corrected anion gap - 12) / (24 - HCO3)."""
    return (albumin_corrected_anion_gap(sodium, chloride, bicarbonate, albumin) - 12) / (24 - bicarbonate)


def fena(*, sodium: float, creatinine: float, urine_sodium: float, urine_creatinine: float) -> float:
    """Fractional excretion of sodium (%) = (UNa * SCr) / (SNa * UCr) * 100."""
    return urine_sodium * creatinine / (sodium * urine_creatinine) * 100


def ldl_calculated(*, total_cholesterol: float, hdl: float, triglycerides: float) -> float:
    """Friedewald: total cholesterol - HDL - triglycerides / 5 (mg/dL)."""
    return total_cholesterol - hdl - triglycerides / 5


def framingham_hard_chd(
    *, sex: str, age: float, smoker: bool, total_cholesterol: float, hdl: float, sbp: float, bp_treated: bool
) -> float:
    """ATP III 10-year risk of hard coronary heart disease (%), without intermediate rounding."""
    ln_age, ln_tc, ln_hdl, ln_sbp = math.log(age), math.log(total_cholesterol), math.log(hdl), math.log(sbp)
    smoke = 1 if smoker else 0
    treated = 1 if bp_treated else 0
    if sex == "male":
        age_smoke = math.log(min(age, 70))
        score = (
            52.00961 * ln_age
            + 20.014077 * ln_tc
            - 0.905964 * ln_hdl
            + 1.305784 * ln_sbp
            + 0.241549 * treated
            + 12.096316 * smoke
            - 4.605038 * ln_age * ln_tc
            - 2.84367 * age_smoke * smoke
            - 2.93323 * ln_age * ln_age
            - 172.300168
        )
        return 100 * (1 - 0.9402 ** math.exp(score))
    age_smoke = math.log(min(age, 78))
    score = (
        31.764001 * ln_age
        + 22.465206 * ln_tc
        - 1.187731 * ln_hdl
        + 2.552905 * ln_sbp
        + 0.420251 * treated
        + 13.07543 * smoke
        - 5.060998 * ln_age * ln_tc
        - 2.996945 * age_smoke * smoke
        - 146.5933061
    )
    return 100 * (1 - 0.98767 ** math.exp(score))


# --------------------------------------------------------------------------- dosage

STEROID_EQUIVALENT_MG = {
    "betamethasone": 0.75,
    "cortisone": 25.0,
    "dexamethasone": 0.75,
    "hydrocortisone": 20.0,
    "methylprednisolone": 4.0,
    "prednisolone": 5.0,
    "prednisone": 5.0,
    "triamcinolone": 4.0,
}
"""Glucocorticoid doses of equal anti-inflammatory potency (mg)."""

MME_FACTOR = {
    "codeine": 0.15,
    "fentanyl buccal": 0.13,
    "fentanyl patch": 2.4,
    "hydrocodone": 1.0,
    "hydromorphone": 5.0,
    "methadone": 4.7,
    "morphine": 1.0,
    "oxycodone": 1.5,
    "oxymorphone": 3.0,
    "tapentadol": 0.4,
    "tramadol": 0.2,
}
"""CDC 2022 conversion factors to oral morphine milligram equivalents (fentanyl doses in ug, the
patch in ug/hr)."""


def steroid_conversion(*, source: str, dose: float, target: str) -> float:
    """Dose (mg) of ``target`` equivalent to ``dose`` mg of ``source``."""
    return dose * STEROID_EQUIVALENT_MG[target] / STEROID_EQUIVALENT_MG[source]


def morphine_milligram_equivalents(*, regimen: list) -> float:
    """Sum over [drug, dose, doses per day] of dose * doses per day * factor (MME/day)."""
    return sum(dose * per_day * MME_FACTOR[drug] for drug, dose, per_day in regimen)


# --------------------------------------------------------------------------- dates


def estimated_due_date(*, last_menstrual_period: str, cycle_length: int) -> str:
    """Naegele's rule adjusted for cycle length: LMP + 280 days + (cycle length - 28) days."""
    due = parse_date(last_menstrual_period) + datetime.timedelta(days=280 + cycle_length - 28)
    return due.isoformat()


def estimated_conception_date(*, last_menstrual_period: str) -> str:
    """MedCalc-Bench's convention: conception two weeks after the first day of the LMP."""
    return (parse_date(last_menstrual_period) + datetime.timedelta(days=14)).isoformat()


def gestational_age(*, last_menstrual_period: str, current_date: str) -> list:
    """Completed [weeks, days] since the first day of the last menstrual period."""
    days = (parse_date(current_date) - parse_date(last_menstrual_period)).days
    return [days // 7, days % 7]


# --------------------------------------------------------------------------- risk scores


def cha2ds2_vasc(
    *,
    sex: str,
    age: float,
    chf: bool,
    hypertension: bool,
    stroke_tia_thromboembolism: bool,
    vascular_disease: bool,
    diabetes: bool,
) -> int:
    score = band(age, (65, 75), (0, 1, 2)) + (sex == "female")
    score += chf + hypertension + 2 * stroke_tia_thromboembolism + vascular_disease + diabetes
    return int(score)


def has_bled(
    *,
    age: float,
    hypertension: bool,
    renal_disease: bool,
    liver_disease: bool,
    stroke: bool,
    prior_bleeding: bool,
    labile_inr: bool,
    bleeding_medication: bool,
    alcohol_drinks_per_week: float,
) -> int:
    """HAS-BLED: one point each; elderly means older than 65, alcohol means >= 8 drinks a week."""
    flags = (
        hypertension,
        renal_disease,
        liver_disease,
        stroke,
        prior_bleeding,
        labile_inr,
        bleeding_medication,
    )
    return int(sum(flags) + (age > 65) + (alcohol_drinks_per_week >= 8))


def wells_pe(
    *,
    dvt_signs: bool,
    pe_most_likely: bool,
    heart_rate: float,
    immobilization_or_surgery: bool,
    previous_pe_or_dvt: bool,
    hemoptysis: bool,
    malignancy: bool,
) -> float:
    score = 3.0 * dvt_signs + 3.0 * pe_most_likely + 1.5 * (heart_rate > 100)
    score += 1.5 * immobilization_or_surgery + 1.5 * previous_pe_or_dvt + hemoptysis + malignancy
    return float(score)


def wells_dvt(
    *,
    active_cancer: bool,
    bedridden_or_surgery: bool,
    calf_swelling: bool,
    collateral_veins: bool,
    entire_leg_swollen: bool,
    deep_vein_tenderness: bool,
    pitting_edema: bool,
    paralysis_or_cast: bool,
    previous_dvt: bool,
    alternative_diagnosis: bool,
) -> int:
    flags = (
        active_cancer,
        bedridden_or_surgery,
        calf_swelling,
        collateral_veins,
        entire_leg_swollen,
        deep_vein_tenderness,
        pitting_edema,
        paralysis_or_cast,
        previous_dvt,
    )
    return int(sum(flags) - 2 * alternative_diagnosis)


def revised_cardiac_risk_index(
    *,
    high_risk_surgery: bool,
    ischemic_heart_disease: bool,
    chf: bool,
    cerebrovascular_disease: bool,
    insulin: bool,
    creatinine: float,
) -> int:
    flags = (high_risk_surgery, ischemic_heart_disease, chf, cerebrovascular_disease, insulin)
    return int(sum(flags) + (creatinine > 2))


HEART_LEVELS = {
    "history": ("slightly suspicious", "moderately suspicious", "highly suspicious"),
    "ecg": ("normal", "non-specific repolarization disturbance", "significant st deviation"),
    "troponin": ("<= normal limit", "1-3x normal limit", "> 3x normal limit"),
}


def heart_score(
    *,
    history: str,
    ecg: str,
    age: float,
    hypertension: bool,
    hypercholesterolemia: bool,
    diabetes: bool,
    smoking: bool,
    family_history: bool,
    obesity: bool,
    atherosclerotic_disease: bool,
    troponin: str,
) -> int:
    """HEART: history, ECG, age, risk factors (0 / 1-2 / >= 3 or known atherosclerosis), troponin.

    Risk factors: hypertension, hypercholesterolemia, diabetes, smoking, family history of
    cardiovascular disease and obesity (BMI > 30).
    """
    factors = hypertension + hypercholesterolemia + diabetes + smoking + family_history + obesity
    score = HEART_LEVELS["history"].index(history) + HEART_LEVELS["ecg"].index(ecg)
    score += HEART_LEVELS["troponin"].index(troponin) + band(age, (45, 65), (0, 1, 2))
    if factors >= 3 or atherosclerotic_disease:
        score += 2
    elif factors >= 1:
        score += 1
    return int(score)


def glasgow_blatchford(
    *,
    sex: str,
    bun: float,
    hemoglobin: float,
    sbp: float,
    heart_rate: float,
    melena: bool,
    syncope: bool,
    hepatic_disease: bool,
    cardiac_failure: bool,
) -> int:
    score = band(bun, (18.2, 22.4, 28, 70), (0, 2, 3, 4, 6))
    if sex == "male":
        score += band(hemoglobin, (10, 12, 13), (6, 3, 1, 0))
    else:
        score += band(hemoglobin, (10, 12), (6, 1, 0))
    score += band(sbp, (90, 100, 110), (3, 2, 1, 0)) + (heart_rate >= 100)
    return int(score + melena + 2 * syncope + 2 * hepatic_disease + 2 * cardiac_failure)


APACHE_CHRONIC = {"none": 0, "elective postoperative": 2, "nonoperative or emergency postoperative": 5}


def apache_ii(
    *,
    age: float,
    temperature: float,
    sbp: float,
    dbp: float,
    heart_rate: float,
    respiratory_rate: float,
    fio2: float,
    pao2: float,
    aa_gradient: float,
    ph: float,
    sodium: float,
    potassium: float,
    creatinine: float,
    acute_renal_failure: bool,
    hematocrit: float,
    wbc: float,
    gcs: int,
    chronic_health: str,
) -> int:
    """APACHE II (MDCalc bands): A-a gradient when FiO2 >= 0.5, PaO2 otherwise; creatinine points
    double in acute renal failure; GCS contributes 15 - GCS."""
    score = band(age, (45, 55, 65, 75), (0, 2, 3, 5, 6)) + APACHE_CHRONIC[chronic_health]
    score += band(temperature, (30, 32, 34, 36, 38.5, 39, 41), (4, 3, 2, 1, 0, 1, 3, 4))
    score += band(mean_arterial_pressure(sbp, dbp), (50, 70, 110, 130, 160), (4, 2, 0, 2, 3, 4))
    score += band(heart_rate, (40, 55, 70, 110, 140, 180), (4, 3, 2, 0, 2, 3, 4))
    score += band(respiratory_rate, (6, 10, 12, 25, 35, 50), (4, 2, 1, 0, 1, 3, 4))
    if fio2 >= 0.5:
        score += band(aa_gradient, (200, 350, 500), (0, 2, 3, 4))
    else:
        score += 0 if pao2 > 70 else band(pao2, (55, 61), (4, 3, 1))
    score += band(ph, (7.15, 7.25, 7.33, 7.5, 7.6, 7.7), (4, 3, 2, 0, 1, 3, 4))
    score += band(sodium, (111, 120, 130, 150, 155, 160, 180), (4, 3, 2, 0, 1, 2, 3, 4))
    score += band(potassium, (2.5, 3.0, 3.5, 5.5, 6.0, 7.0), (4, 2, 1, 0, 1, 3, 4))
    score += band(creatinine, (0.6, 1.5, 2.0, 3.5), (2, 0, 2, 3, 4)) * (2 if acute_renal_failure else 1)
    score += band(hematocrit, (20, 30, 46, 50, 60), (4, 2, 0, 1, 2, 4))
    score += band(wbc, (1, 3, 15, 20, 40), (4, 2, 0, 1, 2, 4))
    return int(score + 15 - gcs)


def caprini(
    *,
    age: float,
    surgery: str,
    mobility: str,
    bmi: float,
    recent_major_surgery: bool,
    recent_chf: bool,
    recent_sepsis: bool,
    recent_pneumonia: bool,
    varicose_veins: bool,
    swollen_legs: bool,
    central_venous_access: bool,
    copd: bool,
    inflammatory_bowel_disease: bool,
    acute_mi: bool,
    malignancy: bool,
    plaster_cast: bool,
    history_of_vte: bool,
    family_history_of_thrombosis: bool,
    factor_v_leiden: bool,
    prothrombin_20210a: bool,
    homocysteine: bool,
    lupus_anticoagulant: bool,
    anticardiolipin: bool,
    heparin_induced_thrombocytopenia: bool,
    thrombophilia_other: bool,
    hip_pelvis_leg_fracture: bool,
    recent_stroke: bool,
    multiple_trauma: bool,
    spinal_cord_injury: bool,
) -> int:
    """Caprini (2005) with the items our notes describe; items not described are absent."""
    surgery_points = {"none": 0, "minor": 1, "major": 2, "laparoscopic": 2, "arthroplasty": 5}
    mobility_points = {"normal": 0, "bed rest": 1, "confined to bed > 72 hours": 2}
    score = band(age, (41, 61, 75), (0, 1, 2, 3)) + surgery_points[surgery] + mobility_points[mobility]
    one = (
        bmi > 25,
        recent_major_surgery,
        recent_chf,
        recent_sepsis,
        recent_pneumonia,
        varicose_veins,
        swollen_legs,
        copd,
        inflammatory_bowel_disease,
        acute_mi,
    )
    two = (central_venous_access, malignancy, plaster_cast)
    three = (
        history_of_vte,
        family_history_of_thrombosis,
        factor_v_leiden,
        prothrombin_20210a,
        homocysteine,
        lupus_anticoagulant,
        anticardiolipin,
        heparin_induced_thrombocytopenia,
        thrombophilia_other,
    )
    five = (hip_pelvis_leg_fracture, recent_stroke, multiple_trauma, spinal_cord_injury)
    return int(score + sum(one) + 2 * sum(two) + 3 * sum(three) + 5 * sum(five))


def sofa(
    *,
    pao2: float,
    fio2: float,
    ventilated: bool,
    platelets: float,
    gcs: int,
    bilirubin: float,
    sbp: float,
    dbp: float,
    dopamine: float,
    dobutamine: float,
    epinephrine: float,
    norepinephrine: float,
    creatinine: float,
) -> int:
    """SOFA: respiratory points 3-4 need mechanical ventilation; vasopressors in ug/kg/min."""
    ratio = pao2 / fio2
    respiratory = band(ratio, (100, 200, 300, 400), (4, 3, 2, 1, 0))
    if not ventilated:
        respiratory = min(respiratory, 2)
    if dopamine > 15 or epinephrine > 0.1 or norepinephrine > 0.1:
        cardiovascular = 4
    elif dopamine > 5 or epinephrine > 0 or norepinephrine > 0:
        cardiovascular = 3
    elif dopamine > 0 or dobutamine > 0:
        cardiovascular = 2
    else:
        cardiovascular = 1 if mean_arterial_pressure(sbp, dbp) < 70 else 0
    score = respiratory + cardiovascular
    score += band(platelets, (20, 50, 100, 150), (4, 3, 2, 1, 0))
    score += band(gcs, (6, 10, 13, 15), (4, 3, 2, 1, 0))
    score += band(bilirubin, (1.2, 2.0, 6.0, 12.0), (0, 1, 2, 3, 4))
    score += band(creatinine, (1.2, 2.0, 3.5, 5.0), (0, 1, 2, 3, 4))
    return int(score)


def charlson(
    *,
    age: float,
    mi: bool,
    chf: bool,
    peripheral_vascular_disease: bool,
    cerebrovascular_disease: bool,
    dementia: bool,
    copd: bool,
    connective_tissue_disease: bool,
    peptic_ulcer_disease: bool,
    liver_disease: str,
    diabetes: str,
    hemiplegia: bool,
    ckd: bool,
    solid_tumor: str,
    leukemia: bool,
    lymphoma: bool,
    aids: bool,
) -> int:
    """Charlson Comorbidity Index (age points plus comorbidity weights)."""
    score = band(age, (50, 60, 70, 80), (0, 1, 2, 3, 4))
    score += mi + chf + peripheral_vascular_disease + cerebrovascular_disease + dementia + copd
    score += connective_tissue_disease + peptic_ulcer_disease
    score += {"none": 0, "mild": 1, "moderate to severe": 3}[liver_disease]
    score += {"none or diet-controlled": 0, "uncomplicated": 1, "end-organ damage": 2}[diabetes]
    score += 2 * (hemiplegia + ckd + leukemia + lymphoma) + 6 * aids
    score += {"none": 0, "localized": 2, "metastatic": 6}[solid_tumor]
    return int(score)


def curb_65(
    *, confusion: bool, bun: float, respiratory_rate: float, sbp: float, dbp: float, age: float
) -> int:
    low_bp = sbp < 90 or dbp <= 60
    return int(confusion + (bun > 19) + (respiratory_rate >= 30) + low_bp + (age >= 65))


# --------------------------------------------------------------------------- severity


def child_pugh(*, bilirubin: float, albumin: float, inr: float, ascites: str, encephalopathy: str) -> int:
    score = 1 if bilirubin < 2 else (2 if bilirubin <= 3 else 3)
    score += 1 if inr < 1.7 else (2 if inr <= 2.3 else 3)
    score += 3 if albumin < 2.8 else (2 if albumin <= 3.5 else 1)
    score += {"absent": 1, "slight": 2, "moderate": 3}[ascites]
    score += {"none": 1, "grade 1-2": 2, "grade 3-4": 3}[encephalopathy]
    return int(score)


def centor_mcisaac(
    *, age: float, temperature: float, exudate: bool, tender_nodes: bool, cough_absent: bool
) -> int:
    age_points = 1 if 3 <= age <= 14 else (-1 if age >= 45 else 0)
    return int(age_points + (temperature > 38) + exudate + tender_nodes + cough_absent)


GCS_LEVELS = {
    "eye": ("none", "to pain", "to voice", "spontaneous"),
    "verbal": ("none", "incomprehensible sounds", "inappropriate words", "confused", "oriented"),
    "motor": ("none", "extension", "abnormal flexion", "withdrawal", "localizes", "obeys"),
}


def glasgow_coma_scale(*, eye: str, verbal: str, motor: str) -> int:
    levels = GCS_LEVELS
    return levels["eye"].index(eye) + levels["verbal"].index(verbal) + levels["motor"].index(motor) + 3


def pneumonia_severity_index(
    *,
    sex: str,
    age: float,
    nursing_home: bool,
    neoplastic_disease: bool,
    liver_disease: bool,
    chf: bool,
    cerebrovascular_disease: bool,
    renal_disease: bool,
    altered_mental_status: bool,
    respiratory_rate: float,
    sbp: float,
    temperature: float,
    heart_rate: float,
    ph: float,
    bun: float,
    sodium: float,
    glucose: float,
    hematocrit: float,
    pao2: float,
    pleural_effusion: bool,
) -> int:
    """PSI/PORT: age (women - 10) plus weighted findings."""
    score = age - (10 if sex == "female" else 0) + 10 * nursing_home
    score += (
        30 * neoplastic_disease + 20 * liver_disease + 10 * (chf + cerebrovascular_disease + renal_disease)
    )
    score += 20 * altered_mental_status + 20 * (respiratory_rate >= 30) + 20 * (sbp < 90)
    score += 15 * (temperature < 35 or temperature >= 40) + 10 * (heart_rate >= 125)
    score += 30 * (ph < 7.35) + 20 * (bun >= 30) + 20 * (sodium < 130) + 10 * (glucose >= 250)
    score += 10 * (hematocrit < 30) + 10 * (pao2 < 60) + 10 * pleural_effusion
    return int(score)


# --------------------------------------------------------------------------- diagnosis


def feverpain(
    *, fever: bool, purulence: bool, attend_rapidly: bool, inflamed_tonsils: bool, no_cough_coryza: bool
) -> int:
    return int(fever + purulence + attend_rapidly + inflamed_tonsils + no_cough_coryza)


def perc_rule(
    *,
    age: float,
    heart_rate: float,
    oxygen_saturation: float,
    unilateral_leg_swelling: bool,
    hemoptysis: bool,
    recent_surgery_or_trauma: bool,
    prior_pe_or_dvt: bool,
    hormone_use: bool,
) -> int:
    """Number of PERC criteria met."""
    met = (age >= 50) + (heart_rate >= 100) + (oxygen_saturation < 95)
    return int(
        met + unilateral_leg_swelling + hemoptysis + recent_surgery_or_trauma + prior_pe_or_dvt + hormone_use
    )


def sirs(*, temperature: float, heart_rate: float, respiratory_rate: float, paco2: float, wbc: float) -> int:
    """Number of SIRS criteria met (temperature, heart rate, respiration, white count)."""
    met = (temperature > 38 or temperature < 36) + (heart_rate > 90)
    met += respiratory_rate > 20 or paco2 < 32
    return int(met + (wbc > 12 or wbc < 4))
