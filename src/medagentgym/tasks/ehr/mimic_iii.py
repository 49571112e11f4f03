"""MIMIC-III question answering (EHRSQL): the MIMIC-III dialect and the family.

Events of a hospital visit carry ``hadm_id``; ICU charting (vitals, inputs, outputs) carries
``icustay_id``. Every event table also repeats ``subject_id`` and ``hadm_id``, which the
domains use directly; dictionary tables give item names (``d_labitems.label`` ...).
"""

from __future__ import annotations

from medagentgym.tasks.ehr import ehrsql
from medagentgym.tasks.ehr.dialect import Dialect, Domain
from medagentgym.tasks.ehr.family import EhrFamily
from medagentgym.tasks.registry import register_family

VITALS = (
    "heart rate",
    "arterial bp [systolic]",
    "arterial bp [diastolic]",
    "arterial bp mean",
    "respiratory rate",
    "sao2",
    "temperature c (calc)",
)

_ADM = "admissions.subject_id"


def _visit_event(table: str, join: str = "", **fields: object) -> Domain:
    """An event table of a hospital visit (``hadm_id``), optionally with its dictionary.

    MIMIC-III event tables repeat ``subject_id``, so counting people needs no join with
    ``admissions`` (a join per row makes population queries ten times slower); derived tables
    joined on the person go through ``admissions`` to use its index on ``subject_id``.
    """
    return Domain(
        table=table,
        src=f"{table}{join}",
        person=f"{table}.subject_id",
        visit=f"{table}.hadm_id",
        scope_col=f"{table}.hadm_id",
        linked_src=f"admissions cross join {table} on {table}.hadm_id = admissions.hadm_id{join}",
        linked_person=_ADM,
        **fields,  # type: ignore[arg-type]
    )


def _icu_event(table: str, value: str, *base: str) -> Domain:
    """ICU charting: belongs to an ICU stay (``icustay_id``), item names from ``d_items``."""
    return Domain(
        table=table,
        src=f"{table} join d_items on {table}.itemid = d_items.itemid",
        person=f"{table}.subject_id",
        time=f"{table}.charttime",
        visit=f"{table}.hadm_id",
        level="stay",
        scope_col=f"{table}.icustay_id",
        stay=f"{table}.icustay_id",
        name="d_items.label",
        value=value,
        base=base,
        linked_src=(
            f"admissions cross join icustays on icustays.hadm_id = admissions.hadm_id "
            f"cross join {table} on {table}.icustay_id = icustays.icustay_id "
            f"join d_items on {table}.itemid = d_items.itemid"
        ),
        linked_person=_ADM,
    )


def _icd(table: str, dictionary: str, event_type: str) -> Domain:
    return _visit_event(
        table,
        f" join {dictionary} on {table}.icd9_code = {dictionary}.icd9_code",
        time=f"{table}.charttime",
        name=f"{dictionary}.short_title",
        cols={"event_type": f"'{event_type}'", "row": f"{table}.row_id"},
    )


_VISIT_COLS = {
    "age": "admissions.age",
    "end": "admissions.dischtime",
    "type": "admissions.admission_type",
    "location": "admissions.admission_location",
    "er": "'emergency room admit'",
    "marital": "admissions.marital_status",
    "insurance": "admissions.insurance",
}
_PRESCRIPTION = {
    "table": "prescriptions",
    "time": "prescriptions.startdate",
    "value": "prescriptions.dose_val_rx",
}

DIALECT = Dialect(
    world="mimic_iii",
    visits="select admissions.hadm_id from admissions where admissions.subject_id = {pid}{vf}",
    stays="select icustays.icustay_id from icustays where icustays.hadm_id in ( {visits} ){sf}",
    scopes={
        "hosp-cur": " and admissions.dischtime is null",
        "hosp-first": " and admissions.dischtime is not null order by admissions.admittime asc{tb} limit 1",
        "hosp-last": " and admissions.dischtime is not null order by admissions.admittime desc{tb} limit 1",
        "icu-cur": " and icustays.outtime is null",
        "icu-first": " and icustays.outtime is not null order by icustays.intime asc{tb} limit 1",
        "icu-last": " and icustays.outtime is not null order by icustays.intime desc{tb} limit 1",
    },
    visit_table="admissions",
    stay_table="icustays",
    visit_rows="select subject_id, hadm_id, admittime, dischtime from admissions",
    stay_rows=(
        "select admissions.subject_id, icustays.icustay_id, icustays.intime, icustays.outtime "
        "from icustays join admissions on icustays.hadm_id = admissions.hadm_id"
    ),
    current={
        "hosp-cur": "select admissions.hadm_id from admissions where admissions.dischtime is null",
        "icu-cur": "select icustays.icustay_id from icustays where icustays.outtime is null",
    },
    domains={
        "person": Domain(
            table="patients",
            src="patients",
            person="patients.subject_id",
            time="patients.dob",
            visit="null",
            name="patients.gender",
            cols={"dob": "patients.dob"},
        ),
        "visit": Domain(
            table="admissions",
            src="admissions",
            person=_ADM,
            time="admissions.admittime",
            visit="admissions.hadm_id",
            scope_col="admissions.hadm_id",
            name="admissions.admission_location",
            cols=_VISIT_COLS,
        ),
        "discharge": Domain(
            table="admissions",
            src="admissions",
            person=_ADM,
            time="admissions.dischtime",
            visit="admissions.hadm_id",
            scope_col="admissions.hadm_id",
            name="admissions.admission_location",
            base=("admissions.dischtime is not null",),
            cols=_VISIT_COLS,
        ),
        "stay": Domain(
            table="icustays",
            src="icustays",
            person="icustays.subject_id",
            time="icustays.intime",
            visit="icustays.hadm_id",
            level="stay",
            scope_col="icustays.icustay_id",
            stay="icustays.icustay_id",
            name="icustays.first_careunit",
            cols={"end": "icustays.outtime"},
        ),
        "careunit": _visit_event(
            "transfers",
            time="transfers.intime",
            name="transfers.careunit",
            base=("transfers.careunit is not null",),
        ),
        "ward": _visit_event(
            "transfers",
            time="transfers.intime",
            name="transfers.wardid",
            base=("transfers.wardid is not null",),
        ),
        "diagnosis": _icd("diagnoses_icd", "d_icd_diagnoses", "diagnoses_icd"),
        "procedure": _icd("procedures_icd", "d_icd_procedures", "procedures_icd"),
        "prescription": _visit_event(
            **_PRESCRIPTION,
            name="prescriptions.drug",
            cols={
                "route": "prescriptions.route",
                "event_type": "'prescriptions'",
                "row": "prescriptions.row_id",
            },
        ),
        "route": _visit_event(
            **_PRESCRIPTION, name="prescriptions.route", cols={"drug": "prescriptions.drug"}
        ),
        "lab": _visit_event(
            "labevents",
            " join d_labitems on labevents.itemid = d_labitems.itemid",
            time="labevents.charttime",
            name="d_labitems.label",
            value="labevents.valuenum",
            cols={"event_type": "'labevents'", "row": "labevents.row_id"},
        ),
        "micro": _visit_event(
            "microbiologyevents",
            time="microbiologyevents.charttime",
            name="microbiologyevents.spec_type_desc",
            cols={"org": "microbiologyevents.org_name", "found": "microbiologyevents.org_name is not null"},
        ),
        "cost": _visit_event(
            "cost",
            time="cost.chargetime",
            name="cost.event_type",
            value="cost.cost",
            cols={"etype": "cost.event_type", "eid": "cost.event_id"},
        ),
        "vital": _icu_event(
            "chartevents",
            "chartevents.valuenum",
            "d_items.label in ( " + ", ".join(f"'{v}'" for v in VITALS) + " )",
        ),
        "weight": _icu_event("chartevents", "chartevents.valuenum", "d_items.label = 'admit wt'"),
        "height": _icu_event("chartevents", "chartevents.valuenum", "d_items.label = 'admit ht'"),
        "intake": _icu_event("inputevents_cv", "inputevents_cv.amount"),
        "output": _icu_event("outputevents", "outputevents.value"),
        "death": Domain(
            table="patients",
            src="patients",
            person="patients.subject_id",
            time="patients.dod",
            visit="null",
            name="'death'",
            base=("patients.dod is not null",),
            cols={
                "status": "select patients.subject_id as person, patients.dod is null as alive, "
                "patients.dod as death from patients"
            },
        ),
    },
)


@register_family
class MimicIIIFamily(EhrFamily):
    name = "mimic_iii"
    title = "MIMIC-III question answering (EHRSQL templates, synthetic MIMIC-III)"
    description = (
        "Clinical questions over a synthetic MIMIC-III database (17 tables), answered by querying it; "
        "EHRSQL's question types in 9 categories, with typed answers."
    )
    split_sizes = {"train": 9318, "test": 1122, "ood": 600}  # noqa: RUF012
    world_name = "mimic_iii"
    dialect = DIALECT
    templates = ehrsql.TEMPLATES
    category_weights = ehrsql.CATEGORY_WEIGHTS
    boolean_share = ehrsql.BOOLEAN_SHARE
