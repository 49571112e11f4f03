"""Physical calculators: body size, blood pressure, fluids and corrected QT intervals."""

from __future__ import annotations

from medagentgym.tasks.medcalc import formulas as f
from medagentgym.tasks.medcalc.catalog.common import HEART_RATE, HEIGHT, WEIGHT, diastolic, num, systolic
from medagentgym.tasks.medcalc.spec import Bounds, Calculator, Num, Values

CLINIC = (
    "was seen in the outpatient clinic for a routine follow-up visit",
    "presented to the primary care office for an annual physical examination",
    "was admitted to the medical ward for evaluation of fatigue",
    "came to the clinic to discuss weight management",
)
ECG_SETTINGS = (
    "presented to the emergency department with intermittent palpitations",
    "was evaluated before starting a new antiarrhythmic medication",
    "was admitted after a syncopal episode at home",
    "was seen in the cardiology clinic for dizziness",
)


def _qtc(id_: int, name: str, formula: object, method: str) -> Calculator:
    return Calculator(
        id=id_,
        name=name,
        category="physical",
        output="decimal",
        unit="msec",
        formula=formula,  # type: ignore[arg-type]
        question=f"Using the {method} formula, what is the patient's corrected QT interval in msec?",
        inputs=(HEART_RATE, num("qt", 300, 560, "QT Interval")),
        settings=ECG_SETTINGS,
    )


def _pediatric_weight(values: Values) -> Bounds:
    age = values["age"]
    if age < 1:
        return (3.0, 10.0)
    if age < 12:
        return (9.0, 45.0)
    return (35.0, 120.0)


CALCULATORS = (
    Calculator(
        id=5,
        name="Mean Arterial Pressure (MAP)",
        category="physical",
        output="decimal",
        unit="mm Hg",
        formula=f.mean_arterial_pressure,
        question="What is the patient's mean arterial pressure in mm Hg?",
        inputs=(systolic(70, 210), diastolic()),
        settings=(*CLINIC, "was brought to the emergency department after a fall"),
    ),
    Calculator(
        id=6,
        name="Body Mass Index (BMI)",
        category="physical",
        output="decimal",
        unit="kg/m²",
        formula=f.bmi,
        question="What is the patient's body mass index (BMI) in kg/m²?",
        inputs=(WEIGHT, HEIGHT),
        settings=CLINIC,
    ),
    Calculator(
        id=10,
        name="Ideal Body Weight",
        category="physical",
        output="decimal",
        unit="kg",
        formula=f.ideal_body_weight,
        question="What is the patient's ideal body weight in kg (Devine formula)?",
        inputs=(num("height", 152, 198, "height"),),
        settings=(*CLINIC, "was admitted to the intensive care unit and required mechanical ventilation"),
    ),
    Calculator(
        id=62,
        name="Adjusted Body Weight",
        category="physical",
        output="decimal",
        unit="kg",
        formula=f.adjusted_body_weight,
        question="What is the patient's adjusted body weight in kg?",
        notes="Use ABW = IBW + 0.4 × (actual weight − IBW), with the ideal body weight (IBW) from the Devine formula.",
        inputs=(num("weight", 50, 170, "weight"), num("height", 152, 198, "height")),
        settings=(*CLINIC, "was admitted for dosing of intravenous antibiotics"),
    ),
    Calculator(
        id=60,
        name="Body Surface Area Calculator",
        category="physical",
        output="decimal",
        unit="m²",
        formula=f.body_surface_area,
        question="What is the patient's body surface area in m² (Mosteller formula)?",
        inputs=(WEIGHT, HEIGHT),
        settings=("was referred to the oncology clinic to plan chemotherapy dosing", *CLINIC),
    ),
    Calculator(
        id=61,
        name="Target weight",
        category="physical",
        output="decimal",
        unit="kg",
        formula=f.target_weight,
        question="Based on the patient's height and target BMI, what is the patient's target weight in kg?",
        inputs=(num("target_bmi", 18.5, 27, "Body Mass Index (BMI)", "target BMI"), HEIGHT),
        settings=("came to the nutrition clinic to set a weight goal", *CLINIC),
    ),
    Calculator(
        id=22,
        name="Maintenance Fluids Calculations",
        category="physical",
        output="decimal",
        unit="mL/hr",
        formula=f.maintenance_fluids,
        question="Based on the patient's weight, what is the patient's maintenance fluid rate in mL/hr?",
        notes="Use the Holliday-Segar (4-2-1) rule.",
        inputs=(Num("weight", "weight", _pediatric_weight, aliases=("weight",)),),
        settings=(
            "was admitted with vomiting and poor oral intake",
            "was kept nil by mouth before surgery",
            "was admitted with gastroenteritis and mild dehydration",
        ),
        age=(0, 80),
    ),
    _qtc(11, "QTc Bazett Calculator", f.qtc_bazett, "Bazett"),
    _qtc(56, "QTc Fridericia Calculator", f.qtc_fridericia, "Fridericia"),
    _qtc(57, "QTc Framingham Calculator", f.qtc_framingham, "Framingham"),
    _qtc(58, "QTc Hodges Calculator", f.qtc_hodges, "Hodges"),
    _qtc(59, "QTc Rautaharju Calculator", f.qtc_rautaharju, "Rautaharju"),
)
