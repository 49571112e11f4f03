"""eICU question answering (EHRSQL): the eICU dialect and the family.

eICU is keyed by ICU unit stay: a person (``uniquepid``) has hospital stays
(``patienthealthsystemstayid``) with one ``patient`` row per unit stay (``patientunitstayid``),
and every event table carries the unit stay. Item names live in the event tables themselves;
vital signs are columns of ``vitalperiodic``; admission weight and height are ``patient``
columns.
"""

from __future__ import annotations

from medagentgym.tasks.ehr import ehrsql
from medagentgym.tasks.ehr.dialect import Dialect, Domain
from medagentgym.tasks.ehr.family import EhrFamily
from medagentgym.tasks.registry import register_family

_PERSON = "patient.uniquepid"
_VISIT = "patient.patienthealthsystemstayid"
_AGE = {"age": "( case when patient.age = '> 89' then 90 else cast( patient.age as integer ) end )"}
_VITALS = (
    "temperature",
    "sao2",
    "heartrate",
    "respiration",
    "systemicsystolic",
    "systemicdiastolic",
    "systemicmean",
)


def _unit_event(table: str, time: str, name: str, value: str = "null", *base: str, **cols: str) -> Domain:
    """An event table linked to a unit stay; ``patient`` is joined for the person and visit."""
    return Domain(
        table=table,
        src=f"{table} join patient on {table}.patientunitstayid = patient.patientunitstayid",
        person=_PERSON,
        time=time,
        visit=_VISIT,
        level="stay",
        scope_col=f"{table}.patientunitstayid",
        stay=f"{table}.patientunitstayid",
        name=name,
        value=value,
        base=base,
        cols={"hospital": "patient.hospitalid", **cols},
        linked_src=f"patient cross join {table} on {table}.patientunitstayid = patient.patientunitstayid",
    )


def _patient_rows(
    time: str, name: str, level: str = "visit", value: str = "null", *base: str, **cols: str
) -> Domain:
    """Rows of ``patient`` itself (one per unit stay)."""
    return Domain(
        table="patient",
        src="patient",
        person=_PERSON,
        time=time,
        visit=_VISIT,
        level=level,
        scope_col=_VISIT if level == "visit" else "patient.patientunitstayid",
        stay="patient.patientunitstayid",
        name=name,
        value=value,
        base=base,
        cols={**_AGE, **cols},
    )


_VISIT_COLS = {
    "end": "patient.hospitaldischargetime",
    "type": "patient.hospitaladmitsource",
    "location": "patient.hospitaladmitsource",
    "er": "'emergency department'",
    "hospital": "patient.hospitalid",
}

DIALECT = Dialect(
    world="eicu",
    visits=f"select {_VISIT} from patient where patient.uniquepid = {{pid}}{{vf}}",
    stays="select patient.patientunitstayid from patient where patient.patienthealthsystemstayid in ( {visits} ){sf}",
    scopes={
        "hosp-cur": " and patient.hospitaldischargetime is null",
        "hosp-first": " and patient.hospitaldischargetime is not null order by patient.hospitaladmittime asc{tb} limit 1",
        "hosp-last": " and patient.hospitaldischargetime is not null order by patient.hospitaladmittime desc{tb} limit 1",
        "icu-cur": " and patient.unitdischargetime is null",
        "icu-first": " and patient.unitdischargetime is not null order by patient.unitadmittime asc{tb} limit 1",
        "icu-last": " and patient.unitdischargetime is not null order by patient.unitadmittime desc{tb} limit 1",
    },
    visit_table="patient",
    stay_table="patient",
    visit_rows=(
        "select uniquepid, patienthealthsystemstayid, min(hospitaladmittime), max(hospitaldischargetime) "
        "from patient group by uniquepid, patienthealthsystemstayid"
    ),
    stay_rows="select uniquepid, patientunitstayid, unitadmittime, unitdischargetime from patient",
    current={
        "hosp-cur": f"select {_VISIT} from patient where patient.hospitaldischargetime is null",
        "icu-cur": "select patient.patientunitstayid from patient where patient.unitdischargetime is null",
    },
    domains={
        "person": _patient_rows("patient.hospitaladmittime", "patient.gender"),
        "visit": _patient_rows("patient.hospitaladmittime", "patient.hospitaladmitsource", **_VISIT_COLS),
        "discharge": _patient_rows(
            "patient.hospitaldischargetime",
            "patient.hospitaladmitsource",
            "visit",
            "null",
            "patient.hospitaldischargetime is not null",
            **_VISIT_COLS,
        ),
        "stay": _patient_rows(
            "patient.unitadmittime", "patient.wardid", "stay", end="patient.unitdischargetime"
        ),
        "ward": _patient_rows("patient.unitadmittime", "patient.wardid", "stay"),
        "diagnosis": _unit_event(
            "diagnosis",
            "diagnosis.diagnosistime",
            "diagnosis.diagnosisname",
            event_type="'diagnosis'",
            row="diagnosis.diagnosisid",
        ),
        "procedure": _unit_event(
            "treatment",
            "treatment.treatmenttime",
            "treatment.treatmentname",
            event_type="'treatment'",
            row="treatment.treatmentid",
        ),
        "prescription": _unit_event(
            "medication",
            "medication.drugstarttime",
            "medication.drugname",
            route="medication.routeadmin",
            event_type="'medication'",
            row="medication.medicationid",
        ),
        "route": _unit_event(
            "medication", "medication.drugstarttime", "medication.routeadmin", drug="medication.drugname"
        ),
        "lab": _unit_event(
            "lab", "lab.labresulttime", "lab.labname", "lab.labresult", event_type="'lab'", row="lab.labid"
        ),
        "micro": _unit_event(
            "microlab",
            "microlab.culturetakentime",
            "microlab.culturesite",
            org="microlab.organism",
            found="microlab.organism <> 'no growth'",
        ),
        "allergy": _unit_event(
            "allergy", "allergy.allergytime", "allergy.allergyname", drug="allergy.drugname"
        ),
        "intake": _unit_event(
            "intakeoutput",
            "intakeoutput.intakeoutputtime",
            "intakeoutput.celllabel",
            "intakeoutput.cellvaluenumeric",
            "intakeoutput.cellpath like '%intake%'",
        ),
        "output": _unit_event(
            "intakeoutput",
            "intakeoutput.intakeoutputtime",
            "intakeoutput.celllabel",
            "intakeoutput.cellvaluenumeric",
            "intakeoutput.cellpath like '%output%'",
        ),
        "vital": Domain(
            table="vitalperiodic",
            src="vitalperiodic join patient on vitalperiodic.patientunitstayid = patient.patientunitstayid",
            person=_PERSON,
            time="vitalperiodic.observationtime",
            visit=_VISIT,
            level="stay",
            scope_col="vitalperiodic.patientunitstayid",
            stay="vitalperiodic.patientunitstayid",
            value_columns={v: f"vitalperiodic.{v}" for v in _VITALS},
            cols=_AGE,
            linked_src="patient cross join vitalperiodic on vitalperiodic.patientunitstayid = patient.patientunitstayid",
        ),
        "weight": _patient_rows(
            "patient.unitadmittime",
            "'weight'",
            "stay",
            "patient.admissionweight",
            "patient.admissionweight is not null",
        ),
        "height": _patient_rows(
            "patient.unitadmittime",
            "'height'",
            "stay",
            "patient.admissionheight",
            "patient.admissionheight is not null",
        ),
        "cost": Domain(
            table="cost",
            src="cost",
            person="cost.uniquepid",
            time="cost.chargetime",
            visit="cost.patienthealthsystemstayid",
            scope_col="cost.patienthealthsystemstayid",
            name="cost.eventtype",
            value="cost.cost",
            cols={"etype": "cost.eventtype", "eid": "cost.eventid"},
        ),
        "death": _patient_rows(
            "patient.hospitaldischargetime",
            "'death'",
            "visit",
            "null",
            "patient.hospitaldischargestatus = 'expired'",
            status=(
                "select patient.uniquepid as person, max( patient.hospitaldischargestatus = 'expired' ) = 0 as alive, "
                "max( case when patient.hospitaldischargestatus = 'expired' then patient.hospitaldischargetime end ) "
                "as death from patient group by patient.uniquepid"
            ),
        ),
    },
)


@register_family
class EicuFamily(EhrFamily):
    name = "eicu"
    title = "eICU question answering (EHRSQL templates, synthetic eICU)"
    description = (
        "Clinical questions over a synthetic eICU database (10 tables), answered by querying it; "
        "EHRSQL's question types in 9 categories, with typed answers."
    )
    split_sizes = {"train": 6213, "test": 611, "ood": 400}  # noqa: RUF012
    world_name = "eicu"
    dialect = DIALECT
    templates = ehrsql.TEMPLATES
    category_weights = ehrsql.CATEGORY_WEIGHTS
    boolean_share = ehrsql.BOOLEAN_SHARE
