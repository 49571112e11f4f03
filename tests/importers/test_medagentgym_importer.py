"""The official MedAgentGym EHR importer: hand-written rows in the official format (and the
official files when they are present), re-grounded on small synthetic worlds or run on a
user's database, both time semantics, failures as one-line reasons, the CLI contract."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from medagentgym.env.environment import make
from medagentgym.errors import ConfigError, DataError
from medagentgym.importers.cli import app
from medagentgym.importers.medagentgym import answer_kind, import_file, prepare_sql, read_rows
from medagentgym.tasks.model import Task
from medagentgym.tasks.taskset import load_task_set
from medagentgym.worlds import build_world

PATIENTS = 150
OFFICIAL = Path("/work/shared/official")


def _ehrsql_row(
    row_id: str, template: str, query: str, value: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    return {
        "db_id": "mimic_iii",
        "question": template,
        "template": template,
        "query": query,
        "value": value,
        "q_tag": extra.pop("q_tag", ""),
        "is_impossible": False,
        "split": extra.pop("split", "train"),
        "id": row_id,
        "answer": ["0"],
        **extra,
    }


MIMIC_ROWS = [
    _ehrsql_row(
        "route-1",
        "what is the intake method of not a real drug?",
        "select distinct prescriptions.route from prescriptions where prescriptions.drug = 'not a real drug'",
        {"drug_name": "not a real drug"},
        q_tag="what is the intake method of {drug_name}?",
    ),
    _ehrsql_row(
        "count-1",
        "count the number of current patients.",
        "select count( distinct admissions.subject_id ) from admissions where admissions.dischtime is null",
        {},
        split="valid",
    ),
    _ehrsql_row(
        "has-1",
        "has patient 99999999 been admitted to the hospital this year?",
        "select count(*)>0 from admissions where admissions.subject_id = 99999999 and "
        "datetime(admissions.admittime,'start of year') = datetime(current_time,'start of year','-0 year')",
        {"patient_id": 99999999},
        q_tag="has_verb patient {patient_id} been admitted to the hospital [time_filter_global1]?",
    ),
    _ehrsql_row("broken-1", "what is broken?", "select count(*) from no_such_table", {}),
    _ehrsql_row("nan-1", "what medicine cures a headache?", "nan", {}),
]


def _write(path: Path, rows: list[dict[str, Any]], extra_lines: tuple[str, ...] = ()) -> Path:
    path.write_text(
        "".join(json.dumps(r) + "\n" for r in rows) + "".join(line + "\n" for line in extra_lines)
    )
    return path


@pytest.fixture(scope="module")
def mimic_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("official")
    bad_db = {**MIMIC_ROWS[1], "id": "other-db", "db_id": "eicu"}
    no_template = {k: v for k, v in MIMIC_ROWS[1].items() if k != "template"} | {"id": "no-template"}
    return _write(folder / "train_tasks.jsonl", [*MIMIC_ROWS, bad_db, no_template], ("not json",))


def _run_oracle(task: Task) -> Any:
    code = task.questions[0].oracle.code
    assert code is not None
    for resource in task.resources:
        code = code.replace(resource.target, str(resource.source))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<oracle>", "exec"), {})  # our own generated code
    return json.loads(out.getvalue().splitlines()[-1])


def test_reground_on_the_synthetic_world(mimic_file: Path) -> None:
    result = import_file(mimic_file, "mimic_iii", reground=True, n_patients=PATIENTS)
    report = result.report()
    assert report["total"] == 8
    assert report["executed"] == 3
    assert set(report["failed"]) == {"broken-1", "line 5", "line 6", "line 7", "line 8"}
    assert "no_such_table" in report["errors"]["broken-1"]
    assert "impossible" in report["errors"]["line 5"]
    assert "db_id" in report["errors"]["line 6"] and "template" in report["errors"]["line 7"]
    assert "not JSON" in report["errors"]["line 8"]
    assert report["non_empty"] == 3 and report["revalued"] == 2
    tasks = {t.metadata["official_id"]: t for t in result.tasks}
    route = tasks["route-1"]
    drug = route.metadata["values"]["drug_name"]
    assert drug != "not a real drug" and drug in route.questions[0].prompt
    assert f"'{drug}'" in route.metadata["sql"][0]
    assert tasks["count-1"].split == "test" and tasks["count-1"].category == "admission_demographics"
    assert tasks["has-1"].questions[0].grader.kind == "boolean"
    assert "2105-12-31 23:59:00" in tasks["has-1"].metadata["sql"][0]
    for task in result.tasks:
        assert task.questions[0].grader.grade(_run_oracle(task)).correct
        assert task.id == f"mimic_iii/{task.split}/official-{task.metadata['official_id']}"


def test_time_semantics() -> None:
    query = "select strftime('%j',current_time) - strftime('%j',admissions.admittime) from admissions"
    ehrsql = prepare_sql(query, "mimic_iii")
    assert "current_time" not in ehrsql and "'2105-12-31 23:59:00'" in ehrsql and "%J" in ehrsql
    assert prepare_sql(query, "mimic_iii", "raw") == query
    assert prepare_sql(query, "treqs") == query
    with pytest.raises(ConfigError, match="time semantics"):
        prepare_sql(query, "eicu", "tomorrow")  # type: ignore[arg-type]


def test_raw_semantics_reproduce_the_originals_clock(mimic_file: Path) -> None:
    result = import_file(mimic_file, "mimic_iii", reground=True, n_patients=PATIENTS, semantics="raw")
    has = next(t for t in result.tasks if t.metadata["official_id"] == "has-1")
    assert "current_time" in has.metadata["sql"][0] and has.metadata["time_semantics"] == "raw"
    assert "2000-01-01" in has.context


def test_answers_are_typed_from_the_result_shape() -> None:
    assert answer_kind("select count(*)>0 from x", [(1,)]) == ("boolean", ())
    assert answer_kind("select (a) > (b)", [(0,)], "is the value ...") == ("boolean", ())
    assert answer_kind("select count(*) from x", [(0,)]) == ("integer", ())
    assert answer_kind("select avg(v) from x", [(1.5,)]) == ("number", ())
    assert answer_kind("select t from x", [("2104-01-01 00:00:00",)]) == ("datetime", ())
    assert answer_kind("select name from x", [("a",), ("b",)]) == ("strings", ())
    assert answer_kind("select avg(v) from x group by strftime('%y',t)", [(1.0,), (1.0,)]) == ("values", ())
    assert answer_kind("select a, b from x", [("a", 1)]) == ("rows", ("string", "integer"))


def test_users_own_database(mimic_file: Path) -> None:
    world = build_world("mimic_iii", n_patients=PATIENTS)
    result = import_file(mimic_file, "mimic_iii", db=world.db_path)
    assert result.revalued == 0  # values are never changed on real data
    assert {t.metadata["official_id"] for t in result.tasks} == {"count-1", "has-1"}
    assert all(len(t.resources) == 1 and t.resources[0].target == "/data/mimic_iii.db" for t in result.tasks)


def test_clear_errors(tmp_path: Path, mimic_file: Path) -> None:
    with pytest.raises(DataError, match="does not exist"):
        import_file(tmp_path / "missing.jsonl", "mimic_iii", reground=True)
    with pytest.raises(ConfigError, match="unknown MedAgentGym EHR family"):
        import_file(mimic_file, "medcalc", reground=True)
    with pytest.raises(ConfigError, match="exactly one"):
        import_file(mimic_file, "mimic_iii")
    with pytest.raises(DataError, match="does not exist"):
        import_file(mimic_file, "mimic_iii", db=tmp_path / "none.db")
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_text("no\nnot json either\n")
    with pytest.raises(DataError, match="no valid mimic_iii task rows"):
        read_rows(garbage, "mimic_iii")


def test_treqs_rows(tmp_path: Path) -> None:
    rows = [
        {
            "db_id": "treqs",
            "question": "how many patients are male?",
            "query": "select count ( distinct demographic.'subject_id' ) from demographic where demographic.'gender' = 'm'",
            "is_impossible": False,
            "split": "train",
            "id": "t1",
            "answer": ["5"],
        },
        {
            "db_id": "treqs",
            "question": "what is the religion of patient nobody atall?",
            "query": "select demographic.'religion' from demographic where demographic.'name' = 'nobody atall'",
            "is_impossible": False,
            "split": "valid",
            "id": "t2",
            "answer": ["catholic"],
        },
        {
            "db_id": "treqs",
            "question": "how many patients have alzheimer's disease?",
            "query": "select count ( distinct demographic.'subject_id' ) from demographic where "
            "demographic.'diagnosis' = 'alzheimer's disease'",
            "is_impossible": False,
            "split": "train",
            "id": "t3",
            "answer": ["1"],
        },
    ]
    result = import_file(_write(tmp_path / "treqs.jsonl", rows), "treqs", reground=True, n_patients=PATIENTS)
    assert result.report()["failed"] == ["t3"]  # the unescaped apostrophe of the original
    tasks = {t.metadata["official_id"]: t for t in result.tasks}
    assert tasks["t1"].category == "count" and tasks["t1"].questions[0].grader.kind == "integer"
    assert tasks["t2"].category == "retrieval" and "nobody atall" not in tasks["t2"].questions[0].prompt
    assert all(t.questions[0].grader.grade(_run_oracle(t)).correct for t in result.tasks)


def test_cli_contract_and_saved_task_set(tmp_path: Path, mimic_file: Path) -> None:
    out = tmp_path / "imported"
    args = ["medagentgym", "--family", "mimic_iii", "--file", str(mimic_file), "--reground"]
    run = CliRunner().invoke(app, [*args, "--patients", str(PATIENTS), "--json", "--out", str(out)])
    assert run.exit_code == 0, run.output
    report = json.loads(run.output)
    assert {"total", "executed", "non_empty", "failed"} <= set(report)
    assert (report["total"], report["executed"], report["non_empty"]) == (8, 3, 3)
    loaded = load_task_set(out)
    assert len(loaded) == 3 and all(_run_oracle(t) is not None for t in loaded.tasks)
    env = make(str(out), split="train")
    messages, info = env.reset(options={"index": 0})
    assert info["family"] == "mimic_iii" and "/data/mimic_iii.db" in messages[0]["content"]
    missing = CliRunner().invoke(
        app, ["medagentgym", "--family", "eicu", "--file", str(tmp_path / "x.jsonl"), "--reground"]
    )
    assert missing.exit_code != 0 and isinstance(missing.exception, DataError)


@pytest.mark.skipif(not OFFICIAL.is_dir(), reason="official MedAgentGym files are not available")
@pytest.mark.parametrize("family", ["mimic_iii", "eicu", "treqs"])
def test_official_files_run_on_the_synthetic_worlds(family: str) -> None:
    path = OFFICIAL / family / "train_tasks.jsonl"
    result = import_file(path, family, reground=True, n_patients=PATIENTS)
    report = result.report()
    malformed = {"treqs": 2}.get(family, 0)  # unescaped apostrophes in the original SQL
    assert report["executed"] == report["total"] - malformed
    assert report["non_empty"] / report["total"] >= 0.8
