"""Reading MedCalc-Bench "Relevant Entities": every calculator's official names, units and values."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from medagentgym.tasks.medcalc.catalog import CALCULATORS
from medagentgym.tasks.medcalc.entities import EntityError, inputs_from_entities, normalize_key
from medagentgym.tasks.medcalc.spec import Calculator, Choice, Count, Custom, Day, Flag, Num
from medagentgym.tasks.registry import get_family

FAMILY = get_family("medcalc")


def _official(spec: Any) -> str:
    return spec.aliases[0] if spec.aliases else spec.key


def _level_text(spec: Choice, level: Any) -> Any:
    if isinstance(level, bool):
        return level
    official = [name for name, mapped in spec.official.items() if mapped == level]
    return official[0] if official else level


def to_entities(calc: Calculator, values: dict[str, Any]) -> dict[str, Any]:
    """Write our inputs the way MedCalc-Bench's entities do (official names, [value, unit] lists)."""
    entities: dict[str, Any] = {}
    if "sex" in values:
        entities["sex"] = values["sex"].capitalize()
    if "age" in values:
        entities["age"] = [values["age"], "years"]
    for spec in calc.inputs:
        if not isinstance(spec, Custom) and spec.key not in values:
            continue  # drawn for the note only (a cycle length when dating conception)
        if isinstance(spec, Num):
            unit = spec.measured.canonical.symbol
            entities[_official(spec)] = [values[spec.key], unit] if unit else values[spec.key]
        elif isinstance(spec, Flag):
            entities[_official(spec)] = values[spec.key]
        elif isinstance(spec, Choice) and spec.key == "chronic_health":
            entities["History of severe organ failure or immunocompromise"] = values[spec.key] != "none"
            entities["Surgery Type"] = "Elective" if values[spec.key].startswith("elective") else "Emergency"
        elif isinstance(spec, Choice):
            entities[_official(spec)] = _level_text(spec, values[spec.key])
        elif isinstance(spec, Count):
            entities[_official(spec)] = values[spec.key]
        elif isinstance(spec, Day):
            entities[_official(spec)] = dt.date.fromisoformat(values[spec.key]).strftime("%m/%d/%Y")
        elif isinstance(spec, Custom):
            entities |= _custom(spec.key, values)
    return entities


def _custom(key: str, values: dict[str, Any]) -> dict[str, Any]:
    if key == "steroid":
        return {
            "input steroid": [f"{values['source'].title()} PO", values["dose"], "mg"],
            "target steroid": f"{values['target'].title()} IV",
        }
    if key == "regimen":
        entities = {}
        for drug, dose, per_day in values["regimen"]:
            entities[f"{drug.title()} Dose"] = [dose, "µg" if drug.startswith("fentanyl") else "mg"]
            entities[f"{drug.title()} Dose Per Day"] = [per_day, "doses"]
        return entities
    return {
        name: [values[name], "mcg/kg/min"]
        for name in ("dopamine", "dobutamine", "epinephrine", "norepinephrine")
        if values[name]
    }


@pytest.mark.parametrize("calc", CALCULATORS, ids=lambda c: c.slug)
def test_official_entities_give_our_answer(calc):
    index = CALCULATORS.index(calc)
    for k in range(3):
        task = FAMILY.task("test", index + 55 * k)
        values = {**task.metadata["inputs"]}
        entities = to_entities(calc, values)
        assert calc.formula(**inputs_from_entities(calc, entities)) == pytest.approx(calc.formula(**values))


def test_units_names_and_conventions():
    ckd = next(c for c in CALCULATORS if c.id == 3)
    inputs = inputs_from_entities(ckd, {"sex": "Male", "age": [30, "months"], "creatinine": [88.4, "μmol/L"]})
    assert inputs == {"sex": "male", "age": 2.0, "creatinine": pytest.approx(1.0)}
    bmi = next(c for c in CALCULATORS if c.id == 6)
    assert inputs_from_entities(bmi, {"weight": [154, "lbs"], "height": [5, "ft", 7, "in"]})[
        "height"
    ] == pytest.approx(170.18)
    sirs = next(c for c in CALCULATORS if c.id == 51)
    read = inputs_from_entities(
        sirs, {"Temperature": [101.3, "degrees fahrenheit"], "White blood cell count": [13500, "µL"]}
    )
    assert read["temperature"] == pytest.approx(38.5) and read["wbc"] == pytest.approx(13.5)
    assert read["heart_rate"] == pytest.approx(77)  # a missing measurement of a rule-based score is normal
    apache = next(c for c in CALCULATORS if c.id == 28)
    read = inputs_from_entities(
        apache, {"age": [60, "years"], "Mean arterial pressure": [65, "mm hg"], "FiO2": [60, "%"]}
    )
    assert read["sbp"] == read["dbp"] == 65 and read["fio2"] == pytest.approx(0.6)
    assert normalize_key("O₂ saturation percentage") == "o2 saturation percentage"


def test_unreadable_entities_say_why():
    ckd = next(c for c in CALCULATORS if c.id == 3)
    with pytest.raises(EntityError, match="missing entities for creatinine"):
        inputs_from_entities(ckd, {"sex": "Male", "age": [30, "years"]})
    with pytest.raises(EntityError, match="unknown unit"):
        inputs_from_entities(ckd, {"sex": "Male", "age": [30, "years"], "creatinine": [1, "furlongs"]})
    gcs = next(c for c in CALCULATORS if c.id == 21)
    with pytest.raises(EntityError, match="unknown value"):
        inputs_from_entities(gcs, {"Best eye response": "winks"})
    mme = next(c for c in CALCULATORS if c.id == 49)
    with pytest.raises(EntityError, match="unsupported opioid"):
        inputs_from_entities(
            mme, {"Buprenorphine Dose": [5, "µg"], "Buprenorphine Dose Per Day": [1, "doses"]}
        )
