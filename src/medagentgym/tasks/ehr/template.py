"""Question templates: declarative data shared by every EHR family.

A :class:`Template` is one question type (EHRSQL's ``q_tag``, a TREQS query shape, or an
EHR-SeqSQL episode). It holds one :class:`Step` per question (question pattern, SQL pattern,
answer kind) and the slot specifications that say how an instance is sampled from a world (see
``slots.py``). Patterns are ``str.format`` strings: questions use slot values (``{pid}``,
``{name}``, ``{tg}`` ...); SQL uses bound domains (``{E.src}``, ``{E.named}`` ...), option SQL
(``{agg.sql}``) and the SQL of earlier steps (``{q1}``, ``{q2}``) in multi-step episodes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from medagentgym.errors import ConfigError
from medagentgym.tasks.ehr.results import AnswerKind


@dataclass(frozen=True)
class Step:
    """One question of a template: what is asked, the gold SQL, and the answer's type."""

    question: str
    sql: str
    answer: AnswerKind
    columns: tuple[str, ...] = ()
    """Element kinds of each column, for ``rows`` answers (TableGrader)."""


@dataclass(frozen=True)
class Template:
    """A question type: its steps, how its slots are sampled, and how often it is drawn.

    ``weight`` sets its share of its split (booleans weigh less, so that always answering
    "true" stays near zero overall); ``held_out`` templates appear only in the ``ood`` split;
    ``enumerate`` lists the whole slot space of templates without data slots (all instances are
    used, in the split their hash assigns; their ``slots`` may only bind roles);
    ``allow_zero`` accepts a numeric answer of 0.
    """

    id: str
    category: str
    steps: tuple[Step, ...]
    slots: tuple[Any, ...] = ()
    weight: float = 1.0
    held_out: bool = False
    allow_zero: bool = False
    enumerate: tuple[Mapping[str, Any], ...] | None = None
    worlds: frozenset[str] = field(default_factory=frozenset)
    """Worlds the template applies to (empty: every world of its family)."""

    def __post_init__(self) -> None:
        if not self.steps:
            raise ConfigError(f"template {self.id} has no steps")

    @property
    def boolean(self) -> bool:
        return any(step.answer == "boolean" for step in self.steps)

    def applies_to(self, world: str) -> bool:
        return not self.worlds or world in self.worlds


def Q(  # noqa: N802 - reads as a constructor in the template tables
    id: str,
    category: str,
    question: str,
    sql: str,
    answer: AnswerKind,
    *slots: Any,
    **options: Any,
) -> Template:
    """A single-question template (MIMIC-III, eICU, TREQS)."""
    return Template(id, category, (Step(question, sql, answer),), tuple(slots), **options)
