"""The ``npower`` family: sample-size and power questions for six test types.

Instance ``index`` of a split is test type ``index % 6`` (in the catalog's order) and asks for the
sample size on even rounds and the power on odd rounds, so every split is balanced. A draw is kept
only when its answer is useful and robust: a sample size between 4 and 20,000 whose continuous
solution is not within 0.001 of a whole number (where solvers' rounding could flip the answer),
or a power between 0.10 and 0.97 (near 1 it is guessable).
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from medagentgym.tasks.graders import Grader, IntegerGrader, NumberGrader
from medagentgym.tasks.model import SPLITS, Oracle, Question, Task, TaskId
from medagentgym.tasks.npower.catalog import CATALOG, TestType
from medagentgym.tasks.npower.draws import Slots
from medagentgym.tasks.npower.engine import PowerCalculationError, solve_n
from medagentgym.tasks.npower.oracle import oracle_code
from medagentgym.tasks.npower.studies import Problem, Target
from medagentgym.tasks.npower.wording import render
from medagentgym.tasks.registry import Family, register_family, round_robin_counts

FAMILY = "npower"
TARGETS: tuple[Target, Target] = ("size", "power")
ACTIONS = ("execute_code", "terminal", "debug", "submit_answer")
CONTEXT = (
    "This is a statistical power analysis task; there is no data to load. Work the answer out from "
    "the study description (Python with numpy, scipy and statsmodels is available)."
)
SIZE_LIMITS = (4, 20_000)
POWER_LIMITS = (0.10, 0.97)
WHOLE_NUMBER_MARGIN = 1e-3
MAX_DRAWS = 1_000
POWER_TOLERANCE = 0.01


def grader_for(target: Target, reference: float) -> Grader:
    """Sample sizes are exact whole numbers; powers are right within 0.01 (absolute)."""
    if target == "size":
        return IntegerGrader(int(reference))
    return NumberGrader(float(reference), abs_tol=POWER_TOLERANCE, rel_tol=0.0)


def npower_task(
    task_id: str,
    *,
    split: str,
    category: str,
    prompt: str,
    target: Target,
    reference: float,
    oracle: Oracle,
    metadata: Mapping[str, Any],
) -> Task:
    """A one-question N-PowerAI task (generated or imported)."""
    return Task(
        id=task_id,
        family=FAMILY,
        category=category,
        split=split,
        questions=(Question(prompt, grader_for(target, reference), oracle),),
        context=CONTEXT,
        actions=ACTIONS,
        metadata={"target": target, **metadata},
    )


def _useful(problem: Problem) -> float | int | None:
    """The answer when it is worth asking (see the module docstring), else None."""
    try:
        if problem.target == "power":
            value = problem.answer()
            return value if POWER_LIMITS[0] <= value <= POWER_LIMITS[1] else None
        n = solve_n(problem.study.design(), problem.given)
    except PowerCalculationError:
        return None
    if abs(n - round(n)) < WHOLE_NUMBER_MARGIN or not SIZE_LIMITS[0] <= math.ceil(n) <= SIZE_LIMITS[1]:
        return None
    return math.ceil(n)


def draw_problem(
    kind: TestType, target: Target, rng: np.random.Generator
) -> tuple[Problem, Slots, float, int]:
    """Draw until the answer is useful; returns the problem, slots, answer and scenario index."""
    for _ in range(MAX_DRAWS):
        scenario = int(rng.integers(len(kind.scenarios)))
        problem, slots = kind.draw(rng, kind.scenarios[scenario], target)
        answer = _useful(problem)
        if answer is not None:
            return problem, slots, answer, scenario
    raise RuntimeError(f"no useful {kind.category} {target} problem in {MAX_DRAWS} draws (a generator bug)")


@register_family
class NPowerFamily(Family):
    name = FAMILY
    title = "N-PowerAI: sample size and power calculations"
    description = (
        "Randomised study descriptions for six test types (t-tests, ANOVA, chi-square, Cox model); "
        "the agent computes the sample size (exact) or the power (within 0.01)."
    )
    split_sizes = {"train": 960, "test": 240}  # noqa: RUF012 - the paper's sizes

    def category_counts(self, split: str) -> dict[str, int]:
        size = self.size(split)
        return round_robin_counts([kind.category for kind in CATALOG], size)

    def build(self, split: str, index: int, seed: int) -> Task:
        kind = CATALOG[index % len(CATALOG)]
        target = TARGETS[(index // len(CATALOG)) % len(TARGETS)]
        rng = np.random.default_rng([seed, SPLITS.index(split), index])
        problem, slots, answer, scenario = draw_problem(kind, target, rng)
        prompt, phrasing = render(kind.wording, slots, target, rng)
        metadata = {
            "test": kind.title,
            "scenario": scenario,
            "phrasing": phrasing,
            "study": json.loads(json.dumps(dataclasses.asdict(problem.study))),  # JSON-native (lists)
            "given": problem.given,
        }
        return npower_task(
            str(TaskId(self.name, split, seed, index)),
            split=split,
            category=kind.category,
            prompt=prompt,
            target=target,
            reference=answer,
            oracle=Oracle(code=oracle_code(problem)),
            metadata=metadata,
        )
