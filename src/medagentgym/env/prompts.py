"""The text the agent reads: the system prompt, the task message and observations.

Prompts are kept short (small models have small context windows) and say exactly how to act,
what data exists where, and what form the answer must take. They never contain the answer.
"""

from __future__ import annotations

from collections.abc import Sequence

from medagentgym.env.actions import ACTION_SPECS
from medagentgym.tasks.model import Question, Resource, Task

ROLE = "You are an expert biomedical data scientist. You solve tasks by writing and running Python code."

JSON_PROTOCOL = """\
Act by replying with exactly one JSON object per message and nothing else:
{{"action": "<action name>", "params": {{<parameters>}}}}

Actions:
{actions}"""

TOOLS_PROTOCOL = "Act by calling exactly one of the provided tools per message."

RULES = """\
Rules:
- Inspect the data before you answer; print only what you need (outputs are truncated).
- Scripts run in a fresh Python process each time; files you write to the working directory persist.
- There is no network. The data files are read-only.
- When you know the answer, call submit_answer with it in the requested form.
- You have at most {max_steps} actions."""


def system_prompt(
    task: Task, actions: Sequence[str], *, protocol: str, max_steps: int, stateful: bool = False
) -> str:
    """Build the system prompt for ``task`` with the actions this episode allows."""
    parts = [ROLE]
    if protocol == "json":
        lines = [f"- {ACTION_SPECS[a].signature()}: {ACTION_SPECS[a].description}" for a in actions]
        parts.append(JSON_PROTOCOL.format(actions="\n".join(lines)))
    else:
        parts.append(TOOLS_PROTOCOL)
    if task.resources:
        parts.append(describe_resources(task.resources))
    rules = RULES.format(max_steps=max_steps)
    if stateful:
        rules = rules.replace(
            "Scripts run in a fresh Python process each time",
            "Variables persist between your scripts (one Python session per episode)",
        )
    parts.append(rules)
    return "\n\n".join(parts)


def describe_resources(resources: Sequence[Resource]) -> str:
    lines = ["Data (read-only):"]
    lines += [f"- {r.target}: {r.description}" for r in resources]
    return "\n".join(lines)


def question_text(question: Question, number: int, total: int) -> str:
    """The text of one question with its answer form (numbered when the task has several)."""
    header = f"Question {number} of {total}:\n" if total > 1 else ""
    return f"{header}{question.prompt}\n\nAnswer format: {question.grader.answer_format()}."


def task_message(task: Task) -> str:
    """The first user message: the task's context, then its first question."""
    parts = []
    if task.multi_turn:
        parts.append(
            f"This task has {len(task.questions)} questions, asked one at a time; later questions "
            "may refer to earlier ones. Submit an answer to each with submit_answer."
        )
    if task.context:
        parts.append(task.context)
    parts.append(question_text(task.questions[0], 1, len(task.questions)))
    return "\n\n".join(parts)


def truncate(text: str, limit: int) -> str:
    """Keep the head and tail of long text with a marker saying how much was cut."""
    if len(text) <= limit:
        return text
    head = limit * 2 // 3
    tail = limit - head
    cut = len(text) - head - tail
    return f"{text[:head]}\n[... {cut:,} characters omitted ...]\n{text[-tail:]}"


def format_execution(result: object, limit: int) -> str:
    """Render a sandbox result for the agent: output first, then status when it matters."""
    stdout = getattr(result, "stdout", "")
    stderr = getattr(result, "stderr", "")
    parts = []
    if stdout:
        parts.append(stdout.rstrip("\n"))
    if stderr:
        parts.append(f"[stderr]\n{stderr.rstrip()}")
    if getattr(result, "timed_out", False):
        parts.append(f"[timed out after {getattr(result, 'duration_s', 0):.1f} s; the process was killed]")
    elif getattr(result, "signal", None):
        parts.append(f"[killed by signal {result.signal}; a memory or process limit may have been hit]")  # type: ignore[attr-defined]
    elif getattr(result, "exit_code", 0) not in (0, None):
        parts.append(f"[exit code {result.exit_code}]")  # type: ignore[attr-defined]
    if getattr(result, "truncated", False):
        parts.append("[output was truncated by the sandbox]")
    text = "\n".join(parts) if parts else "[no output]"
    return truncate(text, limit)
