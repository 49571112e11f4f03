"""The four EHR families on small worlds: split sizes, coverage, oracles, trivial answers,
determinism, distinct and disjoint splits, and request_info."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from ehr_helpers import FAMILY_CLASSES, TEST_PATIENTS, TRIVIAL, oracle_passes, trivial_passes

from medagentgym.errors import DataError, TaskNotFoundError
from medagentgym.runs.validate import spread_indices
from medagentgym.tasks.ehr import ehrsql
from medagentgym.tasks.ehr.family import EhrFamily
from medagentgym.tasks.model import Task
from medagentgym.tasks.registry import get_family

PAPER_SIZES = {
    "mimic_iii": (9318, 1122),
    "eicu": (6213, 611),
    "treqs": (8988, 996),
    "ehr_seqsql": (18950, 7913),
}


def _one_task_per_template(family: EhrFamily) -> dict[str, Task]:
    """The first task of every template, found through the splits' layouts (public API)."""
    found: dict[str, Task] = {}
    for split in ("test", "train", "ood"):
        for index, (template, _) in enumerate(family.plan.layout(split)):
            if template.id not in found:
                found[template.id] = family.task(split, index)
    return found


def _key(task: Task) -> str:
    return "\n".join(q.prompt for q in task.questions)


@pytest.mark.parametrize("name", FAMILY_CLASSES)
def test_split_sizes_and_category_counts(name: str) -> None:
    family = get_family(name)
    train, test = PAPER_SIZES[name]
    assert (family.size("train"), family.size("test")) == (train, test)
    for split, size in family.split_sizes.items():
        counts = family.category_counts(split)
        assert sum(counts.values()) == size
        assert all(count > 0 for count in counts.values())


def test_template_coverage() -> None:
    mimic, eicu = get_family("mimic_iii"), get_family("eicu")
    assert isinstance(mimic, EhrFamily) and isinstance(eicu, EhrFamily)
    for family in (mimic, eicu):
        assert len(family.plan.templates) >= 160
        assert set(family.category_counts("test")) == set(ehrsql.CATEGORY_WEIGHTS)
        held_out = {t.category for t in family.plan.templates if t.held_out}
        assert held_out == set(ehrsql.CATEGORY_WEIGHTS)  # one type per category for ood
    treqs, seqsql = get_family("treqs"), get_family("ehr_seqsql")
    assert set(treqs.category_counts("train")) == {"count", "average", "extremum", "retrieval"}
    assert len(seqsql.category_counts("train")) == 4
    assert isinstance(seqsql, EhrFamily)
    assert {len(t.steps) for t in seqsql.plan.templates} <= {2, 3, 4, 5}
    assert max(len(t.steps) for t in seqsql.plan.templates) == 5


@pytest.mark.parametrize("name", FAMILY_CLASSES)
def test_every_template_is_solved_by_its_oracle_only(small_families: dict[str, EhrFamily], name: str) -> None:
    family = small_families[name]
    tasks = _one_task_per_template(family)
    assert set(tasks) == {t.id for t in family.plan.templates}
    for template_id, task in tasks.items():
        assert oracle_passes(task), template_id
        template = next(t for t in family.plan.templates if t.id == template_id)
        for strategy, answer in TRIVIAL.items():
            if template.boolean and strategy in ("true", "false", "zero"):
                continue  # a yes/no question is answered by one of them; their share is tested below
            if template.allow_zero and strategy == "zero":
                continue
            assert not trivial_passes(task, answer), (template_id, strategy)


@pytest.mark.parametrize("name", FAMILY_CLASSES)
def test_sampled_test_split(small_families: dict[str, EhrFamily], name: str) -> None:
    """300 test tasks cover every category; the oracle solves all of them and no trivial
    strategy more than 2% (what ``medagentgym validate`` checks end to end). The first 300 tasks
    interleave all templates like an evenly spread sample, and are quicker to build (a spread
    sample of the 7,913 EHR-SeqSQL test tasks builds most of the split)."""
    family = small_families[name]
    indices = spread_indices(family.size("test"), 300) if family.size("test") < 2000 else range(300)
    tasks = [family.task("test", i) for i in indices]
    assert {t.category for t in tasks} == set(family.category_counts("test"))
    assert all(oracle_passes(t) for t in tasks)
    for strategy, answer in TRIVIAL.items():
        rate = sum(trivial_passes(t, answer) for t in tasks) / len(tasks)
        assert rate <= 0.02, (strategy, rate)


def test_yes_no_answers_are_balanced(small_families: dict[str, EhrFamily]) -> None:
    family = small_families["mimic_iii"]
    answers = Counter(
        q.grader.reference  # type: ignore[attr-defined]
        for i in range(family.size("test"))
        for q in family.task("test", i).questions
        if q.grader.kind == "boolean"
    )
    assert abs(answers[True] - answers[False]) <= 2
    assert 0.015 <= (answers[True] + answers[False]) / family.size("test") <= 0.025


@pytest.mark.parametrize("name", ["mimic_iii", "eicu", "treqs"])
def test_test_split_is_distinct_and_disjoint_from_train(
    small_families: dict[str, EhrFamily], name: str
) -> None:
    family = small_families[name]
    test = {_key(family.task("test", i)) for i in range(family.size("test"))}
    assert len(test) == family.size("test")
    train = []
    for i in range(0, 1000, 4):
        try:
            train.append(family.task("train", i))
        except DataError:  # a 150-patient world cannot hold the whole train split of some types
            continue
    assert len(train) >= 150
    assert not {_key(t) for t in train} & test
    assert {family.plan.split_of(_key(t)) for t in train} == {"train"}
    ood_templates = {t.id for t in family.plan.templates if t.held_out}
    assert not {t.metadata["template"] for t in train} & ood_templates


def test_episodes_are_distinct(small_families: dict[str, EhrFamily]) -> None:
    family = small_families["ehr_seqsql"]
    keys = [_key(family.task("test", i)) for i in range(400)]
    assert len(set(keys)) == len(keys)
    task = family.task("test", 3)
    assert task.multi_turn and 2 <= len(task.questions) <= 5


@pytest.mark.parametrize("name", FAMILY_CLASSES)
def test_tasks_are_deterministic_and_serialisable(small_families: dict[str, EhrFamily], name: str) -> None:
    family = small_families[name]
    task = family.task("train", 123, seed=0)
    again = FAMILY_CLASSES[name](n_patients=TEST_PATIENTS).task("train", 123, seed=0)
    assert task == again
    assert task.id == f"{name}/train/s0/123"
    assert Task.from_dict(json.loads(json.dumps(task.to_dict()))) == task
    assert {r.target for r in task.resources} == {f"/data/{family.world_name}.db", "/data/csv"}
    assert all(str(r.source) not in q.prompt for r in task.resources for q in task.questions)


def test_bad_indices_and_splits(small_families: dict[str, EhrFamily]) -> None:
    family = small_families["treqs"]
    with pytest.raises(TaskNotFoundError, match="out of range"):
        family.task("test", family.size("test"))
    with pytest.raises(TaskNotFoundError, match="has no split"):
        family.task("valid", 0)


@pytest.mark.parametrize("name", FAMILY_CLASSES)
def test_request_info_answers_from_the_world(small_families: dict[str, EhrFamily], name: str) -> None:
    family = small_families[name]
    task = family.task("test", 0)
    inspector = family.inspector(task)
    assert inspector is not None
    assert family.inspector(task) is inspector  # cached per world
    table, column = {
        "mimic_iii": ("ADMISSIONS", "insurance"),
        "eicu": ("patient", "gender"),
        "treqs": ("DEMOGRAPHIC", "gender"),
        "ehr_seqsql": ("PATIENTS", "gender"),
    }[name]
    assert table.lower() in inspector.schema().lower()
    assert column in inspector.schema(table).lower()
    assert inspector.column_values(table, column)
    assert inspector.search("heart")
