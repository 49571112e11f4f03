"""Why our calculators can disagree with MedCalc-Bench v1.0's ground truth on the same entities.

Each entry names a calculator, the inputs for which the official implementation (the code that
produced the June 2024 test labels, mirrored by the ``medcalc-bench`` package) departs from the
published calculator, and the cause. ``--recompute`` attaches the first matching cause to each
disagreement; docs/medcalc.md lists them with the measured counts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from medagentgym.tasks.medcalc.entities import normalize_key

LABEL = "known label error in MedCalc-Bench v1.0"
CONVENTION = "unit or rounding convention"


@dataclass(frozen=True)
class KnownDifference:
    calculator_id: int
    applies: Callable[[Mapping[str, Any], Mapping[str, Any]], bool]  # (our inputs, official entities)
    kind: str
    cause: str

    def text(self) -> str:
        return f"{self.kind}: {self.cause}"


def _entity_unit(entities: Mapping[str, Any], name: str) -> str:
    for key, value in entities.items():
        if normalize_key(key) == name and isinstance(value, list | tuple) and len(value) > 1:
            return str(value[1]).casefold()
    return ""


def _converted_near(entities: Mapping[str, Any], creatinine: float, threshold: float) -> bool:
    """A creatinine given in umol/L that v1.0's conversion (rounded at each step) may put at the threshold."""
    return _entity_unit(entities, "creatinine").endswith("mol/l") and abs(creatinine - threshold) < 0.015


def _always(inputs: Mapping[str, Any], entities: Mapping[str, Any]) -> bool:
    return True


KNOWN_DIFFERENCES = (
    KnownDifference(
        3,
        lambda i, e: (
            i["sex"] == "male" and (i["creatinine"] <= 0.9 or _converted_near(e, i["creatinine"], 0.9))
        ),
        LABEL,
        "for men with creatinine <= 0.9 mg/dL (after v1.0's rounded conversion from umol/L) the v1.0 code "
        "uses kappa = 0.7 (the women's constant) instead of 0.9 in the 2021 CKD-EPI equation",
    ),
    KnownDifference(
        13,
        lambda i, e: i["cycle_length"] < 28,
        LABEL,
        "v1.0 adds |cycle length - 28| days, so a short cycle moves the due date later instead of earlier",
    ),
    KnownDifference(
        18,
        lambda i, e: bool(i["atherosclerotic_disease"]),
        LABEL,
        "v1.0 counts known atherosclerotic disease as one more risk factor (1 point with 1-2 factors) "
        "instead of scoring the risk-factor item 2 points",
    ),
    KnownDifference(
        28,
        _always,
        LABEL,
        "the v1.0 APACHE II code adds the GCS instead of 15 - GCS, gives no points below the normal bands "
        "of heart rate, respiratory rate, MAP, pH, sodium, potassium, hematocrit and WBC, skips ages 45 and "
        "75, and scores non-elective surgery 0",
    ),
    KnownDifference(
        31,
        lambda i, e: _entity_unit(e, "insulin") == "pmol/l",
        LABEL,
        "v1.0 multiplies an insulin in pmol/L by 6 instead of dividing (1 uIU/mL = 6 pmol/L)",
    ),
    KnownDifference(
        36,
        _always,
        LABEL,
        "the v1.0 Caprini code never adds the points of present yes/no items (it only writes them into the "
        "explanation); it scores age, surgery type, mobility and BMI > 25 (2 points instead of 1)",
    ),
    KnownDifference(
        43,
        _always,
        LABEL,
        "the v1.0 SOFA code gives 2 cardiovascular points to patients on no vasopressor "
        "('dopamine <= 5' is true for a missing dose) and mis-orders the urine-output bands",
    ),
    KnownDifference(
        46,
        _always,
        CONVENTION,
        "v1.0 rounds the Framingham linear predictor and the risk fraction to one decimal (the risk moves "
        "in steps of 10 %); we keep full precision",
    ),
    KnownDifference(
        51,
        lambda i, e: i["heart_rate"] <= 90,
        LABEL,
        "the v1.0 SIRS code adds the heart-rate criterion in both branches, so every patient meets it",
    ),
    KnownDifference(
        15,
        lambda i, e: i["bilirubin"] == 2 or i["albumin"] == 2.8,
        CONVENTION,
        "v1.0 gives no points for a bilirubin of exactly 2 mg/dL and 3 points for an albumin of exactly 2.8 g/dL",
    ),
    KnownDifference(
        27,
        lambda i, e: i["hemoglobin"] in (10.0, 12.0, 13.0) or i["bun"] == 70,
        CONVENTION,
        "v1.0 puts hemoglobin of exactly 10, 12 or 13 g/dL and BUN of exactly 70 mg/dL in the neighbouring band",
    ),
    KnownDifference(
        2,
        lambda i, e: 24.9 < i["weight"] / (i["height"] / 100) ** 2 < 25,
        CONVENTION,
        "v1.0 treats a BMI between 24.9 and 25 as overweight (adjusted body weight)",
    ),
)


def explain(calculator_id: int, inputs: Mapping[str, Any], entities: Mapping[str, Any]) -> str:
    """The known cause of a disagreement for these inputs, or ``"unexplained"``."""
    for difference in KNOWN_DIFFERENCES:
        if difference.calculator_id == calculator_id and difference.applies(inputs, entities):
            return difference.text()
    return "unexplained"
