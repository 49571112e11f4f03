"""The actions an agent can take, defined once.

Each :class:`ActionSpec` yields the OpenAI tool schema shown to tool-calling models, the line
describing it in the JSON-protocol prompt, and the validation of its parameters. Validation errors
are :class:`ProtocolError` s whose message tells the model exactly what to fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

ParamType = Literal["string", "any"]


class ProtocolError(ValueError):
    """A model output that is not a valid action; the message is shown to the model."""


@dataclass(frozen=True)
class Param:
    name: str
    type: ParamType
    description: str
    required: bool = True
    choices: tuple[str, ...] = ()

    def schema(self) -> dict[str, Any]:
        if self.type == "any":
            schema: dict[str, Any] = {
                "type": ["string", "number", "integer", "boolean", "array", "object", "null"]
            }
        else:
            schema = {"type": self.type}
        if self.choices:
            schema["enum"] = list(self.choices)
        return {**schema, "description": self.description}


@dataclass(frozen=True)
class ActionSpec:
    name: str
    description: str
    params: tuple[Param, ...]
    aliases: tuple[str, ...] = ()

    def tool_schema(self) -> dict[str, Any]:
        """The OpenAI ``tools`` entry for this action."""
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": {
                    "type": "object",
                    "properties": {p.name: p.schema() for p in self.params},
                    "required": [p.name for p in self.params if p.required],
                    "additionalProperties": False,
                },
            },
        }

    def signature(self) -> str:
        """One line for the JSON-protocol prompt, e.g. ``execute_code(code)``."""
        parts = [p.name if p.required else f"{p.name}?" for p in self.params]
        return f"{self.name}({', '.join(parts)})"

    def validate(self, params: Any) -> dict[str, Any]:
        """Check parameters against the spec and return them; raise ProtocolError otherwise."""
        if not isinstance(params, Mapping):
            raise ProtocolError(f'"params" of {self.name} must be a JSON object, got {type(params).__name__}')
        known = {p.name: p for p in self.params}
        extra = sorted(set(params) - set(known))
        if extra:
            raise ProtocolError(
                f"{self.name} got unknown parameter(s) {', '.join(extra)}; "
                f"its parameters are: {', '.join(known) or 'none'}"
            )
        missing = [p.name for p in self.params if p.required and p.name not in params]
        if missing:
            raise ProtocolError(f"{self.name} is missing required parameter(s): {', '.join(missing)}")
        for name, value in params.items():
            param = known[name]
            if param.type == "string" and not isinstance(value, str):
                raise ProtocolError(
                    f"parameter {name} of {self.name} must be a string, got {type(value).__name__}"
                )
            if param.choices and value not in param.choices:
                raise ProtocolError(
                    f"parameter {name} of {self.name} must be one of {', '.join(param.choices)}, got {value!r}"
                )
        return dict(params)


REQUEST_INFO = ActionSpec(
    name="request_info",
    description=(
        "Look up the task's data without writing code: the schema of a table (or of all tables), "
        "the distinct values of a column, or a fuzzy search for a term (a drug, a lab test, a "
        "diagnosis...) across all text values."
    ),
    params=(
        Param("info_type", "string", "What to look up.", choices=("schema", "column_values", "term")),
        Param(
            "table",
            "string",
            "Table name (for schema of one table, and for column_values).",
            required=False,
        ),
        Param("column", "string", "Column name (for column_values).", required=False),
        Param("term", "string", "The term to search for (for term).", required=False),
    ),
)

EXECUTE_CODE = ActionSpec(
    name="execute_code",
    description=(
        "Run a self-contained Python script in the sandbox and see its stdout and stderr. "
        "Print what you need to see. Files written to the current directory persist for the "
        "rest of the episode; the task's data is read-only."
    ),
    params=(Param("code", "string", "The complete Python script to run."),),
    aliases=("validate_code", "code_execution"),
)

TERMINAL = ActionSpec(
    name="terminal",
    description="Run a shell command in the sandbox (no network) and see its output.",
    params=(Param("command", "string", "The shell command line."),),
)

DEBUG = ActionSpec(
    name="debug",
    description="Ask an assistant model to explain an error in your code in plain words.",
    params=(
        Param("code", "string", "The code that failed."),
        Param("error", "string", "The error message or traceback."),
    ),
    aliases=("debugging",),
)

SUBMIT_ANSWER = ActionSpec(
    name="submit_answer",
    description=(
        "Submit your final answer to the current question. Use a JSON value of the requested "
        "form (a number, a string, true/false, or a list)."
    ),
    params=(Param("answer", "any", "The answer, in the form the question asks for."),),
    aliases=("submit", "answer", "final_answer"),
)

ACTION_SPECS: dict[str, ActionSpec] = {
    spec.name: spec for spec in (REQUEST_INFO, EXECUTE_CODE, TERMINAL, DEBUG, SUBMIT_ANSWER)
}
_ALIASES = {alias: spec.name for spec in ACTION_SPECS.values() for alias in (spec.name, *spec.aliases)}


def canonical_action(name: Any) -> str:
    """Map an action name or alias to its canonical name; raise ProtocolError if unknown."""
    if not isinstance(name, str) or not name.strip():
        raise ProtocolError(f'"action" must be a non-empty string naming one of: {", ".join(ACTION_SPECS)}')
    canonical = _ALIASES.get(name.strip())
    if canonical is None:
        raise ProtocolError(f"unknown action {name!r}; available actions: {', '.join(ACTION_SPECS)}")
    return canonical
