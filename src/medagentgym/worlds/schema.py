"""The exact table layouts of the three worlds, as the original benchmarks define them.

``mimic_iii`` and ``eicu`` follow EHRSQL's DDL (``mimic_iii.sql`` / ``eicu.sql``); ``treqs``
follows MIMICSQL's tables as written by ``pandas.to_sql`` (TEXT ids, INTEGER/REAL numbers).
TREQS gold SQL compares lower-case literals against MIMIC's original upper/mixed-case values, so
its TEXT columns are declared ``COLLATE NOCASE`` and keep the original case.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """One column: DDL type, NOT NULL, and whether it is unique (or the primary key)."""

    name: str
    type: str
    not_null: bool = False
    primary_key: bool = False
    unique: bool = False

    @property
    def affinity(self) -> str:
        """SQLite type affinity of the declared type (the rules of SQLite's section 3.1)."""
        t = self.type.upper()
        if "INT" in t:
            return "INTEGER"
        if any(word in t for word in ("CHAR", "CLOB", "TEXT")):
            return "TEXT"
        if any(word in t for word in ("REAL", "FLOA", "DOUB")):
            return "REAL"
        return "NUMERIC"


@dataclass(frozen=True)
class Table:
    """A table, the CSV file the agent sees for it, and its foreign keys."""

    name: str
    csv_name: str
    columns: tuple[Column, ...]
    foreign_keys: tuple[tuple[str, str, str], ...] = ()  # (column, table, column)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


@dataclass(frozen=True)
class Schema:
    """A world's tables, in the order they are created and written."""

    name: str
    tables: tuple[Table, ...]
    nocase: bool = False  # TEXT columns COLLATE NOCASE (TREQS)
    indexes: str = ""  # "TABLE.COLUMN ..." lookup indexes: not in the original DDL, speed only

    def table(self, name: str) -> Table | None:
        """Case-insensitive lookup (gold SQL writes ``admissions``, the DDL ``ADMISSIONS``)."""
        wanted = name.lower()
        return next((t for t in self.tables if t.name.lower() == wanted), None)

    def ddl(self) -> str:
        """``CREATE TABLE`` statements equivalent to the original DDL."""
        statements = []
        for table in self.tables:
            lines = []
            for c in table.columns:
                text = f"    {c.name} {c.type}"
                if self.nocase and c.affinity == "TEXT":
                    text += " COLLATE NOCASE"
                if c.not_null:
                    text += " NOT NULL"
                if c.primary_key:
                    text += " PRIMARY KEY"
                elif c.unique:
                    text += " UNIQUE"
                lines.append(text)
            lines += [
                f"    FOREIGN KEY({col}) REFERENCES {ref}({ref_col})"
                for col, ref, ref_col in table.foreign_keys
            ]
            statements.append(f"CREATE TABLE {table.name}\n(\n" + ",\n".join(lines) + "\n);")
        return "\n\n".join(statements)

    def index_ddl(self) -> str:
        """``CREATE INDEX`` statements for the lookup indexes (invisible to the schema)."""
        statements = []
        for spec in self.indexes.split():
            table, column = spec.split(".")
            name = f"idx_{table}_{column}".lower()
            statements.append(f"CREATE INDEX {name} ON {table}({column});")
        return "\n".join(statements)


def _columns(spec: str) -> tuple[Column, ...]:
    """Parse ``"NAME TYPE [!] [pk|uq]; ..."``: ``!`` is NOT NULL, ``pk``/``uq`` key flags."""
    columns = []
    for part in spec.split(";"):
        name, *words = part.split()
        flags = set()
        while words and words[-1] in ("!", "pk", "uq"):
            flags.add(words.pop())
        columns.append(
            Column(
                name=name,
                type=" ".join(words),
                not_null="!" in flags or "pk" in flags,
                primary_key="pk" in flags,
                unique="uq" in flags,
            )
        )
    return tuple(columns)


_TIME = "TIMESTAMP(0)"
_MIMIC_EVENT_KEYS = ("HADM_ID", "ADMISSIONS", "HADM_ID")

MIMIC_III = Schema(
    name="mimic_iii",
    indexes=(
        "ADMISSIONS.SUBJECT_ID DIAGNOSES_ICD.HADM_ID DIAGNOSES_ICD.ICD9_CODE PROCEDURES_ICD.HADM_ID "
        "PROCEDURES_ICD.ICD9_CODE LABEVENTS.HADM_ID LABEVENTS.ITEMID PRESCRIPTIONS.HADM_ID "
        "PRESCRIPTIONS.DRUG COST.HADM_ID COST.EVENT_ID CHARTEVENTS.ICUSTAY_ID CHARTEVENTS.ITEMID "
        "INPUTEVENTS_CV.ICUSTAY_ID OUTPUTEVENTS.ICUSTAY_ID MICROBIOLOGYEVENTS.HADM_ID "
        "ICUSTAYS.HADM_ID TRANSFERS.HADM_ID"
    ),
    tables=(
        Table(
            "PATIENTS",
            "PATIENTS.csv",
            _columns(f"ROW_ID INT pk; SUBJECT_ID INT ! uq; GENDER VARCHAR(5) !; DOB {_TIME} !; DOD {_TIME}"),
        ),
        Table(
            "ADMISSIONS",
            "ADMISSIONS.csv",
            _columns(
                f"ROW_ID INT pk; SUBJECT_ID INT !; HADM_ID INT ! uq; ADMITTIME {_TIME} !; "
                f"DISCHTIME {_TIME}; ADMISSION_TYPE VARCHAR(50) !; ADMISSION_LOCATION VARCHAR(50) !; "
                "DISCHARGE_LOCATION VARCHAR(50); INSURANCE VARCHAR(255) !; LANGUAGE VARCHAR(10); "
                "MARITAL_STATUS VARCHAR(50); ETHNICITY VARCHAR(200) !; AGE INT !"
            ),
            (("SUBJECT_ID", "PATIENTS", "SUBJECT_ID"),),
        ),
        Table(
            "D_ICD_DIAGNOSES",
            "D_ICD_DIAGNOSES.csv",
            _columns(
                "ROW_ID INT pk; ICD9_CODE VARCHAR(10) ! uq; SHORT_TITLE VARCHAR(50) !; "
                "LONG_TITLE VARCHAR(255) !"
            ),
        ),
        Table(
            "D_ICD_PROCEDURES",
            "D_ICD_PROCEDURES.csv",
            _columns(
                "ROW_ID INT pk; ICD9_CODE VARCHAR(10) ! uq; SHORT_TITLE VARCHAR(50) !; "
                "LONG_TITLE VARCHAR(255) !"
            ),
        ),
        Table(
            "D_LABITEMS",
            "D_LABITEMS.csv",
            _columns("ROW_ID INT pk; ITEMID INT ! uq; LABEL VARCHAR(200) !"),
        ),
        Table(
            "D_ITEMS",
            "D_ITEMS.csv",
            _columns("ROW_ID INT pk; ITEMID INT ! uq; LABEL VARCHAR(200) !; LINKSTO VARCHAR(50) !"),
        ),
        Table(
            "DIAGNOSES_ICD",
            "DIAGNOSES_ICD.csv",
            _columns(
                f"ROW_ID INT pk; SUBJECT_ID INT !; HADM_ID INT !; ICD9_CODE VARCHAR(10) !; "
                f"CHARTTIME {_TIME} !"
            ),
            (_MIMIC_EVENT_KEYS, ("ICD9_CODE", "D_ICD_DIAGNOSES", "ICD9_CODE")),
        ),
        Table(
            "PROCEDURES_ICD",
            "PROCEDURES.csv",
            _columns(
                f"ROW_ID INT pk; SUBJECT_ID INT !; HADM_ID INT !; ICD9_CODE VARCHAR(10) !; "
                f"CHARTTIME {_TIME} !"
            ),
            (_MIMIC_EVENT_KEYS, ("ICD9_CODE", "D_ICD_PROCEDURES", "ICD9_CODE")),
        ),
        Table(
            "LABEVENTS",
            "LABEVENTS.csv",
            _columns(
                f"ROW_ID INT pk; SUBJECT_ID INT !; HADM_ID INT !; ITEMID INT !; CHARTTIME {_TIME}; "
                "VALUENUM DOUBLE PRECISION; VALUEUOM VARCHAR(20)"
            ),
            (_MIMIC_EVENT_KEYS, ("ITEMID", "D_LABITEMS", "ITEMID")),
        ),
        Table(
            "PRESCRIPTIONS",
            "PRESCRIPTIONS.csv",
            _columns(
                f"ROW_ID INT pk; SUBJECT_ID INT !; HADM_ID INT !; STARTDATE {_TIME} !; "
                f"ENDDATE {_TIME}; DRUG VARCHAR(100) !; DOSE_VAL_RX VARCHAR(120) !; "
                "DOSE_UNIT_RX VARCHAR(120) !; ROUTE VARCHAR(120) !"
            ),
            (_MIMIC_EVENT_KEYS,),
        ),
        Table(
            "COST",
            "COST.csv",
            _columns(
                "ROW_ID INT pk; SUBJECT_ID INT !; HADM_ID INT !; EVENT_TYPE VARCHAR(20) !; "
                f"EVENT_ID INT !; CHARGETIME {_TIME} !; COST DOUBLE PRECISION !"
            ),
            (
                _MIMIC_EVENT_KEYS,
                ("EVENT_ID", "DIAGNOSES_ICD", "ROW_ID"),
                ("EVENT_ID", "PROCEDURES_ICD", "ROW_ID"),
                ("EVENT_ID", "LABEVENTS", "ROW_ID"),
                ("EVENT_ID", "PRESCRIPTIONS", "ROW_ID"),
            ),
        ),
        Table(
            "CHARTEVENTS",
            "CHARTEVENTS.csv",
            _columns(
                "ROW_ID INT pk; SUBJECT_ID INT !; HADM_ID INT !; ICUSTAY_ID INT !; ITEMID INT !; "
                f"CHARTTIME {_TIME} !; VALUENUM DOUBLE PRECISION; VALUEUOM VARCHAR(50)"
            ),
            (
                _MIMIC_EVENT_KEYS,
                ("ICUSTAY_ID", "ICUSTAYS", "ICUSTAY_ID"),
                ("ITEMID", "D_ITEMS", "ITEMID"),
            ),
        ),
        Table(
            "INPUTEVENTS_CV",
            "INPUTEVENTS_CV.csv",
            _columns(
                "ROW_ID INT pk; SUBJECT_ID INT !; HADM_ID INT !; ICUSTAY_ID INT !; "
                f"CHARTTIME {_TIME} !; ITEMID INT !; AMOUNT DOUBLE PRECISION"
            ),
            (
                _MIMIC_EVENT_KEYS,
                ("ICUSTAY_ID", "ICUSTAYS", "ICUSTAY_ID"),
                ("ITEMID", "D_ITEMS", "ITEMID"),
            ),
        ),
        Table(
            "OUTPUTEVENTS",
            "OUTPUTEVENTS.csv",
            _columns(
                "ROW_ID INT pk; SUBJECT_ID INT !; HADM_ID INT !; ICUSTAY_ID INT !; "
                f"CHARTTIME {_TIME} !; ITEMID INT !; VALUE DOUBLE PRECISION"
            ),
            (
                _MIMIC_EVENT_KEYS,
                ("ICUSTAY_ID", "ICUSTAYS", "ICUSTAY_ID"),
                ("ITEMID", "D_ITEMS", "ITEMID"),
            ),
        ),
        Table(
            "MICROBIOLOGYEVENTS",
            "MICROBIOLOGYEVENTS.csv",
            _columns(
                f"ROW_ID INT pk; SUBJECT_ID INT !; HADM_ID INT !; CHARTTIME {_TIME} !; "
                "SPEC_TYPE_DESC VARCHAR(100); ORG_NAME VARCHAR(100)"
            ),
            (_MIMIC_EVENT_KEYS,),
        ),
        Table(
            "ICUSTAYS",
            "ICUSTAYS.csv",
            _columns(
                "ROW_ID INT pk; SUBJECT_ID INT !; HADM_ID INT !; ICUSTAY_ID INT !; "
                "FIRST_CAREUNIT VARCHAR(20) !; LAST_CAREUNIT VARCHAR(20) !; FIRST_WARDID SMALLINT !; "
                f"LAST_WARDID SMALLINT !; INTIME {_TIME} !; OUTTIME {_TIME}"
            ),
            (_MIMIC_EVENT_KEYS,),
        ),
        Table(
            "TRANSFERS",
            "TRANSFERS.csv",
            _columns(
                "ROW_ID INT pk; SUBJECT_ID INT !; HADM_ID INT !; ICUSTAY_ID INT; "
                "EVENTTYPE VARCHAR(20) !; CAREUNIT VARCHAR(20); WARDID SMALLINT; "
                f"INTIME {_TIME} !; OUTTIME {_TIME}"
            ),
            (_MIMIC_EVENT_KEYS,),
        ),
    ),
)

_UNIT = ("patientunitstayid", "patient", "patientunitstayid")

EICU = Schema(
    name="eicu",
    indexes=(
        "patient.uniquepid patient.patienthealthsystemstayid diagnosis.patientunitstayid "
        "treatment.patientunitstayid lab.patientunitstayid lab.labname "
        "medication.patientunitstayid cost.patienthealthsystemstayid allergy.patientunitstayid "
        "intakeoutput.patientunitstayid microlab.patientunitstayid vitalperiodic.patientunitstayid"
    ),
    tables=(
        Table(
            "patient",
            "patient.csv",
            _columns(
                "uniquepid VARCHAR(10) !; patienthealthsystemstayid INT !; "
                "patientunitstayid INT pk; gender VARCHAR(25) !; age VARCHAR(10) !; "
                "ethnicity VARCHAR(50); hospitalid INT !; wardid INT !; "
                "admissionheight NUMERIC(10,2); admissionweight NUMERIC(10,2); "
                f"dischargeweight NUMERIC(10,2); hospitaladmittime {_TIME} !; "
                f"hospitaladmitsource VARCHAR(30) !; unitadmittime {_TIME} !; "
                f"unitdischargetime {_TIME}; hospitaldischargetime {_TIME}; "
                "hospitaldischargestatus VARCHAR(10)"
            ),
        ),
        Table(
            "diagnosis",
            "diagnosis.csv",
            _columns(
                "diagnosisid INT pk; patientunitstayid INT !; diagnosisname VARCHAR(200) !; "
                f"diagnosistime {_TIME} !; icd9code VARCHAR(100)"
            ),
            (_UNIT,),
        ),
        Table(
            "treatment",
            "treatment.csv",
            _columns(
                "treatmentid INT pk; patientunitstayid INT !; treatmentname VARCHAR(200) !; "
                f"treatmenttime {_TIME} !"
            ),
            (_UNIT,),
        ),
        Table(
            "lab",
            "lab.csv",
            _columns(
                "labid INT pk; patientunitstayid INT !; labname VARCHAR(256) !; "
                f"labresult NUMERIC(11,4) !; labresulttime {_TIME} !"
            ),
            (_UNIT,),
        ),
        Table(
            "medication",
            "medication.csv",
            _columns(
                "medicationid INT pk; patientunitstayid INT !; drugname VARCHAR(220) !; "
                "dosage VARCHAR(60) !; routeadmin VARCHAR(120) !; "
                f"drugstarttime {_TIME}; drugstoptime {_TIME}"
            ),
            (_UNIT,),
        ),
        Table(
            "cost",
            "cost.csv",
            _columns(
                "costid INT pk; uniquepid VARCHAR(10) !; patienthealthsystemstayid INT !; "
                f"eventtype VARCHAR(20) !; eventid INT !; chargetime {_TIME} !; "
                "cost DOUBLE PRECISION !"
            ),
            (("patienthealthsystemstayid", "patient", "patienthealthsystemstayid"),),
        ),
        Table(
            "allergy",
            "allergy.csv",
            _columns(
                "allergyid INT pk; patientunitstayid INT !; drugname VARCHAR(255); "
                f"allergyname VARCHAR(255) !; allergytime {_TIME} !"
            ),
            (_UNIT,),
        ),
        Table(
            "intakeoutput",
            "intakeoutput.csv",
            _columns(
                "intakeoutputid INT pk; patientunitstayid INT !; cellpath VARCHAR(500) !; "
                "celllabel VARCHAR(255) !; cellvaluenumeric NUMERIC(12,4) !; "
                f"intakeoutputtime {_TIME} !"
            ),
            (_UNIT,),
        ),
        Table(
            "microlab",
            "microlab.csv",
            _columns(
                "microlabid INT pk; patientunitstayid INT !; culturesite VARCHAR(255) !; "
                f"organism VARCHAR(255) !; culturetakentime {_TIME} !"
            ),
            (_UNIT,),
        ),
        Table(
            "vitalperiodic",
            "vitalperiod.csv",
            _columns(
                "vitalperiodicid BIGINT pk; patientunitstayid INT !; temperature NUMERIC(11,4); "
                "sao2 INT; heartrate INT; respiration INT; systemicsystolic INT; "
                f"systemicdiastolic INT; systemicmean INT; observationtime {_TIME} !"
            ),
            (_UNIT,),
        ),
    ),
)

_ADM = ("HADM_ID", "DEMOGRAPHIC", "HADM_ID")

TREQS = Schema(
    name="treqs",
    nocase=True,
    indexes=(
        "DEMOGRAPHIC.SUBJECT_ID DEMOGRAPHIC.HADM_ID DIAGNOSES.HADM_ID PROCEDURES.HADM_ID "
        "PRESCRIPTIONS.HADM_ID LAB.HADM_ID"
    ),
    tables=(
        Table(
            "DEMOGRAPHIC",
            "DEMOGRAPHIC.csv",
            _columns(
                "SUBJECT_ID TEXT; HADM_ID TEXT; NAME TEXT; MARITAL_STATUS TEXT; AGE INTEGER; "
                "DOB TEXT; GENDER TEXT; LANGUAGE TEXT; RELIGION TEXT; ADMISSION_TYPE TEXT; "
                "DAYS_STAY INTEGER; INSURANCE TEXT; ETHNICITY TEXT; EXPIRE_FLAG INTEGER; "
                "ADMISSION_LOCATION TEXT; DISCHARGE_LOCATION TEXT; DIAGNOSIS TEXT; DOD TEXT; "
                "DOB_YEAR INTEGER; DOD_YEAR REAL; ADMITTIME TEXT; DISCHTIME TEXT; ADMITYEAR INTEGER"
            ),
        ),
        Table(
            "DIAGNOSES",
            "DIAGNOSES.csv",
            _columns("SUBJECT_ID TEXT; HADM_ID TEXT; ICD9_CODE TEXT; SHORT_TITLE TEXT; LONG_TITLE TEXT"),
            (_ADM,),
        ),
        Table(
            "PROCEDURES",
            "PROCEDURES.csv",
            _columns("SUBJECT_ID TEXT; HADM_ID TEXT; ICD9_CODE TEXT; SHORT_TITLE TEXT; LONG_TITLE TEXT"),
            (_ADM,),
        ),
        Table(
            "PRESCRIPTIONS",
            "PRESCRIPTIONS.csv",
            _columns(
                "SUBJECT_ID TEXT; HADM_ID TEXT; ICUSTAY_ID TEXT; DRUG_TYPE TEXT; DRUG TEXT; "
                "FORMULARY_DRUG_CD TEXT; ROUTE TEXT; DRUG_DOSE TEXT"
            ),
            (_ADM,),
        ),
        Table(
            "LAB",
            "LAB.csv",
            _columns(
                "SUBJECT_ID TEXT; HADM_ID TEXT; ITEMID TEXT; CHARTTIME TEXT; FLAG TEXT; "
                "VALUE_UNIT TEXT; LABEL TEXT; FLUID TEXT; CATEGORY TEXT"
            ),
            (_ADM,),
        ),
    ),
)

SCHEMAS: dict[str, Schema] = {s.name: s for s in (MIMIC_III, EICU, TREQS)}
