"""Reading MedCalc-Bench's "Relevant Entities" as inputs of our calculators.

The official entities are a Python dict literal whose keys are display names ('Heart Rate or
Pulse', 'Congestive Heart Faliure', ...) and whose values are ``[number, unit]`` lists, booleans,
category strings or dates. Each input of the catalog lists the official names it answers to;
this module matches them (ignoring case, spacing and Unicode subscripts), converts units and
applies MedCalc-Bench's conventions for what is missing: an absent finding is false, a missing
category takes its first (normal) level, and for rule-based scores a missing measurement takes a
normal value (it scores no points).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

from medagentgym.tasks.medcalc import formulas
from medagentgym.tasks.medcalc.spec import Calculator, Choice, Count, Day, Flag, Num
from medagentgym.tasks.medcalc.units import QUANTITIES, Quantity, unit_for

RULE_BASED = ("risk", "severity", "diagnosis")
_VOLUME_IN_UL = {
    "l": 1e6,
    "dl": 1e5,
    "ml": 1e3,
    "µl": 1.0,
    "ul": 1.0,
    "mm^3": 1.0,
    "mm3": 1.0,
    "cm^3": 1e3,
    "m^3": 1e9,
}


class EntityError(ValueError):
    """The entities cannot be read as this calculator's inputs; the message says why."""


def normalize_key(key: str) -> str:
    """Comparable form of an entity name: NFKC, case-folded, punctuation-free single spaces."""
    text = unicodedata.normalize("NFKC", key).casefold()
    return " ".join(re.sub(r"[^a-z0-9#<>≥≤%]+", " ", text).split())


def inputs_from_entities(calc: Calculator, entities: Mapping[str, Any]) -> dict[str, Any]:
    """The formula inputs of ``calc`` (canonical units) read from official entities."""
    found = {normalize_key(k): v for k, v in entities.items()}
    values: dict[str, Any] = {}
    if "sex" in found:
        values["sex"] = _sex(found["sex"])
    if "age" in found:
        values["age"] = _age(found["age"])
    for spec in calc.inputs:
        values.update(_read(calc, spec, found))
    missing = [name for name in calc.parameters if name not in values]
    if missing:
        raise EntityError(f"missing entities for {', '.join(missing)}")
    return {name: values[name] for name in calc.parameters}


def _names(key: str, aliases: tuple[str, ...]) -> list[str]:
    return [normalize_key(name) for name in (*aliases, key, key.replace("_", " "))]


def _lookup(found: Mapping[str, Any], names: list[str]) -> list[Any]:
    return [found[name] for name in dict.fromkeys(names) if name in found]


def _read(calc: Calculator, spec: Any, found: Mapping[str, Any]) -> dict[str, Any]:
    if spec.key in READERS:
        return READERS[spec.key](found)
    hits = _lookup(found, _names(spec.key, spec.aliases))
    if isinstance(spec, Flag) or (isinstance(spec, Choice) and set(spec.levels) == {True, False}):
        return {spec.key: any(_truth(hit) for hit in hits)}
    if isinstance(spec, Choice):
        return {spec.key: _level(spec, hits[0]) if hits else _default_level(spec)}
    if isinstance(spec, Count):
        if hits:
            return {spec.key: int(_number(hits[0]))}
        return {} if spec.default is None else {spec.key: spec.default}
    if isinstance(spec, Day):
        return {spec.key: _date(hits[0])} if hits else {}
    if isinstance(spec, Num):
        if hits:
            return {spec.key: _measure(spec.measured, hits[0])}
        if spec.key in ("sbp", "dbp") and "mean arterial pressure" in found:
            return {spec.key: _measure(QUANTITIES["sbp"], found["mean arterial pressure"])}  # same MAP
        if calc.category in RULE_BASED:
            low, high = spec.measured.normal
            return {spec.key: (low + high) / 2}
    return {}


def _sex(value: Any) -> str:
    text = str(value).strip().casefold()
    if text in ("male", "m", "man"):
        return "male"
    if text in ("female", "f", "woman"):
        return "female"
    raise EntityError(f"unreadable sex {value!r}")


def _age(value: Any) -> float:
    """Age in whole years, as MedCalc-Bench counts it (months and weeks are floored)."""
    if isinstance(value, int | float):
        return float(value)
    parts = list(value)
    years = 0.0
    for amount, label in zip(parts[::2], parts[1::2], strict=False):
        unit = str(label).casefold()
        if unit.startswith("year"):
            years += float(amount)
        elif unit.startswith("month"):
            years += float(amount) // 12
        elif unit.startswith("week"):
            years += float(amount) // 52
    return years


def _truth(value: Any) -> bool:
    if isinstance(value, list | tuple):
        value = value[0] if value else False
    if isinstance(value, str):
        return value.strip().casefold() in ("true", "yes", "present", "1")
    return bool(value)


def _level(spec: Choice, value: Any) -> Any:
    text = normalize_key(str(value))
    official = {normalize_key(k): level for k, level in spec.official.items()}
    if text in official:
        return official[text]
    for level in spec.levels:
        if normalize_key(str(level)) == text:
            return level
    raise EntityError(f"unknown value {value!r} for {spec.key}")


def _default_level(spec: Choice) -> Any:
    return next(iter(spec.levels))


def _number(value: Any) -> float:
    if isinstance(value, list | tuple):
        value = value[0]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise EntityError(f"expected a number, got {value!r}")
    return float(value)


def _date(value: Any) -> str:
    try:
        return dt.datetime.strptime(str(value).strip(), "%m/%d/%Y").date().isoformat()
    except ValueError:
        raise EntityError(f"unreadable date {value!r}") from None


def _measure(quantity: Quantity, value: Any) -> float:
    """A ``[number, unit]`` entity (or a bare number) in the quantity's canonical unit."""
    if not isinstance(value, list | tuple):
        number = _number(value)
        return number / 100 if quantity.key == "fio2" and number > 1 else number
    if quantity.key == "height" and len(value) == 4:  # [feet, 'ft', inches, 'in']
        return (float(value[0]) * 12 + float(value[2])) * 2.54
    amount, symbol = _number(value), str(value[1]) if len(value) > 1 else ""
    unit = unit_for(quantity, symbol)
    if unit is not None:
        value = unit.to_canonical(amount)
        return value / 100 if quantity.key == "fio2" and value > 1 else value  # a percentage without '%'
    per_volume = _VOLUME_IN_UL.get(symbol.strip().casefold().replace("μ", "µ"))
    if quantity.key in ("wbc", "platelets") and per_volume is not None:
        return amount / per_volume / 1000  # a count per volume, in 10^3/uL
    raise EntityError(f"unknown unit {symbol!r} for {quantity.key}")


# --------------------------------------------------------------------------- structured entities


def _steroids(found: Mapping[str, Any]) -> dict[str, Any]:
    source, target = found.get("input steroid"), found.get("target steroid")
    if not source or not target:
        raise EntityError("missing 'input steroid' or 'target steroid'")
    dose = float(source[1]) * (1000 if str(source[2]).casefold() == "g" else 1)
    return {"source": _steroid_name(source[0]), "dose": dose, "target": _steroid_name(target)}


def _steroid_name(text: str) -> str:
    name = str(text).split()[0].casefold()
    if name not in formulas.STEROID_EQUIVALENT_MG:
        raise EntityError(f"unsupported steroid {text!r}")
    return name


def _opioids(found: Mapping[str, Any]) -> dict[str, Any]:
    regimen = []
    for key, value in found.items():
        if not key.endswith(" dose"):
            continue
        drug = key.removesuffix(" dose")
        if drug not in formulas.MME_FACTOR:
            raise EntityError(f"unsupported opioid {drug!r}")
        per_day = found.get(f"{drug} dose per day")
        if per_day is None:
            raise EntityError(f"missing doses per day for {drug}")
        dose, unit = float(value[0]), str(value[1]).casefold().replace("μ", "µ")
        if drug.startswith("fentanyl") and unit.startswith("mg"):
            dose *= 1000  # fentanyl factors are per µg
        elif not drug.startswith("fentanyl") and unit.startswith("µg"):
            dose /= 1000
        regimen.append([drug, dose, _number(per_day)])
    if not regimen:
        raise EntityError("no opioid doses found")
    return {"regimen": regimen}


def _chronic_health(found: Mapping[str, Any]) -> dict[str, Any]:
    """APACHE II chronic health points from the organ-failure flag and the surgery type."""
    if not _truth(found.get("history of severe organ failure or immunocompromise", False)):
        return {"chronic_health": "none"}
    elective = normalize_key(str(found.get("surgery type", ""))) == "elective"
    return {
        "chronic_health": "elective postoperative" if elective else "nonoperative or emergency postoperative"
    }


def _pressors(found: Mapping[str, Any]) -> dict[str, Any]:
    return {
        drug: _number(found[drug]) if drug in found else 0.0
        for drug in ("dopamine", "dobutamine", "epinephrine", "norepinephrine")
    }


READERS: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    "steroid": _steroids,
    "regimen": _opioids,
    "pressors": _pressors,
    "chronic_health": _chronic_health,
}
"""Readers for inputs whose official entities are structured or split over several entities."""
