"""Measured quantities: how notes name them, the units they are written in, and conversions.

Every quantity has a canonical unit (the one the formulas take, first in ``units``) and
alternative units a clinician might use instead. The note generator writes a value in one of
them; the ground truth is computed from the value exactly as written, converted back. The
importer uses the same table to read MedCalc-Bench's ``[value, unit]`` entities.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Section = Literal["vitals", "body", "labs", "abg", "ecg", "urine"]


@dataclass(frozen=True)
class Unit:
    """A unit: ``canonical = value * scale + shift``; ``decimals`` is the precision notes use."""

    symbol: str
    scale: float = 1.0
    shift: float = 0.0
    decimals: int = 1
    aliases: tuple[str, ...] = ()

    def to_canonical(self, value: float) -> float:
        return value * self.scale + self.shift

    def from_canonical(self, value: float) -> float:
        return (value - self.shift) / self.scale

    def format(self, value: float) -> str:
        """The value as a note writes it (thousands separators for large counts)."""
        if self.symbol == "ft/in":
            feet, inches = divmod(round(value), 12)
            return f"{feet} ft {inches} in"
        text = f"{value:,.{self.decimals}f}" if abs(value) >= 10_000 else f"{value:.{self.decimals}f}"
        if self.symbol == "%":
            return f"{text}%"
        return f"{text} {self.symbol}".rstrip()


@dataclass(frozen=True)
class Quantity:
    """Something measured: its names in notes (long form first, then abbreviations)."""

    key: str
    names: tuple[str, ...]
    units: tuple[Unit, ...]
    section: Section
    normal: tuple[float, float]

    @property
    def canonical(self) -> Unit:
        return self.units[0]


def _same(symbol: str, decimals: int, *aliases: str) -> Unit:
    return Unit(symbol, decimals=decimals, aliases=aliases)


MMOL = ("mmol/L", "mEq/L", "mmol/l", "meq/l")
_MOLAR = {  # quantity -> mg/dL per mmol/L (or per umol/L where noted)
    "glucose": 18.016,
    "bun": 2.801,
    "calcium": 4.008,
    "cholesterol": 38.67,
    "triglycerides": 88.57,
}


def _molar(name: str, decimals: int) -> Unit:
    return Unit("mmol/L", scale=_MOLAR[name], decimals=decimals, aliases=("mmol/l",))


MICROMOLAR = ("µmol/L", "umol/L", "μmol/L", "µmol/l", "umol/l", "μmol/l")

QUANTITIES: dict[str, Quantity] = {
    q.key: q
    for q in (
        # vitals and body measurements
        Quantity(
            "temperature",
            ("temperature", "temp", "T"),
            (
                Unit("°C", decimals=1, aliases=("degrees celsius", "c", "° c", "celsius", "°c")),
                Unit(
                    "°F",
                    scale=5 / 9,
                    shift=-160 / 9,
                    decimals=1,
                    aliases=("degrees fahrenheit", "f", "° f", "fahrenheit", "°f"),
                ),
            ),
            "vitals",
            (36.4, 37.4),
        ),
        Quantity(
            "heart_rate",
            ("heart rate", "pulse", "HR"),
            (Unit("beats/min", decimals=0, aliases=("beats per minute", "bpm", "/min", "beats/min")),),
            "vitals",
            (62, 92),
        ),
        Quantity(
            "respiratory_rate",
            ("respiratory rate", "respirations", "RR"),
            (Unit("breaths/min", decimals=0, aliases=("breaths per minute", "/min", "breaths/min")),),
            "vitals",
            (12, 19),
        ),
        Quantity(
            "sbp",
            ("systolic blood pressure", "systolic pressure", "SBP"),
            (_same("mm Hg", 0, "mm hg", "mmhg", "mm of hg"),),
            "vitals",
            (112, 138),
        ),
        Quantity(
            "dbp",
            ("diastolic blood pressure", "diastolic pressure", "DBP"),
            (_same("mm Hg", 0, "mm hg", "mmhg", "mm of hg"),),
            "vitals",
            (64, 86),
        ),
        Quantity(
            "oxygen_saturation",
            ("oxygen saturation", "SpO2", "O2 sat"),
            (_same("%", 0, "%"),),
            "vitals",
            (95, 99),
        ),
        Quantity(
            "weight",
            ("weight", "body weight", "Wt"),
            (
                _same("kg", 1, "kg", "kilograms"),
                Unit("lb", scale=0.45359237, decimals=0, aliases=("lb", "lbs", "pounds")),
            ),
            "body",
            (58, 92),
        ),
        Quantity(
            "height",
            ("height", "Ht"),
            (
                _same("cm", 0, "cm", "centimeters"),
                Unit("m", scale=100, decimals=2, aliases=("m", "meters")),
                Unit("in", scale=2.54, decimals=0, aliases=("in", "inches")),
                Unit("ft/in", scale=2.54, decimals=0),
            ),
            "body",
            (155, 185),
        ),
        Quantity(
            "bmi",
            ("body mass index", "BMI"),
            (_same("kg/m²", 1, "kg/m^2", "kg/m2", "kg/m²"),),
            "body",
            (20, 27),
        ),
        Quantity(
            "target_bmi",
            ("target body mass index", "goal BMI", "target BMI"),
            (_same("kg/m²", 1, "kg/m^2", "kg/m2", "kg/m²"),),
            "body",
            (20, 25),
        ),
        # chemistry
        Quantity(
            "sodium",
            ("sodium", "Na"),
            (_same("mmol/L", 0, *MMOL), _same("mEq/L", 0, *MMOL)),
            "labs",
            (136, 144),
        ),
        Quantity(
            "potassium",
            ("potassium", "K"),
            (_same("mmol/L", 1, *MMOL), _same("mEq/L", 1, *MMOL)),
            "labs",
            (3.6, 4.8),
        ),
        Quantity(
            "chloride",
            ("chloride", "Cl"),
            (_same("mmol/L", 0, *MMOL), _same("mEq/L", 0, *MMOL)),
            "labs",
            (99, 107),
        ),
        Quantity(
            "bicarbonate",
            ("bicarbonate", "HCO3", "serum bicarbonate"),
            (_same("mmol/L", 0, *MMOL), _same("mEq/L", 0, *MMOL)),
            "labs",
            (23, 28),
        ),
        Quantity(
            "bun",
            ("blood urea nitrogen", "BUN", "urea nitrogen"),
            (_same("mg/dL", 0, "mg/dl"), _molar("bun", 1)),
            "labs",
            (9, 19),
        ),
        Quantity(
            "creatinine",
            ("creatinine", "serum creatinine", "Cr"),
            (_same("mg/dL", 2, "mg/dl"), Unit("µmol/L", scale=1 / 88.4, decimals=0, aliases=MICROMOLAR)),
            "labs",
            (0.7, 1.1),
        ),
        Quantity(
            "glucose",
            ("glucose", "blood glucose", "serum glucose"),
            (_same("mg/dL", 0, "mg/dl"), _molar("glucose", 1)),
            "labs",
            (78, 115),
        ),
        Quantity(
            "calcium",
            ("calcium", "total calcium", "Ca"),
            (_same("mg/dL", 1, "mg/dl"), _molar("calcium", 2)),
            "labs",
            (8.6, 10.1),
        ),
        Quantity(
            "albumin",
            ("albumin", "serum albumin", "Alb"),
            (_same("g/dL", 1, "g/dl"), Unit("g/L", scale=0.1, decimals=0, aliases=("g/l",))),
            "labs",
            (3.6, 4.8),
        ),
        Quantity(
            "bilirubin",
            ("total bilirubin", "bilirubin", "T bili"),
            (_same("mg/dL", 1, "mg/dl"), Unit("µmol/L", scale=1 / 17.1, decimals=0, aliases=MICROMOLAR)),
            "labs",
            (0.3, 1.0),
        ),
        Quantity(
            "ast", ("aspartate aminotransferase", "AST"), (_same("U/L", 0, "u/l", "iu/l"),), "labs", (15, 38)
        ),
        Quantity(
            "alt", ("alanine aminotransferase", "ALT"), (_same("U/L", 0, "u/l", "iu/l"),), "labs", (12, 40)
        ),
        Quantity("inr", ("INR", "international normalized ratio"), (_same("", 1),), "labs", (0.9, 1.1)),
        Quantity(
            "total_cholesterol",
            ("total cholesterol", "cholesterol"),
            (_same("mg/dL", 0, "mg/dl"), _molar("cholesterol", 2)),
            "labs",
            (160, 215),
        ),
        Quantity(
            "hdl",
            ("HDL cholesterol", "HDL"),
            (_same("mg/dL", 0, "mg/dl"), _molar("cholesterol", 2)),
            "labs",
            (40, 65),
        ),
        Quantity(
            "triglycerides",
            ("triglycerides", "TG"),
            (_same("mg/dL", 0, "mg/dl"), _molar("triglycerides", 2)),
            "labs",
            (80, 160),
        ),
        Quantity(
            "insulin",
            ("fasting insulin", "insulin"),
            (
                _same("µIU/mL", 1, "µiu/ml", "uiu/ml", "μiu/ml", "mu/l", "miu/l"),
                Unit("pmol/L", scale=1 / 6, decimals=0, aliases=("pmol/l",)),
            ),
            "labs",
            (4, 12),
        ),
        # hematology
        Quantity(
            "hemoglobin",
            ("hemoglobin", "Hb", "Hgb"),
            (_same("g/dL", 1, "g/dl"), Unit("g/L", scale=0.1, decimals=0, aliases=("g/l",))),
            "labs",
            (12.5, 15.5),
        ),
        Quantity("hematocrit", ("hematocrit", "Hct"), (_same("%", 0, "%"),), "labs", (37, 46)),
        Quantity(
            "wbc",
            ("white blood cell count", "WBC", "leukocyte count"),
            (
                _same("×10³/µL", 1, "10^3/µl", "x10^3/ul", "k/µl", "10³/µl", "×10³/µl"),
                _same("×10⁹/L", 1, "10^9/l", "x10^9/l", "×10⁹/l", "10⁹/l"),
                Unit(
                    "/mm³",
                    scale=0.001,
                    decimals=0,
                    aliases=("/mm^3", "/mm3", "cells/mm^3", "/µl", "cells/µl"),
                ),
            ),
            "labs",
            (5, 10),
        ),
        Quantity(
            "platelets",
            ("platelet count", "platelets", "Plt"),
            (
                _same("×10³/µL", 0, "10^3/µl", "x10^3/ul", "k/µl", "10³/µl", "×10³/µl"),
                _same("×10⁹/L", 0, "10^9/l", "x10^9/l", "×10⁹/l", "10⁹/l"),
                Unit("/µL", scale=0.001, decimals=0, aliases=("/µl", "/ul", "/mm^3", "/mm3", "cells/µl")),
            ),
            "labs",
            (170, 380),
        ),
        # arterial blood gas
        Quantity("ph", ("arterial pH", "pH"), (_same("", 2),), "abg", (7.37, 7.43)),
        Quantity(
            "pao2",
            ("PaO2", "arterial oxygen tension", "partial pressure of oxygen"),
            (_same("mm Hg", 0, "mm hg", "mmhg"), Unit("kPa", scale=7.50062, decimals=1, aliases=("kpa",))),
            "abg",
            (85, 100),
        ),
        Quantity(
            "paco2",
            ("PaCO2", "arterial carbon dioxide tension", "partial pressure of carbon dioxide"),
            (_same("mm Hg", 0, "mm hg", "mmhg"), Unit("kPa", scale=7.50062, decimals=1, aliases=("kpa",))),
            "abg",
            (36, 44),
        ),
        Quantity(
            "fio2",
            ("FiO2", "fraction of inspired oxygen"),
            (_same("", 2), Unit("%", scale=0.01, decimals=0, aliases=("%",))),
            "abg",
            (0.21, 0.21),
        ),
        Quantity(
            "aa_gradient",
            ("A-a gradient", "alveolar-arterial gradient"),
            (_same("mm Hg", 0, "mm hg", "mmhg"),),
            "abg",
            (5, 20),
        ),
        # urine and ECG
        Quantity(
            "urine_sodium",
            ("urine sodium", "urinary sodium"),
            (_same("mmol/L", 0, *MMOL), _same("mEq/L", 0, *MMOL)),
            "urine",
            (40, 120),
        ),
        Quantity(
            "urine_creatinine",
            ("urine creatinine", "urinary creatinine"),
            (_same("mg/dL", 0, "mg/dl"), Unit("mmol/L", scale=11.312, decimals=1, aliases=("mmol/l",))),
            "urine",
            (40, 200),
        ),
        Quantity(
            "qt", ("QT interval", "QT"), (_same("msec", 0, "ms", "msec", "milliseconds"),), "ecg", (360, 420)
        ),
    )
}


def unit_for(quantity: Quantity, symbol: str) -> Unit | None:
    """Find the unit of ``quantity`` written as ``symbol`` (case, spaces and micro signs ignored)."""
    wanted = _normal(symbol)
    for unit in quantity.units:
        if wanted in {_normal(unit.symbol), *(_normal(a) for a in unit.aliases)}:
            return unit
    return None


def _normal(symbol: str) -> str:
    text = symbol.strip().casefold().replace("μ", "µ").replace("mcg", "µg")
    return re.sub(r"\s+", " ", text)
