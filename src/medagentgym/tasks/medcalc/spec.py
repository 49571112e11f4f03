"""The declarative description of a calculator: its inputs, formula, output and wording.

One :class:`Calculator` per MedCalc-Bench calculator drives everything else: the sampler draws
its inputs, the note generator writes them into a clinical note, the formula gives the ground
truth, the oracle embeds the formula, and the importer maps official entities onto the inputs.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from medagentgym.tasks.medcalc.units import QUANTITIES, Quantity

Values = Mapping[str, Any]
Bounds = tuple[float, float]
Output = Literal["decimal", "integer", "date", "weeks_days"]
NoteSection = Literal["history", "presentation", "exam", "meds", "social", "obstetric", "plan"]


@dataclass(frozen=True)
class Num:
    """A measured number; ``bounds`` (canonical units) may depend on values drawn before it."""

    key: str
    quantity: str
    bounds: Bounds | Callable[[Values], Bounds]
    aliases: tuple[str, ...] = ()

    @property
    def measured(self) -> Quantity:
        return QUANTITIES[self.quantity]

    def range_for(self, values: Values) -> Bounds:
        return self.bounds(values) if callable(self.bounds) else self.bounds


@dataclass(frozen=True)
class Flag:
    """A yes/no finding, with ways to say that it is present and that it is absent."""

    key: str
    yes: tuple[str, ...]
    no: tuple[str, ...]
    section: NoteSection = "history"
    aliases: tuple[str, ...] = ()
    chance: float = 0.45


@dataclass(frozen=True)
class Choice:
    """One of several levels; each level has phrases that describe it in a note."""

    key: str
    levels: Mapping[str, tuple[str, ...]]
    section: NoteSection = "exam"
    aliases: tuple[str, ...] = ()
    official: Mapping[str, str] = field(default_factory=dict)  # MedCalc-Bench value -> level


@dataclass(frozen=True)
class Count:
    """A small whole number written with its own phrases (``{n}`` is replaced)."""

    key: str
    bounds: Bounds
    phrases: tuple[str, ...]
    section: NoteSection = "history"
    aliases: tuple[str, ...] = ()
    default: int | None = None  # the value an official row that omits it implies


@dataclass(frozen=True)
class Day:
    """A calendar date ``offset`` days (range) after the date named ``after`` (or a fixed base)."""

    key: str
    after: str | None
    offset: Bounds
    phrases: tuple[str, ...]
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Custom:
    """An input whose drawing and wording are special (drug regimens, steroid conversions)."""

    key: str
    draw: Callable[[Any], Any]
    describe: Callable[[Any, Any], str]
    section: NoteSection = "meds"
    aliases: tuple[str, ...] = ()


Input = Num | Flag | Choice | Count | Day | Custom


@dataclass(frozen=True)
class Calculator:
    """One MedCalc-Bench calculator.

    ``age`` and ``sex`` bound the patient drawn for the note (every note has a patient, whether
    or not the formula uses them); ``inputs`` are the other values the formula needs.
    """

    id: int
    name: str
    category: str  # MedCalc-Bench's sub-category: lab, physical, date, dosage, risk, severity, diagnosis
    output: Output
    unit: str
    formula: Callable[..., Any]
    question: str
    inputs: tuple[Input, ...]
    settings: tuple[str, ...]
    age: Bounds = (18, 90)
    sex: Literal["any", "female", "male"] = "any"
    notes: str = ""  # conventions appended to the question

    @property
    def slug(self) -> str:
        return slugify(self.name)

    @property
    def parameters(self) -> tuple[str, ...]:
        """The formula's parameter names (the values it is called with)."""
        return tuple(inspect.signature(self.formula).parameters)

    def compute(self, values: Values) -> Any:
        return self.formula(**{name: values[name] for name in self.parameters})

    def prompt_question(self, values: Values) -> str:
        text = self.question.format(**values)
        return f"{text} {self.notes}".strip()


def slugify(name: str) -> str:
    """A stable category name: lower-case words joined by underscores."""
    words = re.sub(r"\([^)]*\)", " ", name.replace("'", ""))
    return "_".join(re.findall(r"[a-z0-9]+", words.casefold()))
