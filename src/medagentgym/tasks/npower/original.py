"""Reading the studies that the original N-PowerAI questions describe.

The original files hold one fixed wording per test type and target (see docs/npower.md). Each
parser finds the numbers by the phrases around them and returns the engine's study; what the
text leaves open is filled with a stated assumption (for example alpha = 0.05 when the
question names none), so a recomputed answer always says what it assumed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from medagentgym.tasks.npower.studies import (
    ChiSquareIndependence,
    CoxPH,
    OneSampleT,
    OneWayAnova,
    PairedT,
    Problem,
    Study,
    Target,
    TwoSampleT,
)

NUMBER = r"(\d[\d,]*(?:\.\d+)?)"
NUMBER_LIST = rf"({NUMBER[1:-1]}(?:\s*,\s*{NUMBER[1:-1]})*,?\s+and\s+{NUMBER[1:-1]})"


class QuestionFormatError(ValueError):
    """A number the recomputation needs is not where the original wording puts it."""


@dataclass(frozen=True)
class ParsedQuestion:
    problem: Problem
    assumptions: tuple[str, ...]


class _Reader:
    """Finds numbers in one question and records the assumptions made for missing ones."""

    def __init__(self, text: str) -> None:
        self.text = " ".join(text.split())
        self.assumptions: list[str] = []

    def numbers(self, pattern: str, what: str) -> list[float]:
        match = re.search(pattern, self.text, flags=re.IGNORECASE)
        if match is None:
            raise QuestionFormatError(f"no {what} found")
        return [_number(group) for group in match.groups() if group is not None]

    def number(self, pattern: str, what: str) -> float:
        return self.numbers(pattern, what)[0]

    def number_list(self, pattern: str, what: str) -> tuple[float, ...]:
        match = re.search(pattern, self.text, flags=re.IGNORECASE)
        if match is None:
            raise QuestionFormatError(f"no {what} found")
        return tuple(_number(x) for x in re.findall(NUMBER, match.group(1)))

    def alpha(self) -> float:
        match = re.search(rf"significance level of {NUMBER}", self.text, flags=re.IGNORECASE)
        if match is None:
            self.assumptions.append("alpha = 0.05 (not stated)")
            return 0.05
        return _number(match.group(1))

    def two_sided(self, default: bool, why: str) -> bool:
        if re.search(r"two[- ](?:sided|tailed)|not equal", self.text, flags=re.IGNORECASE):
            return True
        if re.search(r"one[- ](?:sided|tailed)", self.text, flags=re.IGNORECASE):
            return False
        self.assumptions.append(f"{'two' if default else 'one'}-sided test ({why})")
        return default

    def given(self, target: Target, n_pattern: str) -> float:
        """The target power (size questions) or the stated n (power questions)."""
        if target == "size":
            return self.number(rf"{NUMBER}\s*%\s*(?:of\s+)?power|power of {NUMBER}\s*%", "target power") / 100
        return self.number(n_pattern, "sample size")

    def note(self, assumption: str) -> None:
        self.assumptions.append(assumption)


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _one_sample(r: _Reader, target: Target) -> tuple[Study, float]:
    reference = r.number(rf"in general is {NUMBER}", "reference mean")
    expected, sd = r.numbers(rf"to be {NUMBER} with a standard deviation of {NUMBER}", "expected mean and SD")
    study = OneSampleT(reference, expected, sd, r.alpha(), r.two_sided(True, "not stated"))
    return study, r.given(target, rf"recruited {NUMBER}")


def _paired(r: _Reader, target: Target) -> tuple[Study, float]:
    change, sd = r.numbers(rf"{NUMBER} units with a standard deviation of {NUMBER}", "mean change and SD")
    if "correlat" in r.text.lower():
        r.note("the SD given is that of the changes, so the correlation is not used")
    two_sided = r.two_sided(False, "the question asks to detect a reduction")
    study = PairedT(change, sd, None, r.alpha(), two_sided)
    return study, r.given(target, rf"sample of {NUMBER}")


def _two_sample(r: _Reader, target: Target) -> tuple[Study, float]:
    difference = r.number(rf"difference [^.]*? will be {NUMBER}", "mean difference")
    sd_a, sd_b = r.numbers(
        rf"standard deviation [^.]*? to be {NUMBER} and the standard deviation [^.]*? to be {NUMBER}",
        "two SDs",
    )
    if target == "power":
        r.note("the patients stated are per group")
    study = TwoSampleT(difference, sd_a, sd_b, 1.0, r.alpha(), r.two_sided(True, "not stated"))
    return study, r.given(target, rf"has {NUMBER} patients")


def _anova(r: _Reader, target: Target) -> tuple[Study, float]:
    means = r.number_list(rf"each group will be {NUMBER_LIST}", "group means")
    sd = r.number(rf"standard deviation [^.]*?{NUMBER}\s*\.", "common SD")
    if target == "power":
        r.note("the group size stated is per group")
    return OneWayAnova(means, sd, r.alpha()), r.given(target, rf"group of {NUMBER}")


def _chi_square(r: _Reader, target: Target) -> tuple[Study, float]:
    first = r.number_list(rf"will be {NUMBER_LIST} in \w+", "first group's proportions")
    second = r.number_list(rf"and will be {NUMBER_LIST} in \w+", "second group's proportions")
    r.note("the two groups are the same size (not stated)")
    study = ChiSquareIndependence((0.5, 0.5), (first, second), r.alpha())
    return study, r.given(target, rf"sample of {NUMBER}")


def _cox(r: _Reader, target: Target) -> tuple[Study, float]:
    p_e, p_c = r.numbers(rf"groups E and C are {NUMBER} and {NUMBER}", "event probabilities")
    hazard_ratio = r.number(rf"hazard ratio [^.]*?assumed to be {NUMBER}", "hazard ratio")
    r.note("Schoenfeld's formula (no formula stated)")
    study = CoxPH(hazard_ratio, p_e, p_c, r.alpha(), r.two_sided(True, "not stated"), "schoenfeld")
    return study, r.given(target, rf"having {NUMBER} person")


PARSERS: dict[str, Callable[[_Reader, Target], tuple[Study, float]]] = {
    "One-sample t-test": _one_sample,
    "Paired t-test": _paired,
    "Two independent samples t-test": _two_sample,
    "One-way ANOVA": _anova,
    "Chi-square test of independence": _chi_square,
    "Cox proportional-hazards model": _cox,
}


def parse_question(title: str, target: Target, question: str) -> ParsedQuestion:
    """Read the study of an original question; raises QuestionFormatError when it cannot."""
    if title not in PARSERS:
        raise QuestionFormatError(f"unknown test type {title!r}")
    reader = _Reader(question)
    study, given = PARSERS[title](reader, target)
    return ParsedQuestion(Problem(study, target, given), tuple(reader.assumptions))
