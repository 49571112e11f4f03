"""The 55 MedCalc-Bench calculators, in MedCalc-Bench's id order."""

from __future__ import annotations

from medagentgym.tasks.medcalc.catalog import dates_dosage, lab, physical, risk, severity
from medagentgym.tasks.medcalc.spec import Calculator

CALCULATORS: tuple[Calculator, ...] = tuple(
    sorted(
        (
            *physical.CALCULATORS,
            *lab.CALCULATORS,
            *dates_dosage.CALCULATORS,
            *risk.CALCULATORS,
            *severity.CALCULATORS,
        ),
        key=lambda c: c.id,
    )
)
BY_ID: dict[int, Calculator] = {c.id: c for c in CALCULATORS}
BY_SLUG: dict[str, Calculator] = {c.slug: c for c in CALCULATORS}

if not len(BY_ID) == len(BY_SLUG) == len(CALCULATORS) == 55:  # pragma: no cover - a catalog bug
    raise RuntimeError("the MedCalc catalog must hold 55 calculators with unique ids and slugs")
