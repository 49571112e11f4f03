"""The command-line contracts: ``sandbox check --json`` and the benchmark report."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from medagentgym.sandbox import bench
from medagentgym.sandbox.cli import app

runner = CliRunner()


def test_check_json_contract():
    result = runner.invoke(app, ["check", "--json", "--only", "privileges", "--only", "dns_resolution"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["total"] == report["contained"] == 2
    assert [set(case) for case in report["cases"]] == [{"name", "contained", "detail"}] * 2
    assert {case["name"] for case in report["cases"]} == {"privileges", "dns_resolution"}


def test_check_rejects_unknown_cases_in_one_line():
    result = runner.invoke(app, ["check", "--only", "no_such_attack"])
    assert result.exit_code == 2
    assert "unknown case(s) no_such_attack" in result.output and "Traceback" not in result.output


def test_bench_report_shape_with_one_run_per_design():
    one = {design: {"trivial": 1, "pandas": 1} for design in bench.DESIGNS}
    report = bench.measure(repeats=bench.Repeats(latency=one, throughput=one, warmup=0))
    assert set(report) == {"trivial", "pandas"}
    for designs in report.values():
        assert set(designs) == {"ours", "fresh_process", "original"}
        for row in designs.values():
            assert row["median_ms"] > 0 and row["p95_ms"] >= row["median_ms"] and row["throughput_per_s"] > 0
    assert report["pandas"]["original"]["median_ms"] >= 1000  # the one-second poll
    assert 0 < report["pandas"]["ours"]["idle_pool_mb"] < 1000
