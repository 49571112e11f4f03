"""TREQS (MIMICSQL) question answering: templates generated from a catalogue of conditions.

MIMICSQL questions are ``SELECT [agg] column FROM demographic [+ one or two tables] WHERE
condition [AND condition]`` over five tables keyed by ``hadm_id``. The catalogue below lists
every condition (column, operator, phrase) and every retrievable field; the templates of the
four categories (count, average, extremum, retrieval) are built from it. Conditions take their
value from a random joined row, so every question has a non-empty answer. Text columns are
case-insensitive (``COLLATE NOCASE``), so the lower-case values of the questions match.

Conditions on other tables than ``demographic`` are semi-joins (``hadm_id in (...)``): counts
are of distinct patients and averages are over hospital admissions, each counted once.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from itertools import product

from medagentgym.tasks.ehr.dialect import Dialect
from medagentgym.tasks.ehr.family import EhrFamily
from medagentgym.tasks.ehr.results import AnswerKind
from medagentgym.tasks.ehr.slots import Condition, RowAnchor
from medagentgym.tasks.ehr.template import Q, Step, Template
from medagentgym.tasks.registry import register_family

DEMOGRAPHIC = "demographic"
SINGLE_WEIGHT = 0.15
SMALL_PAIR_WEIGHT = 0.25
"""A one-condition question has as many instances as its column has values (a hundred or so),
and a pair with a small column (gender, fluid ...) not many more; draw them less often than
pairs of two large columns."""


@dataclass(frozen=True)
class Cond:
    """A condition type: ``table.column op value`` and how the question phrases it."""

    key: str
    table: str
    column: str
    op: str
    phrase: str
    large: bool = True
    """Whether it has many possible values (a question with only small ones repeats itself)."""


CONDITIONS = (
    Cond("age_lt", DEMOGRAPHIC, "age", "<", "whose age is less than {v}"),
    Cond("age_ge", DEMOGRAPHIC, "age", ">=", "whose age is greater than or equal to {v}"),
    Cond(
        "stay_gt",
        DEMOGRAPHIC,
        "days_stay",
        ">",
        "who stayed in the hospital for more than {v} days",
        large=False,
    ),
    Cond(
        "stay_lt",
        DEMOGRAPHIC,
        "days_stay",
        "<",
        "who stayed in the hospital for less than {v} days",
        large=False,
    ),
    Cond("dob_lt", DEMOGRAPHIC, "dob_year", "<", "who were born before the year {v}"),
    Cond("dod_le", DEMOGRAPHIC, "dod_year", "<=", "who died in or before the year {v}"),
    Cond("admit_lt", DEMOGRAPHIC, "admityear", "<", "who were admitted before the year {v}"),
    Cond("admit_ge", DEMOGRAPHIC, "admityear", ">=", "who were admitted in or after the year {v}"),
    Cond("disease", DEMOGRAPHIC, "diagnosis", "=", "whose primary disease is {v}"),
    Cond("gender", DEMOGRAPHIC, "gender", "=", "whose gender is {v}", large=False),
    Cond("marital", DEMOGRAPHIC, "marital_status", "=", "whose marital status is {v}", large=False),
    Cond("language", DEMOGRAPHIC, "language", "=", "whose language is {v}", large=False),
    Cond("religion", DEMOGRAPHIC, "religion", "=", "whose religion is {v}", large=False),
    Cond("adm_type", DEMOGRAPHIC, "admission_type", "=", "whose admission type is {v}", large=False),
    Cond("insurance", DEMOGRAPHIC, "insurance", "=", "whose insurance is {v}", large=False),
    Cond("ethnicity", DEMOGRAPHIC, "ethnicity", "=", "whose ethnicity is {v}", large=False),
    Cond("adm_loc", DEMOGRAPHIC, "admission_location", "=", "whose admission location is {v}", large=False),
    Cond("dis_loc", DEMOGRAPHIC, "discharge_location", "=", "whose discharge location is {v}", large=False),
    Cond("expire", DEMOGRAPHIC, "expire_flag", "=", "whose death status is {v}", large=False),
    Cond("dx_short", "diagnoses", "short_title", "=", "whose diagnosis short title is {v}"),
    Cond("dx_long", "diagnoses", "long_title", "=", "whose diagnosis long title is {v}"),
    Cond("dx_code", "diagnoses", "icd9_code", "=", "whose diagnosis icd9 code is {v}"),
    Cond("proc_short", "procedures", "short_title", "=", "whose procedure short title is {v}"),
    Cond("proc_long", "procedures", "long_title", "=", "whose procedure long title is {v}"),
    Cond("proc_code", "procedures", "icd9_code", "=", "whose procedure icd9 code is {v}"),
    Cond("drug", "prescriptions", "drug", "=", "whose drug name is {v}"),
    Cond("drug_code", "prescriptions", "formulary_drug_cd", "=", "whose drug code is {v}"),
    Cond("route", "prescriptions", "route", "=", "whose drug route is {v}", large=False),
    Cond("drug_type", "prescriptions", "drug_type", "=", "whose drug type is {v}", large=False),
    Cond("lab", "lab", "label", "=", "who had a {v} lab test"),
    Cond("lab_item", "lab", "itemid", "=", "whose lab test item id is {v}"),
    Cond("lab_flag", "lab", "flag", "=", "whose lab test abnormal status is {v}", large=False),
    Cond("lab_fluid", "lab", "fluid", "=", "whose lab test fluid is {v}", large=False),
    Cond("lab_category", "lab", "category", "=", "whose lab test category is {v}", large=False),
)
_BY_KEY = {c.key: c for c in CONDITIONS}


def _where(conditions: tuple[Cond, ...]) -> str:
    """Demographic conditions directly, the others as semi-joins on ``hadm_id``."""
    parts = []
    for i, cond in enumerate(conditions, start=1):
        if cond.table == DEMOGRAPHIC:
            parts.append(f"{{c{i}.sql}}")
        else:
            parts.append(
                f"demographic.hadm_id in ( select {cond.table}.hadm_id from {cond.table} where {{c{i}.sql}} )"
            )
    return " and ".join(parts)


def _slots(conditions: tuple[Cond, ...]) -> tuple[object, ...]:
    tables = tuple(dict.fromkeys(c.table for c in conditions if c.table != DEMOGRAPHIC))
    anchor = RowAnchor((*tables, DEMOGRAPHIC))
    return (
        anchor,
        *(
            Condition(f"c{i}", f"{c.table}.{c.column}", c.op, c.phrase)
            for i, c in enumerate(conditions, start=1)
        ),
    )


def _who(conditions: tuple[Cond, ...]) -> str:
    return " and ".join(f"{{c{i}}}" for i in range(1, len(conditions) + 1))


def _pairs() -> list[tuple[Cond, Cond]]:
    """Two-condition combinations: every small condition with a few large ones of other tables,
    and large demographic conditions with large conditions of the other tables."""
    large_other = [c for c in CONDITIONS if c.large and c.table != DEMOGRAPHIC]
    large_demo = [c for c in CONDITIONS if c.large and c.table == DEMOGRAPHIC]
    small = [c for c in CONDITIONS if not c.large]
    pairs = []
    for i, s in enumerate(small):
        partners = [c for c in large_other + large_demo if c.table != s.table]
        pairs += [(s, partners[(i * 3 + k) % len(partners)]) for k in range(3)]
    pairs += [(d, o) for d, o in product(large_demo, large_other) if _small_hash(d.key + o.key) % 3 == 0]
    return pairs


def _small_hash(text: str) -> int:
    """A stable number for a key (to thin out combinations deterministically)."""
    return sum(ord(ch) * (i + 1) for i, ch in enumerate(text))


def _count_templates() -> list[Template]:
    singles = [
        Q(
            f"count.{c.key}",
            "count",
            "how many patients {c1}?",
            f"select count( distinct demographic.subject_id ) from demographic where {_where((c,))}",
            "count",
            *_slots((c,)),
            weight=SINGLE_WEIGHT,
        )
        for c in CONDITIONS
        if c.large
    ]
    doubles = [
        Q(
            f"count.{a.key}.{b.key}",
            "count",
            f"how many patients {_who((a, b))}?",
            f"select count( distinct demographic.subject_id ) from demographic where {_where((a, b))}",
            "count",
            *_slots((a, b)),
            weight=1.0 if a.large and b.large else SMALL_PAIR_WEIGHT,
        )
        for a, b in _pairs()
    ]
    return singles + doubles


_MEASURES = (("age", "age"), ("days_stay", "number of days of hospital stay"))


def _aggregate_templates() -> list[Template]:
    templates = []
    combos: list[tuple[Cond, ...]] = [
        (c,) for c in CONDITIONS if c.large and c.column not in ("age", "days_stay")
    ]
    combos += [pair for pair in _pairs() if not {pair[0].column, pair[1].column} & {"age", "days_stay"}][::4]
    for n, conditions in enumerate(combos):
        column, label = _MEASURES[n % 2]
        key = ".".join(c.key for c in conditions)
        templates.append(
            Q(
                f"avg.{column}.{key}",
                "average",
                f"what is the average {label} of patients {_who(conditions)}?",
                f"select avg( demographic.{column} ) from demographic where {_where(conditions)}",
                "number",
                *_slots(conditions),
            )
        )
        # minima over a broad cohort are almost always 0 (newborns, same-day stays): ask them
        # only about the narrower two-condition cohorts
        agg, word = ("min", "minimum") if len(conditions) == 2 and n % 2 else ("max", "maximum")
        templates.append(
            Q(
                f"{agg}.{column}.{key}",
                "extremum",
                f"what is the {word} {label} of patients {_who(conditions)}?",
                f"select {agg}( demographic.{column} ) from demographic where {_where(conditions)}",
                "number",
                *_slots(conditions),
            )
        )
    return templates


@dataclass(frozen=True)
class Field:
    """A retrievable column: its table, how the question names it, and its answer kind."""

    key: str
    table: str
    column: str
    label: str
    kind: AnswerKind


PATIENT_FIELDS = (
    Field("age", DEMOGRAPHIC, "age", "age", "integers"),
    Field("gender", DEMOGRAPHIC, "gender", "gender", "strings"),
    Field("marital", DEMOGRAPHIC, "marital_status", "marital status", "strings"),
    Field("language", DEMOGRAPHIC, "language", "language", "strings"),
    Field("religion", DEMOGRAPHIC, "religion", "religion", "strings"),
    Field("adm_type", DEMOGRAPHIC, "admission_type", "admission type", "strings"),
    Field("stay", DEMOGRAPHIC, "days_stay", "number of days of hospital stay", "integers"),
    Field("insurance", DEMOGRAPHIC, "insurance", "insurance", "strings"),
    Field("ethnicity", DEMOGRAPHIC, "ethnicity", "ethnicity", "strings"),
    Field("adm_loc", DEMOGRAPHIC, "admission_location", "admission location", "strings"),
    Field("dis_loc", DEMOGRAPHIC, "discharge_location", "discharge location", "strings"),
    Field("disease", DEMOGRAPHIC, "diagnosis", "primary disease", "strings"),
    Field("dob", DEMOGRAPHIC, "dob", "date of birth", "datetimes"),
    Field("admit", DEMOGRAPHIC, "admittime", "admission time", "datetimes"),
    Field("disch", DEMOGRAPHIC, "dischtime", "discharge time", "datetimes"),
    Field("dx_short", "diagnoses", "short_title", "diagnosis short title", "strings"),
    Field("dx_long", "diagnoses", "long_title", "diagnosis long title", "strings"),
    Field("dx_code", "diagnoses", "icd9_code", "diagnosis icd9 code", "strings"),
    Field("proc_short", "procedures", "short_title", "procedure short title", "strings"),
    Field("proc_long", "procedures", "long_title", "procedure long title", "strings"),
    Field("drug", "prescriptions", "drug", "drug name", "strings"),
    Field("lab", "lab", "label", "lab test name", "strings"),
)
_WHO = (
    Cond("name", DEMOGRAPHIC, "name", "=", "patient {v}"),
    Cond("subject", DEMOGRAPHIC, "subject_id", "=", "patient id {v}"),
)
_ITEM_LOOKUPS = (
    ("drug", "prescriptions", "route", "what is the drug route of {c1}?", "drug route", "strings"),
    ("drug", "prescriptions", "drug_type", "what is the drug type of {c1}?", "drug type", "strings"),
    ("drug", "prescriptions", "formulary_drug_cd", "what is the drug code of {c1}?", "drug code", "strings"),
    ("dx_code", "diagnoses", "short_title", "what is the short title of {c1}?", "short title", "strings"),
    ("dx_code", "diagnoses", "long_title", "what is the long title of {c1}?", "long title", "strings"),
    ("dx_short", "diagnoses", "icd9_code", "what is the icd9 code of {c1}?", "icd9 code", "strings"),
    ("proc_code", "procedures", "short_title", "what is the short title of {c1}?", "short title", "strings"),
    ("proc_code", "procedures", "long_title", "what is the long title of {c1}?", "long title", "strings"),
    ("proc_short", "procedures", "icd9_code", "what is the icd9 code of {c1}?", "icd9 code", "strings"),
    ("lab_item", "lab", "label", "what is the name of {c1}?", "lab test name", "strings"),
    ("lab", "lab", "fluid", "what is the fluid of {c1}?", "lab test fluid", "strings"),
    ("lab", "lab", "category", "what is the category of {c1}?", "lab test category", "strings"),
)
_ITEM_PHRASES = {
    "drug": "the drug {v}",
    "dx_code": "the diagnosis icd9 code {v}",
    "dx_short": "the diagnosis {v}",
    "proc_code": "the procedure icd9 code {v}",
    "proc_short": "the procedure {v}",
    "lab_item": "the lab test item id {v}",
    "lab": "the lab test {v}",
}


def _retrieval_templates() -> list[Template]:
    templates = []
    for who, field in product(_WHO, PATIENT_FIELDS):
        tables = (field.table,) if field.table != DEMOGRAPHIC else ()
        column = f"{field.table}.{field.column}"
        source = "demographic" + (
            f" inner join {field.table} on demographic.hadm_id = {field.table}.hadm_id" if tables else ""
        )
        templates.append(
            Q(
                f"get.{field.key}.by_{who.key}",
                "retrieval",
                f"what is the {field.label} of {{c1}}?",
                f"select distinct {column} from {source} where {{c1.sql}}",
                field.kind,
                RowAnchor((*tables, DEMOGRAPHIC)),
                Condition("c1", f"{who.table}.{who.column}", "=", who.phrase),
            )
        )
    for key, table, column, question, label, kind in _ITEM_LOOKUPS:
        cond = _BY_KEY[key]
        templates.append(
            Q(
                f"get.{label.replace(' ', '_')}.of_{key}",
                "retrieval",
                question,
                f"select distinct {table}.{column} from {table} where {{c1.sql}}",
                kind,
                RowAnchor((table,)),
                Condition("c1", f"{cond.table}.{cond.column}", "=", _ITEM_PHRASES[key]),
                weight=0.35,
            )
        )
    return templates


def _two_field_templates() -> list[Template]:
    """MIMICSQL's "what is the admission time and procedure of patient X?" (two columns)."""
    pairs = (
        ("admit", "proc_long"),
        ("disease", "dx_short"),
        ("dob", "drug"),
        ("age", "lab"),
        ("gender", "proc_short"),
        ("insurance", "dx_long"),
    )
    fields = {f.key: f for f in PATIENT_FIELDS}
    element = {"strings": "string", "integers": "integer", "datetimes": "datetime"}
    templates = []
    for who, (a_key, b_key) in product(_WHO, pairs):
        a, b = fields[a_key], fields[b_key]
        templates.append(
            Template(
                f"get2.{a.key}.{b.key}.by_{who.key}",
                "retrieval",
                (
                    _row_step(
                        f"what are the {a.label} and {b.label} of {{c1}}?",
                        f"select distinct demographic.{a.column}, {b.table}.{b.column} from demographic inner join "
                        f"{b.table} on demographic.hadm_id = {b.table}.hadm_id where {{c1.sql}}",
                        (element[a.kind], element[b.kind]),
                    ),
                ),
                (
                    RowAnchor((b.table, DEMOGRAPHIC)),
                    Condition("c1", f"{who.table}.{who.column}", "=", who.phrase),
                ),
            )
        )
    return templates


def _row_step(question: str, sql: str, columns: tuple[str, ...]) -> Step:
    return Step(question, sql, "rows", columns)


def _hold_out(templates: list[Template]) -> tuple[Template, ...]:
    """Every tenth template (by a stable hash of its id) is held out for the ``ood`` split."""
    return tuple(dataclasses.replace(t, held_out=_small_hash(t.id) % 10 == 0) for t in templates)


TEMPLATES: tuple[Template, ...] = _hold_out(
    [*_count_templates(), *_aggregate_templates(), *_retrieval_templates(), *_two_field_templates()]
)

DIALECT = Dialect(
    world="treqs",
    visits="",
    stays="",
    scopes={},
    visit_table="demographic",
    stay_table="demographic",
    visit_rows="",
    stay_rows="",
    current={},
    domains={},
)

CONTEXT = (
    "The database has five tables joined on HADM_ID: DEMOGRAPHIC (one row per hospital admission), "
    "DIAGNOSES, PROCEDURES, PRESCRIPTIONS and LAB. Text comparisons are case-insensitive. "
    '"How many patients" counts distinct SUBJECT_IDs; averages, minima and maxima are over admissions. '
    "When several values answer a question, give all of them as a list (order does not matter)."
)


@register_family
class TreqsFamily(EhrFamily):
    name = "treqs"
    title = "TREQS question answering (MIMICSQL, synthetic MIMIC tables)"
    description = (
        "Questions over five MIMICSQL tables (demographics, diagnoses, procedures, prescriptions, labs): "
        "counts, averages, extrema and retrieval, with typed answers."
    )
    split_sizes = {"train": 8988, "test": 996, "ood": 500}  # noqa: RUF012
    world_name = "treqs"
    dialect = DIALECT
    templates = TEMPLATES
    category_weights = {"count": 0.55, "retrieval": 0.32, "average": 0.06, "extremum": 0.07}  # noqa: RUF012
    context = CONTEXT
