"""``medagentgym import ...``: one sub-command per importer (heavy imports happen inside the commands)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from medagentgym.cli_options import JsonFlag

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
    as_json: JsonFlag = False,
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
    as_json: JsonFlag = False,
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
    for failure in report["failed"][:20]:
        console.print(f"  line {failure['row']}: {failure['reason']}", markup=False)
    if result.recompute is not None:
        for title, entry in result.recompute["by_type"].items():
            console.print(f"  {title}: {entry['agree']}/{entry['parsed']} agree", markup=False)
            for cause, count in entry["causes"].items():
                console.print(f"    {count} x {cause}", markup=False)
    if out is not None:
        console.print(f"saved to {out}")


@app.command("medagentgym")
def medagentgym_command(
    family: Annotated[str, typer.Option("--family", help="mimic_iii, eicu or treqs.")],
    file: Annotated[Path, typer.Option("--file", help="Official task file (JSON lines).")],
    reground: Annotated[
        bool, typer.Option("--reground", help="Run the gold SQL on the synthetic world of the same schema.")
    ] = False,
    db: Annotated[
        Path | None,
        typer.Option("--db", help="Run the gold SQL on your own EHRSQL/MIMICSQL SQLite database."),
    ] = None,
    time_semantics: Annotated[
        str,
        typer.Option("--time-semantics", help="ehrsql (now = 2105-12-31 23:59:00) or raw (as the original)."),
    ] = "ehrsql",
    seed: Annotated[int, typer.Option(help="World seed for --reground.")] = 0,
    patients: Annotated[
        int | None, typer.Option(help="World size for --reground (default: the default world).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Save the imported task set to this directory.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Import official MedAgentGym EHR tasks; answers are recomputed by running their gold SQL."""
    from rich.console import Console

    from medagentgym.cli import print_json
    from medagentgym.importers.medagentgym import import_file
    from medagentgym.tasks.taskset import save_task_set

    result = import_file(
        file,
        family,
        reground=reground,
        db=db,
        semantics=time_semantics,  # type: ignore[arg-type]
        seed=seed,
        n_patients=patients,
    )
    report = result.report()
    if out is not None:
        meta = {"source": str(file), "family": family, "time_semantics": time_semantics, "reground": reground}
        save_task_set(result.tasks, out, name=f"medagentgym-{family}-{file.stem}", meta=meta)
        report["out"] = str(out)
    if as_json:
        print_json(report)
        return
    console = Console(soft_wrap=True)
    console.print(
        f"{report['total']} rows: {report['executed']} executed, {report['non_empty']} with a non-empty answer "
        f"(imported), {len(report['failed'])} failed."
    )
    for row_id, reason in list(report["errors"].items())[:20]:
        console.print(f"  {row_id}: {reason}", markup=False)
    if out is not None:
        console.print(f"saved to {out}")
