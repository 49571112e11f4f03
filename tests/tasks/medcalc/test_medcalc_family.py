"""The medcalc family: splits, determinism, notes that state the inputs, oracle and trivial answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from medagentgym.agents.baselines import TrivialAgent
from medagentgym.tasks.graders import grader_from_spec
from medagentgym.tasks.medcalc import sampling
from medagentgym.tasks.medcalc.catalog import CALCULATORS
from medagentgym.tasks.medcalc.family import GENERATOR_VERSION, SPLIT_CODES
from medagentgym.tasks.medcalc.spec import Count
from medagentgym.tasks.registry import get_family, get_task

FAMILY = get_family("medcalc")
N = len(CALCULATORS)
CRASH = (
    'Traceback (most recent call last):\n  File "<string>", line 3\nRuntimeError: line 1 crashed: 0 1 True'
)
TRIVIAL = {name: CRASH if answer is None else answer for name, answer in TrivialAgent.STRATEGIES.items()}


def one_of_each(split: str, offset: int = 0) -> list:
    return [FAMILY.task(split, i + N * offset) for i in range(N)]


def test_splits_and_categories():
    assert FAMILY.split_sizes == {"train": 10_053, "test": 1_047}
    for split, size in FAMILY.split_sizes.items():
        counts = FAMILY.category_counts(split)
        assert len(counts) == 55 and sum(counts.values()) == size
        assert max(counts.values()) - min(counts.values()) <= 1
    assert [t.category for t in one_of_each("test")] == [c.slug for c in CALCULATORS]
    last = FAMILY.task("test", 1046)
    assert last.category == CALCULATORS[1046 % N].slug


def test_tasks_are_deterministic_and_seeded():
    assert get_task("medcalc/test/s0/7") == get_task("medcalc/test/s0/7")
    assert get_task("medcalc/test/s1/7").context != get_task("medcalc/test/s0/7").context
    assert get_task("medcalc/train/s0/7").context != get_task("medcalc/test/s0/7").context


def test_train_and_test_inputs_never_coincide():
    test = {FAMILY.task("test", i).metadata["fingerprint"] for i in range(0, FAMILY.size("test"), 3)}
    train = {FAMILY.task("train", i).metadata["fingerprint"] for i in range(0, FAMILY.size("train"), 29)}
    assert all(sampling.in_test_share(fp) for fp in test)
    assert not any(sampling.in_test_share(fp) for fp in train)
    assert not test & train


def test_task_shape():
    task = FAMILY.task("test", 3)
    assert task.family == "medcalc" and task.split == "test"
    assert task.actions == ("execute_code", "terminal", "debug", "submit_answer")
    assert task.context.startswith("Patient note:\n") and len(task.context) > 200
    assert task.resources == ()
    question = task.questions[0]
    assert question.prompt.startswith(("What", "Using", "Based", "How"))
    assert grader_from_spec(question.grader.to_spec()) == question.grader
    assert task.metadata["calculator_id"] == CALCULATORS[3].id
    json.dumps(task.to_dict())  # serialisable, so task sets can be saved


@pytest.mark.parametrize("split", ["train", "test"])
def test_notes_state_every_input_as_drawn(split):
    for index in range(2 * N, 3 * N):
        calc = CALCULATORS[index % N]
        draw = sampling.draw(
            calc, split, np.random.default_rng([GENERATOR_VERSION, 0, SPLIT_CODES[split], index])
        )
        note = FAMILY.task(split, index).context
        for key, reading in draw.readings.items():
            if key == "sbp":  # blood pressure is written as a pair
                diastolic = draw.readings.get("dbp")
                written = (
                    f"{reading.shown:.0f}/{diastolic.shown:.0f} mm Hg"
                    if diastolic
                    else f"{reading.shown:.0f}/"
                )
                assert written in note, (calc.name, key)
            elif key != "dbp":
                assert reading.unit.format(reading.shown) in note, (calc.name, key, note)
        for spec in calc.inputs:
            if isinstance(spec, Count):
                assert str(draw.values[spec.key]) in note, (calc.name, spec.key)
        if draw.values["age"] >= 1:
            assert f"{draw.values['age']}-year-old" in note


@pytest.mark.parametrize("split", ["train", "test"])
def test_oracle_snippets_are_self_contained_and_correct(split, tmp_path):
    tasks = one_of_each(split)
    driver = (
        "import contextlib, io, json, sys\n"
        "out = []\n"
        "for code in json.load(sys.stdin):\n"
        "    buf = io.StringIO()\n"
        "    with contextlib.redirect_stdout(buf):\n"
        "        exec(code, {'__name__': '__main__'})\n"
        "    out.append(json.loads(buf.getvalue().strip().splitlines()[-1]))\n"
        "print(json.dumps(out))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, "-I", "-c", driver],  # isolated: medagentgym is not importable
        input=json.dumps([t.questions[0].oracle.code for t in tasks]),
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=True,
    )
    answers = json.loads(done.stdout)
    for task, answer in zip(tasks, answers, strict=True):
        assert task.questions[0].grader.grade(answer).correct, task.id
        assert "medagentgym" not in task.questions[0].oracle.code


def test_trivial_answers_fail_on_every_calculator():
    for task in one_of_each("test") + one_of_each("train", offset=5):
        grader = task.questions[0].grader
        passed = [name for name, answer in TRIVIAL.items() if grader.grade(answer).correct]
        assert not passed, (task.id, passed)


def test_answers_are_never_zero_and_include_negatives():
    references = []
    for i in range(0, FAMILY.size("test"), 2):
        spec = FAMILY.task("test", i).questions[0].grader.to_spec()
        references.append(spec.get("reference", spec.get("lower")))
    numbers = [r for r in references if isinstance(r, int | float)]
    assert 0 not in numbers
    assert any(n < 0 for n in numbers)


def test_tasks_list_shows_55_medcalc_categories():
    from typer.testing import CliRunner

    from medagentgym.cli import app

    result = CliRunner().invoke(app, ["tasks", "list", "--json"])
    rows = [r for r in json.loads(result.stdout) if r["family"] == "medcalc"]
    for split, size in (("train", 10_053), ("test", 1_047)):
        counts = {r["category"]: r["count"] for r in rows if r["split"] == split}
        assert len(counts) == 55 and sum(counts.values()) == size
