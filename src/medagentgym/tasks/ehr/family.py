"""The generic EHR family: templates + a world + a split plan = deterministic tasks.

MIMIC-III, eICU, TREQS and EHR-SeqSQL are instances of :class:`EhrFamily` that differ only in
data (their dialect, templates, split sizes and context text). A family instance builds its
world on first use (one per seed; ``n_patients`` picks a smaller world, for tests), samples
instances through :class:`~medagentgym.tasks.ehr.instances.InstancePools` and turns each into a
:class:`~medagentgym.tasks.model.Task` whose questions carry typed graders and oracle code.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

from medagentgym.tasks.ehr.cache import InstanceCache, fingerprint
from medagentgym.tasks.ehr.dialect import Dialect
from medagentgym.tasks.ehr.instances import Instance, InstancePools, SplitPlan
from medagentgym.tasks.ehr.results import grader_for, oracle_code
from medagentgym.tasks.ehr.template import Template
from medagentgym.tasks.ehr.worldindex import WorldIndex
from medagentgym.tasks.inspect import inspector_for_db
from medagentgym.tasks.model import DATA_ACTIONS, Oracle, Question, Resource, Task, TaskId
from medagentgym.tasks.registry import Family, Inspector

_CHUNKS_PER_THREAD = 8

CONVENTIONS = (
    'Conventions: the current time is 2105-12-31 23:59:00 ("now", "this year", "today", "current"). '
    "A patient whose hospital (or ICU) discharge time is empty is still admitted (current); the first or "
    "last hospital or ICU visit means the first or last one already discharged. Durations are fractional "
    '(hours or days between timestamps). "Top N" ranks items by how many records they have, with ties '
    "sharing a rank (so more than N items may qualify). When several values answer a question, give all "
    "of them as a list (order does not matter)."
)


def world_resources(world: Any) -> tuple[Resource, ...]:
    """The read-only mounts of a world: its SQLite database and its directory of CSV files."""
    tables = ", ".join(world.tables)
    return (
        Resource(Path(world.db_path), f"/data/{world.name}.db", f"SQLite database with tables {tables}"),
        Resource(Path(world.csv_dir), "/data/csv", "the same tables as CSV files, one per table"),
    )


class EhrFamily(Family):
    """A family of EHR questions over one synthetic world; subclasses supply the data."""

    world_name: ClassVar[str]
    dialect: ClassVar[Dialect]
    templates: ClassVar[tuple[Template, ...]]
    category_weights: ClassVar[Mapping[str, float]] = {}
    boolean_share: ClassVar[float] = 0.0
    """Share of each split given to yes/no questions (answered true or false equally often)."""
    context: ClassVar[str] = CONVENTIONS

    def __init__(self, n_patients: int | None = None) -> None:
        self.n_patients = n_patients
        self._lock = threading.Lock()
        self._worlds: dict[int, Any] = {}
        self._pools: dict[int, InstancePools] = {}
        self._inspectors: dict[Path, Inspector] = {}

    @cached_property
    def plan(self) -> SplitPlan:
        templates = [t for t in self.templates if t.applies_to(self.world_name)]
        return SplitPlan(self.name, templates, self.split_sizes, self.category_weights, self.boolean_share)

    def category_counts(self, split: str) -> dict[str, int]:
        return self.plan.category_counts(split)

    def world(self, seed: int = 0) -> Any:
        """The world of ``seed`` (built on first use, then cached on disk and here)."""
        with self._lock:
            if seed not in self._worlds:
                from medagentgym.worlds import build_world

                self._worlds[seed] = build_world(self.world_name, seed=seed, n_patients=self.n_patients)
            return self._worlds[seed]

    def prepare(self, seed: int = 0) -> None:
        self.world(seed)

    def pools(self, seed: int) -> InstancePools:
        """The instance sampler of a seed's world, with its persistent cache."""
        world = self.world(seed)
        with self._lock:
            if seed not in self._pools:
                key = fingerprint(self.name, self.split_sizes, seed)
                cache = InstanceCache.for_world(self.name, Path(world.root).name, key)
                index = WorldIndex(self.dialect, Path(world.db_path))
                self._pools[seed] = InstancePools(self.plan, index, seed, cache)
            return self._pools[seed]

    def tasks(self, split: str, indices: Iterable[int], seed: int = 0) -> list[Task]:
        """Build tasks on one thread per core: most of the time goes to SQLite, which runs
        without the GIL, and instances of different buckets are sampled independently."""
        indices = list(indices)
        workers = min(len(indices), os.cpu_count() or 1)
        if workers <= 1:
            return super().tasks(split, indices, seed)
        self.pools(seed)  # build or open the world once, before the threads need it
        # A few chunks per thread: balanced enough for slow SQL, and cheap when every task is
        # cached already (a hand-off per task would cost more than building it).
        size = -(-len(indices) // (_CHUNKS_PER_THREAD * workers))
        chunks = [indices[start : start + size] for start in range(0, len(indices), size)]
        with ThreadPoolExecutor(workers, thread_name_prefix=f"{self.name}-tasks") as executor:
            built = executor.map(lambda chunk: [self.task(split, i, seed) for i in chunk], chunks)
            return [task for chunk in built for task in chunk]

    def build(self, split: str, index: int, seed: int) -> Task:
        instance = self.pools(seed).instance(split, index)
        return self.make_task(instance, TaskId(self.name, split, seed, index), self.world(seed))

    def make_task(self, instance: Instance, task_id: TaskId, world: Any) -> Task:
        resources = world_resources(world)
        db_target = resources[0].target
        questions = tuple(
            Question(
                step.prompt,
                grader_for(step.answer, step.value, step.columns),
                Oracle(code=oracle_code(db_target, step.sql, step.answer)),
            )
            for step in instance.steps
        )
        return Task(
            id=str(task_id),
            family=self.name,
            category=instance.template.category,
            split=task_id.split,
            questions=questions,
            context=self.context,
            resources=resources,
            actions=DATA_ACTIONS,
            metadata={
                "template": instance.template.id,
                "world": world.name,
                "sql": [step.sql for step in instance.steps],
                "answer_kinds": [step.answer for step in instance.steps],
                "slots": dict(instance.slots),
            },
        )

    def inspector(self, task: Task) -> Inspector | None:
        """The world's inspector when the task uses one of our worlds, else a generic one."""
        db = next((r.source for r in task.resources if r.target.endswith(".db")), None)
        if db is None:
            return None
        with self._lock:
            if db not in self._inspectors:
                world = next((w for w in self._worlds.values() if Path(w.db_path) == Path(db)), None)
                if world is not None:
                    from medagentgym.worlds import WorldInspector

                    self._inspectors[db] = WorldInspector(world)
                else:
                    self._inspectors[db] = inspector_for_db(Path(db))
            return self._inspectors[db]
