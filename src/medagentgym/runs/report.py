"""Reports over one or more runs: a leaderboard, CSV/JSON tables, PNG plots and an HTML page.

``medagentgym report RUN [RUN...] --out report.html`` writes, next to ``report.html``:

* ``report.json``: every metric of every run, overall, per family and per category;
* ``report-leaderboard.csv``: one row per run (success with 95% CI, pass@k, pass^k, means);
* ``report-families.csv``: one row per run, family and category;
* ``report-success.png`` and ``report-passk.png``: success by family and model, pass@k curves;
* ``report.html``: all of the above in one self-contained page, with a trajectory viewer.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from medagentgym.errors import ConfigError, DataError
from medagentgym.runs.metrics import final_episodes, grouped, summarize
from medagentgym.runs.store import RunStore
from medagentgym.trajectory import Episode


@dataclass
class RunResult:
    """One run's final episodes and metrics."""

    directory: Path
    label: str
    manifest: dict[str, Any]
    episodes: list[Episode]
    overall: dict[str, Any]
    by_family: dict[str, dict[str, Any]]
    by_category: dict[str, dict[str, Any]]


def load_run(directory: Path) -> RunResult:
    """Read a run directory written by ``medagentgym eval``."""
    store = RunStore(directory)
    if not store.directory.is_dir():
        raise ConfigError(f"{store.directory} does not exist")
    manifest = store.manifest()
    episodes = final_episodes(store.episodes())
    if not episodes:
        raise DataError(f"{store.directory} holds no episodes yet")
    return RunResult(
        directory=store.directory,
        label=str(manifest.get("label") or store.directory.name),
        manifest=manifest,
        episodes=episodes,
        overall=summarize(episodes),
        by_family=grouped(episodes, lambda e: e.family),
        by_category=grouped(episodes, lambda e: f"{e.family}/{e.category}"),
    )


def load_runs(directories: Sequence[Path]) -> list[RunResult]:
    """Load runs; labels that collide get their directory name appended."""
    runs = [load_run(d) for d in directories]
    labels = [r.label for r in runs]
    for run in runs:
        if labels.count(run.label) > 1:
            run.label = f"{run.label} ({run.directory.name})"
    return runs


def leaderboard(runs: Sequence[RunResult]) -> list[dict[str, Any]]:
    """One flat row per run, best success rate first."""
    families = sorted({f for r in runs for f in r.by_family})
    rows = []
    for run in runs:
        o = run.overall
        row: dict[str, Any] = {
            "run": run.label,
            "episodes": o["n"],
            "success_rate": o["success_rate"],
            "ci95_low": o["ci95"][0],
            "ci95_high": o["ci95"][1],
            "infra_errors": o["infra_errors"],
        }
        row.update({f"pass@{k}": v for k, v in o["pass_at_k"].items()})
        row.update({f"pass^{k}": v for k, v in o["pass_hat_k"].items()})
        if "best_at_k" in o:
            row["best@k"] = o["best_at_k"]
        row.update(
            {
                f"success:{f}": run.by_family[f]["success_rate"] if f in run.by_family else None
                for f in families
            }
        )
        for key in (
            "mean_steps",
            "mean_prompt_tokens",
            "mean_completion_tokens",
            "mean_cost_usd",
            "total_cost_usd",
        ):
            row[key] = o[key]
        row["mean_wall_s"] = o["mean_wall_s"]
        row["directory"] = str(run.directory)
        rows.append(row)
    return sorted(rows, key=lambda r: -r["success_rate"])


def family_rows(runs: Sequence[RunResult]) -> list[dict[str, Any]]:
    """One row per run and family (category ``*``) and per run and category."""
    rows = []
    for run in runs:
        groups = [(f, "*", s) for f, s in run.by_family.items()]
        groups += [(*name.split("/", 1), s) for name, s in run.by_category.items()]
        for family, category, s in sorted(groups):
            rows.append(
                {
                    "run": run.label,
                    "family": family,
                    "category": category,
                    "n": s["n"],
                    "success_rate": s["success_rate"],
                    "ci95_low": s["ci95"][0],
                    "ci95_high": s["ci95"][1],
                    "pass@1": s["pass_at_k"].get("1"),
                    "mean_steps": s["mean_steps"],
                    "infra_errors": s["infra_errors"],
                }
            )
    return rows


def write_csv(rows: Sequence[dict[str, Any]], path: Path) -> None:
    columns = list(dict.fromkeys(k for row in rows for k in row))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def report_json(runs: Sequence[RunResult]) -> dict[str, Any]:
    return {
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "runs": [
            {
                "label": r.label,
                "directory": str(r.directory),
                "settings": r.manifest.get("settings"),
                "agent": r.manifest.get("agent"),
                "overall": r.overall,
                "by_family": r.by_family,
                "by_category": r.by_category,
            }
            for r in runs
        ],
    }


def write_report(runs: Sequence[RunResult], out: Path) -> dict[str, Path]:
    """Write every report file next to ``out`` (the HTML page); returns what was written."""
    from medagentgym.runs.html import render_html
    from medagentgym.runs.plots import pass_at_k_plot, success_plot

    out = Path(out).expanduser()
    if out.suffix.lower() not in (".html", ".htm"):
        raise ConfigError(f"--out names the HTML report and must end in .html, got {out}")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create {out.parent}: {exc.strerror}") from None
    stem = out.with_suffix("")
    paths = {
        "json": stem.with_name(f"{stem.name}.json"),
        "leaderboard_csv": stem.with_name(f"{stem.name}-leaderboard.csv"),
        "families_csv": stem.with_name(f"{stem.name}-families.csv"),
        "success_png": stem.with_name(f"{stem.name}-success.png"),
        "passk_png": stem.with_name(f"{stem.name}-passk.png"),
        "html": out,
    }
    board = leaderboard(runs)
    paths["json"].write_text(json.dumps(report_json(runs), indent=2, default=str) + "\n", encoding="utf-8")
    write_csv(board, paths["leaderboard_csv"])
    write_csv(family_rows(runs), paths["families_csv"])
    success_plot(runs, paths["success_png"])
    pass_at_k_plot(runs, paths["passk_png"])
    out.write_text(render_html(runs, board, paths["success_png"], paths["passk_png"]), encoding="utf-8")
    return paths
