"""Graders for MedCalc answers, following MedCalc-Bench's official correctness rules.

Decimals must fall within the lower and upper limits (the answer ± 5 %, flipped for negative
answers), whole-number scores must match after rounding, dates must match exactly and gestational
ages must match as a (weeks, days) pair. The ``weeks_days`` grader is registered here.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from typing import Any

from medagentgym.tasks.answers import AnswerFormatError, describe
from medagentgym.tasks.graders import DateGrader, Grader, IntegerGrader, RangeGrader, register_grader

_PAIR = re.compile(r"(\d+)\s*(?:weeks?|wks?|w)?\s*(?:,|;|and|\+)?\s*(\d+)\s*(?:days?|d)?", re.IGNORECASE)
_PART = re.compile(r"(\d+)\s*(weeks?|wks?|w|days?|d)?", re.IGNORECASE)
MAX_WEEKS = 60


@register_grader("weeks_days")
@dataclass(frozen=True)
class WeeksDaysGrader(Grader):
    """A gestational age as completed weeks and days, compared exactly.

    Accepts ``[4, 2]``, ``{"weeks": 4, "days": 2}``, ``"4 weeks, 2 days"``, ``"(4, 2)"`` and
    ``"('4 weeks', '2 days')"``; anything with more or fewer than two whole numbers is rejected.
    """

    weeks: int
    days: int

    def parse(self, submission: Any) -> tuple[int, int]:
        pair = _pair(submission)
        if pair is None:
            raise AnswerFormatError(
                f'expected weeks and days such as [12, 3] or "12 weeks, 3 days", got {describe(submission)}'
            )
        weeks, days = pair
        if not (0 <= weeks <= MAX_WEEKS and 0 <= days <= 6):
            raise AnswerFormatError(
                f"expected 0-{MAX_WEEKS} weeks and 0-6 days, got {weeks} weeks and {days} days"
            )
        return pair

    def compare(self, value: tuple[int, int]) -> float:
        return 1.0 if value == (self.weeks, self.days) else 0.0

    def answer_format(self) -> str:
        return 'weeks and days, as [weeks, days] or "W weeks, D days"'


def _pair(submission: Any) -> tuple[int, int] | None:
    if isinstance(submission, dict):
        lowered = {str(k).casefold(): v for k, v in submission.items()}
        submission = [lowered.get("weeks"), lowered.get("days")]
    if isinstance(submission, list | tuple):
        if len(submission) != 2:
            return None
        weeks, days = (_whole(item) for item in submission)
        return (weeks, days) if weeks is not None and days is not None else None
    if not isinstance(submission, str) or len(submission) > 200:
        return None
    text = submission.strip()
    if text[:1] in "[(":
        try:
            return _pair(_literal(text))
        except (ValueError, SyntaxError):
            text = text[1:-1] if text[-1:] in ")]" else text  # "(4 weeks, 2 days)" as MedCalc-Bench asks
    match = _PAIR.fullmatch(text.strip("'\"` ."))
    return (int(match[1]), int(match[2])) if match else None


def _literal(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return ast.literal_eval(text)


def _whole(item: Any) -> int | None:
    if isinstance(item, bool):
        return None
    if isinstance(item, int):
        return item
    if isinstance(item, float) and item.is_integer():
        return int(item)
    if isinstance(item, str):
        match = _PART.fullmatch(item.strip())
        return int(match[1]) if match else None
    return None


def grader_for(output: str, answer: Any) -> Grader:
    """The official-rule grader for an answer of the given MedCalc output kind."""
    if output == "decimal":
        return decimal_grader(float(answer))
    if output == "integer":
        return IntegerGrader(round(answer), rounding=True)
    if output == "date":
        return DateGrader(str(answer))
    if output == "weeks_days":
        weeks, days = answer
        return WeeksDaysGrader(int(weeks), int(days))
    raise ValueError(f"unknown MedCalc output kind {output!r}")


def decimal_grader(answer: float) -> RangeGrader:
    """MedCalc-Bench's limits: answer ± 5 % (for a negative answer the lower limit is 1.05 × answer)."""
    lower, upper = sorted((answer * 0.95, answer * 1.05))
    return RangeGrader(lower, upper)
