"""Parsing submitted answers into typed values.

Agents submit answers as JSON values (numbers, strings, booleans, lists) or as text. Each parser
accepts the forms a careful agent would produce and rejects everything else with an
:class:`AnswerFormatError` whose message says what was expected. Parsers never search inside
longer text: "the answer is 5 or 6" is not a number, which is what makes the graders immune to
the print-everything exploits of the original benchmark.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

MAX_ANSWER_CHARS = 100_000

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_TRUE = {"true", "yes", "1", "t", "y"}
_FALSE = {"false", "no", "0", "f", "n"}


class AnswerFormatError(ValueError):
    """The submission cannot be read as the expected type; the message says what was expected."""


def describe(value: Any, limit: int = 80) -> str:
    """Return a short printable form of a submission for messages and records."""
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    text = text.replace("\n", "\\n")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _strip_text(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'`":
        text = text[1:-1].strip()
    return text


def unwrap_singleton(value: Any) -> Any:
    """Return the element of a one-element list (SQL results often come as ``[x]`` or ``[[x]]``)."""
    while isinstance(value, list | tuple) and len(value) == 1:
        value = value[0]
    return value


def _as_scalar_text(value: Any, kind: str) -> str:
    value = unwrap_singleton(value)
    if isinstance(value, str):
        if len(value) > MAX_ANSWER_CHARS:
            raise AnswerFormatError(f"expected {kind}, got {len(value):,} characters of text")
        return _strip_text(value)
    raise AnswerFormatError(f"expected {kind}, got {describe(value)}")


def parse_number(value: Any) -> float:
    """Parse exactly one finite number (a JSON number or text holding only that number)."""
    value = unwrap_singleton(value)
    if isinstance(value, bool):
        raise AnswerFormatError(f"expected a single number, got the boolean {value}")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = _as_scalar_text(value, "a single number")
        if not _NUMBER.fullmatch(text):
            raise AnswerFormatError(f"expected a single number such as 42 or -3.5, got {describe(text)}")
        number = float(text)
    if not math.isfinite(number):
        raise AnswerFormatError(f"expected a finite number, got {describe(value)}")
    return number


def parse_integer(value: Any, *, rounding: bool = False) -> int:
    """Parse an integer; ``12.0`` counts, ``12.5`` does not unless ``rounding`` is set."""
    number = parse_number(value)
    if rounding:
        return math.floor(number + 0.5)  # half up, unlike Python's banker's rounding
    if number != int(number):
        raise AnswerFormatError(f"expected a whole number, got {describe(value)}")
    return int(number)


def normalize_string(text: str, *, case_sensitive: bool = False) -> str:
    """Canonical form for string comparison: NFKC, trimmed, single spaces, case-folded."""
    text = unicodedata.normalize("NFKC", text)
    text = " ".join(text.split())
    return text if case_sensitive else text.casefold()


def parse_string(value: Any, *, case_sensitive: bool = False) -> str:
    """Parse a string answer; numbers are accepted as their plain decimal text."""
    value = unwrap_singleton(value)
    if isinstance(value, bool):
        raise AnswerFormatError(f"expected a text answer, got the boolean {value}")
    if isinstance(value, int | float):
        value = repr(value) if isinstance(value, float) and not value.is_integer() else str(int(value))
    text = _as_scalar_text(value, "a text answer")
    if not text:
        raise AnswerFormatError("expected a non-empty text answer, got an empty string")
    return normalize_string(text, case_sensitive=case_sensitive)


def parse_boolean(value: Any) -> bool:
    """Parse true/false (also yes/no and 1/0); anything else, including both, is an error."""
    value = unwrap_singleton(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = _as_scalar_text(value, "true or false").rstrip(".").casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise AnswerFormatError(f"expected true or false, got {describe(value)}")


_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%Y/%m/%d")
_DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M")


def parse_date(value: Any) -> dt.date:
    """Parse a calendar date (YYYY-MM-DD or MM/DD/YYYY); a datetime at midnight also counts."""
    text = _as_scalar_text(value, "a date")
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    try:
        moment = parse_datetime(text)
    except AnswerFormatError:
        moment = None
    if moment is not None and moment.time() == dt.time(0, 0):
        return moment.date()
    raise AnswerFormatError(f"expected a date such as 2105-03-14 or 03/14/2105, got {describe(text)}")


def parse_datetime(value: Any) -> dt.datetime:
    """Parse a date and time (YYYY-MM-DD HH:MM[:SS], 'T' separator allowed)."""
    text = _as_scalar_text(value, "a date and time")
    for fmt in _DATETIME_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise AnswerFormatError(f"expected a date and time such as 2105-03-14 08:30:00, got {describe(text)}")


def parse_sequence(value: Any) -> list[Any]:
    """Read a list answer: a JSON list, JSON text of a list, or lines / comma-separated text."""
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, str):
        text = value.strip()
        if len(text) > MAX_ANSWER_CHARS:
            raise AnswerFormatError(f"expected a list, got {len(text):,} characters of text")
        if text.startswith("["):
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError as exc:
                raise AnswerFormatError(f"expected a JSON list, got malformed JSON ({exc.msg})") from None
            if isinstance(parsed, list):
                return parsed
        if not text:
            return []
        separator = "\n" if "\n" in text else ","
        return [part.strip() for part in text.split(separator) if part.strip()]
    if value is None:
        return []
    return [value]


def parse_elements(value: Any, parse: Callable[[Any], Any]) -> list[Any]:
    """Parse every element of a list answer with ``parse``, naming the first bad element."""
    items: Sequence[Any] = parse_sequence(value)
    parsed = []
    for position, item in enumerate(items, start=1):
        try:
            parsed.append(parse(item))
        except AnswerFormatError as exc:
            raise AnswerFormatError(f"element {position} of the list: {exc}") from None
    return parsed
