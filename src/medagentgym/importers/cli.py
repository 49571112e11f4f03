"""``medagentgym import ...``: one sub-command per importer (mounted by ``medagentgym.cli``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Import official task files into MedAgentGym task sets.", no_args_is_help=True)


@app.command("medcalcbench")
def medcalcbench_command(
    file: Annotated[Path, typer.Option("--file", help="MedCalc-Bench test file (JSONL or CSV).")],
    out: Annotated[Path | None, typer.Option("--out", help="Save the task set to this directory.")] = None,
    check_oracle: Annotated[
        bool, typer.Option("--check-oracle", help="Grade the official answers and the trivial strategies.")
    ] = False,
    recompute: Annotated[
        bool, typer.Option("--recompute", help="Recompute each row from its Relevant Entities.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Import MedCalc-Bench rows: the note is shown, the official limits and rules grade."""
    from rich.console import Console

    from medagentgym.agents.baselines import TrivialAgent
    from medagentgym.cli import print_json
    from medagentgym.importers import medcalcbench
    from medagentgym.tasks.taskset import save_task_set

    result = medcalcbench.import_file(file)
    report = result.summary()
    tasks = result.tasks
    if check_oracle:
        report |= medcalcbench.check_oracle(tasks, TrivialAgent.STRATEGIES)
    if recompute:
        report |= medcalcbench.recompute(result.rows)
    if out is not None:
        save_task_set(tasks, out, name=f"medcalcbench-{file.stem}", meta={"source": str(file)})
        report["out"] = str(out)
    if as_json:
        print_json(report)
        return
    console = Console()
    console.print(f"{report['loaded']} of {report['total']} rows imported; {len(report['failed'])} failed.")
    for failure in report["failed"][:20]:
        console.print(f"  row {failure['row']}: {failure['reason']}", markup=False)
    if check_oracle:
        console.print(f"oracle {report['oracle']:.1%}; trivial {report['trivial']}")
    if recompute:
        console.print(f"recompute agreement {report['recompute_agreement']:.1%}")
        for name, count in report["disagreements"].items():
            console.print(f"  {name}: {count}", markup=False)
