"""Inputs and wording shared by many calculators."""

from __future__ import annotations

from medagentgym.tasks.medcalc.spec import Bounds, Flag, Num, Values

ABSENT_IF_UNSTATED = "Criteria that the note does not mention are absent."


def num(quantity: str, lo: float, hi: float, *aliases: str, key: str | None = None) -> Num:
    """A measured input named after its quantity unless ``key`` says otherwise."""
    return Num(key or quantity, quantity, (lo, hi), aliases=aliases)


def diastolic(share: Bounds = (0.5, 0.72)) -> Num:
    """Diastolic pressure drawn as a share of the systolic one, so that it is always lower."""

    def bounds(values: Values) -> Bounds:
        return (max(30.0, values["sbp"] * share[0]), values["sbp"] * share[1])

    return Num("dbp", "dbp", bounds, aliases=("Diastolic Blood Pressure",))


def systolic(lo: float = 80, hi: float = 190) -> Num:
    return num("sbp", lo, hi, "Systolic Blood Pressure")


HEIGHT = num("height", 145, 198, "height")
WEIGHT = num("weight", 40, 150, "weight")
HEART_RATE = num("heart_rate", 45, 150, "Heart Rate or Pulse", "heart rate")
TEMPERATURE = num("temperature", 34.5, 40.5, "Temperature", "temperature")
RESPIRATORY_RATE = num("respiratory_rate", 10, 40, "respiratory rate", "Respiratory rate")
CREATININE = num("creatinine", 0.4, 6.0, "creatinine", "Creatinine")


def flag(
    key: str,
    yes: str | tuple[str, ...],
    no: str | tuple[str, ...],
    *aliases: str,
    section: str = "history",
    chance: float = 0.45,
) -> Flag:
    """A yes/no finding; single phrases may be passed as plain strings."""

    def as_tuple(value: str | tuple[str, ...]) -> tuple[str, ...]:
        return (value,) if isinstance(value, str) else value

    return Flag(key, as_tuple(yes), as_tuple(no), section=section, aliases=aliases, chance=chance)  # type: ignore[arg-type]


def rare(
    key: str, yes: str | tuple[str, ...], no: str | tuple[str, ...], *aliases: str, section: str = "history"
) -> Flag:
    """A finding of a long checklist (Caprini, Charlson), present less often so totals stay realistic."""
    return flag(key, yes, no, *aliases, section=section, chance=0.2)
