"""Wording pools for synthetic notes: sentence frames and clinically neutral distractors.

Distractors are chosen to be irrelevant to *every* calculator (no condition, drug or finding here
is an input of any of the 55 scores), so adding them never changes an answer.
"""

from __future__ import annotations

OPENINGS = (
    "{A} {age_text} {noun} {setting}.",
    "The patient is {a} {age_text} {noun} who {setting}.",
    "{A} {age_text} {adjective} patient {setting}.",
    "{Age_text} {noun} {setting}.",
)

# section -> (frames for findings that are present, frames for findings that are absent)
FLAG_FRAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "history": (
        (
            "Past medical history is significant for {items}.",
            "{He} has a history of {items}.",
            "Medical history: {items}.",
        ),
        (
            "{He} has no history of {items}.",
            "There is no known history of {items}.",
            "{His} history is negative for {items}.",
        ),
    ),
    "presentation": (
        ("{He} reports {items}.", "Symptoms include {items}.", "{He} complains of {items}."),
        ("{He} denies {items}.", "There is no {items}."),
    ),
    "exam": (
        (
            "Examination reveals {items}.",
            "On examination there is {items}.",
            "Physical examination is notable for {items}.",
        ),
        ("There is no {items}.", "Examination shows no {items}."),
    ),
    "meds": (
        ("Current medications include {items}.", "{He} takes {items}.", "Medications: {items}."),
        ("{He} does not take {items}.", "{He} is not on {items}."),
    ),
    "social": (
        ("Social history is notable for {items}.", "{He} reports {items}."),
        ("{He} denies {items}.", "Social history is negative for {items}."),
    ),
    "plan": (("The plan includes {items}.",), ("There is no plan for {items}.",)),
}

NUMBER_INTROS = {
    "vitals": (
        "Vital signs: {items}.",
        "On arrival, {his} vital signs were {items}.",
        "Vitals showed {items}.",
    ),
    "labs": (
        "Laboratory studies showed {items}.",
        "Labs: {items}.",
        "Admission blood tests were notable for {items}.",
        "Blood work revealed {items}.",
    ),
    "abg": ("An arterial blood gas showed {items}.", "ABG: {items}."),
    "urine": ("Urine studies showed {items}.", "A spot urine sample showed {items}."),
    "ecg": ("An ECG showed {items}.", "ECG: {items}.", "The electrocardiogram demonstrated {items}."),
    "body": ("Measured {items}.", "Anthropometrics: {items}."),
}
ITEM_FRAMES = ("{name} {value}", "{name} of {value}", "{name}: {value}")

NEUTRAL_CONDITIONS = (
    "hypothyroidism",
    "osteoarthritis of the knees",
    "gout",
    "gastroesophageal reflux disease",
    "seasonal allergic rhinitis",
    "migraine",
    "glaucoma",
    "chronic low back pain",
    "cataracts",
    "depression",
    "insomnia",
    "mild hearing loss",
    "benign essential tremor",
    "plantar fasciitis",
)
NEUTRAL_MEDICATIONS = (
    "levothyroxine 75 µg daily",
    "omeprazole 20 mg daily",
    "sertraline 50 mg daily",
    "cetirizine 10 mg daily",
    "vitamin D3 1000 IU daily",
    "allopurinol 100 mg daily",
    "latanoprost eye drops",
    "melatonin at bedtime",
    "a multivitamin",
)
FAMILY_HISTORY = (
    "Family history is notable for a mother with breast cancer.",
    "{His} father had colon cancer at 70.",
    "Family history is significant for glaucoma and osteoporosis.",
    "A sister has rheumatic hearing loss.",
    "Family history is non-contributory.",
)
SOCIAL_FILLER = (
    "{He} works as a schoolteacher.",
    "{He} lives with {his} partner and two children.",
    "{He} is retired and lives independently.",
    "{He} works in construction.",
    "{He} lives alone and manages {his} own affairs.",
)
EXAM_FILLER = (
    "Pupils are equal and reactive to light.",
    "There is no rash.",
    "The thyroid is not enlarged.",
    "Capillary refill is brisk.",
)
PRIOR_FRAMES = (
    "Of note, {his} {name} was {value} on {date}.",
    "Records from {date} show a {name} of {value}.",
    "A previous {name} on {date} was {value}.",
)
CLOSINGS = (
    "{He} was admitted for further management.",
    "Further workup is ongoing.",
    "The team discussed the findings with the patient.",
    "",
)
