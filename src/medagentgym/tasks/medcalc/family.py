"""The ``medcalc`` family: MedCalc-Bench's 55 calculators over synthetic patient notes.

Instance ``index`` of a split uses calculator ``index % 55``, so every calculator gets an equal
share (within one task) of each split. Its inputs, note and wording come from one RNG stream
seeded by ``(generator version, seed, split, index)``; train and test are kept apart by the
fingerprint partition in :mod:`.sampling`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from medagentgym.tasks.graders import Grader
from medagentgym.tasks.medcalc import sampling
from medagentgym.tasks.medcalc.catalog import CALCULATORS
from medagentgym.tasks.medcalc.grading import grader_for
from medagentgym.tasks.medcalc.notes import write_note
from medagentgym.tasks.medcalc.oracle import oracle_code
from medagentgym.tasks.medcalc.spec import Calculator
from medagentgym.tasks.model import Oracle, Question, Task, TaskId
from medagentgym.tasks.registry import Family, register_family, round_robin_counts

GENERATOR_VERSION = 1
SPLIT_CODES = {"train": 0, "test": 1}
ACTIONS = ("execute_code", "terminal", "debug", "submit_answer")
"""The paper's permitted actions for MedCalcBench (``debug`` is on only when a model is configured)."""


def task_for(
    *,
    task_id: str,
    calc: Calculator,
    split: str,
    note: str,
    question: str,
    grader: Grader,
    oracle: Oracle,
    metadata: dict[str, Any],
) -> Task:
    """A MedCalc task: the note as context, one question graded by MedCalc-Bench's rule."""
    return Task(
        id=task_id,
        family=MedCalcFamily.name,
        category=calc.slug,
        split=split,
        questions=(Question(question, grader, oracle),),
        context=f"Patient note:\n{note}",
        actions=ACTIONS,
        metadata={
            "calculator_id": calc.id,
            "calculator_name": calc.name,
            "medcalc_category": calc.category,
            "output": calc.output,
            "unit": calc.unit,
            **metadata,
        },
    )


@register_family
class MedCalcFamily(Family):
    name = "medcalc"
    title = "MedCalcBench: 55 medical calculators over synthetic patient notes"
    description = (
        "Read a clinical note and compute a medical score, equation value or date (MedCalc-Bench's 55 "
        "calculators); graded by MedCalc-Bench's official rules."
    )
    split_sizes = {"train": 10_053, "test": 1_047}  # noqa: RUF012 - the paper's sizes

    def category_counts(self, split: str) -> dict[str, int]:
        size = self.size(split)
        return round_robin_counts([calc.slug for calc in CALCULATORS], size)

    def build(self, split: str, index: int, seed: int) -> Task:
        calc = CALCULATORS[index % len(CALCULATORS)]
        rng = np.random.default_rng([GENERATOR_VERSION, seed, SPLIT_CODES[split], index])
        draw = sampling.draw(calc, split, rng)
        inputs = {name: draw.values[name] for name in calc.parameters}
        return task_for(
            task_id=str(TaskId(self.name, split, seed, index)),
            calc=calc,
            split=split,
            note=write_note(calc, draw, rng),
            question=calc.prompt_question(draw.values),
            grader=grader_for(calc.output, draw.answer),
            oracle=Oracle(code=oracle_code(calc.formula, inputs)),
            metadata={"inputs": inputs, "fingerprint": draw.fingerprint},
        )
