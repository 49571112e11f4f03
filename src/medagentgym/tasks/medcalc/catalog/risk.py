"""Rule-based risk scores: stroke, bleeding, thrombosis, cardiac, intensive care."""

from __future__ import annotations

from typing import Any

import numpy as np

from medagentgym.tasks.medcalc import formulas as f
from medagentgym.tasks.medcalc.catalog.common import (
    ABSENT_IF_UNSTATED,
    HEART_RATE,
    RESPIRATORY_RATE,
    diastolic,
    flag,
    num,
    rare,
    systolic,
)
from medagentgym.tasks.medcalc.spec import Calculator, Choice, Count, Custom, Values

CHF = flag(
    "chf",
    ("congestive heart failure", "heart failure with reduced ejection fraction"),
    ("heart failure",),
    "Congestive Heart Faliure",
    "Congestive Heart Failure",
    "CHF History",
)
HYPERTENSION = flag(
    "hypertension",
    ("hypertension", "long-standing high blood pressure"),
    "hypertension",
    "Hypertension history",
    "Hypertension",
)
DIABETES = flag(
    "diabetes",
    ("type 2 diabetes mellitus", "diabetes treated with metformin"),
    "diabetes",
    "Diabetes history",
)
STROKE_TIA = flag(
    "stroke_tia_thromboembolism",
    ("an ischemic stroke two years ago", "a transient ischemic attack last year", "a prior embolic stroke"),
    ("stroke, TIA or thromboembolism",),
    "Stroke",
    "Transient Ischemic Attacks History",
    "Thromboembolism history",
)
VASCULAR = flag(
    "vascular_disease",
    (
        "a prior myocardial infarction",
        "peripheral artery disease with claudication",
        "aortic plaque on imaging",
    ),
    ("vascular disease",),
    "Vascular disease history",
)
AF = (
    "was seen in the cardiology clinic for newly diagnosed atrial fibrillation",
    "presented with palpitations and was found to be in atrial fibrillation",
    "was referred to discuss anticoagulation for paroxysmal atrial fibrillation",
)
CHEST_PAIN = (
    "presented to the emergency department with substernal chest pain",
    "was brought in by ambulance with chest tightness radiating to the left arm",
    "presented with intermittent chest discomfort over the past day",
)
ICU = (
    "was admitted to the intensive care unit with septic shock",
    "was transferred to the ICU with respiratory failure",
    "was admitted to the ICU after an out-of-hospital collapse",
)
GCS_SCORE = Count(
    "gcs",
    (3, 15),
    ("{His} Glasgow Coma Scale score is {n}.", "GCS is {n}.", "{He} has a GCS of {n}."),
    section="exam",
    aliases=("Glasgow Coma Score",),
    default=15,
)
VENTILATED = Choice(
    "ventilated",
    {
        True: (
            "{He} is intubated and mechanically ventilated.",
            "{He} is on invasive mechanical ventilation.",
        ),
        False: ("{He} is breathing spontaneously via a face mask.", "{He} is not intubated."),
    },
    section="exam",
    aliases=("On mechanical ventilation", "Continuous positive airway pressure"),
)


PRESSORS = {  # drug -> (official entity name, doses in ug/kg/min)
    "dopamine": ("DOPamine", (2.5, 4.0, 5.0, 7.5, 10.0, 12.0, 18.0)),
    "dobutamine": ("DOBUTamine", (2.5, 5.0, 7.5, 10.0)),
    "epinephrine": ("EPINEPHrine", (0.03, 0.05, 0.1, 0.15, 0.2)),
    "norepinephrine": ("norEPINEPHrine", (0.02, 0.05, 0.08, 0.1, 0.2, 0.3)),
}


def draw_pressors(rng: np.random.Generator) -> dict[str, Any]:
    """Zero to two vasopressors at typical doses (µg/kg/min); the others are not given."""
    given = rng.choice(sorted(PRESSORS), size=int(rng.choice((0, 0, 1, 1, 2))), replace=False)
    return {drug: float(rng.choice(PRESSORS[drug][1])) if drug in given else 0.0 for drug in PRESSORS}


def describe_pressors(values: Values, rng: np.random.Generator) -> str:
    doses = [f"{drug} at {values[drug]:g} µg/kg/min" for drug in PRESSORS if values[drug] > 0]
    if not doses:
        return str(rng.choice(("{He} requires no vasopressor support.", "No vasopressors are running.")))
    return "{He} is receiving " + " and ".join(doses) + "."


THROMBOPHILIAS = (  # Caprini items worth 3 points each: (key, wording, MedCalc-Bench entity)
    ("factor_v_leiden", "factor V Leiden heterozygosity", "Positive Factor V Leiden"),
    ("prothrombin_20210a", "the prothrombin 20210A mutation", "Positive prothrombin 20210A"),
    ("homocysteine", "an elevated serum homocysteine", "Elevated serum homocysteine"),
    ("lupus_anticoagulant", "a positive lupus anticoagulant", "Positive lupus anticoagulant"),
    ("anticardiolipin", "elevated anticardiolipin antibodies", "Elevated anticardiolipin antibody"),
    (
        "heparin_induced_thrombocytopenia",
        "heparin-induced thrombocytopenia",
        "Heparin-induced thrombocytopenia",
    ),
    ("thrombophilia_other", "antithrombin III deficiency", "Other congenital or acquired thrombophilia"),
)


CALCULATORS = (
    Calculator(
        id=4,
        name="CHA2DS2-VASc Score for Atrial Fibrillation Stroke Risk",
        category="risk",
        output="integer",
        unit="points",
        formula=f.cha2ds2_vasc,
        question="What is the patient's CHA2DS2-VASc score?",
        notes=ABSENT_IF_UNSTATED,
        inputs=(CHF, HYPERTENSION, STROKE_TIA, VASCULAR, DIABETES),
        settings=AF,
        age=(40, 92),
    ),
    Calculator(
        id=25,
        name="HAS-BLED Score for Major Bleeding Risk",
        category="risk",
        output="integer",
        unit="points",
        formula=f.has_bled,
        question="What is the patient's HAS-BLED score?",
        notes=f"Hypertension means uncontrolled hypertension (systolic > 160 mm Hg). {ABSENT_IF_UNSTATED}",
        inputs=(
            flag(
                "hypertension",
                "uncontrolled hypertension with systolic readings above 170 mm Hg",
                "uncontrolled hypertension",
                "Hypertension",
            ),
            flag(
                "renal_disease",
                ("chronic kidney disease on hemodialysis", "a kidney transplant"),
                "renal disease",
                "Renal disease criteria for the HAS-BLED rule",
            ),
            flag(
                "liver_disease",
                ("cirrhosis", "chronic hepatitis with bilirubin over twice normal"),
                "liver disease",
                "Liver disease criteria for the HAS-BLED rule",
            ),
            flag("stroke", "a prior ischemic stroke", "stroke", "Stroke history"),
            flag(
                "prior_bleeding",
                ("a major gastrointestinal bleed requiring transfusion",),
                "major bleeding",
                "Prior major bleeding or predisposition to bleeding",
            ),
            flag(
                "labile_inr",
                ("labile INRs with time in therapeutic range below 60%",),
                "labile INR",
                "Labile international normalized ratio",
            ),
            flag(
                "bleeding_medication",
                ("daily aspirin", "ibuprofen for arthritis pain"),
                "antiplatelet agents or NSAIDs",
                "Medication usage predisposing to bleeding",
                section="meds",
            ),
            Count(
                "alcohol_drinks_per_week",
                (0, 20),
                (
                    "{He} drinks about {n} alcoholic drinks per week.",
                    "{He} reports {n} drinks of alcohol a week.",
                ),
                section="social",
                aliases=("Number of Alcoholic Drinks Per Week",),
                default=0,
            ),
        ),
        settings=AF,
        age=(45, 92),
    ),
    Calculator(
        id=8,
        name="Wells' Criteria for Pulmonary Embolism",
        category="risk",
        output="decimal",
        unit="points",
        formula=f.wells_pe,
        question="What is the patient's score on Wells' criteria for pulmonary embolism?",
        notes=ABSENT_IF_UNSTATED,
        inputs=(
            HEART_RATE,
            flag(
                "dvt_signs",
                (
                    "swelling and tenderness of the left calf",
                    "clinical signs of deep vein thrombosis in the right leg",
                ),
                "leg swelling or calf tenderness",
                "Clinical signs and symptoms of Deep Vein Thrombosis",
                section="exam",
            ),
            Choice(
                "pe_most_likely",
                {
                    True: ("The team considers pulmonary embolism the most likely diagnosis.",),
                    False: (
                        "Pneumonia is considered more likely than pulmonary embolism.",
                        "The team favours an acute asthma exacerbation over pulmonary embolism.",
                    ),
                },
                section="plan",
                aliases=("Pulmonary Embolism is #1 diagnosis OR equally likely",),
            ),
            flag(
                "immobilization_or_surgery",
                ("a knee replacement two weeks ago", "immobilization in bed for the past five days"),
                "recent surgery or immobilization",
                "Immobilization for at least 3 days",
                "Surgery in the previous 4 weeks",
            ),
            flag(
                "previous_pe_or_dvt",
                ("a previous deep vein thrombosis", "a pulmonary embolism three years ago"),
                "venous thromboembolism",
                "Previously Documented Pulmonary Embolism",
                "Previously documented Deep Vein Thrombosis",
            ),
            flag("hemoptysis", "hemoptysis", "hemoptysis", "Hemoptysis", section="presentation"),
            flag(
                "malignancy",
                ("breast cancer on chemotherapy", "pancreatic cancer receiving palliative care"),
                "active cancer",
                "Malignancy with treatment within 6 months or palliative",
            ),
        ),
        settings=(
            "presented to the emergency department with sudden shortness of breath",
            "developed pleuritic chest pain and dyspnea",
            "presented with acute dyspnea and tachypnea",
        ),
    ),
    Calculator(
        id=16,
        name="Wells' Criteria for DVT",
        category="risk",
        output="integer",
        unit="points",
        formula=f.wells_dvt,
        question="What is the patient's score on Wells' criteria for deep vein thrombosis?",
        notes=ABSENT_IF_UNSTATED,
        inputs=(
            flag(
                "active_cancer",
                ("metastatic colon cancer on chemotherapy", "lung cancer treated within the last 6 months"),
                "active cancer",
                "Active cancer",
            ),
            flag(
                "bedridden_or_surgery",
                ("a hip replacement 3 weeks ago", "being bedridden for 5 days with influenza"),
                "recent surgery or bed rest",
                "Bedridden recently >3 days",
                "Major surgery within 12 weeks",
            ),
            flag(
                "calf_swelling",
                "calf swelling 4 cm larger than the other side",
                "calf asymmetry",
                "Calf swelling >3 centimeters compared to the other leg",
                section="exam",
            ),
            flag(
                "collateral_veins",
                "collateral (non-varicose) superficial veins",
                "collateral superficial veins",
                "Collateral (nonvaricose) superficial veins present",
                section="exam",
            ),
            flag(
                "entire_leg_swollen",
                "swelling of the entire leg",
                "swelling of the entire leg",
                "Entire Leg Swollen",
                section="exam",
            ),
            flag(
                "deep_vein_tenderness",
                "tenderness along the deep venous system",
                "tenderness along the deep veins",
                "Localized tenderness along the deep venous system",
                section="exam",
            ),
            flag(
                "pitting_edema",
                "pitting edema confined to the symptomatic leg",
                "pitting edema",
                "Pitting edema, confined to symptomatic leg",
                section="exam",
            ),
            flag(
                "paralysis_or_cast",
                ("a below-knee plaster cast", "recent paresis of the leg after a stroke"),
                "paralysis or immobilization of the leg",
                "Paralysis, paresis, or recent plaster immobilization of the lower extremity",
            ),
            flag(
                "previous_dvt",
                "a previously documented DVT",
                "venous thrombosis",
                "Previously documented Deep Vein Thrombosis",
            ),
            Choice(
                "alternative_diagnosis",
                {
                    True: (
                        "A ruptured Baker cyst is considered at least as likely as a DVT.",
                        "Cellulitis is thought at least as likely as DVT.",
                    ),
                    False: (
                        "No alternative diagnosis is thought as likely as DVT.",
                        "DVT is the leading diagnosis.",
                    ),
                },
                section="plan",
                aliases=("Alternative diagnosis to Deep Vein Thrombosis as likely or more likely",),
            ),
        ),
        settings=(
            "presented with a painful swollen leg",
            "noticed calf pain and swelling for three days",
            "was seen in the emergency department for leg pain",
        ),
    ),
    Calculator(
        id=17,
        name="Revised Cardiac Risk Index for Pre-Operative Risk",
        category="risk",
        output="integer",
        unit="points",
        formula=f.revised_cardiac_risk_index,
        question="What is the patient's Revised Cardiac Risk Index (RCRI)?",
        notes=ABSENT_IF_UNSTATED,
        inputs=(
            Choice(
                "high_risk_surgery",
                {
                    True: (
                        "{He} is scheduled for an open abdominal aortic aneurysm repair.",
                        "{He} is scheduled for a right upper lobectomy.",
                        "{He} is scheduled for an open colectomy.",
                    ),
                    False: (
                        "{He} is scheduled for a total knee arthroplasty.",
                        "{He} is scheduled for cataract surgery.",
                        "{He} is scheduled for a transurethral resection of the prostate.",
                    ),
                },
                section="plan",
                aliases=("Elevated-risk surgery",),
            ),
            flag(
                "ischemic_heart_disease",
                ("a myocardial infarction five years ago", "angina treated with nitrates"),
                "ischemic heart disease",
                "History of ischemic heart disease",
            ),
            flag(
                "chf",
                ("heart failure with pulmonary edema last year",),
                "heart failure",
                "Congestive Heart Failure criteria for the Cardiac Risk Index rule",
            ),
            flag(
                "cerebrovascular_disease",
                ("a prior stroke", "a transient ischemic attack"),
                "cerebrovascular disease",
                "History of cerebrovascular disease",
            ),
            flag(
                "insulin",
                ("insulin glargine 20 units nightly",),
                "insulin",
                "Pre-operative treatment with insulin",
                section="meds",
            ),
            num("creatinine", 0.6, 4.0, "Pre-operative creatinine", "creatinine"),
        ),
        settings=(
            "was seen in the pre-operative assessment clinic",
            "was evaluated by anesthesia before elective surgery",
        ),
        age=(40, 90),
    ),
    Calculator(
        id=18,
        name="HEART Score for Major Cardiac Events",
        category="risk",
        output="integer",
        unit="points",
        formula=f.heart_score,
        question="What is the patient's HEART score?",
        notes=ABSENT_IF_UNSTATED,
        inputs=(
            Choice(
                "history",
                {
                    "slightly suspicious": (
                        "The history is judged slightly suspicious for acute coronary syndrome.",
                    ),
                    "moderately suspicious": (
                        "The history is judged moderately suspicious for acute coronary syndrome.",
                    ),
                    "highly suspicious": (
                        "The history is judged highly suspicious for acute coronary syndrome.",
                    ),
                },
                section="plan",
                aliases=("Suspicion History",),
                official={
                    "slightly suspicious": "slightly suspicious",
                    "moderately suspicious": "moderately suspicious",
                    "highly suspicious": "highly suspicious",
                },
            ),
            Choice(
                "ecg",
                {
                    "normal": ("The ECG is normal.",),
                    "non-specific repolarization disturbance": (
                        "The ECG shows non-specific repolarization changes.",
                    ),
                    "significant st deviation": ("The ECG shows 2 mm ST depression in the lateral leads.",),
                },
                section="exam",
                aliases=("Electrocardiogram Test",),
            ),
            Choice(
                "troponin",
                {
                    "<= normal limit": ("The initial troponin is within the normal limit.",),
                    "1-3x normal limit": ("The initial troponin is twice the upper limit of normal.",),
                    "> 3x normal limit": ("The initial troponin is five times the upper limit of normal.",),
                },
                section="exam",
                aliases=("Initial troponin",),
                official={
                    "less than or equal to normal limit": "<= normal limit",
                    "between the normal limit or up to three times the normal limit": "1-3x normal limit",
                    "greater than three times normal limit": "> 3x normal limit",
                },
            ),
            flag("hypertension", "hypertension", "hypertension", "Hypertension history"),
            flag("hypercholesterolemia", "hypercholesterolemia", "hyperlipidemia", "hypercholesterolemia"),
            flag("diabetes", "type 2 diabetes", "diabetes", "Diabetes mellitus"),
            flag("smoking", ("current smoking",), "tobacco use", "smoking", section="social"),
            flag(
                "family_history",
                "a brother with a myocardial infarction at 48",
                "premature coronary disease in the family",
                "parent or sibling with Cardiovascular disease before age 65",
            ),
            flag("obesity", ("obesity (BMI 34 kg/m²)", "morbid obesity"), "obesity", "Obesity"),
            flag(
                "atherosclerotic_disease",
                ("a prior coronary stent", "peripheral arterial disease"),
                "known atherosclerotic disease",
                "atherosclerotic disease",
            ),
        ),
        settings=CHEST_PAIN,
        age=(30, 90),
    ),
    Calculator(
        id=27,
        name="Glasgow-Blatchford Bleeding Score (GBS)",
        category="risk",
        output="integer",
        unit="points",
        formula=f.glasgow_blatchford,
        question="What is the patient's Glasgow-Blatchford bleeding score?",
        notes=ABSENT_IF_UNSTATED,
        inputs=(
            num("bun", 6, 90, "Blood Urea Nitrogen (BUN)", "BUN"),
            num("hemoglobin", 6.0, 16.5, "Hemoglobin", "hemoglobin"),
            systolic(75, 160),
            HEART_RATE,
            flag("melena", "melena", "melena", "Melena present", section="presentation"),
            flag(
                "syncope", "a syncopal episode at home", "syncope", "Recent syncope", section="presentation"
            ),
            flag(
                "hepatic_disease", ("alcohol-related cirrhosis",), "liver disease", "Hepatic disease history"
            ),
            flag("cardiac_failure", "heart failure", "heart failure", "Cardiac failure present"),
        ),
        settings=(
            "presented with hematemesis",
            "presented with coffee-ground emesis",
            "was brought in after vomiting blood",
        ),
    ),
    Calculator(
        id=28,
        name="APACHE II Score",
        category="risk",
        output="integer",
        unit="points",
        formula=f.apache_ii,
        question="What is the patient's APACHE II score?",
        notes="Use the A-a gradient if FiO2 ≥ 0.5 and the PaO2 otherwise; creatinine points double in acute renal failure.",
        inputs=(
            num("temperature", 29.5, 41.5, "Temperature", "temperature"),
            systolic(60, 220),
            diastolic((0.45, 0.7)),
            num("heart_rate", 35, 190, "Heart Rate or Pulse"),
            num("respiratory_rate", 5, 52, "respiratory rate"),
            num("fio2", 0.21, 1.0, "FiO₂", "FiO2"),
            num("pao2", 45, 140, "PaO₂", "PaO2"),
            num("aa_gradient", 50, 600, "A-a gradient"),
            num("ph", 7.05, 7.75, "pH"),
            num("sodium", 108, 185, "Sodium", "sodium"),
            num("potassium", 2.2, 7.5, "Potassium", "potassium"),
            num("creatinine", 0.3, 5.5, "creatinine"),
            flag(
                "acute_renal_failure",
                "acute kidney injury",
                "acute renal failure",
                "Acute renal failure",
                section="presentation",
            ),
            num("hematocrit", 15, 62, "Hematocrit", "hematocrit"),
            num("wbc", 0.5, 45, "White blood cell count", "WBC"),
            GCS_SCORE,
            Choice(
                "chronic_health",
                {
                    "none": ("{He} has no history of severe organ insufficiency or immunocompromise.",),
                    "elective postoperative": (
                        "{He} has cirrhosis with portal hypertension and was admitted after elective surgery.",
                    ),
                    "nonoperative or emergency postoperative": (
                        "{He} is on chemotherapy for leukemia and was admitted without surgery.",
                        "{He} has NYHA class IV heart failure and was admitted after emergency surgery.",
                    ),
                },
                section="history",
                aliases=("History of severe organ failure or immunocompromise",),
            ),
        ),
        settings=ICU,
    ),
    Calculator(
        id=32,
        name="Charlson Comorbidity Index (CCI)",
        category="risk",
        output="integer",
        unit="points",
        formula=f.charlson,
        question="What is the patient's Charlson Comorbidity Index (CCI)?",
        notes=ABSENT_IF_UNSTATED,
        inputs=(
            rare("mi", "a myocardial infarction", "myocardial infarction", "Myocardial infarction"),
            rare("chf", "congestive heart failure", "heart failure", "Congestive Heart Failure"),
            rare(
                "peripheral_vascular_disease",
                "peripheral vascular disease with claudication",
                "peripheral vascular disease",
                "Peripheral vascular disease",
            ),
            rare(
                "cerebrovascular_disease",
                ("a prior stroke without residual deficit", "a transient ischemic attack"),
                "cerebrovascular disease",
                "Cerebrovascular Accident",
                "Transient ischemic attacks history",
            ),
            rare("dementia", "Alzheimer dementia", "dementia", "Dementia"),
            rare(
                "copd",
                "chronic obstructive pulmonary disease",
                "chronic lung disease",
                "Chronic Pulmonary Disease",
            ),
            rare(
                "connective_tissue_disease",
                ("systemic lupus erythematosus", "rheumatoid arthritis"),
                "connective tissue disease",
                "Connective tissue disease",
            ),
            rare(
                "peptic_ulcer_disease", "peptic ulcer disease", "peptic ulcer disease", "Peptic ulcer disease"
            ),
            Choice(
                "liver_disease",
                {
                    "none": ("{He} has no liver disease.",),
                    "mild": ("{He} has chronic hepatitis C without portal hypertension.",),
                    "moderate to severe": (
                        "{He} has cirrhosis with portal hypertension and variceal bleeding.",
                    ),
                },
                section="history",
                aliases=("Liver disease severity",),
            ),
            Choice(
                "diabetes",
                {
                    "none or diet-controlled": (
                        "{He} has no diabetes.",
                        "{He} has diet-controlled diabetes.",
                    ),
                    "uncomplicated": ("{He} has type 2 diabetes on metformin without complications.",),
                    "end-organ damage": ("{He} has diabetes complicated by retinopathy and nephropathy.",),
                },
                section="history",
                aliases=("Diabetes mellitus",),
            ),
            rare("hemiplegia", "left hemiplegia", "hemiplegia", "Hemiplegia"),
            rare(
                "ckd",
                "moderate chronic kidney disease (creatinine 3.4 mg/dL)",
                "kidney disease",
                "Moderate to severe Chronic Kidney Disease",
            ),
            Choice(
                "solid_tumor",
                {
                    "none": ("{He} has never had cancer.",),
                    "localized": (
                        "{He} had a localized prostate cancer treated with surgery.",
                        "{He} had localized breast cancer treated five years ago.",
                    ),
                    "metastatic": ("{He} has metastatic lung cancer.",),
                },
                section="history",
                aliases=("Solid tumor",),
            ),
            rare("leukemia", "chronic lymphocytic leukemia", "leukemia", "Leukemia"),
            rare("lymphoma", "non-Hodgkin lymphoma", "lymphoma", "Lymphoma"),
            rare("aids", "AIDS", "HIV infection", "AIDS"),
        ),
        settings=(
            "was admitted for elective hip surgery",
            "was seen for a comprehensive geriatric assessment",
            "was admitted with a urinary tract infection",
        ),
        age=(35, 95),
    ),
    Calculator(
        id=36,
        name="Caprini Score for Venous Thromboembolism (2005)",
        category="risk",
        output="integer",
        unit="points",
        formula=f.caprini,
        question="What is the patient's Caprini score for venous thromboembolism?",
        notes=f"A BMI above 25 kg/m² scores one point; recent means within the last month. {ABSENT_IF_UNSTATED}",
        inputs=(
            num("bmi", 18, 42, "Body Mass Index (BMI)"),
            Choice(
                "surgery",
                {
                    "none": ("No surgery is planned.",),
                    "minor": ("{He} is scheduled for a minor skin excision.",),
                    "major": ("{He} is scheduled for an open hernia repair lasting over 45 minutes.",),
                    "laparoscopic": (
                        "{He} is scheduled for a laparoscopic cholecystectomy expected to last over 45 minutes.",
                    ),
                    "arthroplasty": ("{He} is scheduled for an elective total hip arthroplasty.",),
                },
                section="plan",
                aliases=("Surgery Type",),
                official={
                    "elective major lower extremity arthroplasty": "arthroplasty",
                    "arthroscopic": "laparoscopic",
                },
            ),
            Choice(
                "mobility",
                {
                    "normal": ("{He} is fully ambulatory.",),
                    "bed rest": ("{He} is on bed rest.",),
                    "confined to bed > 72 hours": ("{He} has been confined to bed for more than 72 hours.",),
                },
                section="exam",
                aliases=("Mobility",),
                official={
                    "on bed rest": "bed rest",
                    "confined to bed >72 hours": "confined to bed > 72 hours",
                },
            ),
            rare(
                "recent_major_surgery",
                "major abdominal surgery three weeks ago",
                "recent surgery",
                "Major Surgery in the last month",
            ),
            rare(
                "recent_chf",
                "a heart failure exacerbation two weeks ago",
                "heart failure",
                "Congestive Heart Failure in the last month",
            ),
            rare("recent_sepsis", "sepsis treated last month", "sepsis", "Sepsis in the last month"),
            rare("recent_pneumonia", "pneumonia two weeks ago", "pneumonia", "Pneumonia in the last month"),
            rare("varicose_veins", "varicose veins", "varicose veins", "Varicose veins", section="exam"),
            rare(
                "swollen_legs",
                "swelling of both legs",
                "leg swelling",
                "Current swollen legs",
                section="exam",
            ),
            rare(
                "central_venous_access",
                "a tunnelled central venous catheter",
                "central venous access",
                "Current central venous access",
                section="exam",
            ),
            rare(
                "copd",
                "chronic obstructive pulmonary disease",
                "lung disease",
                "Chronic Obstructive Pulmonary Disease",
            ),
            rare(
                "inflammatory_bowel_disease",
                "Crohn disease",
                "inflammatory bowel disease",
                "History of inflammatory bowel disease",
            ),
            rare(
                "acute_mi",
                "an acute myocardial infarction this admission",
                "myocardial infarction",
                "Acute Myocardial infarction",
            ),
            rare(
                "malignancy",
                ("colon cancer treated last year", "active breast cancer"),
                "cancer",
                "Present or previous malignancy",
            ),
            rare(
                "plaster_cast",
                "an immobilizing plaster cast on the left leg",
                "casts",
                "Immobilizing plaster cast in the last month",
                section="exam",
            ),
            rare(
                "history_of_vte",
                ("a deep vein thrombosis", "a pulmonary embolism"),
                "venous thromboembolism",
                "Previously documented Deep Vein Thrombosis",
                "Previously Documented Pulmonary Embolism",
            ),
            rare(
                "family_history_of_thrombosis",
                "a mother with recurrent venous thrombosis",
                "family history of clots",
                "Family history of thrombosis",
            ),
            *(
                flag(key, yes, "known thrombophilia", alias, chance=0.08)
                for key, yes, alias in THROMBOPHILIAS
            ),
            rare(
                "hip_pelvis_leg_fracture",
                "a hip fracture last month",
                "fracture",
                "Hip, pelvis, or leg fracture in the last month",
            ),
            rare("recent_stroke", "a stroke three weeks ago", "stroke", "Stroke in the last month"),
            rare(
                "multiple_trauma",
                "multiple trauma after a car accident last month",
                "trauma",
                "Multiple trauma in the last month",
            ),
            rare(
                "spinal_cord_injury",
                "an acute spinal cord injury with paralysis",
                "spinal cord injury",
                "Acute spinal cord injury causing paralysis in the last month",
            ),
        ),
        settings=(
            "was seen in the pre-operative clinic",
            "was admitted to the surgical ward",
            "was evaluated for thromboprophylaxis on admission",
        ),
        age=(25, 90),
    ),
    Calculator(
        id=43,
        name="Sequential Organ Failure Assessment (SOFA) Score",
        category="risk",
        output="integer",
        unit="points",
        formula=f.sofa,
        question="What is the patient's SOFA score?",
        notes="Vasopressor doses are in µg/kg/min; a drug the note does not mention is not given.",
        inputs=(
            num("pao2", 45, 140, "PaO₂", "PaO2"),
            num("fio2", 0.21, 1.0, "FiO₂", "FiO2"),
            VENTILATED,
            num("platelets", 10, 350, "Platelet count", "platelets"),
            GCS_SCORE,
            num("bilirubin", 0.3, 15.0, "Bilirubin", "bilirubin"),
            systolic(65, 160),
            diastolic((0.45, 0.7)),
            Custom(
                "pressors",
                draw_pressors,
                describe_pressors,
                section="exam",
                aliases=tuple(a for a, _ in PRESSORS.values()),
            ),
            num("creatinine", 0.5, 6.0, "creatinine"),
        ),
        settings=ICU,
    ),
    Calculator(
        id=45,
        name="CURB-65 Score for Pneumonia Severity",
        category="risk",
        output="integer",
        unit="points",
        formula=f.curb_65,
        question="What is the patient's CURB-65 score?",
        notes=ABSENT_IF_UNSTATED,
        inputs=(
            flag(
                "confusion",
                ("new confusion", "disorientation to time and place"),
                "confusion",
                "Confusion",
                section="presentation",
            ),
            num("bun", 6, 60, "Blood Urea Nitrogen (BUN)", "BUN"),
            RESPIRATORY_RATE,
            systolic(75, 170),
            diastolic((0.45, 0.72)),
        ),
        settings=(
            "presented with fever, productive cough and dyspnea",
            "was admitted with community-acquired pneumonia",
            "presented with three days of cough and pleuritic pain",
        ),
    ),
)
