"""The MedAgentGym environment: a ``gymnasium.Env`` whose observations are chat messages.

``reset`` picks a task and returns the opening conversation (system prompt with the tools, then
the task). ``step`` takes what the model produced (JSON-protocol text, an OpenAI tool call or
assistant message, or a :class:`~medagentgym.models.base.ModelResponse`), runs the requested
actions and returns the messages to append, the reward, ``terminated``, ``truncated`` and
``info``. ``areset``/``astep`` are the asyncio forms, so one process can drive many episodes.

Episode semantics:

* Reward comes only from ``submit_answer``: the grader's score for the current question divided
  by the number of questions, so an episode's rewards sum to its score (0..1).
* ``feedback="final"`` (default): a readable submission is final for its question. With
  ``feedback="retry"`` (the paper's behaviour) the agent is told the answer is wrong and may try
  again within the step budget; rewards then count the improvement of the best score.
* An unreadable submission (wrong type) costs a step and is not final in either mode.
* Every ``step`` call costs one step, including malformed output. The episode is truncated when
  ``max_steps`` are spent or ``time_limit_s`` has passed since reset.

The grader never leaves this process, and the sandbox mounts only the task's resources.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, SupportsFloat

import gymnasium as gym

from medagentgym.env import prompts
from medagentgym.env.actions import ACTION_SPECS
from medagentgym.env.protocol import Call, Turn, parse_turn
from medagentgym.env.spaces import ActionSpace, ChatSpace
from medagentgym.errors import ConfigError, EpisodeError, MedAgentGymError, SandboxError
from medagentgym.models.base import ChatModel, Message
from medagentgym.tasks.graders import Verdict
from medagentgym.tasks.model import Task
from medagentgym.tasks.registry import Inspector
from medagentgym.tasks.taskset import TaskSet, resolve_tasks
from medagentgym.trajectory import Episode, StepRecord

Feedback = Literal["final", "retry"]
Protocol = Literal["json", "tools"]


@dataclass
class _Outcome:
    """What one call did: the text the agent sees, and the grading result if it submitted."""

    text: str
    reward: float = 0.0
    verdict: Verdict | None = None
    exec_s: float = 0.0


@dataclass
class _Pending:
    """A call waiting on I/O. ``work``/``awork`` do the I/O; ``then`` turns the result into an outcome."""

    work: Callable[[], Any]
    awork: Callable[[], Awaitable[Any]]
    then: Callable[[Any], _Outcome]


@dataclass
class _QuestionState:
    best: float = 0.0
    verdict: Verdict | None = None
    submissions: int = 0


@dataclass
class _EpisodeState:
    task: Task
    allowed: frozenset[str]
    inspector: Inspector | None
    record: Episode
    started: float
    question: int = 0
    questions: list[_QuestionState] = field(default_factory=list)
    done: bool = False
    session: Any = None


class MedAgentEnv(gym.Env[list[Message], Any]):
    """A gymnasium environment over a set of MedAgentGym tasks.

    Args:
        tasks: The task set episodes are drawn from (see :func:`make`).
        max_steps: Model turns per episode before truncation.
        time_limit_s: Wall-clock seconds per episode before truncation.
        feedback: ``"final"`` or ``"retry"`` (see the module docstring).
        protocol: Which way of acting the system prompt explains; ``step`` accepts both anyway.
        exec_timeout_s: Wall-clock limit of one code execution.
        max_observation_chars: Observations longer than this keep their head and tail.
        sandbox: A ``medagentgym.sandbox.SandboxPool``; the process-wide default when None.
        stateful: Keep one Python interpreter per episode (variables survive between runs).
        debug_model: The model behind the ``debug`` action; the action is off when None.
        render_mode: ``"ansi"`` renders the transcript as text.
    """

    metadata = {"render_modes": ["ansi"]}  # noqa: RUF012 - gymnasium's convention

    def __init__(
        self,
        tasks: TaskSet,
        *,
        max_steps: int = 15,
        time_limit_s: float = 600.0,
        feedback: Feedback = "final",
        protocol: Protocol = "json",
        exec_timeout_s: float = 30.0,
        max_observation_chars: int = 6000,
        sandbox: Any = None,
        stateful: bool = False,
        debug_model: ChatModel | None = None,
        render_mode: str | None = None,
    ) -> None:
        if len(tasks) == 0:
            raise ConfigError(f"task set {tasks.name} is empty")
        _check_options(
            max_steps=max_steps,
            time_limit_s=time_limit_s,
            feedback=feedback,
            protocol=protocol,
            exec_timeout_s=exec_timeout_s,
            max_chars=max_observation_chars,
        )
        if render_mode not in (None, "ansi"):
            raise ConfigError(f"render_mode must be None or 'ansi', got {render_mode!r}")
        self.tasks = tasks
        self.max_steps = max_steps
        self.time_limit_s = time_limit_s
        self.feedback: Feedback = feedback
        self.protocol: Protocol = protocol
        self.exec_timeout_s = exec_timeout_s
        self.max_observation_chars = max_observation_chars
        self.stateful = stateful
        self.debug_model = debug_model
        self.render_mode = render_mode
        self._sandbox = sandbox
        self._state: _EpisodeState | None = None
        self.observation_space = ChatSpace()
        self.action_space = ActionSpace()

    # ------------------------------------------------------------------ public API

    @property
    def task(self) -> Task:
        return self._require_state().task

    @property
    def messages(self) -> list[Message]:
        """The full conversation of the current episode so far."""
        return self._require_state().record.messages

    @property
    def episode(self) -> Episode:
        """The record of the current (or last) episode."""
        return self._require_state().record

    def options(self) -> dict[str, Any]:
        """The environment settings recorded with every episode."""
        return {
            "max_steps": self.max_steps,
            "time_limit_s": self.time_limit_s,
            "feedback": self.feedback,
            "protocol": self.protocol,
            "exec_timeout_s": self.exec_timeout_s,
            "max_observation_chars": self.max_observation_chars,
            "stateful": self.stateful,
            "debug": self.debug_model.config() if self.debug_model else None,
        }

    def tool_schemas(self) -> list[dict[str, Any]]:
        """OpenAI tool definitions of the actions the current episode allows."""
        return [ACTION_SPECS[a].tool_schema() for a in self._ordered(self._require_state().allowed)]

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[list[Message], dict[str, Any]]:
        """Start an episode.

        ``options`` may name the task: ``{"task_id": ...}`` or ``{"index": i}`` (into the task
        set). Otherwise the task is drawn with the environment's RNG, seeded by ``seed``.
        """
        super().reset(seed=seed)
        self._close_episode()
        task = self._choose_task(options or {})
        inspector = self.tasks.inspector(task) if "request_info" in task.actions else None
        allowed = self._available_actions(task, inspector)
        system = prompts.system_prompt(
            task,
            self._ordered(allowed),
            protocol=self.protocol,
            max_steps=self.max_steps,
            stateful=self.stateful,
        )
        messages: list[Message] = [
            {"role": "system", "content": system},
            {"role": "user", "content": prompts.task_message(task)},
        ]
        record = Episode(
            task_id=task.id,
            family=task.family,
            category=task.category,
            split=task.split,
            env=self.options(),
            messages=messages,
        )
        self._state = _EpisodeState(
            task=task,
            allowed=allowed,
            inspector=inspector,
            record=record,
            started=time.monotonic(),
            questions=[_QuestionState() for _ in task.questions],
        )
        info = {
            "task_id": task.id,
            "family": task.family,
            "category": task.category,
            "split": task.split,
            "num_questions": len(task.questions),
            "actions": self._ordered(allowed),
            "tools": self.tool_schemas(),
            "max_steps": self.max_steps,
        }
        return list(messages), info

    async def areset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[list[Message], dict[str, Any]]:
        """Async form of :meth:`reset` (building a task may touch the disk)."""
        return await asyncio.to_thread(self.reset, seed=seed, options=options)

    def step(self, action: Any) -> tuple[list[Message], SupportsFloat, bool, bool, dict[str, Any]]:
        """Run one model turn; see the module docstring for the semantics."""
        state, turn, began = self._begin(action)
        outcomes = []
        for call in turn.calls:
            result = self._dispatch(state, call)
            if isinstance(result, _Pending):
                result = self._settle(state, lambda p=result: p.then(p.work()))
            outcomes.append(result)
            if state.done:
                break
        return self._finish(state, turn, outcomes, began)

    async def astep(self, action: Any) -> tuple[list[Message], SupportsFloat, bool, bool, dict[str, Any]]:
        """Async form of :meth:`step`: code runs and model calls do not block the event loop."""
        state, turn, began = self._begin(action)
        outcomes = []
        for call in turn.calls:
            result = self._dispatch(state, call)
            if isinstance(result, _Pending):
                try:
                    value = await result.awork()
                except SandboxError as exc:
                    self._fail(state, exc)
                    raise
                result = result.then(value)
            outcomes.append(result)
            if state.done:
                break
        return self._finish(state, turn, outcomes, began)

    def render(self) -> str | None:
        if self.render_mode != "ansi" or self._state is None:
            return None
        return "\n\n".join(f"[{m['role']}]\n{m.get('content') or m.get('tool_calls')}" for m in self.messages)

    def close(self) -> None:
        self._close_episode()
        super().close()

    # ------------------------------------------------------------------ episode plumbing

    def _require_state(self) -> _EpisodeState:
        if self._state is None:
            raise EpisodeError("call reset() before using the environment")
        return self._state

    def _choose_task(self, options: dict[str, Any]) -> Task:
        unknown = set(options) - {"task_id", "index"}
        if unknown:
            raise ConfigError(f"unknown reset options {sorted(unknown)}; use task_id or index")
        if "task_id" in options:
            return self.tasks.find(options["task_id"])
        if "index" in options:
            index = options["index"]
            if not isinstance(index, int) or not 0 <= index < len(self.tasks):
                raise ConfigError(f"index must be an int in [0, {len(self.tasks)}), got {index!r}")
            return self.tasks[index]
        return self.tasks[int(self.np_random.integers(len(self.tasks)))]

    def _available_actions(self, task: Task, inspector: Inspector | None) -> frozenset[str]:
        allowed = set(task.actions)
        if inspector is None:
            allowed.discard("request_info")
        if self.debug_model is None:
            allowed.discard("debug")
        return frozenset(allowed)

    @staticmethod
    def _ordered(actions: frozenset[str]) -> list[str]:
        return [name for name in ACTION_SPECS if name in actions]

    def _begin(self, action: Any) -> tuple[_EpisodeState, Turn, float]:
        state = self._require_state()
        if state.done:
            raise EpisodeError("the episode has ended; call reset() to start a new one")
        began = time.perf_counter()
        turn = parse_turn(action, state.allowed, self.protocol)
        state.record.messages.append(turn.message)
        return state, turn, began

    def _dispatch(self, state: _EpisodeState, call: Call) -> _Outcome | _Pending:
        if not call.ok:
            return _Outcome(f"Error: {call.error}.")
        handler = {
            "request_info": self._request_info,
            "execute_code": self._execute_code,
            "terminal": self._terminal,
            "debug": self._debug,
            "submit_answer": self._submit_answer,
        }[call.name or ""]
        return handler(state, dict(call.params))

    def _settle(self, state: _EpisodeState, run: Callable[[], _Outcome]) -> _Outcome:
        try:
            return run()
        except SandboxError as exc:
            self._fail(state, exc)
            raise

    def _fail(self, state: _EpisodeState, exc: MedAgentGymError) -> None:
        """An infrastructure failure ends the episode without blaming the agent."""
        state.done = True
        state.record.status = "infra_error"
        state.record.termination = "infra_error"
        state.record.error = f"{type(exc).__name__}: {exc}"
        state.record.duration_s = time.monotonic() - state.started
        self._close_session(state)

    def _finish(
        self, state: _EpisodeState, turn: Turn, outcomes: list[_Outcome], began: float
    ) -> tuple[list[Message], float, bool, bool, dict[str, Any]]:
        skipped = len(turn.calls) - len(outcomes)
        if skipped:
            outcomes += [_Outcome("Not executed: the episode ended before this call.")] * skipped
        observations = self._observations(turn, outcomes)
        state.record.messages.extend(observations)
        reward = sum(o.reward for o in outcomes)
        verdicts = [o.verdict for o in outcomes if o.verdict is not None]
        terminated = state.done
        elapsed = time.monotonic() - state.started
        steps_taken = len(state.record.steps) + 1
        truncated = not terminated and (steps_taken >= self.max_steps or elapsed >= self.time_limit_s)
        timings = {
            "env_s": time.perf_counter() - began,
            "exec_s": sum(o.exec_s for o in outcomes),
        }
        errors = [c.error for c in turn.calls if c.error]
        step = StepRecord(
            index=steps_taken - 1,
            style=turn.style,
            raw=turn.raw,
            tool_calls=list(turn.message.get("tool_calls") or []),
            actions=[c.to_record() for c in turn.calls],
            observations=observations,
            reward=reward,
            verdict=verdicts[-1].to_dict() if verdicts else None,
            error="; ".join(errors) if errors else None,
            timings=timings,
            model=_model_record(turn),
        )
        state.record.steps.append(step)
        if terminated or truncated:
            reason = "time_budget" if elapsed >= self.time_limit_s else "step_budget"
            self._end_episode(
                state,
                "completed" if terminated else "truncated",
                "submitted" if terminated else reason,
            )
        info: dict[str, Any] = {
            "step": steps_taken,
            "actions": [c.name for c in turn.calls],
            "errors": errors,
            "verdict": step.verdict,
            "timings": timings,
            "question": min(state.question + 1, len(state.questions)),
        }
        if state.done:
            info["episode"] = state.record
        return observations, reward, terminated, truncated, info

    def _observations(self, turn: Turn, outcomes: list[_Outcome]) -> list[Message]:
        if turn.style == "tools":
            return [
                {"role": "tool", "tool_call_id": call.call_id, "content": outcome.text}
                for call, outcome in zip(turn.calls, outcomes, strict=True)
            ]
        return [{"role": "user", "content": "\n\n".join(o.text for o in outcomes)}]

    def _end_episode(self, state: _EpisodeState, status: str, termination: str) -> None:
        state.done = True
        record = state.record
        record.status = status  # type: ignore[assignment]
        record.termination = termination
        record.verdicts = [q.verdict.to_dict() if q.verdict else None for q in state.questions]
        record.score = sum(q.best for q in state.questions) / len(state.questions)
        record.success = all(q.verdict is not None and q.verdict.correct for q in state.questions)
        record.duration_s = time.monotonic() - state.started
        self._close_session(state)

    def _close_episode(self) -> None:
        if self._state is not None:
            self._close_session(self._state)

    @staticmethod
    def _close_session(state: _EpisodeState) -> None:
        if state.session is not None:
            session, state.session = state.session, None
            session.close()

    def _remaining_s(self, state: _EpisodeState) -> float:
        return max(0.1, self.time_limit_s - (time.monotonic() - state.started))

    def _session(self, state: _EpisodeState) -> Any:
        """The episode's sandbox session, opened on first use with the task's resources."""
        if state.session is None:
            from medagentgym.sandbox import Mount, default_pool

            pool = self._sandbox if self._sandbox is not None else default_pool()
            mounts = [Mount(r.source, r.target) for r in state.task.resources]
            state.session = pool.session(mounts, stateful=self.stateful)
        return state.session

    # ------------------------------------------------------------------ action handlers

    def _request_info(self, state: _EpisodeState, params: dict[str, Any]) -> _Outcome:
        inspector = state.inspector
        assert inspector is not None  # request_info is only allowed with an inspector
        kind = params["info_type"]
        if kind == "schema":
            text = inspector.schema(params.get("table"))
        elif kind == "column_values":
            if not params.get("table") or not params.get("column"):
                return _Outcome("Error: column_values needs both table and column.")
            text = inspector.column_values(params["table"], params["column"])
        else:
            if not params.get("term"):
                return _Outcome("Error: a term search needs the term parameter.")
            text = inspector.search(params["term"])
        return _Outcome(prompts.truncate(text, self.max_observation_chars))

    def _run_code(self, state: _EpisodeState, kind: str, source: str) -> _Pending:
        timeout = min(self.exec_timeout_s, self._remaining_s(state))

        def work() -> Any:
            session = self._session(state)
            run = session.run_python if kind == "python" else session.run_shell
            return run(source, timeout_s=timeout)

        async def awork() -> Any:
            session = (
                await asyncio.to_thread(self._session, state) if state.session is None else state.session
            )
            run = session.arun_python if kind == "python" else session.arun_shell
            return await run(source, timeout_s=timeout)

        def then(result: Any) -> _Outcome:
            text = prompts.format_execution(result, self.max_observation_chars)
            return _Outcome(text, exec_s=float(getattr(result, "duration_s", 0.0)))

        return _Pending(work, awork, then)

    def _execute_code(self, state: _EpisodeState, params: dict[str, Any]) -> _Pending:
        return self._run_code(state, "python", params["code"])

    def _terminal(self, state: _EpisodeState, params: dict[str, Any]) -> _Pending:
        return self._run_code(state, "shell", params["command"])

    def _debug(self, state: _EpisodeState, params: dict[str, Any]) -> _Pending:
        model = self.debug_model
        assert model is not None  # debug is only allowed with a model
        question = state.task.questions[state.question].prompt
        messages: list[Message] = [
            {
                "role": "system",
                "content": "You explain Python errors to a data scientist in a few sentences, and say how to fix them.",
            },
            {
                "role": "user",
                "content": f"Task: {question}\n\nCode:\n{params['code']}\n\nError:\n{params['error']}",
            },
        ]

        def then(response: Any) -> _Outcome:
            if isinstance(response, Exception):
                return _Outcome(f"The debug assistant is unavailable: {response}")
            return _Outcome(prompts.truncate(response.content or "", self.max_observation_chars))

        def work() -> Any:
            try:
                return model.complete(messages, temperature=0.0)
            except MedAgentGymError as exc:
                return exc

        async def awork() -> Any:
            try:
                return await model.acomplete(messages, temperature=0.0)
            except MedAgentGymError as exc:
                return exc

        return _Pending(work, awork, then)

    def _submit_answer(self, state: _EpisodeState, params: dict[str, Any]) -> _Outcome | _Pending:
        question = state.task.questions[state.question]
        answer = params["answer"]
        if not question.grader.needs_runner:
            return self._record_verdict(state, question.grader.grade(answer))

        def grade() -> Verdict:
            from medagentgym.sandbox import Mount, default_pool

            pool = self._sandbox if self._sandbox is not None else default_pool()
            mounts = [Mount(r.source, r.target) for r in state.task.resources]
            with pool.session(mounts) as session:  # a fresh scratch: the agent's files cannot interfere
                return question.grader.grade(answer, session)

        return _Pending(grade, lambda: asyncio.to_thread(grade), lambda v: self._record_verdict(state, v))

    def _record_verdict(self, state: _EpisodeState, verdict: Verdict) -> _Outcome:
        qstate = state.questions[state.question]
        total = len(state.questions)
        if not verdict.parsed:
            left = self.max_steps - len(state.record.steps) - 1
            return _Outcome(
                f"{verdict.message} Submit again in the requested form ({left} steps left).",
                verdict=verdict,
            )
        qstate.submissions += 1
        improvement = max(0.0, verdict.score - qstate.best)
        qstate.best = max(qstate.best, verdict.score)
        if qstate.verdict is None or verdict.score >= qstate.verdict.score:
            qstate.verdict = verdict
        reward = improvement / total
        final = verdict.correct or self.feedback == "final"
        if not final:
            left = self.max_steps - len(state.record.steps) - 1
            return _Outcome(f"{verdict.message} You may try again ({left} steps left).", reward, verdict)
        text = verdict.message if self.feedback == "retry" else "Answer recorded."
        state.question += 1
        if state.question >= total:
            state.done = True
            return _Outcome(text, reward, verdict)
        following = state.task.questions[state.question]
        text += "\n\n" + prompts.question_text(following, state.question + 1, total)
        return _Outcome(text, reward, verdict)


def _model_record(turn: Turn) -> dict[str, Any] | None:
    if turn.response is None:
        return None
    record = turn.response.usage_record()
    tokens = turn.response.token_record()
    if tokens is not None:
        record.update(tokens)
    return record


def _check_options(
    *,
    max_steps: int,
    time_limit_s: float,
    feedback: str,
    protocol: str,
    exec_timeout_s: float,
    max_chars: int,
) -> None:
    if not isinstance(max_steps, int) or max_steps < 1:
        raise ConfigError(f"max_steps must be a positive integer, got {max_steps!r}")
    if time_limit_s <= 0 or exec_timeout_s <= 0:
        raise ConfigError("time_limit_s and exec_timeout_s must be positive")
    if feedback not in ("final", "retry"):
        raise ConfigError(f"feedback must be 'final' or 'retry', got {feedback!r}")
    if protocol not in ("json", "tools"):
        raise ConfigError(f"protocol must be 'json' or 'tools', got {protocol!r}")
    if max_chars < 200:
        raise ConfigError(f"max_observation_chars must be at least 200, got {max_chars}")


def make(name: str, split: str | None = None, *, seed: int = 0, **options: Any) -> MedAgentEnv:
    """Create an environment for a family, a task id or a saved task-set directory.

    ``split`` defaults to ``test`` for a family and to every task of a saved task set.

    Example::

        env = medagentgym.make("mimic_iii", split="test")
        messages, info = env.reset(seed=0)
        messages, reward, terminated, truncated, info = env.step('{"action": ...}')
    """
    return MedAgentEnv(resolve_tasks(name, split, seed), **options)
