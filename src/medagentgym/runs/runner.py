"""The evaluation runner: play every (task, sample) pair of a plan with a pool of async workers.

* Each worker owns one environment and plays one episode at a time; ``concurrency`` workers run
  at once, so model calls of different episodes overlap (and batch, for local models).
* Every attempt is appended to the run's ``episodes.jsonl`` as soon as it ends. A rerun skips
  pairs that already have a final outcome, so an interrupted run (even by kill -9) resumes.
* An infrastructure error (the model API failed after its own retries, the sandbox broke) is
  recorded, counted apart from the model's failures, and the pair is put back at the end of the
  queue, up to ``infra_retries`` more times. A harness fault (an unexpected exception: a bug, a
  missing component) is recorded and counted the same way but not replayed in the same run,
  since it would most likely fail again; a rerun of the command retries it.
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from itertools import chain, zip_longest
from pathlib import Path
from typing import Any, Literal, Protocol

from medagentgym.agents.base import Agent
from medagentgym.env.environment import MedAgentEnv
from medagentgym.errors import ConfigError, EpisodeError
from medagentgym.runs.episode import run_episode
from medagentgym.runs.metrics import grouped, summarize
from medagentgym.runs.store import RunStore
from medagentgym.runs.validate import spread_indices
from medagentgym.tasks.model import Task
from medagentgym.tasks.registry import all_families
from medagentgym.tasks.taskset import ListTaskSet, resolve_tasks
from medagentgym.trajectory import Episode, EpisodeWriter


@dataclass(frozen=True)
class EvalSettings:
    """Everything that decides what an evaluation plays (the model backend's options aside)."""

    model: str = "local:default"
    families: tuple[str, ...] = ("all",)
    split: str = "test"
    limit: int | None = None
    samples: int = 1
    seed: int = 0
    concurrency: int = 4
    max_steps: int = 15
    time_limit_s: float = 600.0
    feedback: Literal["final", "retry"] = "final"
    protocol: Literal["json", "tools"] = "json"
    temperature: float = 0.0
    top_p: float | None = None
    max_tokens: int | None = None
    infra_retries: int = 2
    extra_identity: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.samples < 1 or self.concurrency < 1 or self.max_steps < 1:
            raise ConfigError("--samples, --concurrency and --max-steps must be at least 1")
        if self.limit is not None and self.limit < 1:
            raise ConfigError(f"--limit must be at least 1, got {self.limit}")
        if self.infra_retries < 0:
            raise ConfigError("--infra-retries must not be negative")
        if not self.families:
            raise ConfigError("name at least one family (or 'all')")

    def identity(self) -> dict[str, Any]:
        """The settings a resumed run must share with the stored one."""
        keys = ("model", "split", "seed", "max_steps", "time_limit_s", "feedback", "protocol")
        keys += ("temperature", "top_p", "max_tokens")
        return {**{k: getattr(self, k) for k in keys}, **self.extra_identity}

    def env_options(self) -> dict[str, Any]:
        return {
            "max_steps": self.max_steps,
            "time_limit_s": self.time_limit_s,
            "feedback": self.feedback,
            "protocol": self.protocol,
        }


@dataclass(frozen=True)
class WorkItem:
    task: Task
    sample: int

    @property
    def key(self) -> tuple[str, int]:
        return (self.task.id, self.sample)


class ProgressSink(Protocol):
    """What the runner reports while it works (the CLI draws a progress bar from it)."""

    def start(self, total: int, finished: Sequence[Episode]) -> None: ...

    def episode_done(self, episode: Episode, final: bool) -> None: ...


def family_names(names: Iterable[str]) -> list[str]:
    """Expand ``all`` into the benchmark families installed (the demo family when there are none)."""
    expanded: list[str] = []
    for name in names:
        if name == "all":
            benchmark = [f.name for f in all_families(include_demo=False)]
            expanded += benchmark or ["demo"]
        else:
            expanded.append(name)
    return list(dict.fromkeys(expanded))


def select_tasks(names: Iterable[str], split: str, limit: int | None, seed: int) -> list[Task]:
    """The tasks of each family (up to ``limit``, spread evenly over its categories), task id or
    saved task-set directory; families are interleaved so early progress covers all of them."""
    per_source = []
    for name in family_names(names):
        tasks = resolve_tasks(name, split, seed)
        indices = spread_indices(len(tasks), limit) if limit else range(len(tasks))
        per_source.append(tasks.take(indices))
    interleaved = chain.from_iterable(zip_longest(*per_source))
    return list({t.id: t for t in interleaved if t is not None}.values())


def plan(settings: EvalSettings) -> list[WorkItem]:
    """Every (task, sample) pair, sample 0 of every task first."""
    tasks = select_tasks(settings.families, settings.split, settings.limit, settings.seed)
    return [WorkItem(task, sample) for sample in range(settings.samples) for task in tasks]


class _PlannedTasks(ListTaskSet):
    """The plan's tasks, found by id in constant time."""

    def __init__(self, tasks: Sequence[Task]) -> None:
        super().__init__(tasks, "plan")
        self._by_id = {t.id: t for t in tasks}

    def find(self, task_id: str) -> Task:
        return self._by_id[task_id]


async def play(
    items: Sequence[WorkItem],
    agent: Agent,
    writer: EpisodeWriter,
    settings: EvalSettings,
    sink: ProgressSink | None = None,
) -> None:
    """Play ``items`` with ``settings.concurrency`` workers, writing every attempt."""
    if not items:
        return
    tasks = _PlannedTasks(list({i.task.id: i.task for i in items}.values()))
    queue: asyncio.Queue[tuple[WorkItem, int]] = asyncio.Queue()
    for item in items:
        queue.put_nowait((item, 0))

    async def worker() -> None:
        env = MedAgentEnv(tasks, **settings.env_options())
        try:
            while not queue.empty():
                item, attempt = queue.get_nowait()
                episode = await _play_one(env, agent, item, settings.seed)
                episode.extra["attempt"] = attempt
                await asyncio.to_thread(writer.write, episode)
                retryable = episode.status == "infra_error" and episode.termination != "harness_error"
                again = retryable and attempt < settings.infra_retries
                if again:
                    queue.put_nowait((item, attempt + 1))
                if sink is not None:
                    sink.episode_done(episode, final=not again)
        finally:
            env.close()

    await asyncio.gather(*(worker() for _ in range(min(settings.concurrency, len(items)))))


async def _play_one(env: MedAgentEnv, agent: Agent, item: WorkItem, seed: int) -> Episode:
    previous = _current_episode(env)
    try:
        return await run_episode(env, agent, task_id=item.task.id, sample=item.sample, seed=seed)
    except Exception as exc:  # a harness fault (a bug, a missing component): recorded, never fatal
        current = _current_episode(env)
        return _harness_failure(env, agent, item, exc, current if current is not previous else None)


def _current_episode(env: MedAgentEnv) -> Episode | None:
    try:
        return env.episode
    except EpisodeError:  # no episode yet
        return None


def _harness_failure(
    env: MedAgentEnv, agent: Agent, item: WorkItem, exc: Exception, episode: Episode | None
) -> Episode:
    """Record a faulted episode: its partial record, or a new one if it failed before it began."""
    if episode is None:
        task = item.task
        episode = Episode(task.id, task.family, task.category, task.split, env=env.options())
    episode.sample = item.sample
    episode.agent = agent.config()
    episode.model = dict(episode.agent.get("model") or {})
    episode.status = "infra_error"
    episode.termination = "harness_error"
    episode.error = f"{type(exc).__name__}: {exc}"
    episode.extra["traceback"] = traceback.format_exc()
    env.close()
    return episode


def contract_summary(finals: Sequence[Episode]) -> dict[str, Any]:
    """The ``--json`` result of ``medagentgym eval`` (a documented, stable shape)."""
    overall = summarize(finals)
    families = grouped(finals, lambda e: e.family)
    return {
        "episodes": len(finals),
        "success_rate": overall["success_rate"],
        "infra_errors": overall["infra_errors"],
        "by_family": {
            name: {"n": s["n"], "success_rate": s["success_rate"], "ci95": s["ci95"]}
            for name, s in families.items()
        },
        "pass_at_k": overall["pass_at_k"],
    }


def evaluate(
    settings: EvalSettings,
    agent: Agent,
    out: Path,
    *,
    label: str | None = None,
    argv: Sequence[str] = (),
    sink: ProgressSink | None = None,
) -> dict[str, Any]:
    """Run (or resume) an evaluation into ``out`` and return :func:`contract_summary` of its plan."""
    if getattr(agent, "protocol", settings.protocol) != settings.protocol:
        raise ConfigError(
            f"the agent acts with protocol {agent.protocol!r} but the run uses {settings.protocol!r}"
        )
    items = plan(settings)
    store = RunStore(out)
    invocation = store.begin(
        settings.identity(),
        {
            "settings": {**asdict(settings), "families": list(settings.families)},
            "label": label or settings.model,
            "agent": agent.config(),
            "invocation": {"argv": list(argv), "planned": len(items)},
        },
    )
    finished = {key: e for key, e in store.final().items() if e.status != "infra_error"}
    todo = [i for i in items if i.key not in finished]
    if sink is not None:
        sink.start(len(items), [finished[i.key] for i in items if i.key in finished])
    with store.writer() as writer:
        asyncio.run(_probe_then_play(todo, agent, writer, settings, sink))
    finals = store.final()
    summary = contract_summary([finals[i.key] for i in items if i.key in finals])
    store.end(invocation, {"played": len(todo), "summary": summary})
    return summary


async def _probe_then_play(
    items: Sequence[WorkItem],
    agent: Agent,
    writer: EpisodeWriter,
    settings: EvalSettings,
    sink: ProgressSink | None,
) -> None:
    model = getattr(agent, "model", None)
    try:
        if items and hasattr(model, "aprobe"):
            await model.aprobe()  # an unreachable server or a rejected key: one clear error, not N failures
        await play(items, agent, writer, settings, sink)
    finally:
        if hasattr(model, "aclose"):
            await model.aclose()  # HTTP clients must close inside the loop that opened them
