"""``medagentgym import``: one command per importer (heavy imports happen inside the commands)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Import official task files of the original benchmarks.", no_args_is_help=True)


@app.command("npowerai")
def npowerai(
    file: Annotated[Path, typer.Option("--file", help="An N-PowerAI task file (JSON lines).")],
    out: Annotated[Path | None, typer.Option("--out", help="Save the tasks as a task set here.")] = None,
    recompute: Annotated[
        bool, typer.Option("--recompute", help="Recompute every answer and explain disagreements.")
    ] = False,
    split: Annotated[
        str | None, typer.Option("--split", help="Split of the tasks (default: from the file name).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Load N-PowerAI tasks (sample size exact, power within 0.01) and report what loaded."""
    from rich.console import Console

    from medagentgym.cli import print_json
    from medagentgym.importers.npowerai import import_npowerai
    from medagentgym.tasks.taskset import save_task_set

    result = import_npowerai(file, split=split, recompute=recompute)
    report = result.report()
    if out is not None:
        meta = {"source": "npowerai", "file": str(file), "split": result.split}
        save_task_set(result.tasks, out, name=f"npowerai-{result.split}", meta=meta)
        report["out"] = str(out)
    if as_json:
        print_json(report)
        return
    console = Console(soft_wrap=True)
    console.print(f"{file}: {report['loaded']} of {report['total']} rows loaded as {result.split} tasks")
    for failure in report.get("failures", []):
        console.print(f"  line {failure['line']}: {failure['error']}", markup=False)
    if result.recompute is not None:
        for title, entry in result.recompute["by_type"].items():
            console.print(f"  {title}: {entry['agree']}/{entry['parsed']} agree", markup=False)
            for cause, count in entry["causes"].items():
                console.print(f"    {count} x {cause}", markup=False)
    if out is not None:
        console.print(f"saved to {out}")
