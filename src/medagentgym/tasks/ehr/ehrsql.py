"""The EHRSQL question templates of MIMIC-III and eICU, as data.

One entry per EHRSQL question type (``q_tag``), written from the documented templates in the
nine clinical categories. Most types exist in both databases and share an entry: the SQL is
written against the abstract domains of ``dialect.py`` (``E`` is the anchor's domain, ``F`` a
second domain), so ``mimic_iii.py`` and ``eicu.py`` only supply their dialects. Types that
exist in one database only name it in ``worlds``.

Question placeholders: ``{pid}`` the patient, ``{name}``/``{name2}`` item names, ``{tg}`` the
global time filter, ``{w}`` a "within" relation, ``{x}``/``{x1}``/``{x2}`` first/last/...,
``{is}``/``{are}`` tense-dependent verbs, and option slots (``{agg}``, ``{n}``, ``{age}`` ...).
The ``SHAPES`` are the SQL patterns shared by many types.
"""

from __future__ import annotations

from typing import Any

from medagentgym.tasks.ehr.options import OPTION_TABLES
from medagentgym.tasks.ehr.slots import Anchor, Choice, Jitter, OtherNames, Pair, Role, Time, WithinSpec
from medagentgym.tasks.ehr.template import Q, Template

MIMIC, EICU = frozenset({"mimic_iii"}), frozenset({"eicu"})
BOOLEAN_SHARE = 0.02
"""Yes/no questions are 2% of a split, half true and half false, so that answering "true" (or
"false", or 0) to everything scores about 1%."""
CURRENT_WEIGHT = 0.3
"""Questions about the current stay of a patient have as many instances as there are patients in
hospital (about a hundred in the default world); draw them less."""
VOCABULARY_WEIGHT = 0.2
"""Questions whose only slot is an item name have few distinct instances; draw them less."""

# --------------------------------------------------------------------------- SQL shapes

_ORDER = "order by {E.time} {x.dir}{E.tb} limit 1 offset {x.off}"
_PATIENT_NAMED = "from {E.src} where {E.patient} and {E.named}{E.tg}"
_PATIENT_ANY = "from {E.src} where {E.patient} and {E.base}{E.tg}"

HAS = "select count(*) > 0 " + _PATIENT_NAMED
HAS_ANY = "select count(*) > 0 " + _PATIENT_ANY
TIMES = "select count(*) " + _PATIENT_NAMED
TIMES_ANY = "select count(*) " + _PATIENT_ANY
PATIENTS = "select count( distinct {E.person} ) from {E.src} where {E.named}{E.tg}"
CASES = "select count(*) from {E.src} where {E.named}{E.tg}"
WHEN = "select {E.time} " + _PATIENT_NAMED + " " + _ORDER
WHEN_ANY = "select {E.time} " + _PATIENT_ANY + " " + _ORDER
NAME_AT = (
    "select distinct {E.name} "
    + _PATIENT_ANY
    + " and {E.time} = ( select {E.time} "
    + _PATIENT_ANY
    + " order by {E.time} {x.dir} limit 1 )"
)
"""Every item at the first (or last) time: several rows often share it (diagnoses of a visit)."""
VALUE_AT = "select {E.value} " + _PATIENT_NAMED + " " + _ORDER
AGG = "select {agg.sql}( {E.value} ) " + _PATIENT_NAMED
SUM = "select sum( {E.value} ) " + _PATIENT_NAMED
SUM_ANY = "select sum( {E.value} ) " + _PATIENT_ANY
PERIODIC = "select {agg.sql}( {E.value} ) " + _PATIENT_NAMED + " group by strftime('{period.sql}',{E.time})"
SINCE = "select {unit.sql} * ( julianday({now}) - julianday({E.time}) ) " + _PATIENT_NAMED + " " + _ORDER
SINCE_ANY = "select {unit.sql} * ( julianday({now}) - julianday({E.time}) ) " + _PATIENT_ANY + " " + _ORDER


def _value_at(order: str) -> str:
    return (
        "select {E.value} "
        + _PATIENT_NAMED
        + f" order by {{E.time}} {{{order}.dir}}{{E.tb}} limit 1 offset {{{order}.off}}"
    )


CHANGE = f"select ( {_value_at('x2')} ) - ( {_value_at('x1')} )"
COMPARE = f"select ( {_value_at('x2')} ) {{cmp.sql}} ( {_value_at('x1')} )"
TOP = (
    "select t1.name from ( select {E.name} as name, dense_rank() over ( order by count(*) desc ) as c1 "
    "from {E.src} where {E.base}{E.tg}{extra} group by {E.name} ) as t1 where t1.c1 <= {n.sql}"
)
_AGED = " in ( select {V.visit} from {V.src} where {V.age} {age.sql} )"
TOP_AGED = TOP.replace("{extra}", " and {E.visit}" + _AGED)
TOP = TOP.replace("{extra}", "")
_PAIRS = (
    "from ( {E.rows_named} ) as t1 cross join ( {F.linked_any} ) as t2 on t1.person = t2.person where {W}"
)
TOP_AFTER = (
    "select t3.name from ( select t2.name, dense_rank() over ( order by count( distinct t2.rid ) desc ) as c1 "
    + _PAIRS
    + "{extra} group by t2.name ) as t3 where t3.c1 <= {n.sql}"
)
_GENDER = " and t2.person in ( select {P.person} from {P.src} where {P.name} = {L.gender} )"
TOP_AFTER_AGED = TOP_AFTER.replace("{extra}", " and t2.visit" + _AGED)
TOP_AFTER_GENDER_AGED = TOP_AFTER.replace("{extra}", " and t2.visit" + _AGED + _GENDER)
TOP_ALSO = TOP_AFTER.replace("{extra}", " and t2.name <> t1.name")
TOP_AFTER = TOP_AFTER.replace("{extra}", "")
COUNT_AFTER = (
    "select count( distinct t2.person ) from ( {E.rows_named} ) as t1 cross join ( {F.linked_named} ) as t2 "
    "on t1.person = t2.person where {W}"
)
NAMES_AFTER = "select distinct t2.name " + _PAIRS
NAME_TIMES = (
    "select t1.name from ( select {E.name} as name, count(*) as c1 "
    + _PATIENT_ANY
    + " group by {E.name} ) as t1 where t1.c1 {times.sql}"
)
_FIRST_PER_PERSON = (
    "select t0.person, min( t0.time ) as time, t0.visit from ( {E.rows_named} ) as t0 group by t0.person"
)
_SURVIVAL = (
    "select sum( case when t2.alive = 1 then 1 when julianday( t2.death ) - julianday( t1.time ) > {years.sql} * 365 "
    "then 1 else 0 end ) * 100.0 / count(*) from ( {cohort} ) as t1 join ( {D.status} ) as t2 "
    "on t1.person = t2.person where julianday({now}) - julianday( t1.time ) > {years.sql} * 365"
)
SURVIVAL = _SURVIVAL.replace("{cohort}", _FIRST_PER_PERSON)
SURVIVAL_AFTER = _SURVIVAL.replace(
    "{cohort}",
    f"select t4.person, t4.time from ( {_FIRST_PER_PERSON} ) as t4 cross join ( {{F.linked_named}} ) as t5 "
    "on t4.person = t5.person where t4.time < t5.time group by t4.person",
)
_COST_ITEM = (
    "select distinct {C.value} from {C.src} where {C.etype} = {E.event_type} and {C.eid} in "
    "( select {E.row} from {E.src} where {E.named} )"
)
_COST_TOTAL = (
    "select {agg.sql}( t1.c1 ) from ( select sum( {C.value} ) as c1 from {C.src} where {C.visit} in "
    "( select {E.visit} from {E.src} where {E.named} ){C.tg} group by {C.visit} ) as t1"
)
_MICRO_AT = (
    "{E.time} = ( select {E.time} from {E.src} where {E.patient} and {E.named}{E.tg} "
    "order by {E.time} {x.dir} limit 1 )"
)

# --------------------------------------------------------------------------- slot recipes

PATIENT = "patient"
POPULATION = "population"


def _patient(domain: str, time: str = PATIENT, **anchor: Any) -> tuple[Any, ...]:
    """A question about one patient's rows of ``domain``, with a time filter fitting the anchor."""
    return (Anchor(domain, **anchor), Time(time))


def _yes_no(domain: str, time: str = PATIENT) -> tuple[Any, ...]:
    """A yes/no question about a patient: the time filter comes from another patient's row, so
    the answer is "yes" or "no" about equally often."""
    decoy = Anchor(domain, patient=False, role="G", name="g_name", value="g_value")
    return (Anchor(domain), decoy, Time(time, of="G"))


def _population(domain: str, **anchor: Any) -> tuple[Any, ...]:
    return (Anchor(domain, patient=False, **anchor), Time(POPULATION))


def _pairs(
    first: str, second: str, *, patient: bool = False, within: str = "after", **pair: Any
) -> tuple[Any, ...]:
    """A question about ``second`` rows that follow ``first`` rows of the same person."""
    return (
        Anchor(first, patient=patient),
        Pair(second, patient=patient, **pair),
        WithinSpec(within),
        Time(PATIENT if patient else POPULATION),
    )


_ORDER_CHOICE = Choice("order")


def _cost_item(kind: str, domain: str, what: str) -> Template:
    return Q(
        f"cost.{kind}",
        "cost",
        f"what is the cost of {what}?",
        _COST_ITEM,
        "numbers",
        Anchor(domain, patient=False),
        Role("C", "cost", patient=False),
        weight=VOCABULARY_WEIGHT,
    )


def _cost_total(kind: str, domain: str, what: str, held_out: bool = False) -> Template:
    return Q(
        f"cost.total_{kind}",
        "cost",
        f"what {{is}} the {{agg}} total hospital cost that involves {what}{{tg}}?",
        _COST_TOTAL,
        "number",
        *_population(domain),
        Role("C", "cost", patient=False),
        Choice("agg"),
        held_out=held_out,
    )


_PREFIX = {
    "diagnosis": "dx",
    "lab": "lab",
    "microbiology": "micro",
    "prescription": "rx",
    "procedure": "proc",
}


def _top_after(
    category: str, kind: str, first: str, second: str, question: str, *, held_out: bool = False
) -> Template:
    return Q(
        f"{_PREFIX[category]}.{kind}",
        category,
        question,
        TOP_AFTER,
        "strings",
        *_pairs(first, second),
        Choice("n"),
        held_out=held_out,
    )


_AFTER_DX = "{w} after having been diagnosed with {name}{tg}"
_AFTER_PROC = "{w} after having received a {name} procedure{tg}"

# --------------------------------------------------------------------------- templates

ADMISSION = (
    Q(
        "adm.current_aged",
        "admission_demographics",
        "count the number of current patients aged {age}.",
        "select count( distinct {E.person} ) from {E.src} where {E.end} is null and {E.age} {age.sql}",
        "count",
        Role("E", "visit", patient=False),
        enumerate=OPTION_TABLES["age"],
        allow_zero=True,
    ),
    Q(
        "adm.current",
        "admission_demographics",
        "count the number of current patients.",
        "select count( distinct {E.person} ) from {E.src} where {E.end} is null",
        "count",
        Role("E", "visit", patient=False),
        enumerate=({},),
        allow_zero=True,
    ),
    Q(
        "adm.visits",
        "admission_demographics",
        "count the number of hospital visits of patient {pid}{tg}.",
        "select count( distinct {E.visit} ) from {E.src} where {E.patient}{E.tg}",
        "count",
        *_patient("visit", POPULATION),
    ),
    Q(
        "adm.icu_visits",
        "admission_demographics",
        "count the number of icu visits of patient {pid}{tg}.",
        "select count( distinct {E.stay} ) from {E.src} where {E.patient}{E.tg}",
        "count",
        *_patient("stay", "hospital"),
    ),
    Q(
        "adm.no_comeback",
        "admission_demographics",
        "count the number of patients who did not come back to the hospital{w} after diagnosed with {name}{tg}.",
        "select ( select count( distinct t1.person ) from ( {E.rows_named} ) as t1 ) - "
        "( select count( distinct t1.person ) from ( {E.rows_named} ) as t1 cross join ( {F.linked_any} ) as t2 "
        "on t1.person = t2.person where {W} )",
        "count",
        *_pairs("diagnosis", "visit", within="after_time"),
    ),
    Q(
        "adm.careunit_patients",
        "admission_demographics",
        "count the number of patients who stayed in careunit {name}{tg}.",
        PATIENTS,
        "count",
        *_population("careunit"),
        worlds=MIMIC,
    ),
    Q(
        "adm.ward_patients",
        "admission_demographics",
        "count the number of patients who stayed in ward {name}{tg}.",
        PATIENTS,
        "count",
        *_population("ward"),
    ),
    Q(
        "adm.admitted_patients",
        "admission_demographics",
        "count the number of patients who were admitted to the hospital{tg}.",
        "select count( distinct {E.person} ) from {E.src} where {E.base}{E.tg}",
        "count",
        *_population("visit"),
    ),
    Q(
        "adm.discharged_patients",
        "admission_demographics",
        "count the number of patients who were discharged from the hospital{tg}.",
        "select count( distinct {E.person} ) from {E.src} where {E.base}{E.tg}",
        "count",
        *_population("discharge"),
    ),
    Q(
        "adm.has_admitted",
        "admission_demographics",
        "has patient {pid} been admitted to the hospital{tg}?",
        HAS_ANY,
        "boolean",
        *_yes_no("visit", POPULATION),
    ),
    Q(
        "adm.has_er",
        "admission_demographics",
        "has patient {pid} been to an emergency room{tg}?",
        "select count(*) > 0 from {E.src} where {E.patient} and {E.location} = {E.er}{E.tg}",
        "boolean",
        *_yes_no("visit", POPULATION),
    ),
    Q(
        "adm.since_admit",
        "admission_demographics",
        "how many {unit} have passed since patient {pid} was admitted to the hospital currently?",
        "select distinct {unit.sql} * ( julianday({now}) - julianday({E.time}) ) from {E.src} "
        "where {E.patient} and {E.end} is null",
        "number",
        Anchor("visit", scope="hosp-cur"),
        Choice("unit"),
        weight=CURRENT_WEIGHT,
    ),
    Q(
        "adm.since_icu",
        "admission_demographics",
        "how many {unit} have passed since patient {pid} was admitted to the icu currently?",
        "select distinct {unit.sql} * ( julianday({now}) - julianday({E.time}) ) from {E.src} "
        "where {E.patient} and {E.end} is null",
        "number",
        Anchor("stay", scope="icu-cur"),
        Choice("unit"),
        weight=CURRENT_WEIGHT / 2,  # a patient with a current stay in the ICU: rarer still
    ),
    Q(
        "adm.since_careunit",
        "admission_demographics",
        "how many {unit} have passed since the {x} time patient {pid} stayed in careunit {name} on the "
        "current hospital visit?",
        SINCE,
        "number",
        *_patient("careunit", "cur", scope="hosp-cur"),
        _ORDER_CHOICE,
        Choice("unit"),
        worlds=MIMIC,
    ),
    Q(
        "adm.since_ward",
        "admission_demographics",
        "how many {unit} have passed since the {x} time patient {pid} stayed in ward {name} on the current "
        "hospital visit?",
        SINCE,
        "number",
        *_patient("ward", "cur", scope="hosp-cur"),
        _ORDER_CHOICE,
        Choice("unit"),
    ),
    Q(
        "adm.admit_times",
        "admission_demographics",
        "list the hospital admission time of patient {pid}{tg}.",
        "select distinct {E.time} from {E.src} where {E.patient}{E.tg}",
        "datetimes",
        *_patient("visit", POPULATION),
    ),
    Q(
        "adm.dob",
        "admission_demographics",
        "what is the date of birth of patient {pid}?",
        "select distinct {E.dob} from {E.src} where {E.person} = {L.pid}",
        "datetime",
        Anchor("person"),
        worlds=MIMIC,
    ),
    Q(
        "adm.gender",
        "admission_demographics",
        "what is the gender of patient {pid}?",
        "select distinct {E.name} from {E.src} where {E.person} = {L.pid}",
        "string",
        Anchor("person"),
    ),
    Q(
        "adm.age",
        "admission_demographics",
        "what {is} the age of patient {pid}{tg}?",
        "select distinct {E.age} from {E.src} where {E.patient}",
        "integer",
        *_patient("visit", "visit"),
    ),
    Q(
        "adm.marital",
        "admission_demographics",
        "what {is} the marital status of patient {pid}{tg}?",
        "select distinct {E.marital} from {E.src} where {E.patient}",
        "string",
        *_patient("visit", "visit"),
        worlds=MIMIC,
    ),
    Q(
        "adm.insurance",
        "admission_demographics",
        "what {is} the name of insurance of patient {pid}{tg}?",
        "select distinct {E.insurance} from {E.src} where {E.patient}",
        "string",
        *_patient("visit", "visit"),
        worlds=MIMIC,
    ),
    Q(
        "adm.careunit_at",
        "admission_demographics",
        "what was the {x} careunit of patient {pid}{tg}?",
        NAME_AT,
        "strings",
        *_patient("careunit"),
        _ORDER_CHOICE,
        worlds=MIMIC,
    ),
    Q(
        "adm.type_at",
        "admission_demographics",
        "what was the {x} hospital admission type of patient {pid}{tg}?",
        "select {E.type} " + _PATIENT_ANY + " " + _ORDER,
        "string",
        *_patient("visit", "hospital"),
        _ORDER_CHOICE,
    ),
    Q(
        "adm.los",
        "admission_demographics",
        "what was the {x} length of hospital stay of patient {pid}?",
        "select julianday( {E.end} ) - julianday( {E.time} ) from {E.src} where {E.patient} and {E.end} is not null "
        + _ORDER,
        "number",
        Anchor("visit"),
        _ORDER_CHOICE,
    ),
    Q(
        "adm.icu_los",
        "admission_demographics",
        "what was the {x} length of icu stay of patient {pid}?",
        "select julianday( {E.end} ) - julianday( {E.time} ) from {E.src} where {E.patient} and {E.end} is not null "
        + _ORDER,
        "number",
        Anchor("stay"),
        _ORDER_CHOICE,
        held_out=True,
    ),
    Q(
        "adm.ward_at",
        "admission_demographics",
        "what was the {x} ward of patient {pid}{tg}?",
        NAME_AT,
        "integers",
        *_patient("ward"),
        _ORDER_CHOICE,
    ),
    Q(
        "adm.admit_time_at",
        "admission_demographics",
        "when was the {x} hospital admission time of patient {pid}{tg}?",
        WHEN_ANY,
        "datetime",
        *_patient("visit", POPULATION),
        _ORDER_CHOICE,
    ),
    Q(
        "adm.admit_time_via",
        "admission_demographics",
        "when was the {x} hospital admission time that patient {pid} was admitted via {name}{tg}?",
        WHEN,
        "datetime",
        *_patient("visit", POPULATION),
        _ORDER_CHOICE,
    ),
    Q(
        "adm.discharge_time_at",
        "admission_demographics",
        "when was the {x} hospital discharge time of patient {pid}{tg}?",
        WHEN_ANY,
        "datetime",
        *_patient("discharge", POPULATION),
        _ORDER_CHOICE,
    ),
    Q(
        "adm.has_allergy",
        "admission_demographics",
        "has patient {pid} had any allergy{tg}?",
        HAS_ANY,
        "boolean",
        *_yes_no("allergy"),
        worlds=EICU,
    ),
    Q(
        "adm.allergy_names",
        "admission_demographics",
        "what was the name of the allergy that patient {pid} had{tg}?",
        "select distinct {E.name} " + _PATIENT_ANY,
        "strings",
        *_patient("allergy"),
        worlds=EICU,
    ),
    Q(
        "adm.allergy_drugs",
        "admission_demographics",
        "what was the name of the substance that patient {pid} was allergic to{tg}?",
        "select distinct {E.drug} " + _PATIENT_ANY + " and {E.drug} is not null",
        "strings",
        *_patient("allergy", where="{E.drug} is not null"),
        worlds=EICU,
    ),
)

COST = (
    _cost_item("drug", "prescription", "a drug named {name}"),
    _cost_item("procedure", "procedure", "a procedure named {name}"),
    _cost_item("lab", "lab", "a {name} lab test"),
    _cost_item("diagnosis", "diagnosis", "diagnosing {name}"),
    _cost_total("diagnosis", "diagnosis", "a diagnosis named {name}"),
    _cost_total("drug", "prescription", "a drug named {name}"),
    _cost_total("procedure", "procedure", "a procedure named {name}", held_out=True),
    _cost_total("lab", "lab", "a {name} lab test"),
    Q(
        "cost.patient",
        "cost",
        "what {is} the total hospital cost of patient {pid}{tg}?",
        SUM_ANY,
        "number",
        *_patient("cost", "hospital"),
    ),
)

DIAGNOSIS = (
    Q(
        "dx.dead_after",
        "diagnosis",
        "count the number of patients who were dead after having been diagnosed with {name}{w}{tg}.",
        f"select count( distinct t1.person ) from ( {_FIRST_PER_PERSON} ) as t1 cross join ( {{F.linked_any}} ) as t2 "
        "on t1.person = t2.person where {W}",
        "count",
        *_pairs("diagnosis", "death"),
    ),
    Q(
        "dx.after_dx",
        "diagnosis",
        "count the number of patients who were diagnosed with {name2}" + _AFTER_DX + ".",
        COUNT_AFTER,
        "count",
        *_pairs("diagnosis", "diagnosis"),
    ),
    Q(
        "dx.patients",
        "diagnosis",
        "count the number of patients who were diagnosed with {name}{tg}.",
        PATIENTS,
        "count",
        *_population("diagnosis"),
    ),
    Q(
        "dx.after_proc",
        "diagnosis",
        "count the number of patients who were diagnosed with {name2}" + _AFTER_PROC + ".",
        COUNT_AFTER,
        "count",
        *_pairs("procedure", "diagnosis"),
    ),
    Q(
        "dx.has",
        "diagnosis",
        "has patient {pid} been diagnosed with {name}{tg}?",
        HAS,
        "boolean",
        *_yes_no("diagnosis"),
    ),
    Q(
        "dx.has_any",
        "diagnosis",
        "has patient {pid} received any diagnosis{tg}?",
        HAS_ANY,
        "boolean",
        *_yes_no("diagnosis"),
    ),
    Q(
        "dx.since",
        "diagnosis",
        "how many {unit} have passed since the {x} time patient {pid} was diagnosed with {name} on the current "
        "hospital visit?",
        SINCE,
        "number",
        *_patient("diagnosis", "cur", scope="hosp-cur"),
        _ORDER_CHOICE,
        Choice("unit"),
    ),
    Q(
        "dx.patient_ids",
        "diagnosis",
        "list the ids of patients diagnosed with {name}{tg}.",
        "select distinct {E.person} from {E.src} where {E.named}{E.tg}",
        "strings",
        *_population("diagnosis"),
    ),
    Q(
        "dx.top",
        "diagnosis",
        "what {are} the top {n} frequent diagnoses{tg}?",
        TOP,
        "strings",
        *_population("diagnosis"),
        Choice("n"),
    ),
    Q(
        "dx.top_aged",
        "diagnosis",
        "what {are} the top {n} frequent diagnoses of patients aged {age}{tg}?",
        TOP_AGED,
        "strings",
        Role("V", "visit", patient=False),
        *_population("diagnosis"),
        Choice("n"),
        Choice("age"),
    ),
    _top_after(
        "diagnosis",
        "top_after_dx",
        "diagnosis",
        "diagnosis",
        "what {are} the top {n} frequent diagnoses that patients were diagnosed" + _AFTER_DX + "?",
    ),
    _top_after(
        "diagnosis",
        "top_after_proc",
        "procedure",
        "diagnosis",
        "what {are} the top {n} frequent diagnoses that patients were diagnosed" + _AFTER_PROC + "?",
        held_out=True,
    ),
    Q(
        "dx.abbreviation",
        "diagnosis",
        "what does {name} stand for?",
        "select d_icd_diagnoses.long_title from d_icd_diagnoses where d_icd_diagnoses.short_title = {L.name} "
        "union select d_icd_procedures.long_title from d_icd_procedures where d_icd_procedures.short_title = {L.name}",
        "strings",
        Anchor("diagnosis", patient=False),
        weight=VOCABULARY_WEIGHT,
        worlds=MIMIC,
    ),
    Q(
        "dx.records",
        "diagnosis",
        "what is the {agg} {period} number of patient records diagnosed with {name}{tg}?",
        "select {agg.sql}( t1.c1 ) from ( select count( distinct {E.key} ) as c1 from {E.src} where {E.named}{E.tg} "
        "group by strftime('{period.sql}',{E.time}) ) as t1",
        "number",
        *_population("diagnosis"),
        Choice("agg"),
        Choice("period"),
    ),
    Q(
        "dx.survival",
        "diagnosis",
        "what is the {years} survival rate of patients diagnosed with {name}? (as a percentage)",
        SURVIVAL,
        "number",
        Anchor("diagnosis", patient=False),
        Role("D", "death", patient=False),
        Choice("years"),
    ),
    Q(
        "dx.survival_rx",
        "diagnosis",
        "what is the {years} survival rate of patients who were prescribed {name2} after having been diagnosed "
        "with {name}? (as a percentage)",
        SURVIVAL_AFTER,
        "number",
        Anchor("diagnosis", patient=False),
        Pair("prescription", patient=False),
        Role("D", "death", patient=False),
        Choice("years"),
    ),
    Q(
        "dx.name_at",
        "diagnosis",
        "what was the name of the diagnosis that patient {pid} {x} received{tg}?",
        NAME_AT,
        "strings",
        *_patient("diagnosis"),
        _ORDER_CHOICE,
    ),
    Q(
        "dx.when",
        "diagnosis",
        "when was the {x} time that patient {pid} was diagnosed with {name}{tg}?",
        WHEN,
        "datetime",
        *_patient("diagnosis"),
        _ORDER_CHOICE,
    ),
)


def _io(kind: str, verb: str, held_out_periodic: bool = False) -> tuple[Template, ...]:
    """The questions asked about intakes and outputs alike (``verb``: "received" / "had")."""
    return (
        Q(
            f"io.{kind}_times",
            "intake_output",
            f"count the number of times that patient {{pid}} had a {{name}} {kind}{{tg}}.",
            TIMES,
            "count",
            *_patient(kind),
        ),
        Q(
            f"io.has_{kind}",
            "intake_output",
            f"has patient {{pid}} had any {{name}} {kind}{{tg}}?",
            HAS,
            "boolean",
            *_yes_no(kind),
        ),
        Q(
            f"io.{kind}_periodic",
            "intake_output",
            f"list the {{period}} {{agg}} volume of {{name}} {kind} that patient {{pid}} {verb}{{tg}}.",
            PERIODIC,
            "values",
            *_patient(kind),
            Choice("agg"),
            Choice("period"),
            held_out=held_out_periodic,
        ),
        Q(
            f"io.top_{kind}",
            "intake_output",
            f"what {{are}} the top {{n}} frequent {kind} events{{tg}}?",
            TOP,
            "strings",
            *_population(kind),
            Choice("n"),
        ),
        Q(
            f"io.{kind}_name_at",
            "intake_output",
            f"what was the name of the {kind} that patient {{pid}} {{x}} had{{tg}}?",
            NAME_AT,
            "strings",
            *_patient(kind),
            _ORDER_CHOICE,
        ),
        Q(
            f"io.{kind}_total",
            "intake_output",
            f"what was the total volume of {kind} that patient {{pid}} {verb}{{tg}}?",
            SUM_ANY,
            "number",
            *_patient(kind),
        ),
        Q(
            f"io.{kind}_named_total",
            "intake_output",
            f"what was the total volume of {{name}} {kind} that patient {{pid}} {verb}{{tg}}?",
            SUM,
            "number",
            *_patient(kind),
        ),
        Q(
            f"io.{kind}_when",
            "intake_output",
            f"when was the {{x}} time that patient {{pid}} had a {{name}} {kind}{{tg}}?",
            WHEN,
            "datetime",
            *_patient(kind),
            _ORDER_CHOICE,
        ),
    )


INTAKE_OUTPUT = (
    *_io("intake", "received"),
    *_io("output", "had", held_out_periodic=True),
    Q(
        "io.intake_patients",
        "intake_output",
        "count the number of patients who had a {name} intake{tg}.",
        PATIENTS,
        "count",
        *_population("intake"),
    ),
    Q(
        "io.since_intake",
        "intake_output",
        "how many {unit} have passed since the {x} time patient {pid} had a {name} intake on the current icu visit?",
        SINCE,
        "number",
        *_patient("intake", "icu_cur", scope="icu-cur"),
        _ORDER_CHOICE,
        Choice("unit"),
    ),
    Q(
        "io.balance",
        "intake_output",
        "what is the difference between the total volume of intake and output of patient {pid}{tg}?",
        "select ( select sum( {E.value} ) " + _PATIENT_ANY + " ) - ( select sum( {F.value} ) from {F.src} "
        "where {F.patient} and {F.base}{F.tg} )",
        "number",
        *_patient("intake"),
        Role("F", "output"),
    ),
    Q(
        "io.intake_time_at",
        "intake_output",
        "when was the {x} intake time of patient {pid}{tg}?",
        WHEN_ANY,
        "datetime",
        *_patient("intake"),
        _ORDER_CHOICE,
    ),
)

LAB = (
    Q(
        "lab.patients",
        "lab",
        "count the number of patients who received a {name} lab test{tg}.",
        PATIENTS,
        "count",
        *_population("lab"),
    ),
    Q(
        "lab.times",
        "lab",
        "count the number of times that patient {pid} received a {name} lab test{tg}.",
        TIMES,
        "count",
        *_patient("lab"),
    ),
    Q(
        "lab.has",
        "lab",
        "has patient {pid} received a {name} lab test{tg}?",
        HAS,
        "boolean",
        *_yes_no("lab"),
    ),
    Q(
        "lab.has_any",
        "lab",
        "has patient {pid} received any lab test{tg}?",
        HAS_ANY,
        "boolean",
        *_yes_no("lab"),
    ),
    Q(
        "lab.since",
        "lab",
        "how many {unit} have passed since the {x} time patient {pid} received a {name} lab test on the current "
        "hospital visit?",
        SINCE,
        "number",
        *_patient("lab", "cur", scope="hosp-cur"),
        _ORDER_CHOICE,
        Choice("unit"),
    ),
    Q(
        "lab.compare",
        "lab",
        "is the value of {name} of patient {pid} {x2} measured{tg} {cmp} than the {x1} value measured{tg}?",
        COMPARE,
        "boolean",
        *_patient("lab"),
        Choice("order_pair"),
        Choice("cmp"),
    ),
    Q(
        "lab.periodic",
        "lab",
        "list the {period} {agg} {name} lab value of patient {pid}{tg}.",
        PERIODIC,
        "values",
        *_patient("lab"),
        Choice("agg"),
        Choice("period"),
    ),
    Q(
        "lab.top",
        "lab",
        "what {are} the top {n} frequent lab tests{tg}?",
        TOP,
        "strings",
        *_population("lab"),
        Choice("n"),
    ),
    Q(
        "lab.top_aged",
        "lab",
        "what {are} the top {n} frequent lab tests of patients aged {age}{tg}?",
        TOP_AGED,
        "strings",
        Role("V", "visit", patient=False),
        *_population("lab"),
        Choice("n"),
        Choice("age"),
    ),
    _top_after(
        "lab",
        "top_after_dx",
        "diagnosis",
        "lab",
        "what {are} the top {n} frequent lab tests that patients had" + _AFTER_DX + "?",
    ),
    _top_after(
        "lab",
        "top_after_proc",
        "procedure",
        "lab",
        "what {are} the top {n} frequent lab tests that patients had" + _AFTER_PROC + "?",
    ),
    Q(
        "lab.change",
        "lab",
        "what is the change in the value of {name} of patient {pid} from the {x2} value measured{tg} compared to the "
        "{x1} value measured{tg}?",
        CHANGE,
        "number",
        *_patient("lab"),
        Choice("order_pair"),
    ),
    Q(
        "lab.percentile",
        "lab",
        "what percentile is the value of {value} in a {name} lab test among patients of the same age as patient "
        "{pid}{tg}? (as a percent rank between 0 and 1)",
        "select distinct t1.c1 from ( select {E.value} as v, percent_rank() over ( order by {E.value} ) as c1 "
        "from {E.src} where {E.named} and {E.visit} in ( select {A.visit} from {A.src} where {A.age} = "
        "( select distinct {V.age} from {V.src} where {V.patient} ) ) ) "
        "as t1 where t1.v = {L.value}",
        "number",
        *_patient("lab", "cur", scope="hosp-cur"),
        Role("V", "visit"),
        Role("A", "visit", patient=False),
    ),
    Q(
        "lab.agg",
        "lab",
        "what was the {agg} {name} value of patient {pid}{tg}?",
        AGG,
        "number",
        *_patient("lab"),
        Choice("agg"),
    ),
    Q(
        "lab.value_at",
        "lab",
        "what was the {x} measured value of a {name} lab test of patient {pid}{tg}?",
        VALUE_AT,
        "number",
        *_patient("lab"),
        _ORDER_CHOICE,
    ),
    Q(
        "lab.name_at",
        "lab",
        "what was the name of the lab test that patient {pid} {x} received{tg}?",
        NAME_AT,
        "strings",
        *_patient("lab"),
        _ORDER_CHOICE,
    ),
    Q(
        "lab.time_at",
        "lab",
        "when was the {x} lab test of patient {pid}{tg}?",
        WHEN_ANY,
        "datetime",
        *_patient("lab"),
        _ORDER_CHOICE,
    ),
    Q(
        "lab.when_extreme",
        "lab",
        "when was the {x} time that patient {pid} had the {sort} value of {name}{tg}?",
        "select {E.time} "
        + _PATIENT_NAMED
        + " order by {E.value} {sort.sql}, {E.time} {x.dir}{E.tb} limit 1",
        "datetime",
        *_patient("lab"),
        _ORDER_CHOICE,
        Choice("sort"),
        held_out=True,
    ),
    Q(
        "lab.when",
        "lab",
        "when was the {x} time that patient {pid} received a {name} lab test{tg}?",
        WHEN,
        "datetime",
        *_patient("lab"),
        _ORDER_CHOICE,
    ),
)

MICROBIOLOGY = (
    Q(
        "micro.patients",
        "microbiology",
        "count the number of patients who received a {name} microbiology test{tg}.",
        PATIENTS,
        "count",
        *_population("micro"),
    ),
    Q(
        "micro.has_any",
        "microbiology",
        "has patient {pid} had any microbiology test result{tg}?",
        HAS_ANY,
        "boolean",
        *_yes_no("micro"),
    ),
    Q(
        "micro.has",
        "microbiology",
        "has patient {pid} had any {name} microbiology test result{tg}?",
        HAS,
        "boolean",
        *_yes_no("micro"),
    ),
    Q(
        "micro.organism_found",
        "microbiology",
        "has there been any organism found in the {x} {name} microbiology test of patient {pid}{tg}?",
        "select count(*) > 0 from {E.src} where {E.patient} and {E.named} and {E.found} and " + _MICRO_AT,
        "boolean",
        *_patient("micro"),
        _ORDER_CHOICE,
    ),
    Q(
        "micro.top",
        "microbiology",
        "what {are} the top {n} frequent specimens tested{tg}?",
        TOP,
        "strings",
        *_population("micro"),
        Choice("n"),
    ),
    _top_after(
        "microbiology",
        "top_after_dx",
        "diagnosis",
        "micro",
        "what {are} the top {n} frequent specimens that patients were tested" + _AFTER_DX + "?",
    ),
    _top_after(
        "microbiology",
        "top_after_proc",
        "procedure",
        "micro",
        "what {are} the top {n} frequent specimens that patients were tested" + _AFTER_PROC + "?",
    ),
    Q(
        "micro.name_at",
        "microbiology",
        "what was the name of the specimen that patient {pid} was {x} tested{tg}?",
        NAME_AT,
        "strings",
        *_patient("micro"),
        _ORDER_CHOICE,
    ),
    Q(
        "micro.organism_at",
        "microbiology",
        "what was the organism name found in the {x} {name} microbiology test of patient {pid}{tg}?",
        "select distinct {E.org} from {E.src} where {E.patient} and {E.named} and {E.found} and " + _MICRO_AT,
        "strings",
        *_patient("micro", where="{E.found}"),
        _ORDER_CHOICE,
        held_out=True,
    ),
    Q(
        "micro.when",
        "microbiology",
        "when was patient {pid}'s {x} {name} microbiology test{tg}?",
        WHEN,
        "datetime",
        *_patient("micro"),
        _ORDER_CHOICE,
    ),
    Q(
        "micro.time_at",
        "microbiology",
        "when was the {x} microbiology test of patient {pid}{tg}?",
        WHEN_ANY,
        "datetime",
        *_patient("micro"),
        _ORDER_CHOICE,
    ),
)

PRESCRIPTION = (
    Q(
        "rx.count_patient",
        "prescription",
        "count the number of drugs patient {pid} were prescribed{tg}.",
        TIMES_ANY,
        "count",
        *_patient("prescription"),
    ),
    Q(
        "rx.patients",
        "prescription",
        "count the number of patients who were prescribed {name}{tg}.",
        PATIENTS,
        "count",
        *_population("prescription"),
    ),
    Q(
        "rx.after_dx_patients",
        "prescription",
        "count the number of patients who were prescribed {name2}" + _AFTER_DX + ".",
        COUNT_AFTER,
        "count",
        *_pairs("diagnosis", "prescription"),
    ),
    Q(
        "rx.after_proc_patients",
        "prescription",
        "count the number of patients who were prescribed {name2}" + _AFTER_PROC + ".",
        COUNT_AFTER,
        "count",
        *_pairs("procedure", "prescription"),
    ),
    Q(
        "rx.times",
        "prescription",
        "count the number of times that patient {pid} were prescribed {name}{tg}.",
        TIMES,
        "count",
        *_patient("prescription"),
    ),
    Q(
        "rx.cases",
        "prescription",
        "count the number of {name} prescription cases{tg}.",
        CASES,
        "count",
        *_population("prescription"),
    ),
    Q(
        "rx.has_any",
        "prescription",
        "has patient {pid} been prescribed any medication{tg}?",
        HAS_ANY,
        "boolean",
        *_yes_no("prescription"),
    ),
    Q(
        "rx.has_one_of",
        "prescription",
        "has patient {pid} been prescribed {n1}, {n2}, or {n3}{tg}?",
        "select count(*) > 0 from {E.src} where {E.patient} and {E.name} in {names_sql}{E.tg}",
        "boolean",
        *_yes_no("prescription"),
        OtherNames(2),
    ),
    Q(
        "rx.has",
        "prescription",
        "has patient {pid} been prescribed {name}{tg}?",
        HAS,
        "boolean",
        *_yes_no("prescription"),
    ),
    Q(
        "rx.since",
        "prescription",
        "how many {unit} have passed since the {x} time patient {pid} was prescribed {name} on the current "
        "hospital visit?",
        SINCE,
        "number",
        *_patient("prescription", "cur", scope="hosp-cur"),
        _ORDER_CHOICE,
        Choice("unit"),
    ),
    _top_after(
        "prescription",
        "top_after_rx",
        "prescription",
        "prescription",
        "what {are} the top {n} frequent drugs that patients were prescribed{w} after having been prescribed "
        "with {name}{tg}?",
    ),
    Q(
        "rx.top_also",
        "prescription",
        "what {are} the top {n} frequent prescribed drugs for patients who were also prescribed {name}{w}{tg}?",
        TOP_ALSO,
        "strings",
        *_pairs("prescription", "prescription", within="co", after=False, same_visit=True),
        Choice("n"),
        held_out=True,
    ),
    Q(
        "rx.top",
        "prescription",
        "what {are} the top {n} frequently prescribed drugs{tg}?",
        TOP,
        "strings",
        *_population("prescription"),
        Choice("n"),
    ),
    Q(
        "rx.top_aged",
        "prescription",
        "what {are} the top {n} frequently prescribed drugs of patients aged {age}{tg}?",
        TOP_AGED,
        "strings",
        Role("V", "visit", patient=False),
        *_population("prescription"),
        Choice("n"),
        Choice("age"),
    ),
    Q(
        "rx.top_aged_after_dx",
        "prescription",
        "what {are} the top {n} frequently prescribed drugs that patients aged {age} were prescribed"
        + _AFTER_DX
        + "?",
        TOP_AFTER_AGED,
        "strings",
        Role("V", "visit", patient=False),
        *_pairs("diagnosis", "prescription"),
        Choice("n"),
        Choice("age"),
    ),
    _top_after(
        "prescription",
        "top_after_dx",
        "diagnosis",
        "prescription",
        "what {are} the top {n} frequently prescribed drugs that patients were prescribed" + _AFTER_DX + "?",
    ),
    _top_after(
        "prescription",
        "top_after_proc",
        "procedure",
        "prescription",
        "what {are} the top {n} frequently prescribed drugs that patients were prescribed"
        + _AFTER_PROC
        + "?",
    ),
    Q(
        "rx.top_gender_aged_after_dx",
        "prescription",
        "what {are} the top {n} frequently prescribed drugs that {gender} patients aged {age} were prescribed"
        + _AFTER_DX
        + "?",
        TOP_AFTER_GENDER_AGED,
        "strings",
        Role("V", "visit", patient=False),
        *_pairs("diagnosis", "prescription"),
        Pair("person", patient=False, role="P", name="gender", value="p_value", after=False),
        Choice("n"),
        Choice("age"),
    ),
    Q(
        "rx.route",
        "prescription",
        "what is the intake method of {name}?",
        "select distinct {E.route} from {E.src} where {E.named}",
        "strings",
        Anchor("prescription", patient=False),
        weight=VOCABULARY_WEIGHT,
    ),
    Q(
        "rx.dose_at",
        "prescription",
        "what was the dose of {name} that patient {pid} was {x} prescribed{tg}?",
        VALUE_AT,
        "number",
        *_patient("prescription"),
        _ORDER_CHOICE,
        worlds=MIMIC,
    ),
    Q(
        "rx.name_at",
        "prescription",
        "what was the name of the drug that patient {pid} was {x} prescribed{tg}?",
        NAME_AT,
        "strings",
        *_patient("prescription"),
        _ORDER_CHOICE,
    ),
    Q(
        "rx.name_at_route",
        "prescription",
        "what was the name of the drug that patient {pid} was {x} prescribed via {name} route{tg}?",
        "select {E.drug} " + _PATIENT_NAMED + " " + _ORDER,
        "string",
        *_patient("route"),
        _ORDER_CHOICE,
    ),
    Q(
        "rx.name_after_dx",
        "prescription",
        "what was the name of the drug that patient {pid} was prescribed" + _AFTER_DX + "?",
        NAMES_AFTER,
        "strings",
        *_pairs("diagnosis", "prescription", patient=True),
    ),
    Q(
        "rx.name_after_proc",
        "prescription",
        "what was the name of the drug that patient {pid} was prescribed" + _AFTER_PROC + "?",
        NAMES_AFTER,
        "strings",
        *_pairs("procedure", "prescription", patient=True),
    ),
    Q(
        "rx.name_times",
        "prescription",
        "what was the name of the drug that patient {pid} were prescribed {times}{tg}?",
        NAME_TIMES,
        "strings",
        *_patient("prescription"),
        Choice("times"),
    ),
    Q(
        "rx.dose_total",
        "prescription",
        "what was the total amount of dose of {name} that patient {pid} were prescribed{tg}?",
        SUM,
        "number",
        *_patient("prescription"),
        worlds=MIMIC,
    ),
    Q(
        "rx.time_at",
        "prescription",
        "when was the {x} prescription time of patient {pid}{tg}?",
        WHEN_ANY,
        "datetime",
        *_patient("prescription"),
        _ORDER_CHOICE,
    ),
    Q(
        "rx.when_route",
        "prescription",
        "when was the {x} time that patient {pid} was prescribed a medication via {name} route{tg}?",
        WHEN,
        "datetime",
        *_patient("route"),
        _ORDER_CHOICE,
    ),
    Q(
        "rx.when_both",
        "prescription",
        "when was the {x} time that patient {pid} was prescribed {name} and {name2}{w}{tg}?",
        "select t1.time from ( {E.rows_named} ) as t1 cross join ( {F.linked_named} ) as t2 on t1.person = t2.person "
        "where {W} order by t1.time {x.dir}{tb_t1} limit 1",
        "datetime",
        *_pairs("prescription", "prescription", patient=True, within="co", after=False, same_visit=True),
        _ORDER_CHOICE,
    ),
    Q(
        "rx.when",
        "prescription",
        "when was the {x} time that patient {pid} was prescribed {name}{tg}?",
        WHEN,
        "datetime",
        *_patient("prescription"),
        _ORDER_CHOICE,
    ),
)

PROCEDURE = (
    Q(
        "proc.after_proc_patients",
        "procedure",
        "count the number of patients who received a {name2} procedure" + _AFTER_PROC + ".",
        COUNT_AFTER,
        "count",
        *_pairs("procedure", "procedure"),
    ),
    Q(
        "proc.times_patients",
        "procedure",
        "count the number of patients who received a {name} procedure {times}{tg}.",
        "select count(*) from ( select {E.person} as person, count(*) as c1 from {E.src} where {E.named}{E.tg} "
        "group by {E.person} ) as t1 where t1.c1 {times.sql}",
        "count",
        *_population("procedure"),
        Choice("times"),
    ),
    Q(
        "proc.patients",
        "procedure",
        "count the number of patients who received a {name} procedure{tg}.",
        PATIENTS,
        "count",
        *_population("procedure"),
    ),
    Q(
        "proc.after_dx_patients",
        "procedure",
        "count the number of patients who received a {name2} procedure" + _AFTER_DX + ".",
        COUNT_AFTER,
        "count",
        *_pairs("diagnosis", "procedure"),
    ),
    Q(
        "proc.times",
        "procedure",
        "count the number of times that patient {pid} received a {name} procedure{tg}.",
        TIMES,
        "count",
        *_patient("procedure"),
    ),
    Q(
        "proc.cases",
        "procedure",
        "count the number of {name} procedure cases{tg}.",
        CASES,
        "count",
        *_population("procedure"),
    ),
    Q(
        "proc.has",
        "procedure",
        "has patient {pid} received a {name} procedure{tg}?",
        HAS,
        "boolean",
        *_yes_no("procedure"),
    ),
    Q(
        "proc.has_other_hospital",
        "procedure",
        "has patient {pid} received a {name} procedure in other than the current hospital{tg}?",
        "select count(*) > 0 from {E.src} where {E.person} = {L.pid} and {E.named} and {E.hospital} <> "
        "( select distinct {V.hospital} from {V.src} where {V.person} = {L.pid} and {V.end} is null ){E.tg}",
        "boolean",
        Anchor("procedure", scope="hosp-cur"),
        Anchor("procedure", patient=False, role="G", name="g_name", value="g_value"),
        Time(POPULATION, of="G"),
        Role("V", "visit"),
        worlds=EICU,
    ),
    Q(
        "proc.has_any",
        "procedure",
        "has patient {pid} received any procedure{tg}?",
        HAS_ANY,
        "boolean",
        *_yes_no("procedure"),
    ),
    Q(
        "proc.since_any",
        "procedure",
        "how many {unit} have passed since the {x} time patient {pid} received a procedure on the current hospital "
        "visit?",
        SINCE_ANY,
        "number",
        *_patient("procedure", "cur", scope="hosp-cur"),
        _ORDER_CHOICE,
        Choice("unit"),
    ),
    Q(
        "proc.since",
        "procedure",
        "how many {unit} have passed since the {x} time patient {pid} received a {name} procedure on the current "
        "hospital visit?",
        SINCE,
        "number",
        *_patient("procedure", "cur", scope="hosp-cur"),
        _ORDER_CHOICE,
        Choice("unit"),
    ),
    Q(
        "proc.top",
        "procedure",
        "what {are} the top {n} frequent procedures{tg}?",
        TOP,
        "strings",
        *_population("procedure"),
        Choice("n"),
    ),
    Q(
        "proc.top_aged",
        "procedure",
        "what {are} the top {n} frequent procedures of patients aged {age}{tg}?",
        TOP_AGED,
        "strings",
        Role("V", "visit", patient=False),
        *_population("procedure"),
        Choice("n"),
        Choice("age"),
    ),
    _top_after(
        "procedure",
        "top_after_dx",
        "diagnosis",
        "procedure",
        "what {are} the top {n} frequent procedures that patients received" + _AFTER_DX + "?",
    ),
    _top_after(
        "procedure",
        "top_after_proc",
        "procedure",
        "procedure",
        "what {are} the top {n} frequent procedures that patients received" + _AFTER_PROC + "?",
    ),
    Q(
        "proc.name_at",
        "procedure",
        "what was the name of the procedure that patient {pid} {x} received{tg}?",
        NAME_AT,
        "strings",
        *_patient("procedure"),
        _ORDER_CHOICE,
    ),
    Q(
        "proc.name_times",
        "procedure",
        "what was the name of the procedure that patient {pid} received {times}{tg}?",
        NAME_TIMES,
        "strings",
        *_patient("procedure"),
        Choice("times"),
        held_out=True,
    ),
    Q(
        "proc.time_at",
        "procedure",
        "when was the {x} procedure time of patient {pid}{tg}?",
        WHEN_ANY,
        "datetime",
        *_patient("procedure"),
        _ORDER_CHOICE,
    ),
    Q(
        "proc.when",
        "procedure",
        "when was the {x} time that patient {pid} received a {name} procedure{tg}?",
        WHEN,
        "datetime",
        *_patient("procedure"),
        _ORDER_CHOICE,
    ),
)

VITAL_SIGNS = (
    Q(
        "vital.ever",
        "vital_signs",
        "has the {name} of patient {pid} been ever {cmp} than {value}{tg}?",
        "select count(*) > 0 " + _PATIENT_NAMED.replace("{E.tg}", " and {E.value} {cmp.sql} {L.value}{E.tg}"),
        "boolean",
        *_patient("vital"),
        Jitter(),
        Choice("cmp"),
    ),
    Q(
        "vital.compare",
        "vital_signs",
        "is the {name} of patient {pid} {x2} measured{tg} {cmp} than the {x1} value measured{tg}?",
        COMPARE,
        "boolean",
        *_patient("vital"),
        Choice("order_pair"),
        Choice("cmp"),
    ),
    Q(
        "vital.weight_periodic",
        "vital_signs",
        "list the {period} {agg} weight of patient {pid}{tg}.",
        PERIODIC,
        "values",
        *_patient("weight"),
        Choice("agg"),
        Choice("period"),
    ),
    Q(
        "vital.periodic",
        "vital_signs",
        "list the {period} {agg} {name} of patient {pid}{tg}.",
        PERIODIC,
        "values",
        *_patient("vital"),
        Choice("agg"),
        Choice("period"),
    ),
    Q(
        "vital.weight_change",
        "vital_signs",
        "what is the change in the weight of patient {pid} from the {x2} value measured{tg} compared to the {x1} "
        "value measured{tg}?",
        CHANGE,
        "number",
        *_patient("weight"),
        Choice("order_pair"),
    ),
    Q(
        "vital.change",
        "vital_signs",
        "what is the change in the {name} of patient {pid} from the {x2} value measured{tg} compared to the {x1} "
        "value measured{tg}?",
        CHANGE,
        "number",
        *_patient("vital"),
        Choice("order_pair"),
    ),
    Q(
        "vital.agg",
        "vital_signs",
        "what was the {agg} {name} of patient {pid}{tg}?",
        AGG,
        "number",
        *_patient("vital"),
        Choice("agg"),
    ),
    Q(
        "vital.height_at",
        "vital_signs",
        "what was the {x} measured height of patient {pid}{tg}?",
        VALUE_AT,
        "number",
        *_patient("height"),
        _ORDER_CHOICE,
    ),
    Q(
        "vital.weight_at",
        "vital_signs",
        "what was the {x} measured weight of patient {pid}{tg}?",
        VALUE_AT,
        "number",
        *_patient("weight"),
        _ORDER_CHOICE,
    ),
    Q(
        "vital.value_at",
        "vital_signs",
        "what was the {x} measured {name} of patient {pid}{tg}?",
        VALUE_AT,
        "number",
        *_patient("vital"),
        _ORDER_CHOICE,
    ),
    Q(
        "vital.when",
        "vital_signs",
        "when was the {x} time that patient {pid} had a {name} measured{tg}?",
        WHEN,
        "datetime",
        *_patient("vital"),
        _ORDER_CHOICE,
    ),
    Q(
        "vital.when_extreme",
        "vital_signs",
        "when was the {x} time that patient {pid} had the {sort} {name}{tg}?",
        "select {E.time} "
        + _PATIENT_NAMED
        + " order by {E.value} {sort.sql}, {E.time} {x.dir}{E.tb} limit 1",
        "datetime",
        *_patient("vital"),
        _ORDER_CHOICE,
        Choice("sort"),
    ),
    Q(
        "vital.when_cmp",
        "vital_signs",
        "when was the {x} time that the {name} of patient {pid} was {cmp} than {value}{tg}?",
        "select {E.time} "
        + _PATIENT_NAMED.replace("{E.tg}", " and {E.value} {cmp.sql} {L.value}{E.tg}")
        + " "
        + _ORDER,
        "datetime",
        *_patient("vital"),
        Jitter(),
        Choice("cmp"),
        _ORDER_CHOICE,
        held_out=True,
    ),
)

TEMPLATES: tuple[Template, ...] = (
    *ADMISSION,
    *COST,
    *DIAGNOSIS,
    *INTAKE_OUTPUT,
    *LAB,
    *MICROBIOLOGY,
    *PRESCRIPTION,
    *PROCEDURE,
    *VITAL_SIGNS,
)
"""Every EHRSQL question type; each family keeps those that apply to its world."""

CATEGORY_WEIGHTS = {
    "admission_demographics": 207,
    "cost": 65,
    "diagnosis": 116,
    "intake_output": 133,
    "lab": 131,
    "microbiology": 67,
    "prescription": 196,
    "procedure": 122,
    "vital_signs": 97,
}
"""Task counts per category in the original MIMIC-III files (train + test): the category mix."""
