"""The npower family: balance, determinism, reference answers, trivial answers and wording."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from medagentgym.cli import app
from medagentgym.tasks.model import Task
from medagentgym.tasks.npower.catalog import CATALOG
from medagentgym.tasks.npower.family import FAMILY, POWER_LIMITS, SIZE_LIMITS
from medagentgym.tasks.registry import get_family, get_task

CATEGORIES = [kind.category for kind in CATALOG]
TRIVIAL = (0, "", True, False, " ".join(str(i) for i in range(101)), 1, "1.0")


@pytest.fixture(scope="module")
def family():
    return get_family(FAMILY)


@pytest.fixture(scope="module")
def sample(family) -> list[Task]:
    """Two instances of every category and target from the test split."""
    return [family.task("test", i) for i in range(24)]


def test_six_categories_with_the_paper_split_sizes(family):
    assert family.split_sizes == {"train": 960, "test": 240}
    for split, size in family.split_sizes.items():
        counts = family.category_counts(split)
        assert list(counts) == CATEGORIES and set(counts.values()) == {size // 6}
    built = [family.task("train", i) for i in range(12)]
    assert [t.category for t in built] == CATEGORIES * 2
    assert [t.metadata["target"] for t in built] == ["size"] * 6 + ["power"] * 6


def test_tasks_list_shows_six_npower_categories():
    result = CliRunner().invoke(app, ["tasks", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows = [r for r in json.loads(result.stdout) if r["family"] == FAMILY]
    assert {r["category"] for r in rows} == set(CATEGORIES)
    assert sum(r["count"] for r in rows if r["split"] == "test") == 240


def test_ids_are_deterministic_and_seeds_differ():
    first = get_task("npower/test/s0/7")
    assert first == get_task("npower/test/s0/7")
    assert first.id == "npower/test/s0/7"
    assert get_task("npower/test/s1/7").questions[0].prompt != first.questions[0].prompt


def test_train_and_test_instances_differ(family):
    prompts = {
        split: {family.task(split, i).questions[0].prompt for i in range(family.size(split))}
        for split in ("train", "test")
    }
    assert len(prompts["train"]) == 960 and len(prompts["test"]) == 240
    assert not prompts["train"] & prompts["test"]


def test_reference_answers_pass_and_trivial_answers_fail(sample):
    for task in sample:
        grader = task.questions[0].grader
        assert grader.grade(task.questions[0].grader.reference).correct, task.id  # type: ignore[attr-defined]
        for answer in TRIVIAL:
            verdict = grader.grade(answer)
            assert not verdict.correct, (task.id, answer)
            assert verdict.message == "Incorrect." if verdict.parsed else "expected" in verdict.message


def test_constant_guesses_pass_at_most_two_percent(family):
    graders = [family.task("test", i).questions[0].grader for i in range(240)]
    for guess in (0, 1, 0.05, 0.5, 0.8, 0.9, 10, 100):
        assert sum(g.grade(guess).correct for g in graders) <= 0.02 * 240, guess


def test_oracle_programs_print_the_reference_answer(family, run_programs):
    tasks = [family.task("test", i) for i in range(0, 240, 4)]  # every category and target, 60 tasks
    results = run_programs([t.questions[0].oracle.code for t in tasks])
    for task, result in zip(tasks, results, strict=True):
        assert "error" not in result, (task.id, result)
        printed = json.loads(result["stdout"].strip().splitlines()[-1])
        assert task.questions[0].grader.grade(printed).correct, (task.id, printed)


def test_grading_rules(sample):
    size = next(t for t in sample if t.metadata["target"] == "size").questions[0].grader
    n = size.reference  # type: ignore[attr-defined]
    assert size.grade(f"{n}.0").correct and size.grade(float(n)).correct
    assert not size.grade(n + 1).correct and not size.grade(n - 1).correct
    assert not size.grade(f"{n} participants").parsed
    powered = next(t for t in sample if t.metadata["target"] == "power").questions[0].grader
    p = powered.reference  # type: ignore[attr-defined]
    assert powered.grade(p + 0.009).correct and powered.grade(p - 0.009).correct
    assert not powered.grade(p + 0.011).correct and not powered.grade(p * 100).correct


def test_answers_are_in_range_and_questions_state_the_conventions(sample):
    for task in sample:
        prompt, reference = task.questions[0].prompt, task.questions[0].grader.reference  # type: ignore[attr-defined]
        if task.metadata["target"] == "size":
            assert SIZE_LIMITS[0] <= reference <= SIZE_LIMITS[1]
            assert "Round the sample size up" in prompt
        else:
            assert POWER_LIMITS[0] <= reference <= POWER_LIMITS[1]
            assert "proportion between 0 and 1" in prompt
        assert f"{task.metadata['study']['alpha']}"[:3] in prompt
        assert "{" not in prompt and "}" not in prompt


def test_cox_questions_name_their_formula_and_both_are_used(family):
    cox = [family.task("train", i) for i in range(5, 960, 6)]
    formulas = {t.metadata["study"]["formula"] for t in cox}
    assert formulas == {"schoenfeld", "freedman"}
    for task in cox:
        named = "Schoenfeld's" if task.metadata["study"]["formula"] == "schoenfeld" else "Freedman's"
        assert named in task.questions[0].prompt


def test_tasks_are_code_tasks_and_serialise(sample):
    for task in sample:
        assert "request_info" not in task.actions and "execute_code" in task.actions
        assert Task.from_dict(json.loads(json.dumps(task.to_dict()))) == task
