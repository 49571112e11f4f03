"""The MedCalc-Bench importer on hand-written rows in the official format (and the official sample)."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

import medagentgym
from medagentgym.agents.baselines import TrivialAgent
from medagentgym.cli import app
from medagentgym.importers import medcalcbench as mcb
from medagentgym.tasks.medcalc import formulas

SAMPLE_NAME = "official/medcalcbench/sample_100_of_test_tasks.jsonl"
OFFICIAL_SAMPLE = next(
    (
        path
        for path in (
            Path(os.environ.get("MEDCALCBENCH_SAMPLE", "/nonexistent")),
            Path(__file__).resolve().parents[3] / "shared" / SAMPLE_NAME,  # CI: shared/ beside the clone
            Path("/work/shared") / SAMPLE_NAME,
        )
        if path.is_file()
    ),
    Path("/nonexistent"),
)
CKD_V1 = 142 * (0.8 / 0.7) ** -0.302 * 0.9938**60  # v1.0's kappa for a man with creatinine 0.8
CKD_FEMALE = formulas.ckd_epi_2021(sex="female", age=50, creatinine=97 / 88.4)


def row(number: int, calc_id: int, entities: dict, *answers: str, **extra: str) -> dict:
    """A record in the official format; ``answers`` are the ground truth and the lower and upper limits."""
    answer, lower, upper = answers
    return {
        "Row Number": number,
        "Calculator ID": calc_id,
        "Calculator Name": f"calculator {calc_id}",
        "Patient Note": extra.get("note", f"Synthetic note for row {number}."),
        "Question": extra.get("question", "What is the answer?"),
        "Relevant Entities": extra.get("entities_text", repr(entities)),
        "Ground Truth Answer": answer,
        "Lower Limit": lower,
        "Upper Limit": upper,
    }


GOOD = [
    row(
        1,
        5,
        {"Systolic Blood Pressure": [120.0, "mm hg"], "Diastolic Blood Pressure": [90.0, "mm hg"]},
        "100.0",
        "95.0",
        "105.0",
        note="A 50-year-old man with a blood pressure of 120/90 mm Hg.",
        question="What is patient's mean arterial pressure in mm Hg?",
    ),
    row(
        2,
        63,
        {"Sodium": [135.0, "mEq/L"], "Chloride": [110.0, "mEq/L"], "Bicarbonate": [20.0, "mEq/L"]},
        "-7.0",
        "-7.35",
        "-6.65",
    ),
    row(
        3,
        45,
        {
            "age": [40, "years"],
            "Blood Urea Nitrogen (BUN)": [10.0, "mg/dL"],
            "respiratory rate": [16.0, "breaths per minute"],
            "Systolic Blood Pressure": [120.0, "mm hg"],
            "Diastolic Blood Pressure": [80.0, "mm hg"],
            "Confusion": False,
        },
        "0",
        "0",
        "0",
    ),
    row(
        4,
        13,
        {"Last menstrual date": "01/01/2024", "cycle length": 28},
        "10/07/2024",
        "10/07/2024",
        "10/07/2024",
    ),
    row(
        5,
        69,
        {"Current Date": "03/05/2024", "Last menstrual date": "01/01/2024"},
        "('9 weeks', '1 days')",
        "('9 weeks', '1 days')",
        "('9 weeks', '1 days')",
    ),
    row(
        6,
        4,
        {
            "sex": "Female",
            "age": [76, "years"],
            "Hypertension history": True,
            "Diabetes history": True,
            "Congestive Heart Faliure": False,
        },
        "5",
        "5",
        "5",
    ),
    row(
        7,
        3,
        {"sex": "Male", "age": [60, "years"], "creatinine": [0.8, "mg/dL"]},
        f"{CKD_V1:.3f}",
        f"{CKD_V1 * 0.95:.4f}",
        f"{CKD_V1 * 1.05:.4f}",
    ),
    row(
        8,
        3,
        {"sex": "Female", "age": [50, "years"], "creatinine": [97.0, "µmol/L"]},
        f"{CKD_FEMALE:.3f}",
        f"{CKD_FEMALE * 0.95:.4f}",
        f"{CKD_FEMALE * 1.05:.4f}",
    ),
    row(
        9,
        21,
        {
            "Best eye response": "eye opening to pain",
            "Best verbal response": "confused",
            "Best motor response": "localizes pain",
        },
        "11",
        "11",
        "11",
    ),
    row(
        10,
        49,
        {
            "OxyCODONE Dose": [10, "mg"],
            "OxyCODONE Dose Per Day": [3, "doses"],
            "FentANYL patch Dose": [25, "µg"],
            "FentANYL patch Dose Per Day": [1, "doses"],
        },
        "105.0",
        "99.75",
        "110.25",
    ),
    row(
        11,
        24,
        {"input steroid": ["PredniSONE PO", 40, "mg"], "target steroid": "Dexamethasone IV"},
        "6.0",
        "5.7",
        "6.3",
    ),
]
BAD = [
    {k: v for k, v in row(12, 5, {}, "1", "1", "1").items() if k != "Patient Note"},
    row(13, 5, {}, "1", "1", "1", entities_text="{'sex': 'Male',"),
    row(14, 99, {}, "1", "1", "1"),
    row(15, 13, {"Last menstrual date": "01/01/2024", "cycle length": 28}, "sometime in October", "", ""),
    row(16, 5, {"Systolic Blood Pressure": [120.0, "mm hg"]}, "100", "n/a", "n/a"),
]
REASONS = {
    12: "missing fields",
    13: "not a Python dict literal",
    14: "unknown Calculator ID",
    15: "unreadable Ground Truth",
    16: "Lower and Upper",
}


@pytest.fixture()
def jsonl(tmp_path: Path) -> Path:
    path = tmp_path / "rows.jsonl"
    lines = [json.dumps(r) for r in GOOD + BAD] + ["{not json"]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture()
def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "test_data.csv"
    fields = [*mcb.FIELDS, "Category", "Ground Truth Explanation"]
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for r in GOOD:
            writer.writerow({**r, "Category": "x", "Ground Truth Explanation": "multi\nline, with commas"})
    return path


def test_import_reports_every_bad_row_with_its_reason(jsonl):
    result = mcb.import_file(jsonl)
    assert (result.total, len(result.rows)) == (17, 11)
    failed = {f["row"]: f["reason"] for f in result.failed}
    for number, reason in REASONS.items():
        assert reason in failed[number], failed
    assert any("not JSON" in f["reason"] for f in result.failed)


def test_csv_with_extra_official_columns(csv_file):
    result = mcb.import_file(csv_file)
    assert (result.total, len(result.rows), result.failed) == (11, 11, [])


def test_tasks_show_the_note_and_grade_by_the_official_rule(jsonl):
    tasks = {t.metadata["row"]: t for t in mcb.import_file(jsonl).tasks}
    first = tasks[1]
    assert first.context == "Patient note:\nA 50-year-old man with a blood pressure of 120/90 mm Hg."
    assert first.questions[0].prompt == "What is patient's mean arterial pressure in mm Hg?"
    assert first.questions[0].grader.to_spec() == {"kind": "range", "lower": 95.0, "upper": 105.0}
    assert tasks[2].questions[0].grader.grade(-7.2).correct  # negative limits kept in order
    assert tasks[4].questions[0].grader.grade("2024-10-07").correct  # dates: the original crashed here
    assert tasks[5].questions[0].grader.grade("9 weeks, 1 day").correct  # tuples: the original crashed here
    assert tasks[5].questions[0].grader.kind == "weeks_days"
    assert (
        tasks[6].questions[0].grader.grade(5.4).correct and not tasks[6].questions[0].grader.grade(6).correct
    )


def test_check_oracle(jsonl):
    report = mcb.check_oracle(mcb.import_file(jsonl).tasks, TrivialAgent.STRATEGIES)
    assert report["oracle"] == 1.0
    assert report["trivial"]["zero"] == pytest.approx(1 / 11)  # the genuine CURB-65 score of 0
    assert all(rate == 0 for name, rate in report["trivial"].items() if name != "zero")


def test_recompute_explains_the_disagreement(jsonl):
    report = mcb.recompute(mcb.import_file(jsonl).rows)
    assert report["recompute_agreement"] == pytest.approx(10 / 11)
    assert report["disagreements"] == {"CKD-EPI Equations for Glomerular Filtration Rate": 1}
    (detail,) = report["disagreement_details"]
    assert detail["row"] == 7 and detail["cause"].startswith("known label error")


def test_cli_contract_and_saved_task_set(jsonl, tmp_path):
    out = tmp_path / "set"
    args = [
        "import",
        "medcalcbench",
        "--file",
        str(jsonl),
        "--json",
        "--check-oracle",
        "--recompute",
        "--out",
        str(out),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {"total", "loaded", "failed", "oracle", "trivial", "recompute_agreement", "disagreements"} <= set(
        report
    )
    assert (report["total"], report["loaded"], report["oracle"]) == (17, 11, 1.0)
    env = medagentgym.make(str(out))
    messages, info = env.reset(options={"index": 0})
    assert "Patient note:" in messages[1]["content"] and info["family"] == "medcalc"
    assert "request_info" not in info["actions"]


def test_cli_missing_file_is_a_data_error(tmp_path):
    result = CliRunner().invoke(
        app, ["import", "medcalcbench", "--file", str(tmp_path / "nope.jsonl"), "--json"]
    )
    assert result.exit_code != 0


@pytest.mark.skipif(
    not OFFICIAL_SAMPLE.is_file(), reason="the official MedCalc-Bench sample is not on this machine"
)
def test_official_sample():
    result = mcb.import_file(OFFICIAL_SAMPLE)
    assert (result.total, len(result.rows)) == (100, 100)
    assert mcb.check_oracle(result.tasks, TrivialAgent.STRATEGIES)["oracle"] == 1.0
    report = mcb.recompute(result.rows)
    assert report["recompute_agreement"] >= 0.9
    assert all(d["cause"] != "unexplained" for d in report["disagreement_details"])
