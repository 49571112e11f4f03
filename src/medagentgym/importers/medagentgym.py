"""Import official MedAgentGym EHR task files (MIMIC-III, eICU, TREQS) as typed tasks.

Each official row holds a question, its gold SQL and the answer the original computed on the
credentialed database. The importer runs the gold SQL itself, either on the synthetic world of
the same schema (``reground``: the official question distribution, usable offline) or on a
database the user supplies in the EHRSQL / MIMICSQL SQLite form (``db``: real data), and
turns the result into a typed answer with the grader of our families (never a substring
match). Rows whose SQL fails or returns nothing are reported and left out.

Time semantics (MIMIC-III and eICU): EHRSQL meant ``current_time`` as ``2105-12-31 23:59:00``
and fixed day arithmetic with ``%J``; the original MedAgentGym ran the SQL raw, where SQLite's
``current_time`` is today's clock time on 2000-01-01. ``ehrsql`` (default) applies EHRSQL's
post-processing; ``raw`` reproduces the original answers' semantics.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from medagentgym.errors import ConfigError, DataError
from medagentgym.sqlite import connect_readonly
from medagentgym.tasks.ehr.family import CONVENTIONS, world_resources
from medagentgym.tasks.ehr.results import AnswerKind, grader_for, oracle_code, typed_answer
from medagentgym.tasks.ehr.sqltext import NOW, parse_time
from medagentgym.tasks.ehr.treqs import CONTEXT as TREQS_CONTEXT
from medagentgym.tasks.model import DATA_ACTIONS, Oracle, Question, Resource, Task

FAMILIES = ("mimic_iii", "eicu", "treqs")
Semantics = Literal["ehrsql", "raw"]
SEMANTICS: tuple[str, ...] = ("ehrsql", "raw")
_SPLITS = {"train": "train", "valid": "test", "test": "test"}
_REQUIRED = ("id", "query")
RAW_CONTEXT = (
    'Time expressions follow the original MedAgentGym answers: "now" is SQLite\'s current_time, a clock '
    'time on 2000-01-01, so "this year" means the year 2000. A patient whose discharge time is empty is '
    "still admitted. When several values answer a question, give all of them as a list (order does not "
    "matter)."
)


@dataclass(frozen=True)
class OfficialRow:
    """One row of an official file: what the agent is asked and the gold SQL."""

    line: int
    id: str
    question: str
    query: str
    split: str
    answer: tuple[str, ...]
    q_tag: str = ""
    values: tuple[tuple[str, Any], ...] = ()
    """The slot values the question was built with (``value`` in EHRSQL rows)."""


@dataclass
class ImportResult:
    """Tasks built from one file and what happened to every row."""

    family: str
    total: int = 0
    executed: int = 0
    tasks: list[Task] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    empty: list[str] = field(default_factory=list)
    matches_official: int = 0
    revalued: int = 0

    @property
    def non_empty(self) -> int:
        return len(self.tasks)

    def report(self) -> dict[str, Any]:
        """The summary the CLI prints: ``failed`` lists the rows that could not run (their id, or
        ``line N`` when the line is not a valid row) and ``errors`` why; ``empty`` the rows whose
        answer is empty (left out)."""
        return {
            "total": self.total,
            "executed": self.executed,
            "non_empty": self.non_empty,
            "failed": list(self.failed),
            "errors": dict(self.failed),
            "empty": list(self.empty),
            "matches_official": self.matches_official,
            "revalued": self.revalued,
        }


# --------------------------------------------------------------------------- reading


def read_rows(path: Path, family: str) -> tuple[list[OfficialRow], dict[str, str]]:
    """Parse an official JSONL file; returns the valid rows and ``{id or line: reason}`` failures."""
    _check_family(family)
    if not path.is_file():
        raise DataError(f"official task file {path} does not exist")
    rows: list[OfficialRow] = []
    failures: dict[str, str] = {}
    seen: set[str] = set()
    with path.open(encoding="utf-8") as handle:
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                row = _parse(number, text, family)
            except ValueError as exc:
                failures[f"line {number}"] = str(exc)
                continue
            if row.id in seen:
                failures[row.id] = f"line {number}: duplicate id"
                continue
            seen.add(row.id)
            rows.append(row)
    if not rows and failures:
        first = next(iter(failures.values()))
        raise DataError(
            f"{path} has no valid {family} task rows ({len(failures)} invalid lines; first: {first})"
        )
    return rows, failures


def _parse(number: int, text: str, family: str) -> OfficialRow:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"line {number}: not JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise ValueError(f"line {number}: expected a JSON object")
    missing = [key for key in _REQUIRED if not isinstance(data.get(key), str) or not data[key].strip()]
    shown = "question" if family == "treqs" else "template"
    if not isinstance(data.get(shown), str) or not data[shown].strip():
        missing.append(shown)
    if missing:
        raise ValueError(f"line {number}: missing or empty field(s) {', '.join(missing)}")
    db_id = data.get("db_id", family)
    if db_id != family:
        raise ValueError(f"line {number}: db_id {db_id!r} is not {family!r}")
    if data.get("is_impossible") is True or data["query"].strip().lower() == "nan":
        raise ValueError(f"line {number}: the question is marked impossible (no gold SQL)")
    answer = data.get("answer", [])
    return OfficialRow(
        line=number,
        id=data["id"],
        question=data[shown].strip(),
        query=data["query"].strip(),
        split=_SPLITS.get(str(data.get("split", "test")).lower(), "test"),
        answer=tuple(str(a) for a in answer) if isinstance(answer, list) else (str(answer),),
        q_tag=str(data.get("q_tag", "")),
        values=_values(data, family),
    )


_TREQS_LITERAL = re.compile(r"(\w+)\.'(\w+)'\s*=\s*'([^']*)'")


def _values(data: dict[str, Any], family: str) -> tuple[tuple[str, Any], ...]:
    """The slot values of a row: EHRSQL rows list them; for TREQS they are the ``=`` literals
    of the SQL that the question repeats word for word (so both can be changed together)."""
    if family != "treqs":
        return tuple(data["value"].items()) if isinstance(data.get("value"), dict) else ()
    question = data["question"].lower()
    return tuple(
        (f"{table}.{column}", value)
        for table, column, value in _TREQS_LITERAL.findall(data["query"])
        if re.search(rf"(?<!\w){re.escape(value.lower())}(?!\w)", question)
    )


def _check_family(family: str) -> None:
    if family not in FAMILIES:
        raise ConfigError(f"unknown MedAgentGym EHR family {family!r}; choose one of {', '.join(FAMILIES)}")


# --------------------------------------------------------------------------- SQL


def prepare_sql(query: str, family: str, semantics: Semantics = "ehrsql") -> str:
    """The SQL to run: EHRSQL's post-processing for ``ehrsql``, the original text for ``raw``.

    EHRSQL writes ``current_time`` for "now" and ``strftime('%j', ...)`` (day of the year) in
    day differences; it meant ``2105-12-31 23:59:00`` and Julian day numbers (``%J``).
    """
    if semantics not in SEMANTICS:
        raise ConfigError(f"time semantics must be one of {', '.join(SEMANTICS)}, not {semantics!r}")
    if family == "treqs" or semantics == "raw":
        return query
    text = re.sub(r"\bcurrent_time\b", f"'{NOW}'", query)
    text = text.replace("'now'", f"'{NOW}'")
    return text.replace("%j", "%J").replace("%y", "%Y")


_BOOLEAN = re.compile(r"^select\s+count\s*\(\s*\*\s*\)\s*>\s*0\b")


def answer_kind(
    query: str, rows: Sequence[Sequence[Any]], q_tag: str = ""
) -> tuple[AnswerKind, tuple[str, ...]]:
    """Type a result from its shape: yes/no questions (``has ...``, ``is the ...``, or SQL
    ``count(*) > 0``) are booleans, one value a scalar, several values a set (table rows for
    several columns); grouped series keep duplicates."""
    width = len(rows[0]) if rows else 0
    if width > 1:
        return "rows", tuple(_element(rows, i) for i in range(width))
    lowered = " ".join(query.lower().split())
    yes_no = q_tag.startswith(("has_verb", "is the")) or _BOOLEAN.match(lowered)
    if yes_no and len(rows) == 1 and rows[0][0] in (0, 1):
        return "boolean", ()
    element = _element(rows, 0)
    if len(rows) == 1:
        scalar = {"integer": "integer", "number": "number", "datetime": "datetime"}.get(element, "string")
        return scalar, ()  # type: ignore[return-value]
    if element in ("integer", "number") and "group by strftime" in lowered:
        return "values", ()
    plural = {"integer": "numbers", "number": "numbers", "datetime": "datetimes"}.get(element, "strings")
    return plural, ()  # type: ignore[return-value]


def _element(rows: Sequence[Sequence[Any]], column: int) -> str:
    values = [row[column] for row in rows if row[column] is not None]
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "integer"
    if values and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return "number"
    if values and all(isinstance(v, str) and parse_time(v) is not None and len(v) >= 19 for v in values):
        return "datetime"
    return "string"


def official_text(rows: Iterable[Sequence[Any]]) -> tuple[str, ...]:
    """A result in the original's answer format (every value, ``str()``-ed, flattened)."""
    return tuple(str(value) for row in rows for value in row)


# --------------------------------------------------------------------------- re-grounding


def _empty(found: Sequence[Sequence[Any]]) -> bool:
    return not found or all(v is None for r in found for v in r)


def _substitute_sql(sql: str, old: Any, new: Any) -> str:
    """Replace a slot value where it appears as a SQL literal (quoted text or a bare number)."""
    if isinstance(old, int | float) and not isinstance(old, bool):
        return re.sub(rf"(?<![\w.']){re.escape(str(old))}(?![\w.'])", str(new), sql)
    quoted = "'" + str(old).replace("'", "''") + "'"
    return sql.replace(quoted, "'" + str(new).replace("'", "''") + "'")


def _substitute_text(text: str, old: Any, new: Any) -> str:
    pattern = rf"(?<!\w){re.escape(str(old))}(?!\w)"
    return re.sub(pattern, lambda _: str(new), text, flags=re.IGNORECASE)


class Vocabulary:
    """The values a synthetic world has for each EHRSQL slot, most frequent first.

    Official questions name patients and items of the credentialed database; re-grounding
    swaps each value the world lacks for one it has (trying the most frequent values, in an
    order that depends on the row) until the question has an answer, in both the question text
    and the SQL, so that no question is about a patient or a drug the world does not have.
    Everything else about the question (its template, time and operation choices) is kept.
    """

    TRIES = 24
    POOL = 60

    def __init__(self, world: Any, family: str) -> None:
        self.world = world
        self.lower = family == "treqs"  # MIMICSQL literals are lower-case; the columns are NOCASE
        self._values: dict[str, list[Any]] = {}

    def values(self, slot: str) -> list[Any]:
        if slot not in self._values:
            from medagentgym.worlds import slot_names, slot_values

            known = slot in slot_names(self.world.name)
            found = slot_values(self.world, slot, limit=self.POOL) if known else []
            self._values[slot] = [str(v).lower() if self.lower else v for v in found if v is not None]
        return self._values[slot]

    def reground(
        self, row: OfficialRow, conn: sqlite3.Connection, family: str, semantics: Semantics
    ) -> tuple[OfficialRow, str, list[tuple[Any, ...]]] | None:
        """A version of ``row`` with world values and a non-empty answer (None when the row names
        no missing value, or no swap gives an answer)."""
        current = (
            "dischtime is null" in row.query.lower() or "hospitaldischargetime is null" in row.query.lower()
        )
        swaps = []
        for name, value in row.values:
            slot = re.sub(r"\d+$", "", name)
            slot = "current_patient_id" if slot == "patient_id" and current else slot
            pool = self.values(slot)
            known = {str(v).lower() for v in pool} if self.lower else {str(v) for v in pool}
            if pool and (str(value).lower() if self.lower else str(value)) not in known:
                swaps.append((name, value, pool))
        if not swaps:
            return None
        offset = sum(ord(ch) for ch in row.id)
        for attempt in range(self.TRIES):
            question, query, chosen = row.question, row.query, {}
            for position, (name, old, pool) in enumerate(swaps):
                choice = pool[(offset + attempt * (position + 1) + position * 7) % len(pool)]
                if str(choice) in {str(v) for v in chosen.values()}:
                    break
                chosen[name] = choice
                question, query = _substitute_text(question, old, choice), _substitute_sql(query, old, choice)
            else:
                sql = prepare_sql(query, family, semantics)
                found = conn.execute(sql).fetchall()
                if not _empty(found):
                    values = tuple((name, chosen.get(name, value)) for name, value in row.values)
                    return dataclasses.replace(row, question=question, query=query, values=values), sql, found
        return None


# --------------------------------------------------------------------------- import


def import_file(
    path: Path,
    family: str,
    *,
    reground: bool = False,
    db: Path | None = None,
    semantics: Semantics = "ehrsql",
    seed: int = 0,
    n_patients: int | None = None,
) -> ImportResult:
    """Import ``path``: run every gold SQL on the synthetic world or on ``db`` and type the answers."""
    _check_family(family)
    if reground == (db is not None):
        raise ConfigError(
            "choose exactly one of --reground (synthetic world) or --db PATH (your own database)"
        )
    rows, failures = read_rows(Path(path), family)
    if db is not None:
        db = Path(db)
        if not db.is_file():
            raise DataError(f"database {db} does not exist")
        db_path = db
        resources = (Resource(db, f"/data/{family}.db", f"your {family} SQLite database"),)
    else:
        from medagentgym.worlds import build_world

        world = build_world(family, seed=seed, n_patients=n_patients)
        db_path, resources = Path(world.db_path), world_resources(world)
    result = ImportResult(family, total=len(rows) + len(failures))
    result.failed.update(failures)
    context = TREQS_CONTEXT if family == "treqs" else CONVENTIONS if semantics == "ehrsql" else RAW_CONTEXT
    vocabulary = Vocabulary(world, family) if db is None else None
    source = Path(path).name
    with connect_readonly(db_path) as conn:
        for original in rows:
            row, sql = original, prepare_sql(original.query, family, semantics)
            try:
                found = conn.execute(sql).fetchall()
            except sqlite3.Error as exc:
                result.failed[row.id] = f"the gold SQL does not run: {exc}"
                continue
            result.executed += 1
            if vocabulary is not None:
                revalued = vocabulary.reground(row, conn, family, semantics)
                if revalued is not None:
                    row, sql, found = revalued
                    result.revalued += 1
            task = _task(
                row,
                sql,
                found,
                family=family,
                semantics=semantics,
                resources=resources,
                context=context,
                source=source,
            )
            if task is None:
                result.empty.append(row.id)
                continue
            result.tasks.append(task)
            result.matches_official += official_text(found) == row.answer
    return result


def _task(
    row: OfficialRow,
    sql: str,
    found: list[tuple[Any, ...]],
    *,
    family: str,
    semantics: str,
    resources: tuple[Resource, ...],
    context: str,
    source: str,
) -> Task | None:
    if _empty(found):
        return None
    kind, columns = answer_kind(row.query, found, row.q_tag)
    value = typed_answer(kind, found, allow_zero=True, limit=None)
    if value is None:
        kind, columns = ("rows", columns) if kind == "rows" else ("strings", ())
        value = typed_answer(kind, [tuple(str(v) for v in r) for r in found], allow_zero=True, limit=None)
        if value is None:
            return None
    db_target = resources[0].target
    question = Question(
        row.question, grader_for(kind, value, columns), Oracle(code=oracle_code(db_target, sql, kind))
    )
    return Task(
        id=f"{family}/{row.split}/official-{row.id}",
        family=family,
        category=category_of(row, family),
        split=row.split,
        questions=(question,),
        context=context,
        resources=resources,
        actions=DATA_ACTIONS,
        metadata={
            "source": source,
            "official_id": row.id,
            "official_answer": list(row.answer),
            "q_tag": row.q_tag,
            "values": dict(row.values),
            "sql": [sql],
            "answer_kinds": [kind],
            "time_semantics": semantics if family != "treqs" else "none",
        },
    )


_CATEGORY_WORDS = (
    ("diagnos", "diagnosis"),
    ("abbreviation", "diagnosis"),
    ("stand for", "diagnosis"),
    ("survival", "diagnosis"),
    ("procedure", "procedure"),
    ("prescri", "prescription"),
    ("drug", "prescription"),
    ("medication", "prescription"),
    ("dose", "prescription"),
    ("intake method", "prescription"),
    ("lab test", "lab"),
    ("lab value", "lab"),
    ("microbiology", "microbiology"),
    ("specimen", "microbiology"),
    ("organism", "microbiology"),
    ("intake", "intake_output"),
    ("output", "intake_output"),
    ("weight", "vital_signs"),
    ("height", "vital_signs"),
    ("vital", "vital_signs"),
)


def category_of(row: OfficialRow, family: str) -> str:
    """The clinical category of a row: TREQS by aggregate, EHRSQL by the first domain named
    (any cost question is ``cost``), the reconstruction of the nine categories in our docs."""
    if family == "treqs":
        head = " ".join(row.query.lower().split()).split(" from ")[0]
        for word, category in (
            ("count", "count"),
            ("avg", "average"),
            ("max", "extremum"),
            ("min", "extremum"),
        ):
            if f"{word} (" in head or f"{word}(" in head:
                return category
        return "retrieval"
    text = (row.q_tag or row.question).lower()
    if "cost" in text:
        return "cost"
    hits = [(text.find(word), category) for word, category in _CATEGORY_WORDS if word in text]
    if "{vital_name}" in text or "{lab_name}" in text:
        hits.append((text.find("{"), "vital_signs" if "{vital_name}" in text else "lab"))
    return min(hits)[1] if hits else "admission_demographics"
