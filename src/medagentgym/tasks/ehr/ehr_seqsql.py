"""EHR-SeqSQL: multi-turn episodes over MIMIC-III where follow-up questions build on earlier ones.

EHR-SeqSQL (Ryu et al., 2024) splits EHRSQL questions into sequences of simpler ones that refer
back ("of those patients", "during that stay"). Its task file is not public, so the episodes
here are our own, in four categories (our reconstruction of the paper's four):

* ``cohort_refinement``: a cohort is defined, then narrowed step by step;
* ``cohort_statistics``: a cohort is defined, then described (ages, costs, values, top items);
* ``patient_timeline``: an event of one patient, then what happened around it;
* ``measurement_tracking``: one patient's measurements followed over time.

Later steps embed the SQL of earlier ones (``{q1}``, ``{q2}`` ...), as EHR-SeqSQL's
``prev_query`` does. Every step has its own typed answer and oracle; an episode succeeds when
all its answers are right. The last template of each category is held out for ``ood``.
"""

from __future__ import annotations

from typing import Any

from medagentgym.tasks.ehr import mimic_iii
from medagentgym.tasks.ehr.family import CONVENTIONS, EhrFamily
from medagentgym.tasks.ehr.options import FIRST
from medagentgym.tasks.ehr.results import AnswerKind
from medagentgym.tasks.ehr.slots import Anchor, Choice, Fixed, Jitter, Pair, Role, Time
from medagentgym.tasks.ehr.template import Step, Template
from medagentgym.tasks.registry import register_family

Spec = tuple[str, str, AnswerKind]


def episode(id: str, category: str, steps: tuple[Spec, ...], *slots: Any, held_out: bool = False) -> Template:
    """A multi-step template: ``steps`` are (question, SQL, answer kind)."""
    return Template(id, category, tuple(Step(*spec) for spec in steps), tuple(slots), held_out=held_out)


_PATIENTS = "select count( distinct {E.person} ) from {E.src} where {E.named}{E.tg}"
_CASES = "select count(*) from {E.src} where {E.named}{E.tg}"
_IN_COHORT = "( select {E.visit} from {E.src} where {E.named}{E.tg} )"
_AFTER = "from ( {E.rows_named} ) as t1 cross join ( {F.linked_named} ) as t2 on t1.person = t2.person where "
_MINE = "from {E.src} where {E.patient} and {E.named}{E.tg}"
_VISIT_OF_Q1 = "( select {E.visit} from {E.src} where {E.patient} and {E.named} and {E.time} = ( {q1} ) )"

_POPULATION = "population"
_PATIENT = "patient"

COHORT_REFINEMENT = (
    episode(
        "seq.micro_then_organism_then_list",
        "cohort_refinement",
        (
            ("how many patients had a {name} microbiology test{tg}?", _PATIENTS, "count"),
            (
                "in how many of these patients was an organism found?",
                _PATIENTS.replace("{E.tg}", "{E.tg} and {E.found}"),
                "count",
            ),
            (
                "list the organisms that were found.",
                "select distinct {E.org} from {E.src} where {E.named}{E.tg} and {E.found}",
                "strings",
            ),
        ),
        Anchor("micro", patient=False, where="{E.found}"),
        Time(_POPULATION),
    ),
    episode(
        "seq.output_then_large_volumes",
        "cohort_refinement",
        (
            ("how many patients had a {name} output{tg}?", _PATIENTS, "count"),
            (
                "how many of them had a single {name} output of more than {value}?",
                _PATIENTS + " and {E.value} > {L.value}",
                "count",
            ),
            ("how many such outputs were recorded in total?", _CASES + " and {E.value} > {L.value}", "count"),
        ),
        Anchor("output", patient=False),
        Time(_POPULATION),
        Jitter(),
    ),
    episode(
        "seq.dx_then_drug_then_gender",
        "cohort_refinement",
        (
            ("how many patients were diagnosed with {name}{tg}?", _PATIENTS, "count"),
            (
                "of those patients, how many were prescribed {name2} after the diagnosis?",
                "select count( distinct t1.person ) " + _AFTER + "t1.time < t2.time",
                "count",
            ),
            (
                "how many of them have the gender '{gender}'?",
                "select count( distinct t1.person ) "
                + _AFTER
                + "t1.time < t2.time and t1.person in ( select {P.person} from {P.src} where {P.name} = {L.gender} )",
                "count",
            ),
        ),
        Anchor("diagnosis", patient=False),
        Pair("prescription", patient=False, timed=False),
        Pair("person", patient=False, role="P", name="gender", value="p_value", after=False),
        Time(_POPULATION),
    ),
    episode(
        "seq.lab_then_threshold_then_max",
        "cohort_refinement",
        (
            ("how many patients received a {name} lab test{tg}?", _PATIENTS, "count"),
            (
                "how many of them had a {name} value greater than {value} in that period?",
                _PATIENTS + " and {E.value} > {L.value}",
                "count",
            ),
            (
                "what was the highest {name} value among these tests?",
                "select max( {E.value} ) from {E.src} where {E.named}{E.tg}",
                "number",
            ),
        ),
        Anchor("lab", patient=False),
        Time(_POPULATION),
        Jitter(),
    ),
    episode(
        "seq.procedure_then_diagnosis_then_ids",
        "cohort_refinement",
        (
            ("how many patients received a {name} procedure{tg}?", _PATIENTS, "count"),
            (
                "of those, how many were diagnosed with {name2} during the same hospital visit?",
                "select count( distinct t1.person ) " + _AFTER + "t1.visit = t2.visit",
                "count",
            ),
            ("list their ids.", "select distinct t1.person " + _AFTER + "t1.visit = t2.visit", "strings"),
        ),
        Anchor("procedure", patient=False),
        Pair("diagnosis", patient=False, after=False, same_visit=True, timed=False),
        Time(_POPULATION),
    ),
    episode(
        "seq.admissions_then_route_then_age",
        "cohort_refinement",
        (
            (
                "how many patients were admitted to the hospital{tg}?",
                "select count( distinct {E.person} ) from {E.src} where {E.base}{E.tg}",
                "count",
            ),
            ("how many of them were admitted via {name}?", _PATIENTS, "count"),
            (
                "how many of those were aged {age} at that admission?",
                _PATIENTS + " and {E.age} {age.sql}",
                "count",
            ),
        ),
        Anchor("visit", patient=False),
        Time(_POPULATION),
        Choice("age"),
    ),
    episode(
        "seq.careunit_then_visits_then_length",
        "cohort_refinement",
        (
            ("how many patients stayed in careunit {name}{tg}?", _PATIENTS, "count"),
            (
                "how many hospital visits do these stays belong to?",
                "select count( distinct {E.visit} ) from {E.src} where {E.named}{E.tg}",
                "count",
            ),
            (
                "what is the average length of those hospital visits in days (discharged visits only)?",
                "select avg( julianday( {V.end} ) - julianday( {V.time} ) ) from {V.src} where {V.visit} in "
                + _IN_COHORT
                + " and {V.end} is not null",
                "number",
            ),
        ),
        Anchor("careunit", patient=False),
        Role("V", "visit", patient=False, timed=False),
        Time(_POPULATION),
        held_out=True,
    ),
)

COHORT_STATISTICS = (
    episode(
        "seq.procedure_cohort_diagnoses",
        "cohort_statistics",
        (
            ("how many {name} procedures were performed{tg}?", _CASES, "count"),
            ("how many different patients received them?", _PATIENTS, "count"),
            (
                "what is the average age of these patients on the hospital visits of the procedures?",
                "select avg( {V.age} ) from {V.src} where {V.visit} in " + _IN_COHORT,
                "number",
            ),
            (
                "what are the top {n} diagnoses of those hospital visits?",
                "select t1.name from ( select {D.name} as name, dense_rank() over ( order by count(*) desc ) as c1 "
                "from {D.src} where {D.visit} in "
                + _IN_COHORT
                + " group by {D.name} ) as t1 where t1.c1 <= {n.sql}",
                "strings",
            ),
        ),
        Anchor("procedure", patient=False),
        Role("V", "visit", patient=False, timed=False),
        Role("D", "diagnosis", patient=False, timed=False),
        Time(_POPULATION),
        Choice("n"),
    ),
    episode(
        "seq.vital_cohort",
        "cohort_statistics",
        (
            ("how many patients had their {name} measured{tg}?", _PATIENTS, "count"),
            (
                "what was the average {name} value?",
                "select avg( {E.value} ) from {E.src} where {E.named}{E.tg}",
                "number",
            ),
            (
                "and the highest value?",
                "select max( {E.value} ) from {E.src} where {E.named}{E.tg}",
                "number",
            ),
        ),
        Anchor("vital", patient=False),
        Time(_POPULATION),
    ),
    episode(
        "seq.dx_age_top_drugs",
        "cohort_statistics",
        (
            ("how many patients were diagnosed with {name}{tg}?", _PATIENTS, "count"),
            (
                "what is the average age of these patients on the hospital visits with that diagnosis?",
                "select avg( {V.age} ) from {V.src} where {V.visit} in " + _IN_COHORT,
                "number",
            ),
            (
                "what are the top {n} drugs most frequently prescribed to them after the diagnosis during the same "
                "hospital visit?",
                "select t3.name from ( select t2.name, dense_rank() over ( order by count( distinct t2.rid ) desc ) "
                "as c1 from ( {E.rows_named} ) as t1 cross join ( {F.linked_any} ) as t2 on t1.person = t2.person "
                "where t1.time < t2.time and t1.visit = t2.visit group by t2.name ) as t3 where t3.c1 <= {n.sql}",
                "strings",
            ),
        ),
        Anchor("diagnosis", patient=False),
        Role("V", "visit", patient=False, timed=False),
        Role("F", "prescription", patient=False, timed=False),
        Time(_POPULATION),
        Choice("n"),
    ),
    episode(
        "seq.drug_cost",
        "cohort_statistics",
        (
            ("how many patients were prescribed {name}{tg}?", _PATIENTS, "count"),
            (
                "what is the average total hospital cost of the hospital visits in which they were prescribed it?",
                "select avg( t1.c1 ) from ( select sum( {C.value} ) as c1 from {C.src} where {C.visit} in "
                + _IN_COHORT
                + " group by {C.visit} ) as t1",
                "number",
            ),
            (
                "and the highest total cost among those visits?",
                "select max( t1.c1 ) from ( select sum( {C.value} ) as c1 from {C.src} where {C.visit} in "
                + _IN_COHORT
                + " group by {C.visit} ) as t1",
                "number",
            ),
        ),
        Anchor("prescription", patient=False),
        Role("C", "cost", patient=False, timed=False),
        Time(_POPULATION),
    ),
    episode(
        "seq.lab_values",
        "cohort_statistics",
        (
            ("how many {name} lab tests were performed{tg}?", _CASES, "count"),
            (
                "what was their average value?",
                "select avg( {E.value} ) from {E.src} where {E.named}{E.tg}",
                "number",
            ),
            ("how many different patients had them?", _PATIENTS, "count"),
            (
                "what was the lowest value?",
                "select min( {E.value} ) from {E.src} where {E.named}{E.tg}",
                "number",
            ),
        ),
        Anchor("lab", patient=False),
        Time(_POPULATION),
    ),
    episode(
        "seq.micro_organisms",
        "cohort_statistics",
        (
            ("how many {name} microbiology tests were taken{tg}?", _CASES, "count"),
            ("in how many of them was an organism found?", _CASES + " and {E.found}", "count"),
            (
                "what are the top {n} organisms found in them?",
                "select t1.name from ( select {E.org} as name, dense_rank() over ( order by count(*) desc ) as c1 "
                "from {E.src} where {E.named}{E.tg} and {E.found} group by {E.org} ) as t1 "
                "where t1.c1 <= {n.sql}",
                "strings",
            ),
        ),
        Anchor("micro", patient=False, where="{E.found}"),
        Time(_POPULATION),
        Choice("n"),
    ),
    episode(
        "seq.intake_volumes",
        "cohort_statistics",
        (
            ("how many patients had a {name} intake{tg}?", _PATIENTS, "count"),
            (
                "what was the total volume given to them?",
                "select sum( {E.value} ) from {E.src} where {E.named}{E.tg}",
                "number",
            ),
            (
                "what was the average volume per intake event?",
                "select avg( {E.value} ) from {E.src} where {E.named}{E.tg}",
                "number",
            ),
        ),
        Anchor("intake", patient=False),
        Time(_POPULATION),
        held_out=True,
    ),
)

PATIENT_TIMELINE = (
    episode(
        "seq.lab_same_time",
        "patient_timeline",
        (
            (
                "when did patient {pid} last receive a {name} lab test{tg}?",
                "select {E.time} " + _MINE + " order by {E.time} desc{E.tb} limit 1",
                "datetime",
            ),
            (
                "which other lab tests did the patient receive at that time?",
                "select distinct {K.name} from {K.src} where {K.patient} and {K.base} and {K.time} = ( {q1} ) "
                "and {K.name} <> {L.name}",
                "strings",
            ),
            (
                "what was the {name} value at that time?",
                "select {E.value} " + _MINE + " and {E.time} = ( {q1} )",
                "number",
            ),
        ),
        Anchor("lab"),
        Role("K", "lab", timed=False),
        Time(_PATIENT),
    ),
    episode(
        "seq.dx_then_drugs",
        "patient_timeline",
        (
            (
                "when was patient {pid} first diagnosed with {name}{tg}?",
                "select {E.time} " + _MINE + " order by {E.time} asc{E.tb} limit 1",
                "datetime",
            ),
            (
                "which drugs was the patient prescribed within {days} day after that?",
                "select distinct {F.name} from {F.src} where {F.patient} and {F.base} and {F.time} > ( {q1} ) "
                "and datetime( {F.time} ) <= datetime( ( {q1} ), '+{days.sql} day' )",
                "strings",
            ),
            (
                "how many prescriptions were there in that period in total?",
                "select count(*) from {F.src} where {F.patient} and {F.base} and {F.time} > ( {q1} ) "
                "and datetime( {F.time} ) <= datetime( ( {q1} ), '+{days.sql} day' )",
                "count",
            ),
        ),
        Anchor("diagnosis"),
        Role("F", "prescription", timed=False),
        Time(_PATIENT),
        Choice("days"),
    ),
    episode(
        "seq.first_admission_stay",
        "patient_timeline",
        (
            (
                "when was patient {pid} first admitted to the hospital{tg}?",
                "select {E.time} from {E.src} where {E.patient}{E.tg} order by {E.time} asc{E.tb} limit 1",
                "datetime",
            ),
            (
                "how many days did that hospital stay last?",
                "select julianday( {E.end} ) - julianday( {E.time} ) from {E.src} where {E.patient} "
                "and {E.time} = ( {q1} ) and {E.end} is not null",
                "number",
            ),
            (
                "how many lab tests did the patient receive during that stay?",
                "select count(*) from {K.src} where {K.visit} in ( select {E.visit} from {E.src} "
                "where {E.patient} and {E.time} = ( {q1} ) )",
                "count",
            ),
            (
                "what was the last lab test of that stay?",
                "select distinct {K.name} from {K.src} where {K.visit} in ( select {E.visit} from {E.src} "
                "where {E.patient} and {E.time} = ( {q1} ) ) and {K.time} = ( select max( {K.time} ) from {K.src} "
                "where {K.visit} in ( select {E.visit} from {E.src} where {E.patient} and {E.time} = ( {q1} ) ) )",
                "strings",
            ),
        ),
        Anchor("visit"),
        Role("K", "lab", patient=False, timed=False),
        Time(_POPULATION),
    ),
    episode(
        "seq.icu_balance",
        "patient_timeline",
        (
            (
                "how many icu stays did patient {pid} have{tg}?",
                "select count( distinct {E.stay} ) from {E.src} where {E.patient}{E.tg}",
                "count",
            ),
            (
                "when did the first of them start?",
                "select {E.time} from {E.src} where {E.patient}{E.tg} order by {E.time} asc{E.tb} limit 1",
                "datetime",
            ),
            (
                "what was the total volume of intake during that icu stay?",
                "select sum( {I.value} ) from {I.src} where {I.stay} in ( select {E.stay} from {E.src} "
                "where {E.patient} and {E.time} = ( {q2} ) )",
                "number",
            ),
            (
                "and the total volume of output?",
                "select sum( {O.value} ) from {O.src} where {O.stay} in ( select {E.stay} from {E.src} "
                "where {E.patient} and {E.time} = ( {q2} ) )",
                "number",
            ),
            (
                "what is the difference between the intake and the output?",
                "select ( {q3} ) - ( {q4} )",
                "number",
            ),
        ),
        Anchor("stay"),
        Role("I", "intake", patient=False, timed=False),
        Role("O", "output", patient=False, timed=False),
        Time("hospital"),
    ),
    episode(
        "seq.procedure_visit",
        "patient_timeline",
        (
            (
                "when did patient {pid} last receive a {name} procedure{tg}?",
                "select {E.time} " + _MINE + " order by {E.time} desc{E.tb} limit 1",
                "datetime",
            ),
            (
                "how many diagnoses did the patient receive during that hospital visit?",
                "select count(*) from {D.src} where {D.visit} in " + _VISIT_OF_Q1,
                "count",
            ),
            (
                "how many drugs were prescribed during that visit?",
                "select count(*) from {R.src} where {R.visit} in " + _VISIT_OF_Q1,
                "count",
            ),
        ),
        Anchor("procedure"),
        Role("D", "diagnosis", patient=False, timed=False),
        Role("R", "prescription", patient=False, timed=False),
        Time(_PATIENT),
    ),
    episode(
        "seq.micro_organism_visit",
        "patient_timeline",
        (
            (
                "when was patient {pid}'s first {name} microbiology test{tg}?",
                "select {E.time} " + _MINE + " order by {E.time} asc{E.tb} limit 1",
                "datetime",
            ),
            (
                "which organisms were found in it?",
                "select distinct {E.org} " + _MINE + " and {E.time} = ( {q1} ) and {E.found}",
                "strings",
            ),
            (
                "how many microbiology tests did the patient have in total during that hospital visit?",
                "select count(*) from {M.src} where {M.visit} in " + _VISIT_OF_Q1,
                "count",
            ),
        ),
        Anchor("micro", where="{E.found}"),
        Role("M", "micro", patient=False, timed=False),
        Time(_PATIENT),
        held_out=True,
    ),
)

_VALUE_AT = "select {E.value} " + _MINE + " order by {E.time} {x.dir}{E.tb} limit 1"

MEASUREMENT_TRACKING = (
    episode(
        "seq.vital_range",
        "measurement_tracking",
        (
            (
                "what was the lowest {name} of patient {pid}{tg}?",
                "select min( {E.value} ) " + _MINE,
                "number",
            ),
            ("and the highest?", "select max( {E.value} ) " + _MINE, "number"),
            ("what is the difference between them?", "select ( {q2} ) - ( {q1} )", "number"),
        ),
        Anchor("vital"),
        Time(_PATIENT),
    ),
    episode(
        "seq.lab_above_average",
        "measurement_tracking",
        (
            (
                "what was the average {name} value of patient {pid}{tg}?",
                "select avg( {E.value} ) " + _MINE,
                "number",
            ),
            (
                "how many of the {name} values were above that average?",
                "select count(*) " + _MINE + " and {E.value} > ( {q1} )",
                "count",
            ),
            (
                "when was the highest of them first measured?",
                "select {E.time} " + _MINE + " order by {E.value} desc, {E.time} asc{E.tb} limit 1",
                "datetime",
            ),
        ),
        Anchor("lab"),
        Time(_PATIENT),
    ),
    episode(
        "seq.lab_first_last",
        "measurement_tracking",
        (
            ("what was the first {name} value of patient {pid}{tg}?", _VALUE_AT, "number"),
            ("and the last one?", _VALUE_AT.replace("{x.dir}", "desc"), "number"),
            ("what is the change from the first to the last value?", "select ( {q2} ) - ( {q1} )", "number"),
            ("how many {name} values were measured in that period?", "select count(*) " + _MINE, "count"),
        ),
        Anchor("lab"),
        Time(_PATIENT),
        Fixed((("x", FIRST),)),
    ),
    episode(
        "seq.vital_peak",
        "measurement_tracking",
        (
            (
                "what was the maximum {name} of patient {pid}{tg}?",
                "select max( {E.value} ) " + _MINE,
                "number",
            ),
            (
                "when was it first recorded?",
                "select {E.time} " + _MINE + " and {E.value} = ( {q1} ) order by {E.time} asc{E.tb} limit 1",
                "datetime",
            ),
            (
                "what was the {name} value measured right before that?",
                "select {E.value} " + _MINE + " and {E.time} < ( {q2} ) order by {E.time} desc{E.tb} limit 1",
                "number",
            ),
        ),
        Anchor("vital"),
        Time(_PATIENT),
    ),
    episode(
        "seq.weight_change",
        "measurement_tracking",
        (
            ("what was the first measured weight of patient {pid}{tg}?", _VALUE_AT, "number"),
            ("and the last measured weight?", _VALUE_AT.replace("{x.dir}", "desc"), "number"),
            ("what is the change from the first to the last weight?", "select ( {q2} ) - ( {q1} )", "number"),
        ),
        Anchor("weight"),
        Time(_PATIENT),
        Fixed((("x", FIRST),)),
    ),
    episode(
        "seq.lab_daily",
        "measurement_tracking",
        (
            ("how many {name} tests did patient {pid} have{tg}?", "select count(*) " + _MINE, "count"),
            (
                "on how many different days were they measured?",
                "select count( distinct date( {E.time} ) ) " + _MINE,
                "count",
            ),
            (
                "what was the highest daily average value?",
                "select max( t1.v ) from ( select avg( {E.value} ) as v "
                + _MINE
                + " group by date( {E.time} ) ) as t1",
                "number",
            ),
        ),
        Anchor("lab"),
        Time(_PATIENT),
    ),
    episode(
        "seq.intake_daily",
        "measurement_tracking",
        (
            (
                "what was the total volume of {name} intake of patient {pid}{tg}?",
                "select sum( {E.value} ) " + _MINE,
                "number",
            ),
            (
                "on how many days did the patient receive it?",
                "select count( distinct date( {E.time} ) ) " + _MINE,
                "count",
            ),
            (
                "what was the largest volume given in a single day?",
                "select max( t1.v ) from ( select sum( {E.value} ) as v "
                + _MINE
                + " group by date( {E.time} ) ) as t1",
                "number",
            ),
        ),
        Anchor("intake"),
        Time(_PATIENT),
        held_out=True,
    ),
)

TEMPLATES: tuple[Template, ...] = (
    *COHORT_REFINEMENT,
    *COHORT_STATISTICS,
    *PATIENT_TIMELINE,
    *MEASUREMENT_TRACKING,
)


@register_family
class EhrSeqSqlFamily(EhrFamily):
    name = "ehr_seqsql"
    title = "EHR-SeqSQL: multi-turn questions over MIMIC-III (follow-ups build on earlier answers)"
    description = (
        "Episodes of 2-5 related questions over a synthetic MIMIC-III database, in four categories: "
        "cohort refinement, cohort statistics, patient timelines and measurement tracking."
    )
    split_sizes = {"train": 18950, "test": 7913, "ood": 1000}  # noqa: RUF012
    world_name = "mimic_iii"
    dialect = mimic_iii.DIALECT
    templates = TEMPLATES
    context = (
        CONVENTIONS + ' Later questions refer to the answers of earlier ones ("those patients", "that stay").'
    )
