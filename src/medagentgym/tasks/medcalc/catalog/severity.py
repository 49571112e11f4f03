"""Rule-based severity and diagnosis scores: liver, throat, consciousness, pneumonia, PE, sepsis."""

from __future__ import annotations

from medagentgym.tasks.medcalc import formulas as f
from medagentgym.tasks.medcalc.catalog.common import (
    ABSENT_IF_UNSTATED,
    HEART_RATE,
    RESPIRATORY_RATE,
    TEMPERATURE,
    flag,
    num,
    systolic,
)
from medagentgym.tasks.medcalc.spec import Calculator, Choice

THROAT = (
    "presented to the clinic with a sore throat",
    "was seen in urgent care for throat pain and difficulty swallowing",
    "came in with a sore throat that started recently",
)
COUGH_ABSENT = Choice(
    "cough_absent",
    {
        True: ("{He} has no cough.", "{He} denies cough."),
        False: ("{He} also has a dry cough.", "{He} reports a cough."),
    },
    section="presentation",
    aliases=("Cough Absent",),
)


def _gcs_choice(key: str, levels: dict[str, tuple[str, ...]], alias: str, official: dict[str, str]) -> Choice:
    return Choice(key, levels, section="exam", aliases=(alias,), official=official)


CALCULATORS = (
    Calculator(
        id=15,
        name="Child-Pugh Score for Cirrhosis Mortality",
        category="severity",
        output="integer",
        unit="points",
        formula=f.child_pugh,
        question="What is the patient's Child-Pugh score?",
        notes="Bilirubin 2-3 mg/dL, albumin 2.8-3.5 g/dL and INR 1.7-2.3 are the middle bands (both ends included).",
        inputs=(
            num("bilirubin", 0.5, 8.0, "Bilirubin", "bilirubin"),
            num("albumin", 1.8, 4.6, "Albumin", "albumin"),
            num("inr", 0.9, 3.5, "international normalized ratio", "INR"),
            Choice(
                "ascites",
                {
                    "absent": ("There is no ascites on ultrasound.", "The abdomen is soft without ascites."),
                    "slight": ("Ultrasound shows a small amount of ascites.", "There is mild ascites."),
                    "moderate": (
                        "There is moderate tense ascites.",
                        "Moderate ascites is present on examination.",
                    ),
                },
                aliases=("Ascites",),
            ),
            Choice(
                "encephalopathy",
                {
                    "none": ("{He} is alert and oriented without asterixis.",),
                    "grade 1-2": (
                        "{He} has mild confusion and asterixis consistent with grade 1-2 encephalopathy.",
                    ),
                    "grade 3-4": (
                        "{He} is somnolent and responds only to pain, consistent with grade 3-4 encephalopathy.",
                    ),
                },
                aliases=("Encephalopathy",),
                official={"no encephalopathy": "none", "grade 1-2": "grade 1-2", "grade 3-4": "grade 3-4"},
            ),
        ),
        settings=(
            "was seen in the hepatology clinic for alcohol-related cirrhosis",
            "was admitted with decompensated cirrhosis",
            "was followed for cirrhosis due to chronic hepatitis B",
        ),
    ),
    Calculator(
        id=20,
        name="Centor Score (Modified/McIsaac) for Strep Pharyngitis",
        category="severity",
        output="integer",
        unit="points",
        formula=f.centor_mcisaac,
        question="What is the patient's Centor score (modified McIsaac criteria)?",
        notes=ABSENT_IF_UNSTATED,
        inputs=(
            TEMPERATURE,
            flag(
                "exudate",
                ("tonsillar exudates", "swollen tonsils with exudate"),
                "tonsillar exudate",
                "Exudate or swelling on tonsils",
                section="exam",
            ),
            flag(
                "tender_nodes",
                "tender, swollen anterior cervical lymph nodes",
                "cervical lymphadenopathy",
                "Tender/swollen anterior cervical lymph nodes",
                section="exam",
            ),
            COUGH_ABSENT,
        ),
        settings=THROAT,
        age=(3, 80),
    ),
    Calculator(
        id=21,
        name="Glasgow Coma Score (GCS)",
        category="severity",
        output="integer",
        unit="points",
        formula=f.glasgow_coma_scale,
        question="What is the patient's Glasgow Coma Score?",
        inputs=(
            _gcs_choice(
                "eye",
                {
                    "spontaneous": ("{His} eyes are open spontaneously.",),
                    "to voice": ("{He} opens {his} eyes when spoken to.",),
                    "to pain": ("{He} opens {his} eyes only to a painful stimulus.",),
                    "none": ("{He} does not open {his} eyes even to pain.",),
                },
                "Best eye response",
                {
                    "not testable": "spontaneous",  # MedCalc-Bench scores an untestable response as 4
                    "eyes open spontaneously": "spontaneous",
                    "eye opening to verbal command": "to voice",
                    "eye opening to pain": "to pain",
                    "no eye opening": "none",
                },
            ),
            _gcs_choice(
                "verbal",
                {
                    "oriented": ("{He} is oriented and converses normally.",),
                    "confused": ("{He} speaks in sentences but is confused.",),
                    "inappropriate words": ("{He} says random, inappropriate words.",),
                    "incomprehensible sounds": ("{He} makes only incomprehensible sounds.",),
                    "none": ("{He} makes no verbal response.",),
                },
                "Best verbal response",
                {"no verbal response": "none", "not testable": "confused"},
            ),
            _gcs_choice(
                "motor",
                {
                    "obeys": ("{He} obeys commands.",),
                    "localizes": ("{He} localizes to a painful stimulus.",),
                    "withdrawal": ("{He} withdraws from pain.",),
                    "abnormal flexion": ("{He} shows abnormal flexion (decorticate posturing) to pain.",),
                    "extension": ("{He} shows extension (decerebrate posturing) to pain.",),
                    "none": ("{He} has no motor response.",),
                },
                "Best motor response",
                {
                    "obeys commands": "obeys",
                    "localizes pain": "localizes",
                    "withdrawal from pain": "withdrawal",
                    "flexion to pain": "abnormal flexion",
                    "extension to pain": "extension",
                    "no motor response": "none",
                },
            ),
        ),
        settings=(
            "was brought to the emergency department after a fall from a ladder",
            "was found unresponsive at home",
            "was brought in after a motor vehicle collision",
            "was evaluated after a witnessed seizure",
        ),
        age=(16, 90),
    ),
    Calculator(
        id=29,
        name="PSI Score: Pneumonia Severity Index for CAP",
        category="severity",
        output="integer",
        unit="points",
        formula=f.pneumonia_severity_index,
        question="What is the patient's Pneumonia Severity Index (PSI) score?",
        notes=ABSENT_IF_UNSTATED,
        inputs=(
            flag(
                "nursing_home",
                "residence in a nursing home",
                "living in a nursing home",
                "Nursing home resident",
                section="social",
            ),
            flag(
                "neoplastic_disease",
                ("active lung cancer", "metastatic prostate cancer"),
                "cancer",
                "Neoplastic disease",
            ),
            flag("liver_disease", "cirrhosis", "liver disease", "Liver disease history"),
            flag("chf", "congestive heart failure", "heart failure", "Congestive Heart Failure"),
            flag(
                "cerebrovascular_disease",
                "a prior stroke",
                "cerebrovascular disease",
                "Cerebrovascular disease history",
            ),
            flag("renal_disease", "chronic kidney disease", "kidney disease", "Renal disease history"),
            flag(
                "altered_mental_status",
                "new confusion",
                "confusion",
                "Altered mental status",
                section="presentation",
            ),
            num("respiratory_rate", 12, 42, "respiratory rate"),
            systolic(70, 170),
            num("temperature", 33.5, 41.0, "Temperature", "temperature"),
            num("heart_rate", 60, 150, "Heart Rate or Pulse"),
            num("ph", 7.2, 7.5, "pH"),
            num("bun", 6, 80, "Blood Urea Nitrogen (BUN)", "BUN"),
            num("sodium", 122, 148, "Sodium", "sodium"),
            num("glucose", 70, 450, "Glucose", "glucose"),
            num("hematocrit", 22, 50, "Hematocrit", "hematocrit"),
            num("pao2", 45, 100, "Partial pressure of oxygen", "PaO2"),
            flag(
                "pleural_effusion",
                "a pleural effusion on chest x-ray",
                "pleural effusion",
                "Pleural effusion on x-ray",
                section="exam",
            ),
        ),
        settings=(
            "presented with fever, productive cough and dyspnea",
            "was admitted with community-acquired pneumonia",
            "presented with cough and right-sided pleuritic chest pain",
        ),
    ),
    Calculator(
        id=33,
        name="FeverPAIN Score for Strep Pharyngitis",
        category="diagnosis",
        output="integer",
        unit="points",
        formula=f.feverpain,
        question="What is the patient's FeverPAIN score?",
        notes=ABSENT_IF_UNSTATED,
        inputs=(
            flag(
                "fever",
                "fever over the past 24 hours",
                "fever",
                "Fever in past 24 hours",
                section="presentation",
            ),
            flag("purulence", "purulent tonsils", "tonsillar pus", "Purulent tonsils", section="exam"),
            Choice(
                "attend_rapidly",
                {
                    True: ("The symptoms began two days ago.", "{He} came in on the first day of symptoms."),
                    False: ("The symptoms began five days ago.", "{He} has been unwell for a week."),
                },
                section="presentation",
                aliases=("Symptom onset <=3 days",),
            ),
            flag(
                "inflamed_tonsils",
                "severely inflamed tonsils",
                "marked tonsillar inflammation",
                "Severe tonsil inflammation",
                section="exam",
            ),
            Choice(
                "no_cough_coryza",
                {
                    True: ("{He} has no cough or runny nose.",),
                    False: ("{He} also has a cough and a runny nose.", "{He} has coryza."),
                },
                section="presentation",
                aliases=("Absence of cough or coryza",),
            ),
        ),
        settings=THROAT,
        age=(5, 75),
    ),
    Calculator(
        id=48,
        name="PERC Rule for Pulmonary Embolism",
        category="diagnosis",
        output="integer",
        unit="criteria",
        formula=f.perc_rule,
        question="How many PERC rule criteria does the patient meet?",
        notes=ABSENT_IF_UNSTATED,
        inputs=(
            HEART_RATE,
            num("oxygen_saturation", 86, 100, "O₂ saturation percentage", "O2 saturation percentage"),
            flag(
                "unilateral_leg_swelling",
                "swelling of the right leg",
                "leg swelling",
                "Unilateral Leg Swelling",
                section="exam",
            ),
            flag("hemoptysis", "hemoptysis", "hemoptysis", "Hemoptysis", section="presentation"),
            flag(
                "recent_surgery_or_trauma",
                ("knee surgery three weeks ago", "a fracture treated two weeks ago"),
                "recent surgery or trauma",
                "Recent surgery or trauma",
            ),
            flag(
                "prior_pe_or_dvt",
                ("a prior pulmonary embolism", "a previous deep vein thrombosis"),
                "venous thromboembolism",
                "Previously documented Deep Vein Thrombosis",
                "Previously documented Pulmonary Embolism",
            ),
            flag(
                "hormone_use",
                ("an oral contraceptive pill", "estrogen replacement therapy"),
                "hormonal therapy",
                "Hormone use",
                section="meds",
            ),
        ),
        settings=(
            "presented with pleuritic chest pain",
            "presented to the emergency department with shortness of breath",
            "developed chest pain after a long flight",
        ),
    ),
    Calculator(
        id=51,
        name="SIRS Criteria",
        category="diagnosis",
        output="integer",
        unit="criteria",
        formula=f.sirs,
        question="How many SIRS criteria does the patient meet?",
        inputs=(
            TEMPERATURE,
            HEART_RATE,
            RESPIRATORY_RATE,
            num("paco2", 22, 50, "PaCO₂", "PaCO2"),
            num("wbc", 1.5, 25, "White blood cell count", "WBC"),
        ),
        settings=(
            "presented with fever and chills",
            "was admitted with a suspected urinary tract infection",
            "developed fever after abdominal surgery",
        ),
    ),
)
