"""Laboratory calculators: kidney function, electrolytes, acid-base, liver and lipids."""

from __future__ import annotations

from medagentgym.tasks.medcalc import formulas as f
from medagentgym.tasks.medcalc.catalog.common import CREATININE, HEIGHT, WEIGHT, flag, num, systolic
from medagentgym.tasks.medcalc.spec import Bounds, Calculator, Choice, Num, Values

RENAL = (
    "was admitted with community-acquired pneumonia and reduced oral intake",
    "was seen in the nephrology clinic for follow-up of chronic kidney disease",
    "presented with nausea and decreased urine output",
    "was evaluated before starting a renally cleared antibiotic",
)
METABOLIC = (
    "presented to the emergency department with vomiting and abdominal pain",
    "was brought in confused after several days of poor oral intake",
    "was admitted with diabetic ketoacidosis",
    "presented with weakness and lethargy",
    "was found unresponsive at home and brought to the emergency department",
)
LIVER = (
    "was seen in the hepatology clinic for chronic hepatitis C",
    "was referred for evaluation of elevated liver enzymes",
    "presented with increasing abdominal girth and known alcohol-related liver disease",
)
SODIUM = num("sodium", 118, 165, "Sodium", "sodium")
BICARBONATE = num("bicarbonate", 6, 34, "Bicarbonate", "bicarbonate")
LOW_BICARBONATE = num("bicarbonate", 5, 21, "Bicarbonate", "bicarbonate")  # keeps 24 - HCO3 away from 0


def _chloride_bounds(values: Values) -> Bounds:
    """Chloride that leaves an anion gap of 3-34 mEq/L (wider gaps are implausible)."""
    rest = values["sodium"] - values["bicarbonate"]
    low = max(80.0, rest - 34)
    return (low, max(low, min(125.0, rest - 3)))


CHLORIDE = Num("chloride", "chloride", _chloride_bounds, aliases=("Chloride", "chloride"))
ALBUMIN = num("albumin", 1.5, 4.8, "Albumin", "albumin")
GLUCOSE = num("glucose", 60, 900, "Glucose", "glucose")
AGE = ("age",)
GAP_NOTE = "Use a normal anion gap of 12 mEq/L and a normal bicarbonate of 24 mEq/L where needed."
ALBUMIN_NOTE = "Correct the anion gap for albumin as AG + 2.5 × (4 − albumin in g/dL)."

BLACK = Choice(
    "black",
    {
        True: ("{He} identifies as Black.", "{He} is African American."),
        False: ("{He} identifies as white.", "{He} is of Hispanic descent.", "{He} is Asian American."),
    },
    section="presentation",
    aliases=("Race",),
    official={"black": True, "white": False, "asian": False, "hispanic": False},
)


def _gap(
    id_: int, name: str, formula: object, unit: str, what: str, *, extra: tuple = (), notes: str = ""
) -> Calculator:
    return Calculator(
        id=id_,
        name=name,
        category="lab",
        output="decimal",
        unit=unit,
        formula=formula,  # type: ignore[arg-type]
        question=f"What is the patient's {what}?",
        notes=notes,
        inputs=(SODIUM, LOW_BICARBONATE if "ratio" in what else BICARBONATE, CHLORIDE, *extra),
        settings=METABOLIC,
    )


CALCULATORS = (
    Calculator(
        id=2,
        name="Creatinine Clearance (Cockcroft-Gault Equation)",
        category="lab",
        output="decimal",
        unit="mL/min",
        formula=f.cockcroft_gault,
        question="What is the patient's creatinine clearance in mL/min using the Cockcroft-Gault equation?",
        notes=(
            "Use the actual body weight if the patient is underweight (BMI < 18.5), the smaller of the ideal "
            "(Devine) and actual body weight if the BMI is normal (18.5 ≤ BMI < 25), and the adjusted body "
            "weight (IBW + 0.4 × (weight − IBW)) if the patient is overweight or obese (BMI ≥ 25)."
        ),
        inputs=(WEIGHT, HEIGHT, num("creatinine", 0.5, 4.5, "creatinine")),
        settings=RENAL,
    ),
    Calculator(
        id=3,
        name="CKD-EPI Equations for Glomerular Filtration Rate",
        category="lab",
        output="decimal",
        unit="mL/min/1.73 m²",
        formula=f.ckd_epi_2021,
        question="Using the 2021 CKD-EPI creatinine equation, what is the patient's GFR in mL/min/1.73 m²?",
        inputs=(CREATININE,),
        settings=RENAL,
    ),
    Calculator(
        id=9,
        name="MDRD GFR Equation",
        category="lab",
        output="decimal",
        unit="mL/min/1.73 m²",
        formula=f.mdrd_gfr,
        question="Using the MDRD equation, what is the patient's GFR in mL/min/1.73 m²?",
        notes="Apply the race coefficient only if the note says the patient is Black.",
        inputs=(CREATININE, BLACK),
        settings=RENAL,
    ),
    Calculator(
        id=7,
        name="Calcium Correction for Hypoalbuminemia",
        category="lab",
        output="decimal",
        unit="mg/dL",
        formula=f.corrected_calcium,
        question="Using a normal albumin of 4 g/dL, what is the patient's corrected calcium in mg/dL?",
        inputs=(num("calcium", 6.0, 13.0, "Calcium", "calcium"), ALBUMIN),
        settings=(*METABOLIC, "was admitted with malnutrition and muscle cramps"),
    ),
    Calculator(
        id=19,
        name="Fibrosis-4 (FIB-4) Index for Liver Fibrosis",
        category="lab",
        output="decimal",
        unit="",
        formula=f.fib4,
        question="What is the patient's Fibrosis-4 (FIB-4) index?",
        inputs=(
            num("ast", 12, 450, "Aspartate aminotransferase"),
            num("alt", 10, 450, "Alanine aminotransferase"),
            num("platelets", 40, 420, "Platelet count"),
        ),
        settings=LIVER,
        age=(25, 85),
    ),
    Calculator(
        id=23,
        name="MELD Na (UNOS/OPTN)",
        category="lab",
        output="decimal",
        unit="points",
        formula=f.meld_na,
        question="What is the patient's MELD Na score (UNOS/OPTN)?",
        notes=(
            "Creatinine, bilirubin and INR below 1.0 count as 1.0, creatinine above 4.0 (or dialysis at least "
            "twice in the past week) counts as 4.0, and sodium is bounded to 125-137 mEq/L."
        ),
        inputs=(
            num("creatinine", 0.5, 5.0, "creatinine"),
            num("bilirubin", 0.4, 25.0, "Bilirubin", "bilirubin"),
            num("inr", 0.9, 4.5, "international normalized ratio", "INR"),
            num("sodium", 120, 142, "Sodium", "sodium"),
            flag(
                "dialysis",
                ("hemodialysis three times in the past week", "two sessions of dialysis this week"),
                "dialysis",
                "Dialysis at least twice in the past week",
                "Continuous veno-venous hemodialysis for ≥24 hours in the past week",
            ),
        ),
        settings=(*LIVER, "was evaluated for liver transplant listing"),
    ),
    Calculator(
        id=26,
        name="Sodium Correction for Hyperglycemia",
        category="lab",
        output="decimal",
        unit="mEq/L",
        formula=f.corrected_sodium,
        question="Using the Katz correction, what is the patient's corrected sodium in mEq/L?",
        inputs=(num("sodium", 118, 150, "Sodium", "sodium"), num("glucose", 150, 1100, "Glucose", "glucose")),
        settings=METABOLIC,
    ),
    Calculator(
        id=30,
        name="Serum Osmolality",
        category="lab",
        output="decimal",
        unit="mOsm/kg",
        formula=f.serum_osmolality,
        question="What is the patient's calculated serum osmolality in mOsm/kg?",
        notes="Use 2 × Na + BUN / 2.8 + glucose / 18 with BUN and glucose in mg/dL.",
        inputs=(SODIUM, num("bun", 5, 120, "Blood Urea Nitrogen (BUN)", "BUN"), GLUCOSE),
        settings=METABOLIC,
    ),
    Calculator(
        id=31,
        name="HOMA-IR (Homeostatic Model Assessment for Insulin Resistance)",
        category="lab",
        output="decimal",
        unit="",
        formula=f.homa_ir,
        question="What is the patient's HOMA-IR score?",
        notes="Use fasting insulin in µIU/mL and fasting glucose in mg/dL.",
        inputs=(
            num("insulin", 2, 60, "Insulin", "insulin"),
            num("glucose", 70, 250, "Fasting Glucose", "Glucose"),
        ),
        settings=("was seen in the endocrinology clinic for suspected insulin resistance", *METABOLIC[3:]),
    ),
    Calculator(
        id=38,
        name="Free Water Deficit",
        category="lab",
        output="decimal",
        unit="L",
        formula=f.free_water_deficit,
        question="What is the patient's free water deficit in liters?",
        notes=(
            "Take total body water as 0.6 × weight for children (< 18 years) and adult men, 0.5 for adult "
            "women and men aged 65 or older, and 0.45 for women aged 65 or older; use a target sodium of 140."
        ),
        inputs=(num("weight", 8, 130, "weight"), num("sodium", 128, 172, "Sodium", "sodium")),
        settings=METABOLIC,
        age=(2, 95),
    ),
    _gap(39, "Anion Gap", f.anion_gap, "mEq/L", "anion gap in mEq/L"),
    _gap(63, "Delta Gap", f.delta_gap, "mEq/L", "delta gap in mEq/L", notes=GAP_NOTE),
    _gap(64, "Delta Ratio", f.delta_ratio, "", "delta ratio", notes=GAP_NOTE),
    _gap(
        65,
        "Albumin Corrected Anion Gap",
        f.albumin_corrected_anion_gap,
        "mEq/L",
        "albumin-corrected anion gap in mEq/L",
        extra=(ALBUMIN,),
        notes=ALBUMIN_NOTE,
    ),
    _gap(
        66,
        "Albumin Corrected Delta Gap",
        f.albumin_corrected_delta_gap,
        "mEq/L",
        "albumin-corrected delta gap in mEq/L",
        extra=(ALBUMIN,),
        notes=f"{ALBUMIN_NOTE} {GAP_NOTE}",
    ),
    _gap(
        67,
        "Albumin Corrected Delta Ratio",
        f.albumin_corrected_delta_ratio,
        "",
        "albumin-corrected delta ratio",
        extra=(ALBUMIN,),
        notes=f"{ALBUMIN_NOTE} {GAP_NOTE}",
    ),
    Calculator(
        id=40,
        name="Fractional Excretion of Sodium (FENa)",
        category="lab",
        output="decimal",
        unit="%",
        formula=f.fena,
        question="What is the patient's fractional excretion of sodium (FENa) in %?",
        inputs=(
            num("sodium", 125, 150, "Sodium", "sodium"),
            num("creatinine", 0.8, 8.0, "creatinine"),
            num("urine_sodium", 5, 150, "Urine sodium"),
            num("urine_creatinine", 15, 300, "Urine creatinine"),
        ),
        settings=RENAL,
    ),
    Calculator(
        id=44,
        name="LDL Calculated",
        category="lab",
        output="decimal",
        unit="mg/dL",
        formula=f.ldl_calculated,
        question="Using the Friedewald equation, what is the patient's LDL cholesterol in mg/dL?",
        inputs=(
            num("total_cholesterol", 140, 330, "Total cholesterol"),
            num("hdl", 25, 90, "high-density lipoprotein cholesterol"),
            num("triglycerides", 50, 390, "Triglycerides"),
        ),
        settings=("was seen for a routine lipid panel review", *LIVER[1:], *RENAL[1:2]),
    ),
    Calculator(
        id=46,
        name="Framingham Risk Score for Hard Coronary Heart Disease",
        category="lab",
        output="decimal",
        unit="%",
        formula=f.framingham_hard_chd,
        question="What is the patient's 10-year risk of hard coronary heart disease (%) by the Framingham (ATP III) risk score?",
        notes="Report the risk as a percentage without rounding intermediate steps.",
        inputs=(
            systolic(100, 190),
            num("total_cholesterol", 140, 320, "Total cholesterol"),
            num("hdl", 25, 90, "high-density lipoprotein cholesterol"),
            flag(
                "smoker",
                ("current smoking of about a pack of cigarettes a day", "active tobacco use"),
                "tobacco use",
                "Smoker",
                section="social",
            ),
            flag(
                "bp_treated",
                ("lisinopril 20 mg daily for blood pressure", "amlodipine 5 mg daily for hypertension"),
                "antihypertensive medication",
                "Blood pressure being treated with medicines",
                section="meds",
            ),
        ),
        settings=(
            "was seen in the preventive cardiology clinic",
            "came for a routine health maintenance visit",
        ),
        age=(30, 79),
    ),
)
