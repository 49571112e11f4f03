"""Typed graders: parse a submission into the answer's type, then compare it with the reference.

A grader is a small frozen dataclass that holds the reference answer and the comparison rule. It
lives on the host side only: the environment keeps it out of every prompt, file and process the
agent's code can reach. Graders are serialisable (``to_spec`` / :func:`grader_from_spec`) so that
imported task sets can be saved and loaded.

Messages never reveal the reference: a format error says what form was expected, a wrong answer
just says it is wrong.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import secrets
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Protocol

from medagentgym.errors import GradingError
from medagentgym.tasks import answers
from medagentgym.tasks.answers import AnswerFormatError, describe


@dataclass(frozen=True)
class Verdict:
    """The outcome of grading one submission."""

    score: float
    correct: bool
    message: str
    submitted: str
    parsed: bool = True  # False when the submission could not be read as the expected type

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class CodeRunner(Protocol):
    """What a program grader needs from the environment: run Python in a fresh sandbox."""

    def run_python(self, code: str, *, timeout_s: float | None = None) -> Any: ...


_GRADERS: dict[str, type[Grader]] = {}


def register_grader(kind: str) -> Callable[[type[Grader]], type[Grader]]:
    """Class decorator: make a grader kind loadable by :func:`grader_from_spec`."""

    def decorate(cls: type[Grader]) -> type[Grader]:
        if kind in _GRADERS and _GRADERS[kind] is not cls:
            raise GradingError(f"grader kind {kind!r} is registered twice")
        cls.kind = kind
        _GRADERS[kind] = cls
        return cls

    return decorate


def grader_from_spec(spec: dict[str, Any]) -> Grader:
    """Rebuild a grader from :meth:`Grader.to_spec` output."""
    spec = dict(spec)
    kind = spec.pop("kind", None)
    if kind not in _GRADERS:
        raise GradingError(f"unknown grader kind {kind!r}; known: {', '.join(sorted(_GRADERS))}")
    cls = _GRADERS[kind]
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = set(spec) - names
    if unknown:
        raise GradingError(f"grader {kind!r} has no fields {sorted(unknown)}")
    return cls.from_fields(spec)


class Grader(ABC):
    """Base class: subclasses implement :meth:`parse`, :meth:`compare` and :meth:`answer_format`."""

    kind: ClassVar[str] = ""
    needs_runner: ClassVar[bool] = False

    @abstractmethod
    def parse(self, submission: Any) -> Any:
        """Return the typed value of a submission or raise :class:`AnswerFormatError`."""

    @abstractmethod
    def compare(self, value: Any) -> float:
        """Return the score (0..1) of a parsed submission."""

    @abstractmethod
    def answer_format(self) -> str:
        """Describe the expected answer form for the agent (never the answer itself)."""

    def grade(self, submission: Any, runner: CodeRunner | None = None) -> Verdict:
        """Parse and compare a submission; never raises on bad submissions."""
        del runner  # only program graders run code
        shown = describe(submission)
        try:
            value = self.parse(submission)
        except AnswerFormatError as exc:
            return Verdict(0.0, False, f"Could not read the answer: {exc}.", shown, parsed=False)
        score = float(self.compare(value))
        correct = score >= 1.0
        return Verdict(score, correct, "Correct." if correct else "Incorrect.", shown)

    def to_spec(self) -> dict[str, Any]:
        """Return a JSON-serialisable description that :func:`grader_from_spec` can load."""
        return {"kind": self.kind, **dataclasses.asdict(self)}  # type: ignore[call-overload]

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> Grader:
        return cls(**fields)


# --------------------------------------------------------------------------- scalars


@register_grader("number")
@dataclass(frozen=True)
class NumberGrader(Grader):
    """A real number, equal within ``abs_tol`` or ``rel_tol`` of the reference (math.isclose)."""

    reference: float
    abs_tol: float = 1e-6
    rel_tol: float = 1e-6

    def __post_init__(self) -> None:
        if not math.isfinite(self.reference) or self.abs_tol < 0 or self.rel_tol < 0:
            raise GradingError(f"invalid number grader {self!r}")

    def parse(self, submission: Any) -> float:
        return answers.parse_number(submission)

    def compare(self, value: float) -> float:
        ok = math.isclose(value, self.reference, rel_tol=self.rel_tol, abs_tol=self.abs_tol)
        return 1.0 if ok else 0.0

    def answer_format(self) -> str:
        return "a single number"


@register_grader("integer")
@dataclass(frozen=True)
class IntegerGrader(Grader):
    """A whole number, compared exactly (after rounding half up when ``rounding`` is set)."""

    reference: int
    rounding: bool = False

    def parse(self, submission: Any) -> int:
        return answers.parse_integer(submission, rounding=self.rounding)

    def compare(self, value: int) -> float:
        return 1.0 if value == self.reference else 0.0

    def answer_format(self) -> str:
        return "a single whole number"


@register_grader("range")
@dataclass(frozen=True)
class RangeGrader(Grader):
    """A number within ``[lower, upper]`` (MedCalc-Bench's limits)."""

    lower: float
    upper: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.lower) and math.isfinite(self.upper)) or self.lower > self.upper:
            raise GradingError(f"invalid range [{self.lower}, {self.upper}]")

    def parse(self, submission: Any) -> float:
        return answers.parse_number(submission)

    def compare(self, value: float) -> float:
        return 1.0 if self.lower <= value <= self.upper else 0.0

    def answer_format(self) -> str:
        return "a single number"


@register_grader("string")
@dataclass(frozen=True)
class StringGrader(Grader):
    """Text equal to the reference after normalisation (whitespace, Unicode, case)."""

    reference: str
    case_sensitive: bool = False

    def parse(self, submission: Any) -> str:
        return answers.parse_string(submission, case_sensitive=self.case_sensitive)

    def compare(self, value: str) -> float:
        expected = answers.normalize_string(self.reference, case_sensitive=self.case_sensitive)
        return 1.0 if value == expected else 0.0

    def answer_format(self) -> str:
        return "a short text value"


@register_grader("boolean")
@dataclass(frozen=True)
class BooleanGrader(Grader):
    """True or false."""

    reference: bool

    def parse(self, submission: Any) -> bool:
        return answers.parse_boolean(submission)

    def compare(self, value: bool) -> float:
        return 1.0 if value is self.reference else 0.0

    def answer_format(self) -> str:
        return "true or false"


@register_grader("date")
@dataclass(frozen=True)
class DateGrader(Grader):
    """A calendar date, compared exactly. ``reference`` is ISO text (YYYY-MM-DD)."""

    reference: str

    def __post_init__(self) -> None:
        _check_iso(self.reference, dt.date.fromisoformat)

    def parse(self, submission: Any) -> dt.date:
        return answers.parse_date(submission)

    def compare(self, value: dt.date) -> float:
        return 1.0 if value == dt.date.fromisoformat(self.reference) else 0.0

    def answer_format(self) -> str:
        return "a date (YYYY-MM-DD)"


@register_grader("datetime")
@dataclass(frozen=True)
class DateTimeGrader(Grader):
    """A date and time, compared exactly to the second. ``reference`` is ISO text."""

    reference: str

    def __post_init__(self) -> None:
        _check_iso(self.reference, dt.datetime.fromisoformat)

    def parse(self, submission: Any) -> dt.datetime:
        return answers.parse_datetime(submission)

    def compare(self, value: dt.datetime) -> float:
        return 1.0 if value == dt.datetime.fromisoformat(self.reference) else 0.0

    def answer_format(self) -> str:
        return "a date and time (YYYY-MM-DD HH:MM:SS)"


def _check_iso(text: str, parse: Callable[[str], Any]) -> None:
    try:
        parse(text)
    except (TypeError, ValueError):
        raise GradingError(f"reference {text!r} is not in ISO format") from None


# --------------------------------------------------------------------------- collections

ElementKind = Literal["number", "integer", "string", "date", "datetime", "boolean"]


def _element_parser(kind: ElementKind, case_sensitive: bool) -> Callable[[Any], Any]:
    parsers: dict[str, Callable[[Any], Any]] = {
        "number": answers.parse_number,
        "integer": answers.parse_integer,
        "string": lambda v: answers.parse_string(v, case_sensitive=case_sensitive),
        "date": answers.parse_date,
        "datetime": answers.parse_datetime,
        "boolean": answers.parse_boolean,
    }
    if kind not in parsers:
        raise GradingError(f"unknown element kind {kind!r}; known: {', '.join(parsers)}")
    return parsers[kind]


def _sort_key(value: Any) -> tuple[str, Any]:
    return (type(value).__name__, value)


def _same(a: Any, b: Any, abs_tol: float, rel_tol: float) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, abs_tol=abs_tol, rel_tol=rel_tol)
    return a == b


@register_grader("collection")
@dataclass(frozen=True)
class CollectionGrader(Grader):
    """A set (``ordered=False``) or list (``ordered=True``) of typed elements.

    Unordered comparison is set equality by default; ``multiset=True`` also counts duplicates.
    Numbers compare with the tolerances given. The score is all-or-nothing: a superset that
    contains the answer (the "print everything" exploit) is wrong.
    """

    reference: tuple[Any, ...]
    element: ElementKind = "string"
    ordered: bool = False
    multiset: bool = False
    abs_tol: float = 1e-6
    rel_tol: float = 1e-6
    case_sensitive: bool = False

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> Grader:
        return cls(**{**fields, "reference": tuple(fields.get("reference", ()))})

    def _parse_list(self, items: Any) -> list[Any]:
        return answers.parse_elements(items, _element_parser(self.element, self.case_sensitive))

    def parse(self, submission: Any) -> list[Any]:
        return self._parse_list(submission)

    def _canonical(self, values: list[Any]) -> list[Any]:
        if self.ordered:
            return values
        if not self.multiset:
            values = _dedupe(values, self.abs_tol, self.rel_tol)
        return sorted(values, key=_sort_key)

    def compare(self, value: list[Any]) -> float:
        expected = self._canonical(self._parse_list(list(self.reference)))
        got = self._canonical(value)
        if len(expected) != len(got):
            return 0.0
        ok = all(_same(a, b, self.abs_tol, self.rel_tol) for a, b in zip(expected, got, strict=True))
        return 1.0 if ok else 0.0

    def answer_format(self) -> str:
        noun = {"number": "numbers", "integer": "whole numbers", "string": "text values"}.get(
            self.element, f"{self.element} values"
        )
        order = "in the requested order" if self.ordered else "order does not matter"
        return f"a JSON list of {noun} ({order})"


def _dedupe(values: list[Any], abs_tol: float, rel_tol: float) -> list[Any]:
    unique: list[Any] = []
    for value in sorted(values, key=_sort_key):
        if not unique or not _same(unique[-1], value, abs_tol, rel_tol):
            unique.append(value)
    return unique


@register_grader("table")
@dataclass(frozen=True)
class TableGrader(Grader):
    """Rows of typed cells, compared as a multiset of rows (or in order with ``ordered``)."""

    rows: tuple[tuple[Any, ...], ...]
    columns: tuple[ElementKind, ...]
    ordered: bool = False
    abs_tol: float = 1e-6
    rel_tol: float = 1e-6

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> Grader:
        rows = tuple(tuple(row) for row in fields.get("rows", ()))
        return cls(**{**fields, "rows": rows, "columns": tuple(fields.get("columns", ()))})

    def parse(self, submission: Any) -> list[tuple[Any, ...]]:
        rows = answers.parse_sequence(submission)
        parsers = [_element_parser(kind, False) for kind in self.columns]
        parsed = []
        for number, row in enumerate(rows, start=1):
            cells = list(row.values()) if isinstance(row, dict) else row
            if not isinstance(cells, list | tuple) or len(cells) != len(parsers):
                raise AnswerFormatError(
                    f"row {number}: expected a list of {len(parsers)} cells, got {describe(row)}"
                )
            try:
                parsed.append(tuple(p(c) for p, c in zip(parsers, cells, strict=True)))
            except AnswerFormatError as exc:
                raise AnswerFormatError(f"row {number}: {exc}") from None
        return parsed

    def compare(self, value: list[tuple[Any, ...]]) -> float:
        expected = self.parse([list(row) for row in self.rows])
        if len(expected) != len(value):
            return 0.0
        if not self.ordered:
            expected, value = sorted(expected, key=_row_key), sorted(value, key=_row_key)
        for want, got in zip(expected, value, strict=True):
            if not all(_same(a, b, self.abs_tol, self.rel_tol) for a, b in zip(want, got, strict=True)):
                return 0.0
        return 1.0

    def answer_format(self) -> str:
        order = "in order" if self.ordered else "row order does not matter"
        return f"a JSON list of rows, each a list of {len(self.columns)} values ({order})"


def _row_key(row: Sequence[Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(_sort_key(cell) for cell in row)


# --------------------------------------------------------------------------- programs


@register_grader("program")
@dataclass(frozen=True)
class ProgramGrader(Grader):
    """Source code that must pass hidden tests.

    The submission is run, followed by ``tests`` (assertions that call it), in a fresh sandbox
    session that is separate from the agent's scratch. It passes only if the process exits
    cleanly *and* prints a per-run random token after the tests, so a submission that calls
    ``sys.exit(0)`` or crashes before the tests run cannot pass.
    """

    tests: str
    timeout_s: float = 60.0
    needs_runner: ClassVar[bool] = True
    _token_prefix: ClassVar[str] = "__medagentgym_tests_passed__"

    def parse(self, submission: Any) -> str:
        if not isinstance(submission, str) or not submission.strip():
            raise AnswerFormatError(f"expected Python source code as text, got {describe(submission)}")
        try:
            compile(submission, "<submission>", "exec")
        except SyntaxError as exc:
            raise AnswerFormatError(f"the code does not compile: {exc.msg} (line {exc.lineno})") from None
        return submission

    def compare(self, value: str) -> float:  # pragma: no cover - grade() is overridden
        raise GradingError("program graders need a runner; call grade(submission, runner)")

    def grade(self, submission: Any, runner: CodeRunner | None = None) -> Verdict:
        shown = describe(submission)
        try:
            code = self.parse(submission)
        except AnswerFormatError as exc:
            return Verdict(0.0, False, f"Could not read the answer: {exc}.", shown, parsed=False)
        if runner is None:
            raise GradingError("program graders need a code runner (the task's sandbox)")
        token = f"{self._token_prefix}{secrets.token_hex(8)}"
        program = f"{code}\n\n{self.tests}\n\nprint({token!r})\n"
        result = runner.run_python(program, timeout_s=self.timeout_s)
        passed = bool(getattr(result, "ok", False)) and token in getattr(result, "stdout", "")
        if passed:
            return Verdict(1.0, True, "Correct: the hidden tests pass.", shown)
        reason = "timed out" if getattr(result, "timed_out", False) else "failed"
        return Verdict(0.0, False, f"Incorrect: the hidden tests {reason}.", shown)

    def answer_format(self) -> str:
        return "Python source code (as a string)"


def registered_graders() -> dict[str, type[Grader]]:
    """Return the registered grader kinds (for docs and validation)."""
    return dict(_GRADERS)
