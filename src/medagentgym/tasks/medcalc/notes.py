"""The synthetic patient note: clinical prose that states every input of a calculator.

One writer serves all 55 calculators: it turns a :class:`~.sampling.Draw` into sections (the
presentation, history, medications, social history, examination and vital signs, laboratory
results, plans), each rendered with a randomly chosen frame, in a varied order, with distractors:
unrelated vitals and labs in normal ranges, dated prior values of the inputs, neutral conditions,
medications and family history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from medagentgym.tasks.medcalc import phrases
from medagentgym.tasks.medcalc.sampling import Draw, Reading
from medagentgym.tasks.medcalc.spec import Calculator, Choice, Count, Custom, Day, Flag, Num
from medagentgym.tasks.medcalc.units import QUANTITIES, Quantity

DISTRACTOR_PANEL = (
    "temperature",
    "heart_rate",
    "respiratory_rate",
    "oxygen_saturation",
    "sbp",
    "weight",
    "height",
    "sodium",
    "potassium",
    "chloride",
    "bicarbonate",
    "bun",
    "creatinine",
    "glucose",
    "calcium",
    "albumin",
    "ast",
    "alt",
    "hemoglobin",
    "hematocrit",
    "wbc",
    "platelets",
)
NEGATIVE_MENTION_CHANCE = 0.6


class _Writer:
    """Builds one note; holds the RNG and the patient's pronouns."""

    def __init__(self, calc: Calculator, draw: Draw, rng: np.random.Generator) -> None:
        self.calc, self.draw, self.rng = calc, draw, rng
        female = draw.values["sex"] == "female"
        self.pronouns = {
            "{He}": "She" if female else "He",
            "{he}": "she" if female else "he",
            "{His}": "Her" if female else "His",
            "{his}": "her" if female else "his",
            "{him}": "her" if female else "him",
        }

    def pick(self, options: Sequence[str]) -> str:
        return options[int(self.rng.integers(len(options)))]

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def say(self, text: str) -> str:
        for token, word in self.pronouns.items():
            text = text.replace(token, word)
        return text

    # ------------------------------------------------------------------ the note

    def write(self) -> str:
        sections: dict[str, list[str]] = {
            name: [] for name in ("presentation", "history", "meds", "social", "obstetric", "exam", "plan")
        }
        self._inputs(sections)
        self._distractor_text(sections)
        numbers = self._number_sentences()
        middle = [sections["history"], sections["meds"], sections["social"]]
        self.rng.shuffle(middle)  # type: ignore[arg-type]
        findings = numbers.get("vitals", []) + numbers.get("body", []) + sections["exam"]
        results = [numbers.get(name, []) for name in ("labs", "abg", "urine", "ecg")]
        self.rng.shuffle(results)  # type: ignore[arg-type]
        blocks = [findings, *results] if self.chance(0.7) else [*results, findings]
        paragraphs = [
            [self._opening(), *sections["presentation"], *sections["obstetric"]],
            [sentence for part in middle for sentence in part],
            [sentence for part in blocks for sentence in part],
            [*sections["plan"], self.pick(phrases.CLOSINGS)],
        ]
        text = "\n".join(" ".join(s for s in paragraph if s) for paragraph in paragraphs if any(paragraph))
        return self.say(text)

    def _opening(self) -> str:
        age, female = self.draw.values["age"], self.draw.values["sex"] == "female"
        if age < 1:
            age_text, noun = f"{int(self.rng.integers(2, 12))}-month-old", "girl" if female else "boy"
        elif age < 18:
            age_text, noun = f"{age}-year-old", "girl" if female else "boy"
        else:
            age_text, noun = f"{age}-year-old", "woman" if female else "man"
        article = "an" if age_text.startswith(("8", "11-", "18-")) else "a"
        return self.pick(phrases.OPENINGS).format(
            a=article,
            A=article.capitalize(),
            age_text=age_text,
            Age_text=age_text[0].upper() + age_text[1:],
            noun=noun,
            adjective="female" if female else "male",
            setting=self.pick(self.calc.settings),
        )

    def _inputs(self, sections: dict[str, list[str]]) -> None:
        present: dict[str, list[str]] = {}
        absent: dict[str, list[str]] = {}
        values = self.draw.values
        for spec in self.calc.inputs:
            if isinstance(spec, Flag):
                if values[spec.key]:
                    present.setdefault(spec.section, []).append(self.pick(spec.yes))
                elif self.chance(NEGATIVE_MENTION_CHANCE):
                    absent.setdefault(spec.section, []).append(self.pick(spec.no))
            elif isinstance(spec, Choice):
                sections[spec.section].append(self.pick(spec.levels[values[spec.key]]))
            elif isinstance(spec, Count):
                sections[spec.section].append(self.pick(spec.phrases).replace("{n}", str(values[spec.key])))
            elif isinstance(spec, Day):
                sections["obstetric"].append(
                    self.pick(spec.phrases).replace("{date}", self._date(values[spec.key]))
                )
            elif isinstance(spec, Custom):
                sections[spec.section].append(spec.describe(values, self.rng))
        for section, items in present.items():
            sections[section].insert(
                0, self.pick(phrases.FLAG_FRAMES[section][0]).replace("{items}", _join(items))
            )
        for section, items in absent.items():
            sections[section].append(
                self.pick(phrases.FLAG_FRAMES[section][1]).replace("{items}", _join(items, "or"))
            )
        self.rng.shuffle(sections["obstetric"])  # type: ignore[arg-type]

    def _distractor_text(self, sections: dict[str, list[str]]) -> None:
        conditions = _sample(self.rng, phrases.NEUTRAL_CONDITIONS, int(self.rng.integers(0, 4)))
        if conditions:
            sections["history"].append(
                f"{self.pick(('{He} also has', 'Other history includes'))} {_join(conditions)}."
            )
        if self.chance(0.5):
            sections["history"].append(self.pick(phrases.FAMILY_HISTORY))
        meds = _sample(self.rng, phrases.NEUTRAL_MEDICATIONS, int(self.rng.integers(0, 4)))
        if meds:
            sections["meds"].append(f"{self.pick(('{He} also takes', 'Other medications:'))} {_join(meds)}.")
        if self.chance(0.5):
            sections["social"].append(self.pick(phrases.SOCIAL_FILLER))
        if self.chance(0.4):
            sections["exam"].append(self.pick(phrases.EXAM_FILLER))
        prior = self._prior_value()
        if prior:
            sections["history"].append(prior)

    def _prior_value(self) -> str:
        """A dated earlier measurement of one input (a value the answer must not use)."""
        labs = [
            spec for spec in self.calc.inputs if isinstance(spec, Num) and spec.measured.section == "labs"
        ]
        if not labs or not self.chance(0.4):
            return ""
        spec = labs[int(self.rng.integers(len(labs)))]
        lo, hi = spec.range_for(self.draw.values)
        unit = spec.measured.canonical
        value = round(float(self.rng.uniform(lo, hi)), unit.decimals)
        if value == self.draw.readings[spec.key].value:
            return ""
        when = dt.date(2010, 1, 1) + dt.timedelta(days=int(self.rng.integers(0, 1800)))
        frame = self.pick(phrases.PRIOR_FRAMES)
        return frame.format(
            his="{his}",
            name=spec.measured.names[0],
            value=unit.format(value),
            date=self._date(when.isoformat()),
        )

    # ------------------------------------------------------------------ numbers

    def _number_sentences(self) -> dict[str, list[str]]:
        readings = dict(self.draw.readings)
        used = set(readings) | {spec.quantity for spec in self.calc.inputs if isinstance(spec, Num)}
        for key in self._distractor_keys(used):
            readings[key] = self._normal_reading(QUANTITIES[key])
        if "sbp" in readings and "dbp" not in readings:  # blood pressure is written as a pair
            dbp = round(readings["sbp"].shown * float(self.rng.uniform(0.55, 0.7)))
            readings["dbp"] = Reading(dbp, dbp, QUANTITIES["dbp"].canonical)
        quantities = {spec.key: spec.quantity for spec in self.calc.inputs if isinstance(spec, Num)}
        grouped: dict[str, list[str]] = {}
        keys = list(readings)
        self.rng.shuffle(keys)  # type: ignore[arg-type]
        list_style = self.chance(0.4)
        for key in keys:
            if key == "dbp":
                continue
            quantity = QUANTITIES[quantities.get(key, key)]
            section = "ecg" if key == "heart_rate" and "qt" in readings else quantity.section
            grouped.setdefault(section, []).append(self._item(key, quantity, readings, list_style))
        return {
            section: [self.pick(phrases.NUMBER_INTROS[section]).replace("{items}", _join(items))]
            for section, items in grouped.items()
        }

    def _distractor_keys(self, used: set[str]) -> list[str]:
        child = self.draw.values["age"] < 18  # adult reference ranges and body sizes would not fit
        free = [
            key
            for key in DISTRACTOR_PANEL
            if key not in used
            and not (key == "sbp" and "dbp" in used)
            and not (child and key in ("weight", "height"))
        ]
        return _sample(self.rng, free, int(self.rng.integers(2, 6)))

    def _normal_reading(self, quantity: Quantity) -> Reading:
        unit = quantity.canonical
        value = round(float(self.rng.uniform(*quantity.normal)), unit.decimals)
        return Reading(value, value, unit)

    def _item(self, key: str, quantity: Quantity, readings: dict[str, Reading], list_style: bool) -> str:
        reading = readings[key]
        if key == "sbp" and "dbp" in readings:
            name = "BP" if list_style else "blood pressure"
            value = f"{reading.shown:.0f}/{readings['dbp'].shown:.0f} mm Hg"
        else:
            names = quantity.names
            name = self.pick(names[1:]) if list_style and len(names) > 1 else names[0]
            value = reading.unit.format(reading.shown)
        frame = phrases.ITEM_FRAMES[0] if list_style else self.pick(phrases.ITEM_FRAMES)
        return frame.format(name=name, value=value)

    def _date(self, iso: str) -> str:
        day = dt.date.fromisoformat(iso)
        if self.chance(0.6):
            return day.strftime("%m/%d/%Y")
        return f"{day:%B} {day.day}, {day.year}"


def write_note(calc: Calculator, draw: Draw, rng: np.random.Generator) -> str:
    """Write the clinical note for one draw (deterministic for a given RNG state)."""
    return _Writer(calc, draw, rng).write()


def _join(items: Sequence[str], last: str = "and") -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def _sample(rng: np.random.Generator, pool: Sequence[str], count: int) -> list[str]:
    if count <= 0:
        return []
    chosen = rng.choice(len(pool), size=min(count, len(pool)), replace=False)
    return [pool[int(i)] for i in chosen]
