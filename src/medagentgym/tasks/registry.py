"""Task families and the registry that finds them.

A :class:`Family` is a generator of tasks: it declares its categories and split sizes and builds
instance ``index`` of a split deterministically from ``(split, seed, index)``. Families register
themselves with :func:`register_family`; the built-in ones are imported lazily on first lookup so
that ``import medagentgym`` stays cheap.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from typing import ClassVar, Protocol

from medagentgym.errors import ConfigError, TaskNotFoundError
from medagentgym.tasks.model import SPLITS, Task, TaskId

BUILTIN_FAMILY_MODULES: dict[str, str] = {
    "demo": "medagentgym.tasks.demo",
    "medcalc": "medagentgym.tasks.medcalc.family",
    "npower": "medagentgym.tasks.npower",
    "mimic_iii": "medagentgym.tasks.ehr.mimic_iii",
    "eicu": "medagentgym.tasks.ehr.eicu",
    "treqs": "medagentgym.tasks.ehr.treqs",
    "ehr_seqsql": "medagentgym.tasks.ehr.ehr_seqsql",
}
"""Family name -> module that registers it. Families add themselves here when they land."""


class Inspector(Protocol):
    """Host-side answers to ``request_info``: schema, column values and fuzzy term search."""

    def schema(self, table: str | None = None) -> str: ...

    def column_values(self, table: str, column: str, limit: int = 20) -> str: ...

    def search(self, term: str, limit: int = 5) -> str: ...


class Family(ABC):
    """A task family: subclasses set the class attributes and implement ``build``."""

    name: ClassVar[str]
    title: ClassVar[str]
    description: ClassVar[str]
    split_sizes: ClassVar[Mapping[str, int]]
    benchmark: ClassVar[bool] = True
    """False for families that exist only for tests and examples (excluded from "all families")."""

    @abstractmethod
    def category_counts(self, split: str) -> dict[str, int]:
        """Return how many instances of each category ``split`` holds (without building them)."""

    @abstractmethod
    def build(self, split: str, index: int, seed: int) -> Task:
        """Build one task; called only with a valid split and index."""

    def inspector(self, task: Task) -> Inspector | None:
        """Return the inspector that answers ``request_info`` for ``task`` (None: not offered)."""
        del task
        return None

    def prepare(self, seed: int = 0) -> None:  # noqa: B027 - optional hook, no-op by default
        """Build expensive data (worlds) ahead of time; by default there is nothing to prepare."""

    def size(self, split: str) -> int:
        self.check_split(split)
        return self.split_sizes[split]

    def check_split(self, split: str) -> None:
        if split not in self.split_sizes:
            raise TaskNotFoundError(
                f"family {self.name!r} has no split {split!r}; it has {', '.join(self.split_sizes)}"
            )

    def task(self, split: str, index: int, seed: int = 0) -> Task:
        """Build instance ``index`` of ``split`` after checking the arguments."""
        size = self.size(split)
        if not 0 <= index < size:
            raise TaskNotFoundError(f"{self.name}/{split} has {size} tasks; index {index} is out of range")
        if seed < 0:
            raise ConfigError(f"seed must be >= 0, got {seed}")
        task = self.build(split, index, seed)
        expected = str(TaskId(self.name, split, seed, index))
        if task.id != expected:
            raise ConfigError(f"family {self.name} built task id {task.id!r}, expected {expected!r}")
        return task

    def tasks(self, split: str, indices: Iterable[int], seed: int = 0) -> list[Task]:
        """Build several tasks of ``split``, in the order of ``indices``.

        One at a time here; a family whose generation waits on a database overrides this to
        build them concurrently.
        """
        return [self.task(split, index, seed) for index in indices]


def round_robin_counts(categories: Sequence[str], size: int) -> dict[str, int]:
    """Category counts when instance ``i`` belongs to ``categories[i % len(categories)]``."""
    return {category: len(range(i, size, len(categories))) for i, category in enumerate(categories)}


_FAMILIES: dict[str, Family] = {}


def register_family(cls: type[Family]) -> type[Family]:
    """Class decorator: instantiate the family and make it findable by name."""
    for attr in ("name", "title", "description", "split_sizes"):
        if not hasattr(cls, attr):
            raise ConfigError(f"family class {cls.__name__} does not set {attr}")
    unknown = set(cls.split_sizes) - set(SPLITS)
    if unknown:
        raise ConfigError(f"family {cls.name} declares unknown splits {sorted(unknown)}")
    _FAMILIES[cls.name] = cls()
    return cls


def get_family(name: str) -> Family:
    """Return a registered family, importing built-in families on demand."""
    if name not in _FAMILIES and name in BUILTIN_FAMILY_MODULES:
        importlib.import_module(BUILTIN_FAMILY_MODULES[name])
    if name not in _FAMILIES:
        known = ", ".join(sorted(set(_FAMILIES) | set(BUILTIN_FAMILY_MODULES)))
        raise TaskNotFoundError(f"unknown task family {name!r}; known families: {known}")
    return _FAMILIES[name]


def all_families(*, include_demo: bool = True) -> list[Family]:
    """Return every family (built-in and registered), benchmark families first."""
    for module in BUILTIN_FAMILY_MODULES.values():
        importlib.import_module(module)
    families = sorted(_FAMILIES.values(), key=lambda f: (not f.benchmark, f.name))
    return [f for f in families if include_demo or f.benchmark]


def get_task(task_id: str) -> Task:
    """Build the task a generated task id names."""
    parts = TaskId.parse(task_id)
    return get_family(parts.family).task(parts.split, parts.index, parts.seed)


def inspector_for(task: Task) -> Inspector | None:
    """The inspector of a task comes from its family (if that family is registered)."""
    try:
        family = get_family(task.family)
    except TaskNotFoundError:
        return None
    return family.inspector(task)
