"""Rendering a sampled instance into question text and SQL (gold and convention variants)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from medagentgym.tasks.ehr.dialect import Bound, Dialect
from medagentgym.tasks.ehr.slots import State
from medagentgym.tasks.ehr.sqltext import NOW, lit
from medagentgym.tasks.ehr.template import Template
from medagentgym.tasks.ehr.timefilters import NO_FILTER


class _Literals:
    """``{L.name}`` in a SQL pattern: the slot's value as a SQL literal."""

    def __init__(self, slots: Mapping[str, Any]) -> None:
        self._slots = slots

    def __getattr__(self, name: str) -> str:
        return lit(self._slots[name])


def _shown(value: Any) -> Any:
    """Numbers as a SQL literal prints them (97.0 -> 97, 0.6 -> 0.6), other values unchanged."""
    return lit(value) if isinstance(value, float) else value


def questions(template: Template, state: State) -> list[str]:
    """The question text of every step (independent of the SQL conventions)."""
    tf = state.tf or NO_FILTER
    context = {key: _shown(value) for key, value in state.slots.items()}
    context.update(
        tg=tf,
        w=state.within or "",
        **{"is": "was" if tf.past else "is", "are": "were" if tf.past else "are"},
    )
    return [step.question.format(**context) for step in template.steps]


def sql(
    template: Template, state: State, dialect: Dialect, *, tiebreak: str = "", clamp: bool = False
) -> list[str]:
    """The SQL of every step; ``tiebreak``/``clamp`` select the conventions (see ``Bound``)."""
    context: dict[str, Any] = dict(state.slots)
    for role, binding in state.roles.items():
        context[role] = Bound(
            dialect,
            binding.domain,
            pid=state.slots.get("pid") if binding.patient else None,
            name=state.slots.get(binding.name_slot) if binding.name_slot else None,
            tf=state.tf if binding.timed else NO_FILTER,
            tiebreak=tiebreak,
            clamp=clamp,
        )
    context.update(
        L=_Literals(state.slots),
        now=lit(NOW),
        W=state.within.sql(clamp=clamp) if state.within else "",
        tb_t1=f", t1.rid {tiebreak}" if tiebreak else "",
    )
    rendered: list[str] = []
    for step in template.steps:
        context.update({f"q{i + 1}": text for i, text in enumerate(rendered)})
        rendered.append(step.sql.format(**context))
    return rendered
