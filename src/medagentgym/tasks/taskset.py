"""Task sets: the sequences of tasks an environment or an evaluation draws from.

A family split is a lazy :class:`FamilyTaskSet` (tasks are built on first access and cached); an
imported or hand-made set is a :class:`ListTaskSet`, which can be saved to and loaded from a
directory. :func:`resolve_tasks` turns what a user typed (a family, a task id or a directory)
into a task set.
"""

from __future__ import annotations

import json
import os
import tempfile
from abc import abstractmethod
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, overload

from medagentgym.errors import DataError, TaskNotFoundError
from medagentgym.tasks.model import Task, TaskId
from medagentgym.tasks.registry import Family, Inspector, get_family, get_task, inspector_for

MANIFEST = "manifest.json"
TASKS_FILE = "tasks.jsonl"


class TaskSet(Sequence[Task]):
    """A named, indexable sequence of tasks."""

    name: str

    def inspector(self, task: Task) -> Inspector | None:
        return inspector_for(task)

    @overload
    def __getitem__(self, index: int) -> Task: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Task]: ...

    def __getitem__(self, index: int | slice) -> Task | Sequence[Task]:
        if isinstance(index, slice):
            return [self.get(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"task set {self.name} has {len(self)} tasks; no index {index}")
        return self.get(index)

    @abstractmethod
    def get(self, index: int) -> Task:
        """Return the task at ``index`` (already bounds-checked)."""

    def find(self, task_id: str) -> Task:
        """Return the task with this id (built from the registry if it is not in the set)."""
        return get_task(task_id)

    def take(self, indices: Iterable[int]) -> list[Task]:
        """The tasks at ``indices``, in order (a family's set builds the missing ones together)."""
        return [self[i] for i in indices]


class FamilyTaskSet(TaskSet):
    """One split of a family, built lazily; keeps the most recently used tasks in memory."""

    def __init__(self, family: Family, split: str, seed: int = 0, cache_size: int = 256) -> None:
        family.check_split(split)
        self.family, self.split, self.seed = family, split, seed
        self.name = f"{family.name}/{split}"
        self._cache: OrderedDict[int, Task] = OrderedDict()
        self._cache_size = cache_size

    def __len__(self) -> int:
        return self.family.size(self.split)

    def get(self, index: int) -> Task:
        if index in self._cache:
            self._cache.move_to_end(index)
            return self._cache[index]
        task = self.family.task(self.split, index, self.seed)
        self._cache[index] = task
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return task

    def take(self, indices: Iterable[int]) -> list[Task]:
        indices = [i + len(self) if i < 0 else i for i in indices]
        for index in indices:
            if not 0 <= index < len(self):
                raise IndexError(f"task set {self.name} has {len(self)} tasks; no index {index}")
        missing = sorted({i for i in indices if i not in self._cache})
        built = dict(zip(missing, self.family.tasks(self.split, missing, self.seed), strict=True))
        return [built[i] if i in built else self.get(i) for i in indices]

    def inspector(self, task: Task) -> Inspector | None:
        return self.family.inspector(task)

    def find(self, task_id: str) -> Task:
        parts = TaskId.parse(task_id)
        if (parts.family, parts.split, parts.seed) == (self.family.name, self.split, self.seed):
            return self[parts.index]
        return get_task(task_id)


class ListTaskSet(TaskSet):
    """An explicit list of tasks (imported, filtered or hand-made)."""

    def __init__(self, tasks: Iterable[Task], name: str = "tasks") -> None:
        self.tasks = list(tasks)
        self.name = name

    def __len__(self) -> int:
        return len(self.tasks)

    def get(self, index: int) -> Task:
        return self.tasks[index]

    def find(self, task_id: str) -> Task:
        for task in self.tasks:
            if task.id == task_id:
                return task
        raise TaskNotFoundError(f"task set {self.name} has no task {task_id!r}")

    def filter(self, split: str | None = None) -> ListTaskSet:
        """Return the tasks of one split (all when ``split`` is None)."""
        if split is None:
            return self
        kept = [t for t in self.tasks if t.split == split]
        if not kept:
            splits = sorted({t.split for t in self.tasks})
            raise TaskNotFoundError(f"task set {self.name} has no {split!r} tasks; it has {splits}")
        return ListTaskSet(kept, f"{self.name}/{split}")


def save_task_set(
    tasks: Iterable[Task], directory: Path, *, name: str, meta: dict[str, Any] | None = None
) -> Path:
    """Write tasks (graders included) to ``directory`` atomically; returns the directory.

    The files contain reference answers: keep the directory away from agents (the sandbox never
    mounts it).
    """
    directory.mkdir(parents=True, exist_ok=True)
    tasks = list(tasks)
    _atomic_write(directory / TASKS_FILE, "".join(json.dumps(t.to_dict()) + "\n" for t in tasks))
    manifest = {"name": name, "count": len(tasks), "format": 1, **(meta or {})}
    _atomic_write(directory / MANIFEST, json.dumps(manifest, indent=2) + "\n")
    return directory


def load_task_set(directory: Path) -> ListTaskSet:
    """Load a directory written by :func:`save_task_set`."""
    manifest_path = directory / MANIFEST
    if not manifest_path.is_file():
        raise DataError(f"{directory} is not a saved task set (no {MANIFEST})")
    manifest = json.loads(manifest_path.read_text())
    tasks = []
    with (directory / TASKS_FILE).open() as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                tasks.append(Task.from_dict(json.loads(line)))
            except json.JSONDecodeError as exc:
                raise DataError(f"{directory / TASKS_FILE}:{number}: not JSON ({exc.msg})") from None
    return ListTaskSet(tasks, manifest.get("name", directory.name))


def resolve_tasks(name: str, split: str | None = None, seed: int = 0) -> TaskSet:
    """Turn a family name, a task id or a saved task-set directory into a task set.

    ``split=None`` means the ``test`` split of a family and every task of a saved set.
    """
    if TaskId.looks_like(name):
        return ListTaskSet([get_task(name)], name)
    path = Path(name).expanduser()
    if (path / MANIFEST).is_file():
        return load_task_set(path).filter(split)
    family = get_family(name)
    return FamilyTaskSet(family, split or "test", seed)


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
