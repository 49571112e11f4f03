"""Date calculators (pregnancy dating) and dosage conversions (steroids, opioids)."""

from __future__ import annotations

from typing import Any

import numpy as np

from medagentgym.tasks.medcalc import formulas as f
from medagentgym.tasks.medcalc.spec import Calculator, Count, Custom, Day, Values

PRENATAL = (
    "came to the obstetric clinic for her first prenatal visit",
    "presented for a dating ultrasound after a positive home pregnancy test",
    "was seen by her midwife to confirm an early pregnancy",
)
LMP = Day(
    "last_menstrual_period",
    None,
    (0, 0),
    (
        "The first day of her last menstrual period was {date}.",
        "Her last menstrual period began on {date}.",
        "She reports that her LMP started on {date}.",
    ),
    aliases=("Last menstrual date",),
)
CYCLE = Count(
    "cycle_length",
    (21, 35),
    (
        "Her menstrual cycles are regular, every {n} days.",
        "She has a regular {n}-day cycle.",
        "Her cycle length is usually {n} days.",
    ),
    aliases=("cycle length",),
)

# name -> (routes, usual doses in mg)
STEROIDS: dict[str, tuple[tuple[str, ...], tuple[float, ...]]] = {
    "betamethasone": (("IV",), (0.6, 1.2, 3.0, 6.0)),
    "cortisone": (("PO",), (12.5, 25.0, 50.0, 75.0)),
    "dexamethasone": (("PO", "IV"), (0.5, 1.0, 2.0, 4.0, 6.0, 8.0, 10.0)),
    "hydrocortisone": (("PO", "IV"), (10.0, 20.0, 50.0, 100.0, 150.0)),
    "methylprednisolone": (("PO", "IV"), (4.0, 8.0, 16.0, 32.0, 40.0, 60.0, 125.0)),
    "prednisolone": (("PO",), (5.0, 10.0, 20.0, 30.0, 40.0)),
    "prednisone": (("PO",), (5.0, 10.0, 20.0, 30.0, 40.0, 60.0)),
    "triamcinolone": (("IV",), (4.0, 8.0, 16.0, 40.0)),
}
# drug -> (dose unit, usual doses, doses per day choices, wording)
OPIOIDS: dict[str, tuple[str, tuple[float, ...], tuple[int, ...], str]] = {
    "codeine": ("mg", (15, 30, 60), (2, 3, 4), "codeine {dose} mg by mouth {freq}"),
    "fentanyl buccal": ("µg", (100, 200, 400), (1, 2, 3, 4), "buccal fentanyl {dose} µg {freq}"),
    "fentanyl patch": ("µg/hr", (12, 25, 50, 75, 100), (1,), "a fentanyl {dose} µg/hr transdermal patch"),
    "hydrocodone": ("mg", (5, 7.5, 10), (2, 3, 4), "hydrocodone {dose} mg {freq}"),
    "hydromorphone": ("mg", (2, 4, 8), (2, 3, 4), "hydromorphone {dose} mg {freq}"),
    "methadone": ("mg", (5, 10, 20), (1, 2, 3), "methadone {dose} mg {freq}"),
    "morphine": ("mg", (15, 30, 60), (2, 3, 4), "oral morphine {dose} mg {freq}"),
    "oxycodone": ("mg", (5, 10, 15, 20), (2, 3, 4), "oxycodone {dose} mg {freq}"),
    "oxymorphone": ("mg", (5, 10), (2, 3), "oxymorphone {dose} mg {freq}"),
    "tapentadol": ("mg", (50, 75, 100), (2, 3, 4), "tapentadol {dose} mg {freq}"),
    "tramadol": ("mg", (50, 100), (2, 3, 4), "tramadol {dose} mg {freq}"),
}
FREQUENCY = {1: "once daily", 2: "twice daily", 3: "three times daily", 4: "four times daily"}


def _number(value: float) -> str:
    return f"{value:g}"


def draw_steroids(rng: np.random.Generator) -> dict[str, Any]:
    source, target = (str(n) for n in rng.choice(sorted(STEROIDS), size=2, replace=False))
    routes, doses = STEROIDS[source]
    return {
        "source": source,
        "source_route": str(rng.choice(routes)),
        "dose": float(rng.choice(doses)),
        "target": target,
        "target_route": str(rng.choice(STEROIDS[target][0])),
    }


def describe_steroids(values: Values, rng: np.random.Generator) -> str:
    templates = (
        "{He} has been taking {source} {dose} mg {route} daily.",
        "{His} current regimen includes {source} {dose} mg {route} once a day.",
        "{He} was started on {source} {dose} mg {route} daily.",
    )
    return str(rng.choice(templates)).format(
        He="{He}",
        His="{His}",
        source=values["source"],
        dose=_number(values["dose"]),
        route=values["source_route"],
    )


def draw_opioids(rng: np.random.Generator) -> dict[str, Any]:
    count = int(rng.integers(1, 4))
    drugs = [str(d) for d in rng.choice(sorted(OPIOIDS), size=count, replace=False)]
    regimen = []
    for drug in drugs:
        _, doses, per_day, _ = OPIOIDS[drug]
        regimen.append([drug, float(rng.choice(doses)), int(rng.choice(per_day))])
    return {"regimen": regimen}


def describe_opioids(values: Values, rng: np.random.Generator) -> str:
    parts = []
    for drug, dose, per_day in values["regimen"]:
        parts.append(OPIOIDS[drug][3].format(dose=_number(dose), freq=FREQUENCY[per_day]))
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    frame = str(rng.choice(("{He} currently takes {items}.", "{His} pain regimen consists of {items}.")))
    return frame.replace("{items}", listed)


CALCULATORS = (
    Calculator(
        id=13,
        name="Estimated Due Date",
        category="date",
        output="date",
        unit="",
        formula=f.estimated_due_date,
        question="Based on the patient's last menstrual period and cycle length, what is her estimated due date?",
        notes="Use Naegele's rule (LMP + 280 days) adjusted by the cycle length minus 28 days; answer as MM/DD/YYYY.",
        inputs=(LMP, CYCLE),
        settings=PRENATAL,
        age=(18, 44),
        sex="female",
    ),
    Calculator(
        id=68,
        name="Estimated of Conception",
        category="date",
        output="date",
        unit="",
        formula=f.estimated_conception_date,
        question="Based on the patient's last menstrual period, what is her estimated date of conception?",
        notes="Assume conception two weeks after the first day of the last menstrual period; answer as MM/DD/YYYY.",
        inputs=(LMP, CYCLE),
        settings=PRENATAL,
        age=(18, 44),
        sex="female",
    ),
    Calculator(
        id=69,
        name="Estimated Gestational Age",
        category="date",
        output="weeks_days",
        unit="",
        formula=f.gestational_age,
        question="Based on the patient's last menstrual period and today's date, what is her gestational age?",
        notes='Answer with completed weeks and days, for example [12, 3] or "12 weeks, 3 days".',
        inputs=(
            LMP,
            Day(
                "current_date",
                "last_menstrual_period",
                (15, 290),
                ("Today's date is {date}.", "She is seen today, {date}.", "The visit takes place on {date}."),
                aliases=("Current Date",),
            ),
        ),
        settings=(*PRENATAL, "came for a routine antenatal check"),
        age=(18, 44),
        sex="female",
    ),
    Calculator(
        id=24,
        name="Steroid Conversion Calculator",
        category="dosage",
        output="decimal",
        unit="mg",
        formula=f.steroid_conversion,
        question="What is the equivalent daily dose of {target} ({target_route}) in mg?",
        notes=(
            "Use these equivalent doses: betamethasone 0.75 mg, cortisone 25 mg, dexamethasone 0.75 mg, "
            "hydrocortisone 20 mg, methylprednisolone 4 mg, prednisolone 5 mg, prednisone 5 mg, triamcinolone 4 mg."
        ),
        inputs=(
            Custom("steroid", draw_steroids, describe_steroids, aliases=("input steroid", "target steroid")),
        ),
        settings=(
            "was admitted with an exacerbation of asthma",
            "was seen in the rheumatology clinic for polymyalgia rheumatica",
            "was unable to take oral medications after abdominal surgery",
            "was seen for a flare of ulcerative colitis",
        ),
    ),
    Calculator(
        id=49,
        name="Morphine Milligram Equivalents (MME) Calculator",
        category="dosage",
        output="decimal",
        unit="MME/day",
        formula=f.morphine_milligram_equivalents,
        question="What is the patient's total daily opioid dose in morphine milligram equivalents (MME/day)?",
        notes=(
            "Use the CDC conversion factors: codeine 0.15, buccal fentanyl 0.13 (per µg), transdermal fentanyl 2.4 "
            "(per µg/hr), hydrocodone 1, hydromorphone 5, methadone 4.7, morphine 1, oxycodone 1.5, "
            "oxymorphone 3, tapentadol 0.4, tramadol 0.2."
        ),
        inputs=(Custom("regimen", draw_opioids, describe_opioids),),
        settings=(
            "was seen in the pain clinic for chronic low back pain",
            "was admitted after a hip fracture and reviewed by the pain service",
            "came for a medication review for cancer-related pain",
        ),
    ),
)
