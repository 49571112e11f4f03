"""Hand-checked reference values for the calculators (textbook examples and MedCalc-Bench rows)."""

from __future__ import annotations

import pytest

from medagentgym.tasks.medcalc import formulas as f

approx = pytest.approx


def test_body_and_blood_pressure():
    assert f.bmi(70, 175) == approx(22.857, abs=1e-3)
    assert f.mean_arterial_pressure(120, 80) == approx(93.333, abs=1e-3)
    assert f.ideal_body_weight("male", 72 * 2.54) == approx(77.6)
    assert f.ideal_body_weight("female", 60 * 2.54) == approx(45.5)
    assert f.adjusted_body_weight("male", 100, 72 * 2.54) == approx(77.6 + 0.4 * 22.4)
    assert f.body_surface_area(weight=70, height=175) == approx(1.8447, abs=1e-4)
    assert f.target_weight(target_bmi=22, height=175) == approx(67.375)
    assert [f.maintenance_fluids(weight=w) for w in (5, 15, 70)] == [20, 50, 110]


def test_qtc_formulas_agree_at_60_beats_and_differ_above():
    for formula in (f.qtc_bazett, f.qtc_fridericia, f.qtc_framingham, f.qtc_hodges, f.qtc_rautaharju):
        assert formula(qt=400, heart_rate=60) == approx(400)
    assert f.qtc_bazett(qt=400, heart_rate=100) == approx(516.4, abs=0.1)
    assert f.qtc_fridericia(qt=400, heart_rate=100) == approx(474.3, abs=0.1)
    assert f.qtc_framingham(qt=400, heart_rate=100) == approx(461.6, abs=0.1)
    assert f.qtc_hodges(qt=400, heart_rate=100) == approx(470)
    assert f.qtc_rautaharju(qt=400, heart_rate=100) == approx(488.9, abs=0.1)


def test_kidney():
    # MedCalc-Bench test row 1: 87-year-old man, 48 kg, 163 cm (underweight), creatinine 1.4 mg/dL
    assert f.cockcroft_gault(sex="male", age=87, weight=48, height=163, creatinine=1.4) == approx(
        25.238, abs=1e-3
    )
    assert f.ckd_epi_2021(sex="female", age=65, creatinine=1.2) == approx(50.235, abs=1e-3)
    assert f.ckd_epi_2021(sex="male", age=80, creatinine=0.87) == approx(87.228, abs=1e-3)
    expected = 175 * 1.5**-1.154 * 50**-0.203 * 0.742 * 1.212
    assert f.mdrd_gfr(sex="female", age=50, creatinine=1.5, black=True) == approx(expected)
    assert f.fena(sodium=140, creatinine=2, urine_sodium=40, urine_creatinine=100) == approx(0.5714, abs=1e-4)
    assert f.free_water_deficit(sex="male", age=40, weight=70, sodium=154) == approx(4.2)
    assert f.free_water_deficit(sex="female", age=70, weight=60, sodium=126) == approx(-2.7)  # negative


def test_chemistry_and_acid_base():
    assert f.corrected_calcium(calcium=8, albumin=2) == approx(9.6)
    assert f.corrected_sodium(sodium=130, glucose=500) == approx(139.6)
    assert f.serum_osmolality(sodium=140, bun=28, glucose=180) == approx(300)
    assert f.homa_ir(insulin=10, glucose=90) == approx(2.2222, abs=1e-4)
    assert f.ldl_calculated(total_cholesterol=200, hdl=50, triglycerides=150) == approx(120)
    assert f.fib4(age=50, ast=40, alt=36, platelets=200) == approx(1.6667, abs=1e-4)
    assert f.anion_gap(140, 100, 14) == 26
    assert f.delta_gap(sodium=140, chloride=100, bicarbonate=14) == 14
    assert f.delta_ratio(sodium=140, chloride=100, bicarbonate=14) == approx(1.4)
    assert f.delta_gap(sodium=135, chloride=110, bicarbonate=20) == -7  # negative delta gap
    assert f.albumin_corrected_anion_gap(140, 100, 24, 2) == approx(21)
    assert f.albumin_corrected_delta_ratio(sodium=140, chloride=100, bicarbonate=14, albumin=2) == approx(1.9)


def test_meld_na_bounds_and_sodium_term():
    assert f.meld_na(creatinine=1.9, bilirubin=4.2, inr=1.2, sodium=130, dialysis=False) == 25
    low = f.meld_na(creatinine=0.5, bilirubin=0.5, inr=0.9, sodium=140, dialysis=False)
    assert low == 6  # every input bounded to 1.0 and no sodium term at MELD(i) <= 11
    dialysed = f.meld_na(creatinine=1.2, bilirubin=4.2, inr=1.2, sodium=130, dialysis=True)
    assert dialysed == f.meld_na(creatinine=4.0, bilirubin=4.2, inr=1.2, sodium=130, dialysis=False)


def test_dosage():
    assert f.steroid_conversion(source="prednisone", dose=40, target="dexamethasone") == approx(6)
    assert f.steroid_conversion(source="hydrocortisone", dose=20, target="methylprednisolone") == approx(4)
    regimen = [["oxycodone", 10, 3], ["fentanyl patch", 25, 1]]
    assert f.morphine_milligram_equivalents(regimen=regimen) == approx(45 + 60)


def test_pregnancy_dates():
    assert f.estimated_due_date(last_menstrual_period="2024-01-01", cycle_length=28) == "2024-10-07"
    assert f.estimated_due_date(last_menstrual_period="2024-01-01", cycle_length=32) == "2024-10-11"
    assert f.estimated_due_date(last_menstrual_period="2024-01-01", cycle_length=25) == "2024-10-04"
    assert f.estimated_conception_date(last_menstrual_period="2024-12-25") == "2025-01-08"
    assert f.gestational_age(last_menstrual_period="2024-01-01", current_date="2024-03-05") == [9, 1]


def test_cardiovascular_scores():
    assert (
        f.cha2ds2_vasc(
            sex="female",
            age=76,
            chf=False,
            hypertension=True,
            stroke_tia_thromboembolism=False,
            vascular_disease=False,
            diabetes=True,
        )
        == 5
    )
    assert (
        f.has_bled(
            age=70,
            hypertension=False,
            renal_disease=True,
            liver_disease=False,
            stroke=False,
            prior_bleeding=True,
            labile_inr=False,
            bleeding_medication=False,
            alcohol_drinks_per_week=8,
        )
        == 4
    )
    assert (
        f.heart_score(
            history="highly suspicious",
            ecg="normal",
            age=50,
            hypertension=True,
            hypercholesterolemia=False,
            diabetes=False,
            smoking=False,
            family_history=False,
            obesity=False,
            atherosclerotic_disease=True,
            troponin="1-3x normal limit",
        )
        == 2 + 0 + 1 + 2 + 1
    )
    assert (
        f.revised_cardiac_risk_index(
            high_risk_surgery=True,
            ischemic_heart_disease=False,
            chf=True,
            cerebrovascular_disease=False,
            insulin=False,
            creatinine=2.1,
        )
        == 3
    )


def test_thrombosis_scores_can_be_negative_or_fractional():
    no = dict.fromkeys(
        (
            "active_cancer",
            "bedridden_or_surgery",
            "calf_swelling",
            "collateral_veins",
            "entire_leg_swollen",
            "deep_vein_tenderness",
            "pitting_edema",
            "paralysis_or_cast",
            "previous_dvt",
        ),
        False,
    )
    assert f.wells_dvt(**no, alternative_diagnosis=True) == -2
    assert (
        f.wells_pe(
            dvt_signs=False,
            pe_most_likely=True,
            heart_rate=110,
            immobilization_or_surgery=False,
            previous_pe_or_dvt=False,
            hemoptysis=True,
            malignancy=False,
        )
        == 5.5
    )


def test_severity_scores_and_band_edges():
    assert f.child_pugh(bilirubin=1.5, albumin=3.6, inr=1.2, ascites="absent", encephalopathy="none") == 5
    assert (
        f.child_pugh(bilirubin=2.0, albumin=2.8, inr=2.3, ascites="slight", encephalopathy="grade 1-2") == 10
    )
    assert (
        f.child_pugh(bilirubin=3.1, albumin=2.7, inr=2.4, ascites="moderate", encephalopathy="grade 3-4")
        == 15
    )
    assert (
        f.glasgow_coma_scale(eye="to pain", verbal="incomprehensible sounds", motor="abnormal flexion") == 7
    )
    assert f.glasgow_coma_scale(eye="spontaneous", verbal="oriented", motor="obeys") == 15
    assert f.centor_mcisaac(age=50, temperature=38.5, exudate=True, tender_nodes=True, cough_absent=True) == 3
    assert (
        f.centor_mcisaac(age=10, temperature=38.0, exudate=False, tender_nodes=False, cough_absent=False) == 1
    )
    assert f.curb_65(confusion=True, bun=25, respiratory_rate=32, sbp=85, dbp=70, age=70) == 5
    assert f.sirs(temperature=38.5, heart_rate=95, respiratory_rate=22, paco2=40, wbc=13) == 4
    assert f.sirs(temperature=37.0, heart_rate=80, respiratory_rate=16, paco2=30, wbc=3.5) == 2
    assert (
        f.perc_rule(
            age=55,
            heart_rate=100,
            oxygen_saturation=94,
            unilateral_leg_swelling=False,
            hemoptysis=False,
            recent_surgery_or_trauma=False,
            prior_pe_or_dvt=True,
            hormone_use=False,
        )
        == 4
    )


def test_icu_scores():
    normal = {
        "age": 30,
        "temperature": 37.0,
        "sbp": 120,
        "dbp": 80,
        "heart_rate": 80,
        "respiratory_rate": 16,
        "fio2": 0.21,
        "pao2": 90,
        "aa_gradient": 10,
        "ph": 7.4,
        "sodium": 140,
        "potassium": 4.0,
        "creatinine": 1.0,
        "acute_renal_failure": False,
        "hematocrit": 40,
        "wbc": 8,
        "gcs": 15,
        "chronic_health": "none",
    }
    assert f.apache_ii(**normal) == 0
    assert f.apache_ii(**{**normal, "gcs": 10}) == 5
    assert f.apache_ii(**{**normal, "creatinine": 2.5, "acute_renal_failure": True}) == 6
    assert f.apache_ii(**{**normal, "heart_rate": 50, "fio2": 0.6, "aa_gradient": 400}) == 3 + 3
    quiet = {
        "pao2": 90,
        "fio2": 0.21,
        "ventilated": False,
        "platelets": 200,
        "gcs": 15,
        "bilirubin": 0.8,
        "sbp": 120,
        "dbp": 80,
        "dopamine": 0.0,
        "dobutamine": 0.0,
        "epinephrine": 0.0,
        "norepinephrine": 0.0,
        "creatinine": 1.0,
    }
    assert f.sofa(**quiet) == 0
    assert f.sofa(**{**quiet, "norepinephrine": 0.2}) == 4
    assert f.sofa(**{**quiet, "pao2": 60, "fio2": 0.8}) == 2  # P/F 75 without ventilation caps at 2
    assert f.sofa(**{**quiet, "pao2": 60, "fio2": 0.8, "ventilated": True}) == 4


def test_pneumonia_and_comorbidity_indices():
    psi = f.pneumonia_severity_index(
        sex="female",
        age=70,
        nursing_home=True,
        neoplastic_disease=False,
        liver_disease=False,
        chf=True,
        cerebrovascular_disease=False,
        renal_disease=False,
        altered_mental_status=False,
        respiratory_rate=32,
        sbp=120,
        temperature=37.0,
        heart_rate=90,
        ph=7.40,
        bun=35,
        sodium=138,
        glucose=120,
        hematocrit=38,
        pao2=80,
        pleural_effusion=False,
    )
    assert psi == 70 - 10 + 10 + 10 + 20 + 20
    cci = f.charlson(
        age=72,
        mi=True,
        chf=False,
        peripheral_vascular_disease=False,
        cerebrovascular_disease=False,
        dementia=False,
        copd=True,
        connective_tissue_disease=False,
        peptic_ulcer_disease=False,
        liver_disease="mild",
        diabetes="end-organ damage",
        hemiplegia=False,
        ckd=False,
        solid_tumor="metastatic",
        leukemia=False,
        lymphoma=False,
        aids=False,
    )
    assert cci == 3 + 1 + 1 + 1 + 2 + 6
