"""Distinct, split-disjoint instances of a family's templates, sampled deterministically.

The split plan (quotas per template, the order of tasks in a split, category counts) is static:
it depends only on the templates and the split sizes, so ``tasks list`` needs no world. An
instance is identified by its question text: a stable hash of it assigns it to ``train`` or
``test`` (held-out templates fill ``ood``), so the splits are disjoint, and to one of the
template's buckets of (about ``BUCKET``, at most ``MAX_BUCKETS`` buckets) consecutive tasks. A
bucket is filled by drawing candidates
from its own random stream, keeping those that hash into it, are new, and have a well-defined
answer. Two tasks can only coincide if they hash into the same bucket, where duplicates are
skipped: every task of a split is distinct, and task ``i`` costs at most one bucket's worth of
sampling, whatever ``i`` is.
"""

from __future__ import annotations

import hashlib
import math
import sqlite3
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from medagentgym.errors import ConfigError, DataError
from medagentgym.tasks.ehr import render
from medagentgym.tasks.ehr.cache import InstanceCache
from medagentgym.tasks.ehr.results import AnswerKind, typed_answer
from medagentgym.tasks.ehr.slots import State, sample_state
from medagentgym.tasks.ehr.template import Template
from medagentgym.tasks.ehr.worldindex import WorldIndex

SPLIT_CODE = {"train": 0, "test": 1, "ood": 2}
BUCKET = 16
MAX_BUCKETS = 8
DRAWS_PER_TASK = 400


def stable_int(*parts: Any) -> int:
    """A 64-bit hash that is the same in every process (unlike ``hash()``)."""
    text = "\x1f".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big")


@dataclass(frozen=True)
class RenderedStep:
    """One question of an instance with its gold SQL and typed reference answer."""

    prompt: str
    sql: str
    answer: AnswerKind
    value: Any
    columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Instance:
    """A template with sampled slots, rendered and answered."""

    template: Template
    steps: tuple[RenderedStep, ...]
    slots: Mapping[str, Any]


class SplitPlan:
    """Which template fills each task index of each split (no world needed)."""

    def __init__(
        self,
        family: str,
        templates: Sequence[Template],
        sizes: Mapping[str, int],
        category_weights: Mapping[str, float] | None = None,
        boolean_share: float = 0.0,
    ) -> None:
        ids = [t.id for t in templates]
        if len(set(ids)) != len(ids):
            raise ConfigError(f"family {family} has duplicate template ids")
        self.family = family
        self.templates = tuple(templates)
        self.sizes = dict(sizes)
        self.category_weights = dict(category_weights or {})
        self.boolean_share = boolean_share
        self._lock = threading.Lock()
        self._layouts: dict[str, list[tuple[Template, int]]] = {}

    def split_of(self, key: str) -> str:
        """``train`` or ``test`` for an instance key (its question text)."""
        return "test" if stable_int(self.family, "split", key) % 2 else "train"

    def bucket_of(self, key: str, buckets: int) -> int:
        return stable_int(self.family, "bucket", key) % buckets

    def boolean_rank(self, template: Template) -> int:
        """The position of a yes/no template among them: the first instances of consecutive
        yes/no templates get opposite answers, so even a few of them are balanced."""
        return [t.id for t in self.templates if t.boolean].index(template.id)

    def members(self, split: str) -> tuple[Template, ...]:
        held_out = split == "ood"
        return tuple(t for t in self.templates if t.held_out == held_out)

    def enumerated(self, template: Template, split: str) -> list[Mapping[str, Any]]:
        """The slot dicts of an enumerated template that belong to ``split``."""
        assert template.enumerate is not None
        if split == "ood":
            return list(template.enumerate)
        return [
            slots
            for slots in template.enumerate
            if self.split_of("\n".join(render.questions(template, State(None, dict(slots))))) == split  # type: ignore[arg-type]
        ]

    @cached_property
    def _quotas(self) -> dict[str, dict[str, int]]:
        return {split: self._allocate(split) for split in self.sizes}

    def quotas(self, split: str) -> dict[str, int]:
        return self._quotas[split]

    def _allocate(self, split: str) -> dict[str, int]:
        size = self.sizes[split]
        members = self.members(split)
        if not members and size:
            raise ConfigError(f"family {self.family} has no templates for split {split}")
        quotas = {t.id: len(self.enumerated(t, split)) for t in members if t.enumerate is not None}
        weighted = [t for t in members if t.enumerate is None]
        remaining = size - sum(quotas.values())
        yes_no = [t for t in weighted if t.boolean] if self.boolean_share else []
        if yes_no:
            share = round(size * self.boolean_share)
            quotas.update(_largest_remainder(share, {t.id: 1.0 for t in yes_no}))
            remaining -= share
            weighted = [t for t in weighted if not t.boolean]
        if remaining < 0 or (remaining and not weighted):
            raise ConfigError(f"family {self.family}: split {split} cannot hold its enumerated templates")
        totals: dict[str, float] = {}
        for t in weighted:
            totals[t.category] = totals.get(t.category, 0.0) + t.weight
        shares = {
            t.id: self.category_weights.get(t.category, 1.0) * t.weight / totals[t.category] for t in weighted
        }
        quotas.update(_largest_remainder(remaining, shares))
        return quotas

    def layout(self, split: str) -> list[tuple[Template, int]]:
        """Task index -> (template, j): templates interleaved smoothly in proportion to quotas.

        Instance ``j`` of a template sits at ``(j + phase) / quota`` of the split, with a phase
        fixed per template, so any evenly spread sample covers the templates proportionally.
        """
        if split not in self._layouts:
            quotas = self.quotas(split)
            entries = [
                ((j + (stable_int(self.family, t.id) % 997 + 0.5) / 997) / quotas[t.id], position, t, j)
                for position, t in enumerate(self.members(split))
                for j in range(quotas.get(t.id, 0))
            ]
            entries.sort(key=lambda e: (e[0], e[1]))
            with self._lock:
                self._layouts[split] = [(t, j) for _, _, t, j in entries]
        return self._layouts[split]

    def category_counts(self, split: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for t in self.members(split):
            counts[t.category] = counts.get(t.category, 0) + self.quotas(split).get(t.id, 0)
        return {k: v for k, v in counts.items() if v}


def _largest_remainder(total: int, shares: Mapping[str, float]) -> dict[str, int]:
    """Split ``total`` into whole numbers proportional to ``shares`` (largest remainders win)."""
    if not shares:
        return {}
    scale = total / sum(shares.values())
    exact = {key: share * scale for key, share in shares.items()}
    floors = {key: math.floor(value) for key, value in exact.items()}
    order = sorted(exact, key=lambda key: (floors[key] - exact[key], key))
    for key in order[: total - sum(floors.values())]:
        floors[key] += 1
    return floors


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(a, list) and isinstance(b, list):
        a, b = sorted(a, key=repr), sorted(b, key=repr)
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


@dataclass
class _Bucket:
    """The instances of one bucket found so far, and where its candidate stream stands."""

    template: Template
    split: str
    number: int
    buckets: int
    size: int
    members: list[Instance] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    draw: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)  # one thread extends it at a time


class InstancePools:
    """Samples and caches the instances of one world (one seed) for a split plan.

    Buckets fill lazily: member ``k`` of a bucket costs the draws up to it, not the whole
    bucket, so the first task of a split is as quick as the thousandth. Threads may sample
    different buckets at the same time; each bucket is extended by one thread at a time, so its
    members come out in the same order whoever asks.
    """

    def __init__(
        self, plan: SplitPlan, index: WorldIndex, seed: int, cache: InstanceCache | None = None
    ) -> None:
        self.plan, self.index, self.seed, self.cache = plan, index, seed, cache
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str, int], _Bucket] = {}

    def instance(self, split: str, index: int) -> Instance:
        template, j = self.plan.layout(split)[index]
        if template.enumerate is not None:
            state = sample_state(self.index, template.slots, np.random.default_rng(0))
            assert state is not None  # enumerated templates only bind roles
            state.slots.update(self.plan.enumerated(template, split)[j])
            found = self._answer(template, state, render.questions(template, state), None)
            if found is None:
                raise DataError(f"template {template.id} has no answer for {state.slots} in this world")
            return found
        quota = self.plan.quotas(split)[template.id]
        buckets = min(math.ceil(quota / BUCKET), MAX_BUCKETS)
        width = math.ceil(quota / buckets)
        number, member = divmod(j, width)
        with self._lock:
            key = (template.id, split, number)
            if key not in self._buckets:
                size = min(width, quota - number * width)
                self._buckets[key] = self._open(_Bucket(template, split, number, buckets, size))
            bucket = self._buckets[key]
        with bucket.lock:
            while len(bucket.members) <= member:
                self._extend(bucket)
            return bucket.members[member]

    def _open(self, bucket: _Bucket) -> _Bucket:
        """Resume a bucket from the cache (members found so far and the stream position)."""
        if self.cache is not None:
            records, bucket.draw = self.cache.load(bucket.template.id, bucket.split, bucket.number)
            bucket.members = [_instance(bucket.template, record) for record in records]
            bucket.seen = {"\n".join(step.prompt for step in m.steps) for m in bucket.members}
        return bucket

    def _extend(self, bucket: _Bucket) -> None:
        """Draw candidates until the bucket has one more member."""
        template, split = bucket.template, bucket.split
        stream = [self.seed, stable_int(template.id), SPLIT_CODE[split], bucket.number]
        limit = DRAWS_PER_TASK * bucket.size
        while bucket.draw < limit:
            draw = bucket.draw
            bucket.draw += 1
            state = sample_state(self.index, template.slots, np.random.default_rng([*stream, draw]))
            if state is None:
                continue
            texts = render.questions(template, state)
            key = "\n".join(texts)
            if key in bucket.seen:
                continue
            if split != "ood" and self.plan.split_of(key) != split:
                continue
            if self.plan.bucket_of(key, bucket.buckets) != bucket.number:
                continue
            position = len(bucket.members)
            target = (position + self.plan.boolean_rank(template)) % 2 == 1 if template.boolean else None
            found = self._answer(template, state, texts, target)
            if found is None:
                continue
            bucket.seen.add(key)
            bucket.members.append(found)
            if self.cache is not None:
                self.cache.save(template.id, split, bucket.number, [(position, _record(found))], bucket.draw)
            return
        raise DataError(
            f"template {template.id} yielded only {len(bucket.members)} of {bucket.size} distinct {split} "
            f"instances in {self.index.db_path.name}; the world may be too small for this split"
        )

    def _run(self, template: Template, text: str) -> list[tuple[Any, ...]]:
        try:
            return self.index.rows(text)
        except sqlite3.Error as exc:
            raise ConfigError(f"template {template.id} renders invalid SQL ({exc}): {text}") from None

    def _answer(
        self, template: Template, state: State, texts: list[str], target: bool | None
    ) -> Instance | None:
        """Run the SQL under both conventions; the instance if every step has one clear answer."""
        dialect = self.index.dialect
        first = render.sql(template, state, dialect, tiebreak="asc")
        second = render.sql(template, state, dialect, tiebreak="desc", clamp=True)
        gold = render.sql(template, state, dialect)
        steps = []
        for i, step in enumerate(template.steps):
            value = typed_answer(step.answer, self._run(template, first[i]), allow_zero=template.allow_zero)
            if value is None:
                return None
            if step.answer == "boolean" and target is not None and value is not target:
                return None
            if second[i] != first[i]:
                other = typed_answer(
                    step.answer, self._run(template, second[i]), allow_zero=template.allow_zero
                )
                if other is None or not _same(value, other):
                    return None
            steps.append(RenderedStep(texts[i], gold[i], step.answer, value, step.columns))
        return Instance(template, tuple(steps), _summary(state))


def _record(instance: Instance) -> dict[str, Any]:
    """An instance as JSON (its template is stored by id)."""
    steps = [[s.prompt, s.sql, s.answer, s.value, list(s.columns)] for s in instance.steps]
    return {"steps": steps, "slots": dict(instance.slots)}


def _instance(template: Template, record: dict[str, Any]) -> Instance:
    steps = tuple(
        RenderedStep(prompt, sql, answer, value, tuple(columns))
        for prompt, sql, answer, value, columns in record["steps"]
    )
    return Instance(template, steps, record["slots"])


def _summary(state: State) -> dict[str, Any]:
    """JSON-serialisable slot values for task metadata."""
    summary = {
        k: v if isinstance(v, int | float | str | bool) or v is None else str(v)
        for k, v in state.slots.items()
    }
    summary["time_filter"] = state.tf.kind
    if state.within is not None:
        summary["within"] = state.within.kind
    return summary
