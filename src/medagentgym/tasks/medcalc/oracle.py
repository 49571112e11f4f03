"""Oracle snippets: self-contained Python that recomputes a task's answer in the sandbox.

The snippet holds the values read from the note (in the formula's units) and the source of the
calculator's formula together with every helper and constant it uses, so it needs nothing but the
standard library. It prints the answer as JSON on its last line.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable, Mapping
from typing import Any

from medagentgym.tasks.medcalc import formulas

HEADER = "import datetime\nimport json\nimport math\n"


def oracle_code(formula: Callable[..., Any], inputs: Mapping[str, Any]) -> str:
    """The snippet that prints ``formula(**inputs)`` as JSON."""
    parts = [HEADER, *_definitions(formula)]
    parts.append(f"# values read from the note, in the formula's units\ninputs = {dict(inputs)!r}\n")
    parts.append(f"print(json.dumps({formula.__name__}(**inputs)))\n")
    return "\n".join(parts)


def _definitions(formula: Callable[..., Any]) -> list[str]:
    """Source of ``formula`` and of the module-level names it needs, dependencies first."""
    ordered: list[str] = []
    seen: set[str] = set()

    def visit(name: str) -> None:
        if name in seen or not hasattr(formulas, name):
            return
        seen.add(name)
        value = getattr(formulas, name)
        if isinstance(value, types.FunctionType) and value.__module__ == formulas.__name__:
            for used in _names(value.__code__):
                visit(used)
            ordered.append(inspect.getsource(value))
        elif isinstance(value, dict | tuple | int | float | str):
            ordered.append(f"{name} = {value!r}\n")

    visit(formula.__name__)
    return ordered


def _names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names(const)
    return names
