"""Task ids, the family registry and saved task sets."""

from __future__ import annotations

import pytest

from medagentgym.errors import ConfigError, DataError, TaskNotFoundError
from medagentgym.tasks.model import TaskId
from medagentgym.tasks.registry import all_families, get_family, get_task
from medagentgym.tasks.taskset import FamilyTaskSet, load_task_set, resolve_tasks, save_task_set


def test_task_ids_round_trip():
    parts = TaskId.parse("mimic_iii/test/s3/17")
    assert (parts.family, parts.split, parts.seed, parts.index) == ("mimic_iii", "test", 3, 17)
    assert str(parts) == "mimic_iii/test/s3/17"
    for bad in ("mimic_iii/test/17", "Mimic/test/s0/1", "a/b/c/d", ""):
        with pytest.raises(ConfigError):
            TaskId.parse(bad)


def test_a_task_id_always_means_the_same_task():
    first = get_task("demo/train/s0/11")
    again = get_task("demo/train/s0/11")
    assert first == again
    assert get_task("demo/train/s1/11") != first  # another seed, another world


def test_category_counts_match_split_sizes():
    for family in all_families():
        for split, size in family.split_sizes.items():
            counts = family.category_counts(split)
            assert sum(counts.values()) == size
            built = {family.task(split, i).category for i in range(min(size, 10))}
            assert built <= set(counts)


def test_held_out_categories_are_disjoint():
    family = get_family("demo")
    assert not set(family.category_counts("ood")) & set(family.category_counts("train"))


def test_bad_lookups():
    with pytest.raises(TaskNotFoundError, match="known families"):
        get_family("nope")
    with pytest.raises(TaskNotFoundError, match="has no split"):
        get_family("demo").task("validation", 0)
    with pytest.raises(TaskNotFoundError, match="out of range"):
        get_family("demo").task("test", 10_000)


def test_family_task_set_is_lazy_and_indexable():
    tasks = FamilyTaskSet(get_family("demo"), "test")
    assert len(tasks) == 100
    assert tasks[-1].id == "demo/test/s0/99"
    assert [t.id for t in tasks[2:4]] == ["demo/test/s0/2", "demo/test/s0/3"]
    with pytest.raises(IndexError):
        tasks[100]


def test_taking_several_tasks_keeps_their_order_and_checks_bounds():
    tasks = FamilyTaskSet(get_family("demo"), "test")
    tasks[5]  # one of them is cached already
    assert [t.id for t in tasks.take([7, 5, -1, 7])] == [f"demo/test/s0/{i}" for i in (7, 5, 99, 7)]
    with pytest.raises(IndexError):
        tasks.take([1, 100])


def test_save_and_load_task_set(tmp_path):
    tasks = [get_task(f"demo/test/s0/{i}") for i in range(5)]
    save_task_set(tasks, tmp_path / "set", name="five")
    loaded = load_task_set(tmp_path / "set")
    assert list(loaded) == tasks and loaded.name == "five"
    assert list(resolve_tasks(str(tmp_path / "set"), split="test")) == tasks
    with pytest.raises(TaskNotFoundError):
        resolve_tasks(str(tmp_path / "set"), split="train")


def test_loading_garbage_is_a_data_error(tmp_path):
    with pytest.raises(DataError):
        load_task_set(tmp_path)
    save_task_set([], tmp_path / "s", name="empty")
    (tmp_path / "s" / "tasks.jsonl").write_text("{oops\n")
    with pytest.raises(DataError, match="not JSON"):
        load_task_set(tmp_path / "s")
