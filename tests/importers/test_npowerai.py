"""Importing original N-PowerAI files: loading, grading, recomputation, the CLI and bad input.

The rows below are hand-written in the original format (same fields, the same key phrases as the
original questions) so that every test type, every known cause of disagreement and every kind of
bad row is covered without the official file.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import medagentgym
from medagentgym.cli import app
from medagentgym.errors import ConfigError, DataError
from medagentgym.importers.npowerai import import_npowerai, split_from_name
from medagentgym.tasks.npower.original import QuestionFormatError, parse_question
from medagentgym.tasks.npower.studies import (
    ChiSquareIndependence,
    CoxPH,
    OneWayAnova,
    PairedT,
    Problem,
    TwoSampleT,
)

OFFICIAL = Path("/work/shared/official/npowerai/train_tasks.jsonl")

ONE_SAMPLE = (
    "A nutritionist plans a study of adult men on a low-salt diet. The mean systolic blood pressure of adult "
    "men in general is 130. She expects the average of her sample to be 124.0 with a standard deviation of "
    "12.0. {ask}"
)
PAIRED = (
    "A physician expects a new drug to reduce cholesterol levels 10.0 units with a standard deviation of "
    "20.0. She will measure cholesterol before and two months after the treatment. {ask}"
)
TWO_SAMPLE = (
    "A dietician compares diets A and B. She expects that the average difference in blood glucose between "
    "the two groups will be {difference} mg/dl, and assumes the standard deviation of blood glucose for diet "
    "A to be 15 and the standard deviation for diet B to be 17. {ask}"
)
ANOVA = (
    "A researcher compares four teaching methods with groups of the same size. The researcher assumes that "
    "the sample mean of scores for each group will be 500, 510, 520, and 530, respectively, and that the "
    "standard deviation for each group will be equal to 80. {ask}"
)
CHI_SQUARE = (
    "A researcher selected a random sample of 200 students. The proportions of mild, moderate and severe "
    "symptoms will be 0.30, 0.50, and 0.20 in females, and will be 0.20, 0.50, and 0.30 in males. What's "
    "the power for detecting the association at the significance level of 0.05?"
)
COX = (
    "Patients are randomised to groups E and C. {n}The probabilities of failure over time in groups E and C "
    "are 0.3000 and 0.4000, respectively. The hazard ratio for group E compared with group C is assumed to "
    "be 0.7. {ask}"
)

DIFFERENCES = (8.0, 9.0, 10.0)
TWO_SAMPLE_SIZE_ASK = (
    "What sample size would be necessary in each group to achieve 80% power to perform a two-sided test at "
    "significance level of 0.05?"
)
PAIRED_POWER_STUDY = PairedT(10.0, 20.0, None, 0.05, False)
# The original's Cohen's f used the sample SD of the means: ours with the spread scaled by sqrt(4/3).
ANOVA_SAMPLE_SD = OneWayAnova(
    tuple(515 + (m - 515) * math.sqrt(4 / 3) for m in (500, 510, 520, 530)), 80.0, 0.05
)
COX_STUDY = CoxPH(0.7, 0.3, 0.4, 0.05, True, "schoenfeld")


def _row(task_type: str, target: str, question: str, answer: float) -> str:
    return json.dumps(
        {
            "task_type": task_type,
            "task_id": 0,
            "estimate_target": target,
            "question": question,
            "answer": answer,
        }
    )


def fixture_lines() -> list[str]:
    """Valid rows first (12), then bad rows (one per kind of problem), with a blank line."""
    ask_size = "How large a sample should the study include to perform a two-sided test with a power of 80%, and a significance level of 0.05?"
    ask_power = "She recruited 34 participants and performs a not equal test at a significance level of 0.05. What is the power?"
    valid = [
        _row("One-sample t-test", "size", ONE_SAMPLE.format(ask=ask_size), 34),  # Cohen: d = 0.5 -> 34
        _row("One-sample t-test", "power", ONE_SAMPLE.format(ask=ask_power), 0.8078),
        _row(
            "Paired t-test",
            "size",
            PAIRED.format(
                ask="What sample size would be necessary to achieve 80% of power to perform a lower one-sided test at the significance level of 0.05?"
            ),
            27,
        ),
        _row(  # answered for 20 pairs, while the question says 30
            "Paired t-test",
            "power",
            PAIRED.format(
                ask="The physician collected a random sample of 30 adults. What is the power for detecting a reduction at the significance level of 0.05?"
            ),
            Problem(PAIRED_POWER_STUDY, "power", 20).answer(),
        ),
        *(  # one answer for three differences: right only for 10.0
            _row(
                "Two independent samples t-test",
                "size",
                TWO_SAMPLE.format(difference=d, ask=TWO_SAMPLE_SIZE_ASK),
                42,
            )
            for d in DIFFERENCES
        ),
        _row(  # neither alpha nor the sides are stated
            "Two independent samples t-test",
            "power",
            TWO_SAMPLE.format(
                difference=10.0,
                ask="She has 42 patients assigned to one of the two diets. What is the power?",
            ),
            Problem(TwoSampleT(10.0, 15, 17, 1.0, 0.05, True), "power", 42).answer(),
        ),
        _row(  # Cohen's f from the sample SD of the means
            "One-way ANOVA",
            "size",
            ANOVA.format(
                ask="What's the minimum number of students needed in each group to achieve 80% of power at a significance level of 0.05?"
            ),
            Problem(ANOVA_SAMPLE_SD, "size", 0.8).answer(),
        ),
        _row(
            "Chi-square test of independence",
            "power",
            CHI_SQUARE,
            Problem(
                ChiSquareIndependence((0.5, 0.5), ((0.3, 0.5, 0.2), (0.2, 0.5, 0.3)), 0.05), "power", 200
            ).answer(),
        ),
        _row(  # Freedman's formula
            "Cox proportional-hazards model",
            "size",
            COX.format(
                n="",
                ask="What's the required number of participants needed in each group to achieve 80% power for a two-sided test at the significance level of 0.05?",
            ),
            Problem(CoxPH(0.7, 0.3, 0.4, 0.05, True, "freedman"), "size", 0.8).answer(),
        ),
        _row(
            "Cox proportional-hazards model",
            "power",
            COX.format(
                n="The sample size of each group will be the same having 300 person. ",
                ask="What's the power for a two-sided test at the significance level of 0.05?",
            ),
            Problem(COX_STUDY, "power", 300).answer(),
        ),
    ]
    bad = [
        "this is not json",
        json.dumps({"task_type": "Paired t-test", "question": "q"}),
        _row("Two-way ANOVA", "size", "q", 10),
        _row("Paired t-test", "n", "q", 10),
        _row("Paired t-test", "size", "q", "ten"),
        _row("Paired t-test", "size", "q", 12.5),
        _row("Paired t-test", "power", "q", 1.5),
        _row("One-sample t-test", "size", "A question without the numbers the original wording has.", 10),
    ]
    return [*valid, "", *bad]


@pytest.fixture
def fixture_file(tmp_path: Path) -> Path:
    path = tmp_path / "npowerai_test.jsonl"
    path.write_text("\n".join(fixture_lines()) + "\n")
    return path


def test_rows_load_and_bad_rows_are_reported(fixture_file):
    result = import_npowerai(fixture_file)
    report = result.report()
    assert (report["total"], report["loaded"], len(report["failed"])) == (20, 13, 7)
    errors = {f["row"]: f["reason"] for f in report["failed"]}
    assert errors[14].startswith("not JSON")
    assert "missing estimate_target, answer" in errors[15]
    assert "unknown task_type 'Two-way ANOVA'" in errors[16]
    assert "estimate_target must be" in errors[17]
    assert "must be a number" in errors[18]
    assert "positive whole number" in errors[19]
    assert "between 0 and 1" in errors[20]
    assert result.split == "test" and all(t.split == "test" and t.family == "npower" for t in result.tasks)
    assert {t.category for t in result.tasks} == {
        "one_sample_t",
        "paired_t",
        "two_sample_t",
        "one_way_anova",
        "chi_square_independence",
        "cox_ph",
    }


def test_imported_tasks_use_the_fixed_grading(fixture_file):
    tasks = import_npowerai(fixture_file).tasks
    size = tasks[0].questions[0].grader
    assert size.grade(34).correct and size.grade("34.0").correct and not size.grade(35).correct
    power = tasks[1].questions[0].grader
    assert power.grade(0.8078 + 0.0099).correct and not power.grade(0.8078 * 1.02).correct
    assert "Give the power as a proportion between 0 and 1" in tasks[1].questions[0].prompt
    for task in tasks:
        question = task.questions[0]
        assert question.grader.grade(question.oracle.answer).correct
        assert not any(question.grader.grade(t).correct for t in (0, "", True, False))


def test_recompute_agrees_or_names_the_cause(fixture_file):
    result = import_npowerai(fixture_file, recompute=True)
    meta = [t.metadata for t in result.tasks]
    assert [m["agrees"] for m in meta[:3]] == [True, True, True]
    assert meta[3]["cause"] == "n = 20 instead of the stated 30"
    assert [m["agrees"] for m in meta[4:7]] == [False, False, True]
    assert (
        meta[4]["cause"] == meta[5]["cause"] == "one official answer (42) for 3 rows whose parameters differ"
    )
    assert meta[7]["agrees"] and meta[9]["agrees"] and meta[11]["agrees"]
    assert meta[8]["cause"] == "Cohen's f from the sample SD of the group means (divisor k-1)"
    assert meta[10]["cause"] == "Freedman's formula"
    assert meta[12]["cause"] == "not recomputed: no reference mean found"
    summary = result.recompute
    assert summary is not None and (summary["rows"], summary["parsed"], summary["agree"]) == (13, 12, 7)
    two_sample = summary["by_type"]["Two independent samples t-test"]
    assert two_sample["size"] == {"rows": 3, "parsed": 3, "agree": 1, "agreement": 0.3333}
    assert set(two_sample["assumptions"]) == {
        "alpha = 0.05 (not stated)",
        "the patients stated are per group",
        "two-sided test (not stated)",
    }


def test_parsing_reads_the_stated_numbers():
    parsed = parse_question(
        "One-way ANOVA", "power", ANOVA.format(ask="The researcher is using a group of 13 students.")
    )
    assert parsed.problem == Problem(OneWayAnova((500, 510, 520, 530), 80, 0.05), "power", 13)
    assert parsed.assumptions == ("the group size stated is per group", "alpha = 0.05 (not stated)")
    with pytest.raises(QuestionFormatError, match="hazard ratio"):
        parse_question("Cox proportional-hazards model", "size", "groups E and C are 0.3 and 0.4; 80% power")
    with pytest.raises(QuestionFormatError, match="unknown test type"):
        parse_question("Two-way ANOVA", "size", "anything")


def test_cli_reports_json_and_saves_a_task_set(fixture_file, tmp_path):
    out = tmp_path / "imported"
    args = ["import", "npowerai", "--file", str(fixture_file), "--json", "--recompute", "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["total"], report["loaded"], len(report["failed"])) == (20, 13, 7)
    assert report["out"] == str(out) and report["recompute"]["agree"] == 7
    env = medagentgym.make(str(out))
    _, info = env.reset(options={"index": 0})
    assert info["task_id"] == "npowerai/test/1" and info["family"] == "npower"
    _, reward, terminated, _, _ = env.step(
        json.dumps({"action": "submit_answer", "params": {"answer": "34.0"}})
    )
    assert terminated and reward == 1.0
    plain = CliRunner().invoke(app, ["import", "npowerai", "--file", str(fixture_file), "--split", "train"])
    assert plain.exit_code == 0 and "13 of 20 rows loaded as train tasks" in plain.stdout


def test_bad_files_and_options_are_clear_errors(tmp_path, fixture_file):
    with pytest.raises(DataError, match="no such file"):
        import_npowerai(tmp_path / "missing.jsonl")
    with pytest.raises(DataError, match="not a file"):
        import_npowerai(tmp_path)
    (tmp_path / "empty.jsonl").write_text("\n\n")
    with pytest.raises(DataError, match="is empty"):
        import_npowerai(tmp_path / "empty.jsonl")
    (tmp_path / "bad.jsonl").write_text('{"task_type": 1}\n[1, 2]\n')
    with pytest.raises(DataError, match=r"no valid N-PowerAI rows \(line 1: missing"):
        import_npowerai(tmp_path / "bad.jsonl")
    (tmp_path / "binary.jsonl").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(DataError, match="cannot read"):
        import_npowerai(tmp_path / "binary.jsonl")
    with pytest.raises(ConfigError, match="split must be one of"):
        import_npowerai(fixture_file, split="validation")
    assert (
        split_from_name(Path("train_tasks.jsonl")) == "train" and split_from_name(Path("x.jsonl")) == "test"
    )


def test_cli_error_is_one_line(tmp_path):
    # Wide columns: the core's error console wraps at the terminal width (80 without a terminal).
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "COLUMNS": "400"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "medagentgym",
            "import",
            "npowerai",
            "--file",
            str(tmp_path / "x.jsonl"),
            "--json",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 2 and "no such file" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == "" and done.stderr.count("\n") == 1


@pytest.mark.skipif(not OFFICIAL.is_file(), reason="the official N-PowerAI train file is not on this machine")
def test_official_train_file():
    result = import_npowerai(OFFICIAL, recompute=True)
    assert result.report()["total"] == 865 and len(result.tasks) == 865 and not result.failures
    assert result.split == "train"
    summary = result.recompute
    assert summary is not None and summary["parsed"] == 865
    by_type = summary["by_type"]
    assert by_type["One-sample t-test"]["agreement"] == 1.0
    assert by_type["Chi-square test of independence"]["agreement"] == 1.0
    assert by_type["Paired t-test"]["size"]["agreement"] == 1.0
    assert by_type["Two independent samples t-test"]["power"]["agreement"] == 1.0
    assert by_type["Cox proportional-hazards model"]["causes"]["Freedman's formula"] == 77
    assert all("unexplained" not in entry["causes"] for entry in by_type.values())
