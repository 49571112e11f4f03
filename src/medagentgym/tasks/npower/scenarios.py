"""Clinical settings the study descriptions are drawn from (data only).

Each test type has its own kind of scenario: the nouns of the description and the plausible range
of its numbers. Ranges are (low, high); ``decimals`` is how means and SDs are printed (the engine
always uses the printed values).
"""

from __future__ import annotations

from dataclasses import dataclass

Range = tuple[float, float]


@dataclass(frozen=True)
class ChangeScenario:
    """A continuous outcome that an intervention is expected to change (paired designs)."""

    population: str
    intervention: str
    outcome: str
    unit: str
    sd: Range
    decimals: int
    lowers: bool  # the intervention is expected to lower the outcome (else to raise it)
    interval: str  # time from the start of the intervention to the measurement


@dataclass(frozen=True)
class MeanScenario(ChangeScenario):
    """A change judged against a known reference mean (one-sample designs)."""

    level: Range  # the reference mean


@dataclass(frozen=True)
class TwoGroupScenario:
    """A continuous outcome compared between a control arm (A) and a new arm (B)."""

    population: str
    control: str
    treatment: str
    outcome: str
    unit: str
    sd: Range
    decimals: int
    lowers: bool


@dataclass(frozen=True)
class ManyGroupScenario:
    """A continuous outcome compared across several arms (3 to 5 of ``groups`` are used)."""

    population: str
    factor: str
    groups: tuple[str, ...]
    outcome: str
    unit: str
    level: Range
    sd: Range
    decimals: int


@dataclass(frozen=True)
class TableScenario:
    """A categorical outcome cross-classified by a grouping variable."""

    population: str
    factor: str
    groups: tuple[str, ...]
    outcome: str
    categories: tuple[str, ...]


@dataclass(frozen=True)
class SurvivalScenario:
    """Time to an event in a new-treatment arm (E) and a control arm (C)."""

    population: str
    treatment: str
    control: str
    event: str
    follow_up: str
    p_event_c: Range


ONE_SAMPLE = (
    MeanScenario(
        "healthy adult women",
        "eight weeks on a Nordic diet",
        "systolic blood pressure",
        "mmHg",
        (6, 14),
        1,
        True,
        "eight weeks",
        level=(115, 130),
    ),
    MeanScenario(
        "adults with type 2 diabetes",
        "a 12-week supervised walking programme",
        "HbA1c",
        "%",
        (0.7, 1.4),
        2,
        True,
        "12 weeks",
        level=(7.2, 8.6),
    ),
    MeanScenario(
        "night-shift nurses",
        "a four-week sleep-hygiene course",
        "sleep duration",
        "hours per night",
        (0.7, 1.4),
        2,
        False,
        "four weeks",
        level=(5.8, 6.8),
    ),
    MeanScenario(
        "children with mild persistent asthma",
        "a school-based inhaler-technique programme",
        "FEV1",
        "% of predicted",
        (8, 15),
        1,
        False,
        "three months",
        level=(78, 88),
    ),
    MeanScenario(
        "adults with hypercholesterolaemia",
        "six months of a plant-sterol supplement",
        "LDL cholesterol",
        "mg/dL",
        (18, 35),
        1,
        True,
        "six months",
        level=(130, 170),
    ),
    MeanScenario(
        "preterm infants",
        "a protein-fortified formula",
        "weight gain",
        "g/kg/day",
        (2, 4),
        2,
        False,
        "four weeks",
        level=(14, 17.5),
    ),
    MeanScenario(
        "older adults after a hip fracture",
        "a home exercise programme",
        "Timed Up and Go time",
        "seconds",
        (3, 6),
        1,
        True,
        "ten weeks",
        level=(14, 20),
    ),
)

PAIRED = (
    ChangeScenario(
        "adults aged 60 or above with high cholesterol",
        "a new lipid-lowering drug",
        "total cholesterol",
        "mg/dL",
        (25, 45),
        1,
        True,
        "two months",
    ),
    ChangeScenario(
        "patients with chronic low-back pain",
        "a six-week physiotherapy programme",
        "pain score on a 0-100 visual analogue scale",
        "points",
        (12, 25),
        1,
        True,
        "six weeks",
    ),
    ChangeScenario(
        "adults with stage 1 hypertension",
        "a daily mindfulness practice",
        "systolic blood pressure",
        "mmHg",
        (8, 16),
        1,
        True,
        "three months",
    ),
    ChangeScenario(
        "patients with open-angle glaucoma",
        "a new eye drop",
        "intraocular pressure",
        "mmHg",
        (2.5, 5),
        2,
        True,
        "four weeks",
    ),
    ChangeScenario(
        "adults with moderate depression",
        "an internet-delivered CBT course",
        "PHQ-9 score",
        "points",
        (3.5, 7),
        2,
        True,
        "ten weeks",
    ),
    ChangeScenario(
        "patients with COPD",
        "pulmonary rehabilitation",
        "six-minute walk distance",
        "metres",
        (40, 90),
        1,
        False,
        "eight weeks",
    ),
)

TWO_SAMPLE = (
    TwoGroupScenario(
        "patients with type 2 diabetes",
        "diet B",
        "diet A",
        "fasting blood glucose",
        "mg/dL",
        (12, 25),
        1,
        True,
    ),
    TwoGroupScenario(
        "adults after knee replacement",
        "standard rehabilitation",
        "tele-rehabilitation",
        "knee flexion range",
        "degrees",
        (8, 16),
        1,
        False,
    ),
    TwoGroupScenario(
        "adults with hypertension",
        "amlodipine",
        "a new angiotensin-receptor blocker",
        "24-hour systolic blood pressure",
        "mmHg",
        (8, 15),
        1,
        True,
    ),
    TwoGroupScenario(
        "children with acute otitis media",
        "ibuprofen alone",
        "ibuprofen plus paracetamol",
        "pain score (0-10)",
        "points",
        (1.5, 3),
        2,
        True,
    ),
    TwoGroupScenario(
        "adults with obesity",
        "usual dietary advice",
        "a meal-replacement plan",
        "weight loss at six months",
        "kg",
        (3, 7),
        2,
        False,
    ),
    TwoGroupScenario(
        "ICU patients on mechanical ventilation",
        "usual sedation",
        "daily sedation interruption",
        "duration of ventilation",
        "days",
        (2.5, 6),
        2,
        True,
    ),
)

ANOVA = (
    ManyGroupScenario(
        "fourth-grade students",
        "teaching method",
        ("lecture-based", "flipped-classroom", "peer-tutoring", "game-based", "project-based"),
        "standardized math score",
        "points",
        (480, 620),
        (60, 100),
        0,
    ),
    ManyGroupScenario(
        "adults with obesity",
        "diet",
        ("low-fat", "low-carbohydrate", "Mediterranean", "intermittent-fasting", "high-protein"),
        "weight loss after 12 months",
        "kg",
        (4, 9),
        (3, 6),
        1,
    ),
    ManyGroupScenario(
        "sedentary adults",
        "training programme",
        ("aerobic", "resistance", "combined", "high-intensity interval", "yoga"),
        "peak oxygen uptake",
        "mL/kg/min",
        (24, 34),
        (4, 8),
        1,
    ),
    ManyGroupScenario(
        "adults with hypertension",
        "daily dose",
        ("placebo", "10 mg", "20 mg", "40 mg", "80 mg"),
        "reduction in systolic blood pressure",
        "mmHg",
        (5, 14),
        (8, 14),
        1,
    ),
    ManyGroupScenario(
        "patients after rotator-cuff repair",
        "physiotherapy protocol",
        ("standard", "early-mobilisation", "hydrotherapy", "home-based", "robot-assisted"),
        "shoulder abduction at three months",
        "degrees",
        (110, 150),
        (15, 30),
        0,
    ),
    ManyGroupScenario(
        "adults with chronic insomnia",
        "intervention",
        ("sleep-hygiene education", "CBT for insomnia", "mindfulness", "melatonin", "exercise"),
        "sleep-onset latency",
        "minutes",
        (20, 45),
        (8, 18),
        1,
    ),
)

CHI_SQUARE = (
    TableScenario(
        "college students",
        "sex",
        ("female", "male"),
        "depression severity",
        ("normal", "mild", "moderate", "severe", "extremely severe"),
    ),
    TableScenario(
        "adults attending a smoking-cessation clinic",
        "age group",
        ("18-34", "35-54", "55 and over"),
        "smoking status at 12 months",
        ("abstinent", "reduced", "unchanged"),
    ),
    TableScenario(
        "vaccine recipients",
        "vaccine",
        ("vaccine X", "vaccine Y"),
        "reaction severity",
        ("none", "mild", "moderate", "severe"),
    ),
    TableScenario(
        "primary-care patients",
        "area of residence",
        ("urban", "suburban", "rural"),
        "BMI category",
        ("underweight", "normal weight", "overweight", "obese"),
    ),
    TableScenario(
        "patients with migraine",
        "treatment",
        ("drug A", "drug B", "placebo"),
        "response",
        ("no relief", "partial relief", "complete relief"),
    ),
    TableScenario(
        "hospital outpatients",
        "clinic",
        ("clinic A", "clinic B"),
        "satisfaction",
        ("very dissatisfied", "dissatisfied", "neutral", "satisfied", "very satisfied"),
    ),
)

COX = (
    SurvivalScenario(
        "patients with retinitis pigmentosa",
        "15,000 IU of vitamin A per day",
        "75 IU of vitamin A per day",
        "loss of 50% of the initial ERG 30 Hz amplitude",
        "six years",
        (0.35, 0.55),
    ),
    SurvivalScenario(
        "patients with resected stage III colon cancer",
        "a new adjuvant regimen",
        "standard FOLFOX",
        "disease recurrence",
        "three years",
        (0.25, 0.45),
    ),
    SurvivalScenario(
        "patients with atrial fibrillation",
        "a new oral anticoagulant",
        "warfarin",
        "stroke or systemic embolism",
        "two years",
        (0.06, 0.12),
    ),
    SurvivalScenario(
        "patients with heart failure with reduced ejection fraction",
        "the new drug plus standard care",
        "standard care alone",
        "death from any cause",
        "three years",
        (0.2, 0.4),
    ),
    SurvivalScenario(
        "smokers who have just quit",
        "varenicline",
        "nicotine patches",
        "relapse to smoking",
        "one year",
        (0.5, 0.7),
    ),
    SurvivalScenario(
        "kidney-transplant recipients",
        "a tacrolimus-based regimen",
        "a ciclosporin-based regimen",
        "graft loss",
        "five years",
        (0.12, 0.25),
    ),
)
